"""Counts what one request costs inside the server: SQL queries and Redis round trips.

Installed only by bench/settings.py (the benchmark's settings, refused in production with MARKET_BENCH):
the outermost middleware reads two per-process counters before and after the request — SQL statements
(an execute wrapper installed once on each database connection) and Redis round trips — then answers with
two headers the harness reads:

    X-Bench-Queries: 7     SQL statements sent to PostgreSQL while serving this request
    X-Bench-Redis: 3       Redis round trips (a pipeline counts once: it is one exchange)

gunicorn's sync workers serve one request at a time per process, so a process-wide counter is exact.
The cost of counting (one Python call per query or round trip, two subtractions and two headers per request)
is paid in every timed run too: it is kept small, since it is not the product's. Entering an execute wrapper
per request (a context manager, the connection looked up through its thread-local handler) cost more than the
rest of the counting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from redis.connection import AbstractConnection

QUERIES_HEADER = "X-Bench-Queries"
REDIS_HEADER = "X-Bench-Redis"


class _RedisRoundTrips:
    count = 0


class _Queries:
    count = 0


def _count_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    _Queries.count += 1
    return execute(sql, params, many, context)


def _install_redis_counter() -> None:
    original = AbstractConnection.send_packed_command
    if getattr(original, "_bench_counted", False):
        return

    def counted(self: AbstractConnection, *args: Any, **kwargs: Any) -> Any:
        _RedisRoundTrips.count += 1
        return original(self, *args, **kwargs)

    counted._bench_counted = True  # type: ignore[attr-defined]
    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]


def _install_query_counter(connection: BaseDatabaseWrapper) -> None:
    """Count every statement this database connection runs (its wrappers outlive a reconnection)."""
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


def _on_connection_created(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    _install_query_counter(connection)


_install_redis_counter()


class CostHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        connection_created.connect(_on_connection_created, dispatch_uid="bench.instrument")
        for connection in connections.all(initialized_only=True):  # opened before the middleware was loaded
            _install_query_counter(connection)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries_before, redis_before = _Queries.count, _RedisRoundTrips.count
        response = self.get_response(request)
        response[QUERIES_HEADER] = str(_Queries.count - queries_before)
        response[REDIS_HEADER] = str(_RedisRoundTrips.count - redis_before)
        return response
