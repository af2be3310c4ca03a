"""The bench's cost headers (bench/instrument.py): each response says how many SQL statements and Redis round trips
its request made, counted on connections opened before the middleware was loaded and after, and across a
reconnection. Behaviour only — nothing here asserts a time."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from bench.instrument import QUERIES_HEADER, REDIS_HEADER, CostHeadersMiddleware

pytestmark = pytest.mark.django_db(transaction=True)  # the connection is closed and opened again


def asks(statements: int, round_trips: int):
    def view(request: HttpRequest) -> HttpResponse:
        with connection.cursor() as cursor:
            for n in range(statements):
                cursor.execute("SELECT %s", [n])
        for n in range(round_trips):
            cache.get(f"bench-instrument-{n}")
        return HttpResponse("ok")

    return view


def served(middleware: CostHeadersMiddleware) -> tuple[str, str]:
    response = middleware(RequestFactory().get("/"))
    return response[QUERIES_HEADER], response[REDIS_HEADER]


def test_each_response_counts_its_own_statements_and_round_trips():
    connection.ensure_connection()  # opened before the middleware is loaded, as the bench's fixtures open it
    three_and_two = CostHeadersMiddleware(asks(3, 2))
    with CaptureQueriesContext(connection) as captured:
        assert served(three_and_two) == ("3", "2")
    assert len(captured) == 3
    assert served(CostHeadersMiddleware(asks(0, 0))) == ("0", "0")
    assert served(three_and_two) == ("3", "2")


def test_statements_are_counted_on_a_connection_opened_again():
    one_and_one = CostHeadersMiddleware(asks(1, 1))
    connection.close()
    assert served(one_and_one) == ("1", "1")  # the first statement opens the connection
    connection.close()
    assert served(one_and_one) == ("1", "1")
