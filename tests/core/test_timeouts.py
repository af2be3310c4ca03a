"""Every PostgreSQL connection has a statement and a lock timeout, /healthz answers within a second while
tables it reads are locked, and the cache gives up at once on a Redis that accepts connections and never
answers (so do throttles, which count in the cache)."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client

from market.core.cache import ResilientRedisCache
from tests.payments.test_broker_faults import frozen_redis  # noqa: F401 (a fixture)


@pytest.mark.django_db
def test_each_connection_has_a_statement_and_a_lock_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
    assert statement == f"{settings.DATABASE_STATEMENT_TIMEOUT_SECONDS}s"
    assert lock == f"{settings.DATABASE_LOCK_TIMEOUT_SECONDS}s"


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_within_a_second_while_its_tables_are_locked():
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("LOCK TABLE core_heartbeat, catalog_harvestlot IN ACCESS EXCLUSIVE MODE")
                held.set()
                release.wait(20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        response = Client().get("/healthz")
        seconds = time.monotonic() - started
    finally:
        release.set()
        holder.join(10)
    assert seconds < 1
    body = response.json()
    assert body["database"] is True  # the database answers; only the worker's heartbeat could not be read
    assert body["worker"] is None


def test_the_cache_gives_up_at_once_on_a_frozen_redis(frozen_redis):  # noqa: F811
    params = dict(settings.CACHES["default"])
    cache = ResilientRedisCache(f"redis://127.0.0.1:{frozen_redis}/0", params)
    started = time.monotonic()
    assert cache.get("anything") is None
    assert time.monotonic() - started < 2
