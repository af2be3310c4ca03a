"""A refund whose answer from Stripe is lost on the network: the money may or may not have gone back.

localstripe runs behind the dropping proxy of tests/payments/dropping_stripe.py, here losing the refund create call
after localstripe made the refund, or before it reached it. The refund is never failed on a guess (that would
free its amount for a second refund): it stays pending with its amount reserved, staff and API clients are told
not to refund again, and it is settled from what Stripe shows — recorded once, or sent again under its key."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from market.core.errors import Conflict, ValidationFailed
from market.core.money import Money
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.organisations.permissions import Actor
from market.payments import services
from market.payments import stripe_gateway as gateway
from market.payments.models import EventSource, Payment, PaymentState, Refund, RefundState, RunStatus
from market.payments.services.cards import REFUND_OUTCOME_UNKNOWN, refund_outcome_unknown_message
from market.payments.services.reconciliation import reconciliation_run
from market.payments.tasks import resolve_refund
from tests.factories import member
from tests.payments.dropping_stripe import Drop
from tests.payments.fixtures import WRITES, card_token
from tests.payments.test_form_keys import rendered_keys

pytestmark = pytest.mark.django_db

# The staff page's notice, in Vietnamese: "a refund of this payment did not get an answer from the card service".
NOTICE = "Một khoản hoàn tiền của thanh toán này chưa nhận được phản hồi từ dịch vụ thẻ"
BEING_CHECKED = "đang kiểm tra với dịch vụ thẻ"


@pytest.fixture
def card_paid(refund_link, make_invoice, payer_user) -> Payment:
    payment, _secret = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=make_invoice(1_500_000).pk, token_id=card_token(refund_link.server)
    )
    assert payment.state == PaymentState.SUCCEEDED
    return payment


@pytest.fixture
def staff(alliance) -> Actor:
    return resolve_actor(member(alliance, Role.MANAGER))


def refund(staff: Actor, payment: Payment, amount: int, key: str) -> Refund:
    return services.refund_create(
        actor=staff, payment_id=payment.pk, amount=amount, reason="Thiếu 2 bao", client_key=key
    ).value


def refused(staff: Actor, payment: Payment, amount: int, key: str) -> str:
    with pytest.raises(Conflict) as error:
        refund(staff, payment, amount, key)
    assert error.value.code == REFUND_OUTCOME_UNKNOWN
    return error.value.message


def keys_sent() -> list[str | None]:
    return [key for path, key in WRITES if path == "/v1/refunds"]


@pytest.mark.parametrize("lost", [Drop.AFTER_CREATE, Drop.ERROR_AFTER_CREATE])
def test_refunded_but_unanswered_is_checked_not_failed_and_refunded_exactly_once(
    refund_link, card_paid, staff, client, alliance, lost
):
    refund_link.drop = lost
    with translation.override("en"):
        assert refused(staff, card_paid, 1_000_000, "erp-1") == refund_outcome_unknown_message()
    first = Refund.objects.get(payment=card_paid)
    assert (first.state, first.outcome_unknown, first.provider_reference) == (RefundState.PENDING, True, "")
    assert len(refund_link.refunds()) == 1  # the money went back

    # While Stripe cannot be asked: the retry gets the same answer, the amount stays reserved, the page says so.
    refund_link.drop = Drop.EVERYTHING
    with translation.override("vi"):
        message = refused(staff, card_paid, 1_000_000, "erp-1")
        assert "đừng hoàn tiền lại lần nữa" in message
        with pytest.raises(ValidationFailed) as error:
            refund(staff, card_paid, 1_000_000, "erp-2")  # a new refund (a new key) for the same money
        assert "đang được giữ" in error.value.fields["amount"][0]
    client.force_login(member(alliance, Role.MANAGER))
    page = client.get(reverse("frontend:staff-payment", args=[card_paid.pk])).content.decode()
    assert NOTICE in page
    assert BEING_CHECKED in page
    assert Refund.objects.filter(payment=card_paid).count() == 1
    card_paid.refresh_from_db()
    assert (card_paid.state, card_paid.amount_refunded) == (PaymentState.SUCCEEDED, 0)

    # Stripe answers again: the task finds the refund by its id in the metadata and records it, once.
    refund_link.drop = Drop.NOTHING
    assert resolve_refund.apply(args=[first.pk]).get() == RefundState.SUCCEEDED
    services.refund_resolve(refund_id=first.pk, source=EventSource.SYSTEM)  # a second run changes nothing
    services.refunds_resolve(payment_id=None, source=EventSource.SWEEP)
    first.refresh_from_db()
    [made] = refund_link.refunds()
    assert (first.state, first.outcome_unknown, first.provider_reference) == (RefundState.SUCCEEDED, False, made["id"])
    card_paid.refresh_from_db()
    assert (card_paid.state, card_paid.amount_refunded) == (PaymentState.PARTIALLY_REFUNDED, 1_000_000)
    page = client.get(reverse("frontend:staff-payment", args=[card_paid.pk])).content.decode()
    assert NOTICE not in page
    # The retried request now gets the refund it made; a new one for the same amount exceeds what is left.
    again = services.refund_create(
        actor=staff, payment_id=card_paid.pk, amount=1_000_000, reason="Thiếu 2 bao", client_key="erp-1"
    )
    assert (again.value.pk, again.replayed, again.value.state) == (first.pk, True, RefundState.SUCCEEDED)
    with pytest.raises(ValidationFailed):
        refund(staff, card_paid, 1_000_000, "erp-2")
    assert len(refund_link.refunds()) == 1
    assert keys_sent() == [f"ml-refund-{first.pk}"]


def test_a_refund_that_never_reached_stripe_is_sent_once_under_its_key_once_settled(
    refund_link, card_paid, staff, client, alliance, settings
):
    refund_link.drop = Drop.BEFORE_CREATE
    refused(staff, card_paid, 1_500_000, "erp-1")
    first = Refund.objects.get(payment=card_paid)
    assert (first.state, first.outcome_unknown) == (RefundState.PENDING, True)
    refund_link.drop = Drop.NOTHING

    # Stripe shows no refund, but the call may still be finishing there: not sent again yet.
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 3600
    client.force_login(member(alliance, Role.MANAGER))
    assert NOTICE in client.get(reverse("frontend:staff-payment", args=[card_paid.pk])).content.decode()
    refused(staff, card_paid, 1_500_000, "erp-1")
    assert refund_link.refunds() == []
    assert keys_sent() == []

    # Settled with no refund at Stripe: the retried request sends it again, under the same key, and it is made.
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    again = services.refund_create(
        actor=staff, payment_id=card_paid.pk, amount=1_500_000, reason="Thiếu 2 bao", client_key="erp-1"
    )
    assert (again.value.pk, again.replayed, again.value.state) == (first.pk, True, RefundState.SUCCEEDED)
    services.refunds_resolve(payment_id=None, source=EventSource.SWEEP)  # nothing left to check: nothing sent
    assert keys_sent() == [f"ml-refund-{first.pk}"]
    assert [made["amount"] for made in refund_link.refunds()] == [1_500_000]
    card_paid.refresh_from_db()
    assert (card_paid.state, card_paid.amount_refunded) == (PaymentState.REFUNDED, 1_500_000)
    assert NOTICE not in client.get(reverse("frontend:staff-payment", args=[card_paid.pk])).content.decode()


def test_the_staff_form_says_the_refund_is_being_checked_and_the_sweep_settles_it(
    refund_link, card_paid, client, alliance, settings
):
    client.force_login(member(alliance, Role.MANAGER))
    page = client.get(reverse("frontend:staff-payment", args=[card_paid.pk]))
    (key,) = rendered_keys(page)
    refund_link.drop = Drop.BEFORE_CREATE
    form = {"amount": "500000", "reason": "Thiếu 1 bao", "once_key": key}
    sent = client.post(reverse("frontend:staff-payment-refund", args=[card_paid.pk]), form)
    assert sent.status_code == 302  # not a mistake in the form: back to the payment, which follows the refund

    refund_link.drop = Drop.EVERYTHING  # the page asks Stripe again, in vain
    text = client.get(sent.url).content.decode()
    assert "Chúng tôi không nhận được phản hồi của dịch vụ thẻ về việc hoàn tiền này" in text
    assert NOTICE in text
    # The task sent after the loss is lost too: the reconciliation sweep finds no refund at Stripe once the call
    # has settled and sends it again, under its key.
    refund_link.drop = Drop.NOTHING
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    run = reconciliation_run()
    assert run.status == RunStatus.COMPLETED, run.error
    made = Refund.objects.get(payment=card_paid)
    assert (made.state, made.outcome_unknown) == (RefundState.SUCCEEDED, False)
    assert [stripe_refund["amount"] for stripe_refund in refund_link.refunds()] == [500_000]
    assert keys_sent() == [f"ml-refund-{made.pk}"]


def test_a_refund_failed_on_a_lost_answer_is_recorded_when_stripe_made_it_but_a_declined_one_stays_failed(
    localstripe, make_invoice, payer_user
):
    payment, _secret = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=make_invoice(1_500_000).pk, token_id=card_token(localstripe)
    )
    # Recorded failed from a connection error (as before outcomes were kept unknown), yet Stripe made it.
    lost = Refund.objects.create(
        payment=payment, amount=400_000, reason="Trả lại", state=RefundState.FAILED, failure_message="Read timed out."
    )
    made = gateway.refund_create(refund_id=lost.pk, intent_id=payment.provider_reference, amount=_vnd(400_000))
    # Stripe reported this one failed (the bank declined it); a later report says otherwise.
    declined = Refund.objects.create(payment=payment, amount=300_000, reason="Trả lại")
    stripe_refund = gateway.refund_create(
        refund_id=declined.pk, intent_id=payment.provider_reference, amount=_vnd(300_000)
    )
    services.refund_sync(
        data={**stripe_refund, "status": "failed", "failure_reason": "declined"}, source=EventSource.WEBHOOK
    )

    for data in (made, stripe_refund):
        services.refund_sync(data=gateway.refund_retrieve(data["id"]), source=EventSource.WEBHOOK)

    lost.refresh_from_db()
    declined.refresh_from_db()
    assert (lost.state, lost.provider_reference, lost.failure_message) == (RefundState.SUCCEEDED, made["id"], "")
    assert (declined.state, declined.provider_reference) == (RefundState.FAILED, stripe_refund["id"])
    payment.refresh_from_db()
    assert (payment.state, payment.amount_refunded) == (PaymentState.PARTIALLY_REFUNDED, 400_000)


def _vnd(amount: int) -> Money:
    return Money(Decimal(amount), "VND")


def test_the_api_answers_409_until_stripe_is_heard_then_the_refund_it_made(refund_link, card_paid, api, alliance):
    client = api(member(alliance, Role.MANAGER))
    url = f"/api/v1/payments/payments/{card_paid.pk}/refunds/"
    body = {"amount": 500_000, "reason": "Thiếu 1 bao"}
    refund_link.drop = Drop.AFTER_CREATE

    first = client.post(url, body, HTTP_IDEMPOTENCY_KEY="erp-1", HTTP_ACCEPT_LANGUAGE="en")
    refund_link.drop = Drop.EVERYTHING
    retried = client.post(url, body, HTTP_IDEMPOTENCY_KEY="erp-1", HTTP_ACCEPT_LANGUAGE="en")

    for answer in (first, retried):
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == REFUND_OUTCOME_UNKNOWN
        assert "do not refund it again" in answer.json()["error"]["message"]
    refund_link.drop = Drop.NOTHING
    settled = client.post(url, body, HTTP_IDEMPOTENCY_KEY="erp-1")
    assert settled.status_code == 201
    assert (settled.json()["state"], settled.json()["outcome_unknown"]) == (RefundState.SUCCEEDED, False)
    assert len(refund_link.refunds()) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_settles_the_refund_with_the_task_sent_once_the_flag_is_committed(
    refund_link, card_paid, staff, settling_worker
):
    refund_link.drop = Drop.AFTER_CREATE

    refused(staff, card_paid, 500_000, "erp-1")

    assert settling_worker(lambda: Refund.objects.get(payment=card_paid)).state == RefundState.SUCCEEDED
    card_paid.refresh_from_db()
    assert card_paid.amount_refunded == 500_000
    assert len(refund_link.refunds()) == 1
