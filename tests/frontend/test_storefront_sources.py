"""Which writes must move a storefront's version is decided by what the page reads, not by memory: every table
the storefront's queries read is written by one of the kinds of change that tests/frontend/test_storefront_etag.py
shows moving its ETag (and so the parts kept under it), or is listed below with the reason it needs none. A new
part of the page that reads a new table fails here until a change writing it, and its `storefront_changed`, are
added there."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.frontend.test_storefront_etag import CHANGES, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

READ = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z][a-z_0-9]*)\b"?(?!\s*\()', re.IGNORECASE)  # not a function
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z][a-z_0-9]*)"?', re.IGNORECASE)

# Read by the storefront, written by no service that should move it.
NEEDS_NO_CHANGE = {
    "catalog_category": "reference data, edited in the admin only (no service); a product moves with its own",
}


def _tables(pattern: re.Pattern[str], queries: list[dict[str, str]]) -> set[str]:
    return {table.lower() for query in queries for table in pattern.findall(query["sql"])}


def test_every_table_the_storefront_reads_is_written_by_a_change_that_moves_its_etag(world):  # noqa: F811
    cache.clear()
    with CaptureQueriesContext(connection) as reads:
        assert Client().get(reverse("frontend:cooperative", args=[world.cooperative.pk])).status_code == 200
    read = _tables(READ, reads.captured_queries)
    written: set[str] = set()
    for change in CHANGES.values():
        with CaptureQueriesContext(connection) as writes:
            change(world)
        written |= _tables(WRITE, writes.captured_queries)
    assert "catalog_product" in read  # the pattern reads the page's SQL
    unwatched = read - written - set(NEEDS_NO_CHANGE)
    assert not unwatched, f"the storefront reads {sorted(unwatched)}: add the change that writes each to CHANGES"
