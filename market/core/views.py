"""/healthz: is this process able to serve? (database and broker reachable; worker last seen)"""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from market.core.models import Heartbeat

WORKER_STALE_AFTER = timedelta(minutes=3)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return os.path.isdir(folder) and os.access(folder, os.W_OK)
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    broker = _broker_ok()
    worker = None
    if database:
        beat = Heartbeat.objects.filter(name="worker").first()
        worker = {
            "last_seen": beat.last_seen.isoformat() if beat else None,
            "fresh": bool(beat and timezone.now() - beat.last_seen < WORKER_STALE_AFTER),
        }
    healthy = database and broker
    body = {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker, "worker": worker}
    return JsonResponse(body, status=200 if healthy else 503)
