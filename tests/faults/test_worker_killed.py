"""A Celery worker SIGKILLed in the middle of a payments task: the provider event it had claimed is processed
exactly once by the worker started after it, as soon as the claim's lease has run out.

The task (process_webhook_event) claims the event in the database, then asks Stripe for the payment (held
here, so the kill lands mid-task). The killed worker's message is never acknowledged; its claim keeps other
workers off the event for WEBHOOK_CLAIM_LEASE_SECONDS (a few seconds here, instead of the production default
past the longest a live worker can take), then the relay that beat runs (every WEBHOOK_RELAY_INTERVAL_SECONDS)
sends the event again. Nothing is moved in the database by hand: the new worker's own beat does it."""

from __future__ import annotations

import pytest

from market.payments.models import PayableStatus, PaymentState, WebhookEvent, WebhookEventStatus
from tests.faults.conftest import LocalStripeProcess, wait_until
from tests.payables.models import TestInvoiceCallback
from tests.payments.fixtures import invoice_of, sign_stripe
from tests.payments.test_webhooks import URL, pending_3ds_payment, stripe_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow, pytest.mark.long]

# Every worker of the site shares these: a claim older than the lease is a dead worker's, and the relay looks
# for such claims every second.
SHORT_LEASE = {"WEBHOOK_CLAIM_LEASE_SECONDS": "10", "WEBHOOK_RELAY_INTERVAL_SECONDS": "1"}


def test_a_worker_killed_mid_task_leaves_the_event_to_be_processed_once_after_the_lease(
    localstripe_process: LocalStripeProcess, relay_worker, settings, client, make_invoice, payer_user
):
    settings.STRIPE_API_BASE = localstripe_process.url
    payment, _secret = pending_3ds_payment(localstripe_process, make_invoice, payer_user)
    [event] = stripe_events("payment_intent.succeeded")
    localstripe_process.hold(f"GET /v1/payment_intents/{payment.provider_reference}")
    worker = relay_worker(beat=False, STRIPE_API_BASE=localstripe_process.url, **SHORT_LEASE)

    body, signature = sign_stripe(event)
    answer = client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert answer.status_code == 200
    wait_until(localstripe_process.reached, timeout=60, what="the worker asking Stripe")
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == (WebhookEventStatus.PROCESSING, 1)

    worker.kill()  # SIGKILL: the main process and the pool child running the task
    localstripe_process.hold("")
    # The next worker's beat runs the relay, which takes the event again once the dead worker's lease has run
    # out (the event arrived seconds ago: it is not yet one the relay would send for having waited).
    relay_worker(beat=True, STRIPE_API_BASE=localstripe_process.url, **SHORT_LEASE)

    wait_until(lambda: WebhookEvent.objects.get().status == WebhookEventStatus.PROCESSED, timeout=90, what="the event")
    stored.refresh_from_db()
    assert stored.attempts == 2
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.events.filter(to_state=PaymentState.SUCCEEDED).count() == 1
    assert invoice_of(payment.payable).payment_status == PayableStatus.PAID
    assert list(TestInvoiceCallback.objects.values_list("callback", flat=True)) == ["succeeded"]
