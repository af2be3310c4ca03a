"""psycopg keeps its conversion of every statement we run, the public product list's (~4.9 KB, over psycopg's
own 4,096-byte limit) included: a request repeating a statement converts nothing afresh
(market/core/postgresql/base.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg import _queries

from catalog import selectors
from catalog.api import serializers as s
from catalog.selectors.browse import ProductQuery
from tests.catalog.factories import make_product

pytestmark = pytest.mark.django_db


def _list_page() -> None:
    words = selectors.card_words(media=s.media_url_around())
    selectors.product_card_page(query=ProductQuery(), words=words, page_size=24)


def test_the_product_lists_statement_is_converted_once(cooperative):
    make_product(cooperative)
    run: list[str] = []

    def seen(execute, sql, params, many, context):
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(seen):
        _list_page()
    before = _queries._query2pg.cache_info()
    _list_page()
    after = _queries._query2pg.cache_info()

    assert max(len(sql.encode()) for sql in run) > 4096  # what psycopg alone would not have kept
    assert after.misses == before.misses
    assert after.hits == before.hits + len(run)
