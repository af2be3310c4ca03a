"""Health endpoints for load balancers and orchestrators.

- /healthz (liveness and monitoring): database and broker reachable; when a worker last beat.
- /readyz (readiness): may this web process be sent traffic? Database, Redis (cache) and broker reachable
  and every migration applied — a process started against a database that `migrate` has not finished yet
  answers 503, and the load balancer keeps it out of rotation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from market.core.models import Heartbeat

WORKER_STALE_AFTER = timedelta(minutes=3)
# /healthz answers within a second whatever the load: each check gives up after this long.
CHECK_TIMEOUT_SECONDS = 0.3


@contextmanager
def _bounded_check() -> Iterator[None]:
    """A transaction (a savepoint inside an open one) in which a statement, or its wait for a lock, stops after
    CHECK_TIMEOUT_SECONDS. A check changes nothing, so it is rolled back, which ends the bound with it: a released
    savepoint would leave the bound on the enclosing transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)", [f"{int(CHECK_TIMEOUT_SECONDS * 1000)}ms"]
                )
        try:
            yield
        finally:
            transaction.set_rollback(True)


def _database_ok() -> bool:
    try:
        with _bounded_check(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _worker() -> dict[str, Any] | None:
    """When the worker last beat, or None when that cannot be read quickly (its table locked, say)."""
    try:
        with _bounded_check():
            beat = Heartbeat.objects.filter(name="worker").first()
    except DatabaseError:
        return None
    return {
        "last_seen": beat.last_seen.isoformat() if beat else None,
        "fresh": bool(beat and timezone.now() - beat.last_seen < WORKER_STALE_AFTER),
    }


def _broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return os.path.isdir(folder) and os.access(folder, os.W_OK)
    try:
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        return bool(client.ping())
    except Exception:
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    broker = _broker_ok()
    worker = _worker() if database else None
    healthy = database and broker
    body = {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker, "worker": worker}
    return JsonResponse(body, status=200 if healthy else 503)


def _cache_ok() -> bool:
    """The Redis behind the cache (sessions' throttles, rate limits); the file cache needs no server."""
    if not settings.REDIS_URL:
        return True
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        return bool(client.ping())
    except Exception:
        return False


_migrated = False


def _migrations_applied() -> bool:
    """True once the database has every migration this code knows; remembered, as migrations never un-apply
    under a running process (loading the migration graph costs ~0.1 s, too much for every probe)."""
    global _migrated
    if _migrated:
        return True
    try:
        with _bounded_check():
            executor = MigrationExecutor(connections["default"])
            _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return False
    return _migrated


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    checks = {
        "database": database,
        "cache": _cache_ok(),
        "broker": _broker_ok(),
        "migrations": database and _migrations_applied(),
    }
    ready = all(checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", **checks}, status=200 if ready else 503)
