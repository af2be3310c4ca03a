"""Card payments against localstripe on 127.0.0.1 with the official SDK: VND, declines, 3-D Secure, refunds."""

from __future__ import annotations

import json
import urllib.request

import pytest

from market.core.money import Money, to_minor_units
from market.notifications.models import Notification
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.organisations.permissions import Actor
from market.payments import services
from market.payments import stripe_gateway as gateway
from market.payments.models import PayableStatus, PaymentEvent, PaymentState, RefundState
from tests.factories import member
from tests.payables.models import TestInvoiceCallback
from tests.payments.fixtures import WRITES, card_token, invoice_of


def announced(payable) -> list[tuple[str, int, int]]:
    """(kind, organisation, payment) of the in-app payment notifications, in the order written."""
    rows = Notification.objects.filter(kind__startswith="payments.", channel="in_app").order_by("pk")
    return [
        (row.kind, row.organisation_id, int(row.object_id))
        for row in rows
        if row.context["reference"] == payable.reference
    ]


pytestmark = pytest.mark.django_db

VISA = "4242424242424242"
DECLINES = "4000000000000341"
THREE_D_SECURE = "4000002500003155"


@pytest.fixture
def payer_actor(payer_user) -> Actor:
    return resolve_actor(payer_user)


@pytest.fixture
def staff_actor(alliance) -> Actor:
    return resolve_actor(member(alliance, Role.MANAGER))


def authenticate_3ds(server, intent_id: str, client_secret: str, success: bool = True) -> None:
    """What localstripe's Stripe.js does when the buyer completes (or fails) 3-D Secure."""
    body = json.dumps({"key": "pk_test_localstripe", "client_secret": client_secret}).encode()
    url = f"{server.url}/v1/payment_intents/{intent_id}/_authenticate?success={'true' if success else 'false'}"
    urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=10).close()  # noqa: S310


def test_vnd_is_zero_decimal_and_never_multiplied_by_100():
    assert to_minor_units(Money.vnd(1_500_000)) == 1_500_000


def test_a_vnd_payment_intent_succeeds_for_exactly_1500000(localstripe, make_invoice, payer_actor):
    payable = make_invoice(1_500_000)
    payment, secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, VISA)
    )
    assert secret == ""
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.amount == 1_500_000
    intent = gateway.payment_intent_retrieve(payment.provider_reference)
    assert intent["amount"] == 1_500_000
    assert intent["currency"] == "vnd"
    assert intent["status"] == "succeeded"
    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID
    assert payable.amount_paid == 1_500_000
    invoice = invoice_of(payable)
    assert invoice.payment_status == PayableStatus.PAID
    assert list(invoice.callbacks.values_list("callback", flat=True)) == ["succeeded"]
    assert list(payment.events.values_list("from_state", "to_state")) == [("", "pending"), ("pending", "succeeded")]
    # Every write call to Stripe carried our deterministic idempotency key.
    assert [key for path, key in WRITES if path == "/v1/payment_intents"] == [f"ml-pi-{payment.pk}-create"]


def test_a_declined_card_fails_and_another_card_then_pays(localstripe, make_invoice, payer_actor, payee):
    member(payee, Role.OWNER)
    payable = make_invoice(800_000)
    failed, _secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, DECLINES)
    )
    assert failed.state == PaymentState.FAILED
    assert failed.failure_code == "card_declined"
    payable.refresh_from_db()
    assert payable.status == PayableStatus.UNPAID
    paid, _secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, VISA)
    )
    assert paid.state == PaymentState.SUCCEEDED
    assert paid.pk != failed.pk
    assert list(invoice_of(payable).callbacks.values_list("callback", flat=True)) == ["failed", "succeeded"]
    # The buyer hears of the failure; buyer and cooperative both hear of the money (members of each).
    assert announced(payable) == [
        ("payments.failed", payable.payer_id, failed.pk),
        ("payments.received", payable.payer_id, paid.pk),
        ("payments.received", payable.payee_id, paid.pk),
    ]


def test_3d_secure_card_needs_authentication_then_succeeds(localstripe, make_invoice, payer_actor):
    payable = make_invoice(2_000_000)
    payment, secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, THREE_D_SECURE)
    )
    assert payment.state == PaymentState.PENDING
    assert payment.provider_status == "requires_action"
    assert secret.startswith(payment.provider_reference)
    authenticate_3ds(localstripe, payment.provider_reference, secret)
    payment = services.card_payment_refresh(actor=payer_actor, payment=payment)
    assert payment.state == PaymentState.SUCCEEDED
    assert invoice_of(payable).payment_status == PayableStatus.PAID


def test_3d_secure_refused_fails_the_attempt(localstripe, make_invoice, payer_actor):
    payable = make_invoice(2_000_000)
    payment, secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, THREE_D_SECURE)
    )
    authenticate_3ds(localstripe, payment.provider_reference, secret, success=False)
    payment = services.card_payment_refresh(actor=payer_actor, payment=payment)
    assert payment.state == PaymentState.FAILED
    assert payment.failure_code == "payment_intent_authentication_failure"


def test_the_same_idempotency_key_never_charges_twice(localstripe, make_invoice, payer_actor):
    payable = make_invoice(500_000)
    token = card_token(localstripe, VISA)
    first, _ = services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=token, client_key="k-1")
    again, _ = services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=token, client_key="k-1")
    assert again.pk == first.pk
    assert [path for path, _key in WRITES].count("/v1/payment_intents") == 1


def test_only_the_payer_may_pay_and_nothing_paid_twice(localstripe, make_invoice, payer_actor, coop_owner):
    payable = make_invoice(500_000)
    from market.core.errors import Conflict, PermissionDenied

    with pytest.raises(PermissionDenied):
        services.card_payment_start(
            actor=resolve_actor(coop_owner), payable_id=payable.pk, token_id=card_token(localstripe, VISA)
        )
    services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, VISA))
    with pytest.raises(Conflict):
        services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, VISA))
    assert payable.payments.count() == 1


def test_partial_then_full_refund(localstripe, make_invoice, payer_actor, staff_actor):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe))
    refund = services.refund_create(
        actor=staff_actor, payment_id=payment.pk, amount=500_000, reason="Thiếu 1 bao gạo"
    ).value
    assert refund.state == RefundState.SUCCEEDED
    assert refund.provider_reference.startswith("re_")
    payment.refresh_from_db()
    assert payment.state == PaymentState.PARTIALLY_REFUNDED
    assert payment.amount_refunded == 500_000
    payable.refresh_from_db()
    assert payable.status == PayableStatus.PARTIALLY_REFUNDED
    from market.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):  # localstripe would accept it; we never over-refund
        services.refund_create(actor=staff_actor, payment_id=payment.pk, amount=1_000_001, reason="quá")
    services.refund_create(actor=staff_actor, payment_id=payment.pk, amount=1_000_000, reason="Hủy đơn")
    payment.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED
    assert payment.amount_refunded == 1_500_000
    assert invoice_of(payable).payment_status == PayableStatus.REFUNDED
    assert [key for path, key in WRITES if path == "/v1/refunds"] == [
        f"ml-refund-{r.pk}" for r in payment.refunds.order_by("pk")
    ]
    assert list(TestInvoiceCallback.objects.values_list("callback", flat=True)) == [
        "succeeded",
        "refunded",
        "refunded",
    ]
    refunds = Notification.objects.filter(kind="payments.refunded", channel="in_app", organisation=payable.payer)
    assert sorted(row.context["amount_refunded"] for row in refunds) == [500_000, 1_500_000]


def test_a_refund_the_bank_refuses_is_recorded_as_failed(localstripe, recorded, make_invoice, payer_actor, staff_actor):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe))
    # Stripe answers a refund to an expired card with status "failed" (localstripe cannot): recorded payload.
    recorded[("POST", "/v1/refunds")] = {
        "id": "re_3PfailedRefund01",
        "object": "refund",
        "amount": 300_000,
        "currency": "vnd",
        "payment_intent": payment.provider_reference,
        "status": "failed",
        "failure_reason": "expired_or_canceled_card",
        "metadata": {},
    }
    refund = services.refund_create(actor=staff_actor, payment_id=payment.pk, amount=300_000, reason="Trả lại").value
    assert refund.state == RefundState.FAILED
    assert refund.failure_message == "expired_or_canceled_card"
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.amount_refunded == 0


def test_a_refund_stripe_rejects_is_recorded_as_failed(localstripe, make_invoice, payer_actor, staff_actor):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe))
    type(payment).objects.filter(pk=payment.pk).update(provider_reference="pi_unknown_at_stripe")
    payment.refresh_from_db()
    refund = services.refund_create(actor=staff_actor, payment_id=payment.pk, amount=100_000, reason="Trả lại").value
    assert refund.state == RefundState.FAILED
    assert refund.failure_message
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert not PaymentEvent.objects.filter(payment=payment, to_state__contains="refund").exists()


def test_a_new_attempt_cancels_one_left_waiting_for_3d_secure(localstripe, make_invoice, payer_actor):
    payable = make_invoice(1_200_000)
    abandoned, _secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, THREE_D_SECURE)
    )
    assert abandoned.provider_status == "requires_action"
    paid, _ = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe, VISA)
    )
    abandoned.refresh_from_db()
    assert abandoned.state == PaymentState.CANCELLED
    assert gateway.payment_intent_retrieve(abandoned.provider_reference)["status"] == "canceled"
    assert paid.state == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert payable.amount_paid == 1_200_000
    assert (f"/v1/payment_intents/{abandoned.provider_reference}/cancel", f"ml-pi-{abandoned.pk}-cancel") in WRITES
