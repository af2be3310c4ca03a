"""A card attempt whose answer from Stripe is lost on the network: the card may or may not have been charged.

localstripe runs here behind a proxy (tests/payments/dropping_stripe.py) that loses the connection to the
PaymentIntent create call either after localstripe has done it (the card is charged, the answer never arrives) or
before (nothing reached it), or every request (Stripe down). The attempt is never failed with "nothing was
charged" on a guess: it stays pending with its outcome unknown, blocks a new attempt, and is settled from what
Stripe shows — paid once, or failed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from market.core.errors import Conflict
from market.organisations.actors import resolve_actor
from market.organisations.permissions import Actor
from market.payments import services
from market.payments.models import (
    EventSource,
    PayableStatus,
    Payment,
    PaymentEvent,
    PaymentState,
    ProviderStatus,
    RunStatus,
)
from market.payments.services.cards import NOT_RECEIVED_CODE, outcome_unknown_message
from market.payments.services.reconciliation import reconciliation_run
from market.payments.tasks import resolve_card_attempt
from tests.payments.dropping_stripe import Drop, DroppingStripe
from tests.payments.fixtures import card_token, invoice_of
from tests.payments.test_cards import THREE_D_SECURE, authenticate_3ds

pytestmark = pytest.mark.django_db

VISA = "4242424242424242"
# The pay page's notice, in the buyer's language (Vietnamese): "we could not confirm whether the card was charged".
NOTICE = "Chúng tôi chưa xác nhận được thẻ của bạn đã bị trừ tiền hay chưa"


@pytest.fixture
def payer_actor(payer_user) -> Actor:
    return resolve_actor(payer_user)


def pay(actor: Actor, payable_id: int, token: str, key: str = "") -> Payment:
    payment, _secret = services.card_payment_start(actor=actor, payable_id=payable_id, token_id=token, client_key=key)
    return payment


def refused(actor: Actor, payable_id: int, token: str, key: str = "") -> str:
    with pytest.raises(Conflict) as error:
        pay(actor, payable_id, token, key)
    return error.value.message


@pytest.mark.parametrize("lost", [Drop.AFTER_CREATE, Drop.ERROR_AFTER_CREATE])
def test_charged_but_unanswered_is_checked_not_failed_and_paid_exactly_once(
    card_link, make_invoice, payer_actor, payer_user, client, lost
):
    payable = make_invoice(1_500_000)
    first_card, second_card = card_token(card_link.server), card_token(card_link.server)
    card_link.drop = lost

    with translation.override("en"):
        assert refused(payer_actor, payable.pk, first_card, key="tab-1") == outcome_unknown_message()
    attempt = Payment.objects.get(payable=payable)
    assert (attempt.state, attempt.outcome_unknown, attempt.failure_code) == (PaymentState.PENDING, True, "")
    assert len(card_link.charges()) == 1  # the card was charged

    # While Stripe cannot be asked, the attempt stays open, a new one is refused, and the pay page says so.
    card_link.drop = Drop.EVERYTHING
    with translation.override("vi"):
        message = refused(payer_actor, payable.pk, second_card)
        assert message == outcome_unknown_message()
        assert "Đừng thanh toán lại" in message
        assert refused(payer_actor, payable.pk, first_card, key="tab-1") == message  # the same request, retried
    client.force_login(payer_user)
    page = client.get(reverse("frontend:pay", args=[payable.reference]))
    assert page.status_code == 200
    assert NOTICE in page.content.decode()
    assert Payment.objects.filter(payable=payable).count() == 1
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.UNPAID, 0)

    # Stripe answers again: the task finds the charge and applies it as a webhook would, once.
    card_link.drop = Drop.NOTHING
    assert resolve_card_attempt.apply(args=[attempt.pk]).get() == PaymentState.SUCCEEDED
    services.card_attempt_resolve(payment_id=attempt.pk, source=EventSource.SYSTEM)  # a second run changes nothing
    services.card_attempts_resolve(payable_id=None, source=EventSource.SWEEP)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.SUCCEEDED, False)
    assert attempt.provider_reference.startswith("pi_")
    assert list(PaymentEvent.objects.filter(payment=attempt).values_list("to_state", flat=True)) == [
        PaymentState.PENDING,
        PaymentState.SUCCEEDED,
    ]
    assert list(invoice_of(payable).callbacks.values_list("callback", flat=True)) == ["succeeded"]
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    page = client.get(reverse("frontend:pay", args=[payable.reference]))
    assert NOTICE not in page.content.decode()
    assert pay(payer_actor, payable.pk, first_card, key="tab-1") == attempt  # retried again: the same payment
    assert len(card_link.charges()) == 1


def test_a_create_that_never_reached_stripe_fails_once_settled_and_the_retry_charges_once(
    card_link, make_invoice, payer_actor, payer_user, client, settings
):
    payable = make_invoice(1_500_000)
    first_card, second_card = card_token(card_link.server), card_token(card_link.server)
    card_link.drop = Drop.BEFORE_CREATE

    refused(payer_actor, payable.pk, first_card)
    attempt = Payment.objects.get(payable=payable)
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.PENDING, True)
    card_link.drop = Drop.NOTHING

    # Stripe shows no charge, but the request may still be finishing there: not failed yet, and no new attempt.
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 3600
    client.force_login(payer_user)
    page = client.get(reverse("frontend:pay", args=[payable.reference]))
    assert NOTICE in page.content.decode()
    refused(payer_actor, payable.pk, second_card)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.PENDING, True)

    # Settled with no charge at Stripe: nothing was charged; the attempt fails and the buyer's retry pays once.
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    settings.STRIPE_CHECK_INTERVAL_SECONDS = 0  # the page may ask Stripe again (pages ask once per interval)
    page = client.get(reverse("frontend:pay", args=[payable.reference]))
    assert NOTICE not in page.content.decode()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.FAILED, False)
    assert attempt.failure_code == NOT_RECEIVED_CODE
    assert card_link.charges() == []
    again = pay(payer_actor, payable.pk, second_card)
    assert again.state == PaymentState.SUCCEEDED
    assert len(card_link.charges()) == 1
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)


def waiting_for_3ds_with_its_answer_lost(card_link: DroppingStripe, payer_actor: Actor, payable_id: int) -> Payment:
    """A 3-D Secure card: Stripe created and confirmed the intent (it waits for the buyer's bank, nothing is
    charged yet), and its answer, which carried the client secret, was lost. Checked once settled."""
    card_link.drop = Drop.AFTER_CREATE
    refused(payer_actor, payable_id, card_token(card_link.server, THREE_D_SECURE), key="tab-1")
    card_link.drop = Drop.NOTHING
    assert card_link.charges() == []
    assert (
        resolve_card_attempt.apply(args=[Payment.objects.get(payable_id=payable_id).pk]).get() == PaymentState.PENDING
    )
    return Payment.objects.get(payable_id=payable_id)


def test_an_attempt_waiting_for_3ds_is_recovered_not_failed_and_the_retried_request_finishes_it(
    card_link, make_invoice, payer_actor, settings
):
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0  # settled: an attempt Stripe had no intent for would fail now
    payable = make_invoice(1_500_000)

    attempt = waiting_for_3ds_with_its_answer_lost(card_link, payer_actor, payable.pk)

    [intent] = card_link.intents()
    assert (attempt.state, attempt.outcome_unknown, attempt.failure_code) == (PaymentState.PENDING, False, "")
    assert (attempt.provider_reference, attempt.provider_status) == (intent["id"], ProviderStatus.REQUIRES_ACTION)
    # The client retries the same request (its Idempotency-Key): the answer it never had, with the secret.
    replayed, secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id="tok_unused", client_key="tab-1"
    )
    assert (replayed, secret) == (attempt, intent["client_secret"])
    authenticate_3ds(card_link.server, attempt.provider_reference, secret)
    paid = services.card_payment_refresh(actor=payer_actor, payment=attempt)
    assert paid.state == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    assert [charge["amount"] for charge in card_link.charges()] == [1_500_000]


def test_a_recovered_3ds_attempt_is_cancelled_at_stripe_before_a_new_card_pays(
    card_link, make_invoice, payer_actor, settings
):
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    payable = make_invoice(1_500_000)
    attempt = waiting_for_3ds_with_its_answer_lost(card_link, payer_actor, payable.pk)

    again = pay(payer_actor, payable.pk, card_token(card_link.server), key="tab-2")  # the buyer gave up on it

    assert again.state == PaymentState.SUCCEEDED
    attempt.refresh_from_db()
    assert attempt.state == PaymentState.CANCELLED
    statuses = {intent["id"]: intent["status"] for intent in card_link.intents()}
    assert statuses == {attempt.provider_reference: "canceled", again.provider_reference: "succeeded"}
    assert [charge["amount"] for charge in card_link.charges()] == [1_500_000]


def test_the_reconciliation_sweep_settles_attempts_whose_task_was_lost(card_link, make_invoice, payer_actor, settings):
    charged, never_sent = make_invoice(1_500_000), make_invoice(2_000_000)
    card_link.drop = Drop.AFTER_CREATE
    refused(payer_actor, charged.pk, card_token(card_link.server))
    card_link.drop = Drop.BEFORE_CREATE
    refused(payer_actor, never_sent.pk, card_token(card_link.server))
    card_link.drop = Drop.NOTHING
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0

    run = reconciliation_run()

    assert run.status == RunStatus.COMPLETED, run.error
    paid, failed = Payment.objects.get(payable=charged), Payment.objects.get(payable=never_sent)
    assert (paid.state, paid.outcome_unknown) == (PaymentState.SUCCEEDED, False)
    assert (failed.state, failed.outcome_unknown, failed.failure_code) == (
        PaymentState.FAILED,
        False,
        NOT_RECEIVED_CODE,
    )
    assert list(invoice_of(charged).callbacks.values_list("callback", flat=True)) == ["succeeded"]
    assert [charge["amount"] for charge in card_link.charges()] == [1_500_000]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_settles_the_attempt_with_the_task_sent_after_the_loss(
    card_link, make_invoice, payer_actor, settling_worker
):
    payable = make_invoice(1_500_000)
    card_link.drop = Drop.AFTER_CREATE

    refused(payer_actor, payable.pk, card_token(card_link.server))

    assert settling_worker(lambda: Payment.objects.get(payable=payable)).state == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    assert len(card_link.charges()) == 1
