"""/healthz: is this process able to serve? (database and broker reachable; worker last seen)"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from market.core.models import Heartbeat

WORKER_STALE_AFTER = timedelta(minutes=3)
# /healthz answers within a second whatever the load: each check gives up after this long.
CHECK_TIMEOUT_SECONDS = 0.3


def _bounded_statements() -> None:
    """Within the current transaction, a statement (or its wait for a lock) stops after CHECK_TIMEOUT_SECONDS."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [f"{int(CHECK_TIMEOUT_SECONDS * 1000)}ms"]
            )


def _database_ok() -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _bounded_statements()
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _worker() -> dict[str, Any] | None:
    """When the worker last beat, or None when that cannot be read quickly (its table locked, say)."""
    try:
        with transaction.atomic():
            _bounded_statements()
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
