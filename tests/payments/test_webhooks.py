"""Webhooks: signature on the raw body, stored once under the provider's event id, processed by a task
that re-reads the object from Stripe and only moves state forward."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from market.organisations.actors import resolve_actor
from market.payments import services
from market.payments import stripe_gateway as gateway
from market.payments.models import (
    Dispute,
    PayableStatus,
    Payment,
    PaymentState,
    ReconciliationRun,
    Refund,
    WebhookEvent,
    WebhookEventStatus,
)
from market.payments.services.reconciliation import reconciliation_run
from tests.payables.models import TestInvoiceCallback
from tests.payments.fixtures import card_token, invoice_of, sign_stripe
from tests.payments.test_cards import THREE_D_SECURE, authenticate_3ds

URL = "/api/v1/payments/webhooks/stripe/"


def post_event(client, event: dict[str, Any] | bytes, signature: str | None = None):
    body, header = sign_stripe(event)
    headers = {"HTTP_STRIPE_SIGNATURE": signature if signature is not None else header}
    return client.post(URL, data=body, content_type="application/json", **headers)


def stripe_events(event_type: str) -> list[dict[str, Any]]:
    return [gateway.as_dict(e) for e in gateway.client().v1.events.list({"type": event_type}).auto_paging_iter()]


def pending_3ds_payment(localstripe, make_invoice, payer_user, amount: int = 1_500_000) -> tuple[Payment, str]:
    """A card payment whose buyer passed 3-D Secure at Stripe, but whose result we have not heard of yet."""
    payable = make_invoice(amount)
    payment, secret = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe, THREE_D_SECURE)
    )
    authenticate_3ds(localstripe, payment.provider_reference, secret)
    return payment, secret


def process_all() -> None:
    for event_id in WebhookEvent.objects.order_by("pk").values_list("pk", flat=True):
        services.webhook_event_process(event_id=event_id)


@pytest.mark.django_db
class TestSignature:
    def test_bad_signatures_answer_400_and_store_nothing(self, client, localstripe):
        event = {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}
        assert post_event(client, event, signature="").status_code == 400
        assert post_event(client, event, signature="t=1,v1=deadbeef").status_code == 400
        body, header = sign_stripe(event, secret="whsec_someone_else")
        assert (
            client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header).status_code
            == 400
        )
        body, header = sign_stripe(event)
        tampered = body.replace(b"pi_1", b"pi_2")
        response = client.post(URL, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_signature"
        old_body, old_header = sign_stripe(event, timestamp=int(time.time()) - 3600)  # a replay
        assert (
            client.post(
                URL, data=old_body, content_type="application/json", HTTP_STRIPE_SIGNATURE=old_header
            ).status_code
            == 400
        )
        assert not WebhookEvent.objects.exists()

    def test_types_we_do_not_handle_are_answered_200_and_ignored(self, client, localstripe):
        event = {"id": "evt_customer", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
        assert post_event(client, event).status_code == 200
        process_all()
        assert WebhookEvent.objects.get().status == WebhookEventStatus.IGNORED


@pytest.mark.django_db
def test_the_same_event_five_times_has_one_effect(client, localstripe, make_invoice, payer_user):
    payment, _ = pending_3ds_payment(localstripe, make_invoice, payer_user)
    [event] = stripe_events("payment_intent.succeeded")
    answers = [post_event(client, event) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["duplicate"] for a in answers] == [False, True, True, True, True]
    assert WebhookEvent.objects.count() == 1
    for _ in range(3):  # the task may run more than once (retries, the relay): still one effect
        process_all()
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.events.filter(to_state=PaymentState.SUCCEEDED).count() == 1
    assert list(TestInvoiceCallback.objects.values_list("callback", flat=True)) == ["succeeded"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_the_same_event_five_times_concurrently_has_one_effect(
    live_server, localstripe, make_invoice, payer_user, celery_worker_process
):
    celery_worker_process(concurrency=2)
    payment, _ = pending_3ds_payment(localstripe, make_invoice, payer_user)
    [event] = stripe_events("payment_intent.succeeded")
    body, header = sign_stripe(event)
    answers: list[int] = []
    start = threading.Barrier(5)

    def send() -> None:
        start.wait()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            live_server.url + URL,
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answers.append(response.status)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 5
    assert WebhookEvent.objects.count() == 1
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and WebhookEvent.objects.get().status != WebhookEventStatus.PROCESSED:
        time.sleep(0.2)
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert list(TestInvoiceCallback.objects.values_list("callback", flat=True)) == ["succeeded"]


@pytest.mark.django_db
def test_an_old_failure_arriving_after_success_changes_nothing(client, localstripe, make_invoice, payer_user):
    payment, _ = pending_3ds_payment(localstripe, make_invoice, payer_user)
    [succeeded] = stripe_events("payment_intent.succeeded")
    # An earlier attempt's failure event (recorded shape), delivered late.
    stale_failure = {
        "id": "evt_3PstaleFailure0001",
        "object": "event",
        "type": "payment_intent.payment_failed",
        "created": succeeded["created"] - 60,
        "data": {
            "object": {
                "id": payment.provider_reference,
                "object": "payment_intent",
                "status": "requires_payment_method",
            }
        },
    }
    post_event(client, succeeded)
    post_event(client, stale_failure)
    process_all()
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert invoice_of(payment.payable).payment_status == PayableStatus.PAID


@pytest.mark.django_db
def test_events_in_reverse_order_end_in_the_right_state(client, localstripe, make_invoice, payer_user):
    payment, _ = pending_3ds_payment(localstripe, make_invoice, payer_user)
    [succeeded] = stripe_events("payment_intent.succeeded")
    failed_first = {**succeeded, "id": "evt_3PfailedFirst0001", "type": "payment_intent.payment_failed"}
    post_event(client, failed_first)  # the failure event is processed first...
    services.webhook_event_process(event_id=WebhookEvent.objects.get(event_id="evt_3PfailedFirst0001").pk)
    post_event(client, succeeded)
    process_all()
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED  # ...but the intent, re-read, says succeeded


def dispute_payload(payment: Payment, status: str, dispute_id: str = "du_1PdisputeRecorded") -> dict[str, Any]:
    """A Stripe dispute object as the API returns it (localstripe has no disputes)."""
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": payment.amount,
        "currency": "vnd",
        "charge": payment.provider_charge,
        "payment_intent": payment.provider_reference,
        "reason": "fraudulent",
        "status": status,
        "evidence_details": {"due_by": int(time.time()) + 7 * 86400},
        "created": int(time.time()),
    }


def dispute_event(event_id: str, event_type: str, dispute: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": dispute},
    }


@pytest.mark.django_db
def test_a_dispute_is_recorded_and_a_lost_one_counts_as_refunded(
    client, localstripe, recorded, make_invoice, payer_user
):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe)
    )
    path = ("GET", "/v1/disputes/du_1PdisputeRecorded")
    recorded[path] = dispute_payload(payment, "needs_response")
    post_event(client, dispute_event("evt_dispute_created", "charge.dispute.created", recorded[path]))
    process_all()
    payment.refresh_from_db()
    assert payment.state == PaymentState.DISPUTED
    assert Dispute.objects.get().status == "needs_response"
    assert invoice_of(payable).payment_status == PayableStatus.DISPUTED

    recorded[path] = dispute_payload(payment, "lost")
    post_event(client, dispute_event("evt_dispute_closed", "charge.dispute.closed", recorded[path]))
    process_all()
    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED
    assert payable.status == PayableStatus.REFUNDED
    assert payable.amount_refunded == 1_500_000
    assert list(TestInvoiceCallback.objects.values_list("callback", flat=True)) == ["succeeded", "disputed", "disputed"]


@pytest.mark.django_db
def test_a_dispute_closed_before_its_creation_event_arrives(client, localstripe, recorded, make_invoice, payer_user):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe)
    )
    won = dispute_payload(payment, "won")
    recorded[("GET", f"/v1/disputes/{won['id']}")] = won
    post_event(client, dispute_event("evt_closed", "charge.dispute.closed", won))
    post_event(client, dispute_event("evt_created", "charge.dispute.created", {**won, "status": "needs_response"}))
    process_all()
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert Dispute.objects.get().status == "won"


@pytest.mark.django_db
def test_a_refund_made_in_the_dashboard_arrives_by_charge_event(client, localstripe, make_invoice, payer_user):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe)
    )
    refund = gateway.as_dict(
        gateway.client().v1.refunds.create({"payment_intent": payment.provider_reference, "amount": 400_000})
    )
    # localstripe sends no charge events: the event is built from Stripe's recorded charge.refunded shape.
    charge = gateway.charge_retrieve(payment.provider_charge)
    event = {"id": "evt_charge_refunded", "object": "event", "type": "charge.refunded", "created": int(time.time()),
             "data": {"object": {**charge, "amount_refunded": 400_000, "refunded": False}}}  # fmt: skip
    post_event(client, event)
    process_all()
    payment.refresh_from_db()
    assert payment.state == PaymentState.PARTIALLY_REFUNDED
    assert payment.amount_refunded == 400_000
    assert Refund.objects.get().provider_reference == refund["id"]


@pytest.mark.django_db
def test_a_webhook_lost_while_we_were_down_is_repaired_by_the_sweep(localstripe, make_invoice, payer_user):
    payment, _ = pending_3ds_payment(localstripe, make_invoice, payer_user)
    assert not WebhookEvent.objects.exists()  # nothing reached us
    run = reconciliation_run(grace=timedelta(0))
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert invoice_of(payment.payable).payment_status == PayableStatus.PAID
    assert run.status == "completed"
    assert run.events_repaired >= 1
    assert WebhookEvent.objects.filter(source="sweep", type="payment_intent.succeeded").count() == 1
    again = reconciliation_run(grace=timedelta(0))
    assert again.events_repaired == 0
    assert ReconciliationRun.objects.count() == 2
    assert list(TestInvoiceCallback.objects.values_list("callback", flat=True)) == ["succeeded"]


@pytest.mark.django_db
def test_the_sweep_reading_an_event_again_is_not_a_duplicate_delivery(client, localstripe, make_invoice, payer_user):
    """`duplicates` counts the provider's own re-deliveries (what staff filter on); every run re-reads the
    events since its watermark (and the first run 30 days), which the provider did not send again."""
    pending_3ds_payment(localstripe, make_invoice, payer_user)
    [event] = stripe_events("payment_intent.succeeded")
    assert post_event(client, event).json()["duplicate"] is False
    reconciliation_run(grace=timedelta(0))
    reconciliation_run(grace=timedelta(0))
    assert WebhookEvent.objects.get().duplicates == 0
    assert post_event(client, event).json()["duplicate"] is True
    assert WebhookEvent.objects.get().duplicates == 1


@pytest.mark.django_db
def test_webhook_url_is_where_the_issue_says(localstripe):
    assert reverse("payments:webhook-stripe") == URL
    assert reverse("payments:webhook-bank") == "/api/v1/payments/webhooks/bank/"
