"""The broker (Redis) down or frozen while a request wants to hand work to a worker: the request answers
at once and cleanly, the work is kept in the database, and a periodic job starts it later."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.utils import timezone

from market.celery import app as celery_app
from market.organisations.models import Role
from market.payments.models import ReconciliationRun, RunStatus
from market.payments.tasks import run_reconciliation
from tests.factories import member

URL = "/api/v1/payments/reconciliation-runs/"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def frozen_redis() -> Iterator[int]:
    """A TCP server that accepts connections and never answers (a Redis frozen, not down)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def broker_at(url: str) -> Iterator[None]:
    """Point the Celery app's producers at another broker for one test (Celery caches its pools)."""
    previous = celery_app.conf.broker_url, celery_app.conf.broker_write_url
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_write_url = previous
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down() -> Iterator[None]:
    yield from broker_at(f"redis://127.0.0.1:{closed_port()}/0")


@pytest.fixture
def broker_frozen(frozen_redis: int) -> Iterator[None]:
    yield from broker_at(f"redis://127.0.0.1:{frozen_redis}/0")


def request_run(api, alliance) -> tuple[int, float]:
    started = time.monotonic()
    response = api(member(alliance, Role.MANAGER)).post(URL)
    return response.status_code, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["broker_down", "broker_frozen"])
def test_a_reconciliation_asked_for_while_the_broker_is_unreachable_waits_and_is_started_later(
    request, broker, api, alliance, localstripe
):
    request.getfixturevalue(broker)
    status, seconds = request_run(api, alliance)
    assert status == 202
    assert seconds < 4  # never the 90 s of a frozen Redis
    run = ReconciliationRun.objects.get()
    assert run.status == RunStatus.QUEUED  # not RUNNING with no worker on it
    assert run.error  # staff see why it waits
    # The scheduled job (beat, with no run id) takes the waiting request.
    assert run_reconciliation() == run.pk
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert ReconciliationRun.objects.count() == 1


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_not_left_running(settings, localstripe):
    stranded = ReconciliationRun.objects.create(trigger="staff", status=RunStatus.RUNNING)
    ReconciliationRun.objects.filter(pk=stranded.pk).update(
        started_at=timezone.now() - timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    )
    run_reconciliation()
    stranded.refresh_from_db()
    assert stranded.status == RunStatus.FAILED
    assert stranded.finished_at is not None
    assert stranded.error


@pytest.mark.django_db(transaction=True)
def test_a_webhook_while_the_broker_is_frozen_is_answered_at_once_and_kept_for_the_relay(broker_frozen, client):
    from django.conf import settings

    from market.payments import bank_webhook
    from market.payments.models import WebhookEvent, WebhookEventStatus

    body = b'{"id": 5, "transferAmount": 100000, "content": "ML12345", "transferType": "in"}'
    signature = bank_webhook.sign(body, settings.BANK_WEBHOOK_SECRET)
    started = time.monotonic()
    response = client.post(
        "/api/v1/payments/webhooks/bank/", data=body, content_type="application/json", HTTP_X_MARKET_SIGNATURE=signature
    )
    assert response.status_code == 200
    assert time.monotonic() - started < 4
    assert WebhookEvent.objects.get().status == WebhookEventStatus.RECEIVED  # the relay sends it later
