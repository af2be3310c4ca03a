"""Processing a provider event never holds a transaction (nor a row lock) while Stripe is asked over the
network: claim (committed), call, then record in a short transaction of its own."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import stripe
from django.db import DatabaseError, connection, transaction

from market.payments import services
from market.payments.models import Payable, Payment, PaymentState, WebhookEvent, WebhookEventStatus
from tests.payments.test_webhooks import pending_3ds_payment, stripe_events


def rows_lockable(payment_id: int, event_id: int) -> bool:
    """From another connection: can the payable, the payment and the event be locked right now?"""
    answer: list[bool] = []

    def probe() -> None:
        try:
            with transaction.atomic():
                payment = Payment.objects.select_for_update(nowait=True).get(pk=payment_id)
                Payable.objects.select_for_update(nowait=True).get(pk=payment.payable_id)
                WebhookEvent.objects.select_for_update(nowait=True).get(pk=event_id)
            answer.append(True)
        except DatabaseError:
            answer.append(False)
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return answer[0]


@pytest.mark.django_db(transaction=True)
def test_stripe_is_called_with_no_transaction_and_no_row_locked(monkeypatch, localstripe, make_invoice, payer_user):
    payment, _secret = pending_3ds_payment(localstripe, make_invoice, payer_user)
    [body] = stripe_events("payment_intent.succeeded")
    event, _created = services.webhook_event_store(
        provider="stripe", event_id=body["id"], type=body["type"], payload=body
    )
    seen: list[tuple[bool, bool]] = []
    original = stripe._http_client.HTTPClient.request_with_retries

    def observed(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((connection.in_atomic_block, rows_lockable(payment.pk, event.pk)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(stripe._http_client.HTTPClient, "request_with_retries", observed)
    assert services.webhook_event_process(event_id=event.pk) == WebhookEventStatus.PROCESSED
    assert seen, "Stripe was asked"
    assert seen == [(False, True)] * len(seen)
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    # Run again (a retry, the relay): already processed, nothing asked, nothing changed.
    seen.clear()
    assert services.webhook_event_process(event_id=event.pk) == "skipped"
    assert seen == []


@pytest.mark.django_db(transaction=True)
def test_a_claim_left_by_a_killed_worker_is_taken_again_once_stale(localstripe, make_invoice, payer_user):
    from datetime import timedelta

    from django.utils import timezone

    payment, _secret = pending_3ds_payment(localstripe, make_invoice, payer_user)
    [body] = stripe_events("payment_intent.succeeded")
    event, _created = services.webhook_event_store(
        provider="stripe", event_id=body["id"], type=body["type"], payload=body
    )
    # A worker claimed it and was killed before recording: a fresh claim is left alone...
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEventStatus.PROCESSING, claimed_at=timezone.now())
    assert services.webhook_event_process(event_id=event.pk) == "skipped"
    # ...a stale one is taken again, and processed once.
    WebhookEvent.objects.filter(pk=event.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert services.webhook_event_process(event_id=event.pk) == WebhookEventStatus.PROCESSED
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.events.filter(to_state=PaymentState.SUCCEEDED).count() == 1
