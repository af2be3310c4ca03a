"""Counts what one request costs inside the server: SQL queries and Redis round trips.

Installed only by bench/settings.py (the benchmark's settings, refused in production with MARKET_BENCH):
the outermost middleware wraps each request in `connection.execute_wrapper` and reads a per-process
counter of Redis round trips, then answers with two headers the harness reads:

    X-Bench-Queries: 7     SQL statements sent to PostgreSQL while serving this request
    X-Bench-Redis: 3       Redis round trips (a pipeline counts once: it is one exchange)

gunicorn's sync workers serve one request at a time per process, so a process-wide counter is exact.
The cost of counting (one Python call per query) is paid in every timed run too, and is small next to a
query's own round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from redis.connection import AbstractConnection

QUERIES_HEADER = "X-Bench-Queries"
REDIS_HEADER = "X-Bench-Redis"


class _RedisRoundTrips:
    count = 0


def _install_redis_counter() -> None:
    original = AbstractConnection.send_packed_command
    if getattr(original, "_bench_counted", False):
        return

    def counted(self: AbstractConnection, *args: Any, **kwargs: Any) -> Any:
        _RedisRoundTrips.count += 1
        return original(self, *args, **kwargs)

    counted._bench_counted = True  # type: ignore[attr-defined]
    AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]


_install_redis_counter()


class CostHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = 0

        def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        redis_before = _RedisRoundTrips.count
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response[QUERIES_HEADER] = str(queries)
        response[REDIS_HEADER] = str(_RedisRoundTrips.count - redis_before)
        return response
