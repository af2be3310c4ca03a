"""A Celery worker SIGKILLed in the middle of a payments task: the provider event it had claimed is processed
exactly once by the worker started after it.

The task (process_webhook_event) claims the event in the database, then asks Stripe for the payment (held
here, so the kill lands mid-task). The killed worker's message is never acknowledged; its claim keeps other
workers off the event until the lease passes (CLAIM_EXPIRES: ten minutes, moved forward in the database here
rather than waited for), then the relay that beat runs every minute sends the event again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from market.payments.models import PayableStatus, PaymentState, WebhookEvent, WebhookEventStatus
from market.payments.services.webhooks import CLAIM_EXPIRES
from market.payments.tasks import relay_webhook_events
from tests.faults.conftest import LocalStripeProcess, wait_until
from tests.payables.models import TestInvoiceCallback
from tests.payments.fixtures import invoice_of, sign_stripe
from tests.payments.test_webhooks import URL, pending_3ds_payment, stripe_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow, pytest.mark.long]


def test_a_worker_killed_mid_task_leaves_the_event_to_be_processed_once_after_restart(
    localstripe_process: LocalStripeProcess, relay_worker, settings, client, make_invoice, payer_user
):
    settings.STRIPE_API_BASE = localstripe_process.url
    payment, _secret = pending_3ds_payment(localstripe_process, make_invoice, payer_user)
    [event] = stripe_events("payment_intent.succeeded")
    localstripe_process.hold(f"GET /v1/payment_intents/{payment.provider_reference}")
    worker = relay_worker(beat=False, STRIPE_API_BASE=localstripe_process.url)

    body, signature = sign_stripe(event)
    answer = client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert answer.status_code == 200
    wait_until(localstripe_process.reached, timeout=60, what="the worker asking Stripe")
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == (WebhookEventStatus.PROCESSING, 1)

    worker.kill()  # SIGKILL: the main process and the pool child running the task
    localstripe_process.hold("")
    relay_worker(beat=False, STRIPE_API_BASE=localstripe_process.url)
    # The lease passes (ten minutes, moved forward here): the relay sends the abandoned event again.
    past = timezone.now() - CLAIM_EXPIRES - timedelta(minutes=1)
    WebhookEvent.objects.filter(pk=stored.pk).update(claimed_at=past, received_at=past)
    relay_webhook_events.delay()

    wait_until(lambda: WebhookEvent.objects.get().status == WebhookEventStatus.PROCESSED, timeout=60, what="the event")
    stored.refresh_from_db()
    assert stored.attempts == 2
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.events.filter(to_state=PaymentState.SUCCEEDED).count() == 1
    assert invoice_of(payment.payable).payment_status == PayableStatus.PAID
    assert list(TestInvoiceCallback.objects.values_list("callback", flat=True)) == ["succeeded"]
