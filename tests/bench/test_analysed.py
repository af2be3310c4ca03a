"""The rows a bench writes after the catalogue's ANALYZE are analysed too: where autovacuum is off (the bench's
PostgreSQL), the planner would otherwise plan the storefront's reads of the fair and the orders as over empty
tables."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.fairs import ensure_fair
from fairs.models import Booth, BoothAssignment

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's"),
]


def _estimated_rows(table: str) -> float:
    """What the planner believes the table holds (pg_class.reltuples: -1 until analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_the_bench_fair_is_analysed_once_made(cooperative):
    with connection.cursor() as cursor:  # what the catalogue's ANALYZE left: the fairs' tables seen empty
        cursor.execute(f"ANALYZE {Booth._meta.db_table}, {BoothAssignment._meta.db_table}")
    ensure_fair(booths=3, exhibitors=1)
    assert _estimated_rows(Booth._meta.db_table) == 3
    assert _estimated_rows(BoothAssignment._meta.db_table) == 1
