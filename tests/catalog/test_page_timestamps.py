"""A page's timestamps are read by page_sql's quicker loader as Django's loader reads them."""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg.pq import Format

from catalog.selectors import page_sql

# As PostgreSQL writes them: whole seconds, each count of fractional digits, an early year.
WRITTEN = [
    "2026-03-01 10:00:00+00",
    "2026-03-01 10:00:00.1+00",
    "2026-03-01 10:00:00.12345+00",
    "2026-12-31 23:59:59.999999+00",
    "0099-01-01 00:00:00+00",
]
STATEMENT = "SELECT v::timestamptz FROM UNNEST(%s::text[]) AS v"


def _django_reads(values: list[str]) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT, [values])
        return cursor.fetchall()


def _seen(found: list[tuple[object, ...]]) -> list[str]:
    """Each value as its repr: equal datetimes in other zones compare equal, and the cursor writes the zone."""
    return [repr(value) for (value,) in found]


@pytest.mark.django_db
def test_a_page_reads_timestamps_with_its_own_loader_over_djangos():
    with connection.cursor() as cursor:
        djangos = cursor.cursor.adapters.get_loader(page_sql.TIMESTAMPTZ_OID, Format.TEXT)
    quick = page_sql._quick_timestamps(djangos)
    assert quick is not djangos
    assert issubclass(quick, djangos)


@pytest.mark.django_db
def test_a_pages_timestamps_are_the_datetimes_django_reads():
    quick = page_sql._fetch(STATEMENT, [WRITTEN], searching=False)
    assert _seen(quick) == _seen(_django_reads(WRITTEN))


@pytest.mark.django_db
def test_a_timestamp_written_in_another_zone_is_read_by_djangos_loader():
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Ho_Chi_Minh'")
    try:
        quick = page_sql._fetch(STATEMENT, [WRITTEN], searching=False)
        assert _seen(quick) == _seen(_django_reads(WRITTEN))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
