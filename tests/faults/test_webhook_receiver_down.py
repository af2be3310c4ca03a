"""Our webhook receiver down when the money arrives: the delivery fails, and once the site is back the payment is
recorded once, whatever is delivered later.

Cards: localstripe (its own process) delivers its events to gunicorn serving Market Link. The buyer starts a 3-D
Secure card payment through the API, then gunicorn is stopped and the buyer passes 3-D Secure at Stripe (what
Stripe.js does): the charge is made and localstripe's `payment_intent.succeeded` delivery finds no one listening
(its log says so). That is the payment only a webhook would tell us of (a card paid without 3-D Secure is recorded
from the answer to our own call). Once gunicorn is back, the reconciliation task, sent as beat sends it and run by
a real Celery worker, sweeps Stripe's events and records it. localstripe never retries a delivery, so Stripe's
later retry (it keeps trying for three days) is the same event signed anew and posted by the test.

Bank transfers: nothing polls the banks' notification services, so there is no sweep; the bank's statement,
imported by staff through the API, is the repair, and the notification's retry after it changes nothing."""

from __future__ import annotations

import json
import re
import urllib.error
import uuid
from typing import Any

import pytest
from django.conf import settings

from market.organisations.models import Organisation, Role
from market.payments import bank_webhook
from market.payments.localstripe import register_webhook
from market.payments.models import (
    BankTransaction,
    EventSource,
    Payable,
    PayableStatus,
    Payment,
    PaymentState,
    ReconciliationRun,
    RunStatus,
    TransactionSource,
    TransactionStatus,
    WebhookEvent,
    WebhookEventStatus,
)
from market.payments.tasks import run_reconciliation
from orders.models import Order
from orders.services.common import PAYABLE_KIND
from tests.catalog.factories import actor_for
from tests.faults.conftest import Answer, LocalStripeProcess, MarketServer, bearer, wait_until
from tests.faults.test_localstripe_down import token_of
from tests.orders.factories import only_order, place, stocked_product
from tests.payments.fixtures import card_token, sign_stripe
from tests.payments.test_cards import THREE_D_SECURE, authenticate_3ds

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow, pytest.mark.long]

STRIPE_WEBHOOK = "/api/v1/payments/webhooks/stripe/"
BANK_WEBHOOK = "/api/v1/payments/webhooks/bank/"
SUCCEEDED = "payment_intent.succeeded"


def deliveries(stripe: LocalStripeProcess, outcome: str) -> list[str]:
    """The event types localstripe logged as delivered ("successfully delivered") or not ("failed")."""
    return re.findall(rf'webhook "([\w.]+)" {outcome}', stripe.log.read_text(errors="replace"))


def ordered_payable(buyer: Organisation, cooperative: Organisation) -> tuple[Order, Payable]:
    """An order placed through checkout (100 kg of rice) and the payable it opened."""
    product, lot = stocked_product(cooperative)
    order = only_order(place(actor_for(buyer, Role.OWNER), [((product, lot), "100")]))
    return order, Payable.objects.get(kind=PAYABLE_KIND, object_id=str(order.pk))


def start_3ds_payment(
    server: MarketServer, stripe: LocalStripeProcess, payable: Payable, token: str
) -> tuple[Payment, str]:
    """The buyer pays with a card that asks for 3-D Secure, through the API: the attempt and its client secret."""
    started = server.request(
        "POST",
        f"/api/v1/payments/payables/{payable.reference}/card-payments/",
        {"token": card_token(stripe, THREE_D_SECURE)},
        bearer(token, **{"Idempotency-Key": payable.reference}),
    )
    assert started.status == 201, started.body[:2000]
    assert started.json()["state"] == PaymentState.PENDING
    return Payment.objects.get(pk=started.json()["id"]), started.json()["client_secret"]


def reconcile_through_celery() -> ReconciliationRun:
    """The message beat sends every 15 minutes (no run id), taken by the worker; its run once finished."""
    before = set(ReconciliationRun.objects.values_list("pk", flat=True))
    run_reconciliation.delay()

    def finished() -> ReconciliationRun | None:
        run = ReconciliationRun.objects.exclude(pk__in=before).first()
        return run if run is not None and run.status != RunStatus.RUNNING and run.finished_at else None

    return wait_until(finished, timeout=90, what="the reconciliation run")


def test_a_card_payment_made_while_our_receiver_was_down_is_recorded_once_by_the_sweep(
    localstripe_process: LocalStripeProcess, market_server, relay_worker, buyer, cooperative
):
    stripe = localstripe_process
    stripe_env = {"STRIPE_API_BASE": stripe.url, "STRIPE_TIMEOUT_SECONDS": "5", "STRIPE_MAX_NETWORK_RETRIES": "0"}
    server: MarketServer = market_server(**stripe_env)
    relay_worker(beat=False, **stripe_env)
    register_webhook(stripe.url, url=server.base + STRIPE_WEBHOOK, secret=settings.STRIPE_WEBHOOK_SECRET)
    token = token_of(buyer)
    # While the receiver is up, localstripe's deliveries reach it and record the payment: the webhook is right.
    _first_order, heard_of = ordered_payable(buyer, cooperative)
    first, secret = start_3ds_payment(server, stripe, heard_of, token)
    authenticate_3ds(stripe, first.provider_reference, secret)
    wait_until(lambda: deliveries(stripe, "successfully delivered") == [SUCCEEDED], timeout=30, what="a delivery")
    wait_until(lambda: Payment.objects.get(pk=first.pk).state == PaymentState.SUCCEEDED, timeout=60, what="it")

    order, payable = ordered_payable(buyer, cooperative)
    payment, secret = start_3ds_payment(server, stripe, payable, token)
    server.stop()  # our receiver is down
    authenticate_3ds(stripe, payment.provider_reference, secret)
    wait_until(lambda: deliveries(stripe, "failed") == [SUCCEEDED], timeout=30, what="the failed delivery")
    charged = {charge["payment_intent"] for charge in stripe.charges()}
    assert charged == {first.provider_reference, payment.provider_reference}  # Stripe took the money
    assert not WebhookEvent.objects.filter(
        type=SUCCEEDED, payload__data__object__id=payment.provider_reference
    ).exists()
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING

    back = market_server(**stripe_env)  # the receiver is back; nothing re-sends the lost event by itself
    run = reconcile_through_celery()
    assert (run.status, run.error) == (RunStatus.COMPLETED, "")
    assert run.events_repaired == 1

    [repaired] = WebhookEvent.objects.filter(type=SUCCEEDED, source=EventSource.SWEEP)
    assert repaired.payload["data"]["object"]["id"] == payment.provider_reference
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.events.filter(to_state=PaymentState.SUCCEEDED).count() == 1
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, payable.amount)
    order.refresh_from_db()
    assert order.payment_status == PayableStatus.PAID

    # Stripe retries the delivery it could not make: the same event, signed anew. It is a counted duplicate.
    event = stripe.get(f"/v1/events/{repaired.event_id}")
    body, signature = sign_stripe(json.dumps(event).encode())
    retried = back.request("POST", STRIPE_WEBHOOK, headers={"Stripe-Signature": signature}, raw=body)
    assert retried.status == 200, retried.body[:2000]
    assert retried.json() == {"received": True, "duplicate": True}
    # The next scheduled sweep finds nothing left to repair.
    again = reconcile_through_celery()
    assert (again.status, again.events_repaired) == (RunStatus.COMPLETED, 0)

    repaired.refresh_from_db()
    assert repaired.duplicates == 1
    assert Payment.objects.filter(payable=payable).count() == 1
    assert payment.events.filter(to_state=PaymentState.SUCCEEDED).count() == 1
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, payable.amount)
    order.refresh_from_db()
    assert order.payment_status == PayableStatus.PAID
    assert len(stripe.charges()) == 2  # one for each order


def upload_statement(server: MarketServer, token: str, csv: str, account_number: str) -> Answer:
    """What staff's statement form sends: the bank's CSV file and the account it is for (multipart)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="account_number"\r\n\r\n{account_number}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="sao-ke.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{csv}\r\n",
        f"--{boundary}--\r\n",
    ]
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", **bearer(token)}
    return server.request("POST", "/api/v1/payments/statements/", headers=headers, raw="".join(parts).encode())


def notify_bank_transfer(server: MarketServer, payload: dict[str, Any]) -> Answer:
    """What the bank's notification service (Casso here) sends, signed with the shared secret when sent."""
    body = json.dumps(payload).encode()
    signature = bank_webhook.sign(body, settings.BANK_WEBHOOK_SECRET)
    return server.request("POST", BANK_WEBHOOK, headers={"X-Market-Signature": signature}, raw=body)


def test_a_transfer_notified_while_our_receiver_was_down_is_recorded_once_from_the_statement(
    market_server, relay_worker, buyer, cooperative, alliance
):
    server: MarketServer = market_server()
    relay_worker(beat=False)
    order, payable = ordered_payable(buyer, cooperative)
    account = payable.account_number or "7700201099999"
    notification = {"error": 0, "data": {
        "id": 4_455_661, "reference": "FT26339000777", "description": f"{payable.reference} chuyen tien hang",
        "amount": payable.amount, "transactionDateTime": "2026-12-05 10:02:11", "accountNumber": account,
        "bankName": "Agribank", "counterAccountName": "CONG TY MUA HANG",
    }}  # fmt: skip

    server.stop()  # our receiver is down when the bank's service tells of the transfer
    with pytest.raises(urllib.error.URLError):
        notify_bank_transfer(server, notification)

    back = market_server()
    staff = token_of(alliance, Role.MANAGER)
    csv = f"transaction_id,booked_at,amount,description\nFT26339000777,05/12/2026 10:02,{payable.amount},"
    csv += f"{payable.reference} chuyen tien hang\n"
    uploaded = upload_statement(back, staff, csv, account)
    assert uploaded.status == 201, uploaded.body[:2000]
    assert [line["outcome"] for line in uploaded.json()["preview"]] == ["apply"]
    applied = back.request("POST", f"/api/v1/payments/statements/{uploaded.json()['id']}/apply/", None, bearer(staff))
    assert applied.status == 200, applied.body[:2000]
    assert applied.json()["lines_matched"] == 1
    [paid] = Payment.objects.filter(payable=payable)
    assert paid.state == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, payable.amount)
    order.refresh_from_db()
    assert order.payment_status == PayableStatus.PAID

    # The notification service tries again: stored and processed by the worker, and it changes nothing.
    retried = notify_bank_transfer(back, notification)
    assert retried.status == 200, retried.body[:2000]
    processed = (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED)
    wait_until(lambda: WebhookEvent.objects.get(type="transfer").status in processed, timeout=60, what="the event")
    [tx] = BankTransaction.objects.all()
    assert (tx.source, tx.seen_on_statement, tx.status) == (
        TransactionSource.STATEMENT,
        True,
        TransactionStatus.MATCHED,
    )
    assert Payment.objects.filter(payable=payable).count() == 1
    assert paid.events.filter(to_state=PaymentState.SUCCEEDED).count() == 1
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, payable.amount)
