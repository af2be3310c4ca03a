"""Separate queues: a payments task stuck on a Stripe that does not answer holds only the payments worker;
a notification is delivered meanwhile by the notifications worker (real worker processes, one per queue)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import transaction

from market.notifications.models import Channel, Notification, Status
from market.notifications.services import notify
from market.notifications.tasks import relay
from market.organisations.models import Role
from market.payments.models import Provider, WebhookEvent, WebhookEventStatus
from market.payments.tasks import process_webhook_event
from tests.conftest import ROOT, process_env
from tests.factories import member
from tests.notifications.conftest import RELAY_ENV, SmtpSink, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


class StalledApi:
    """Accepts connections and reads requests, but answers none until released: Stripe stalled."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests = threading.Event()
        self.released = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            threading.Thread(target=self._hold, args=(connection,), daemon=True).start()

    def _hold(self, connection: socket.socket) -> None:
        if connection.recv(65536):
            self.requests.set()
        self.released.wait(120)
        connection.close()

    def release(self) -> None:
        self.released.set()
        self.listener.close()


@pytest.fixture
def queue_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """start(queue, **env) -> a real `celery worker --queues <queue>` on the test database and broker."""
    started: list[subprocess.Popen] = []

    def start(queue: str, **extra: str) -> subprocess.Popen:
        name = f"{queue}-{uuid.uuid4().hex[:6]}@localhost"
        log = tmp_path / f"{queue}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "market", "worker", "--queues", queue, "--loglevel", "INFO",
             "--concurrency", "1", "--hostname", name, "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=process_env(**extra), stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{log.read_text()[-3000:]}")
            return " ready." in log.read_text()

        wait_until(ready, timeout=90, interval=0.2, what=f"the {queue} worker")
        return process

    yield start
    for process in started:
        process.kill()
        process.wait(timeout=10)


def test_a_stalled_payments_task_does_not_delay_a_notification(
    queue_worker, smtp_server: SmtpSink, cooperative
) -> None:
    stripe = StalledApi()
    try:
        queue_worker(
            "payments",
            STRIPE_API_BASE=stripe.url,
            STRIPE_TIMEOUT_SECONDS="120",  # the test, not the timeout, decides when Stripe answers
            STRIPE_MAX_NETWORK_RETRIES="0",
        )
        queue_worker(
            "notifications",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_server.port),
            **RELAY_ENV,
        )
        event = WebhookEvent.objects.create(
            provider=Provider.STRIPE,
            event_id="evt_stalled",
            type="payment_intent.succeeded",
            payload={"id": "evt_stalled", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}},
        )
        process_webhook_event.delay(event.pk)
        assert stripe.requests.wait(60), "the payments worker never called Stripe"

        member(cooperative, Role.OWNER)
        with transaction.atomic():
            notify(kind="organisations.verified", recipients=[cooperative], context={}, object_ref=cooperative)
        relay.delay()

        # The sink has the message a moment before the worker records "sent": wait for both.
        wait_until(lambda: smtp_server.count() == 1, timeout=60, what="the e-mail, while Stripe is stalled")
        wait_until(
            lambda: Notification.objects.get(channel=Channel.EMAIL).status == Status.SENT,
            timeout=30, what="the e-mail recorded as sent",
        )  # fmt: skip
        # The payments task is still waiting on Stripe: the e-mail did not wait for it.
        assert not stripe.released.is_set()
        assert WebhookEvent.objects.get(pk=event.pk).status == WebhookEventStatus.PROCESSING
    finally:
        stripe.release()
