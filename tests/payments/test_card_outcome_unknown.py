"""A card attempt whose answer from Stripe is lost on the network: the card may or may not have been charged.

localstripe runs here behind a switch that loses the connection to the PaymentIntent create call either after
localstripe has done it (the card is charged, the answer never arrives) or before (nothing reached it), or every
request (Stripe down). The attempt is never failed with "nothing was charged" on a guess: it stays pending with
its outcome unknown, blocks a new attempt, and is settled from what Stripe shows — paid once, or failed."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from django.urls import reverse
from django.utils import translation

from market.core.errors import Conflict
from market.organisations.actors import resolve_actor
from market.organisations.permissions import Actor
from market.payments import services
from market.payments.localstripe import LocalStripeThread
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
from tests.notifications.conftest import wait_until
from tests.payments.fixtures import card_token, invoice_of
from tests.payments.test_cards import THREE_D_SECURE, authenticate_3ds

pytestmark = pytest.mark.django_db

VISA = "4242424242424242"
CREATE = ("POST", "/v1/payment_intents")
# The pay page's notice, in the buyer's language (Vietnamese): "we could not confirm whether the card was charged".
NOTICE = "Chúng tôi chưa xác nhận được thẻ của bạn đã bị trừ tiền hay chưa"


class Drop(StrEnum):
    NOTHING = "nothing"
    AFTER_CREATE = "after_create"  # localstripe creates and charges, then the connection is lost
    ERROR_AFTER_CREATE = "error_after_create"  # localstripe charges, then a 500 comes back (indeterminate)
    BEFORE_CREATE = "before_create"  # the create call is lost on its way: localstripe never sees it
    EVERYTHING = "everything"  # Stripe unreachable


class DroppingStripe:
    """A proxy on loopback in front of localstripe that loses connections as `drop` says; `create` is the
    create call whose connection it loses."""

    def __init__(self, upstream: str, create: tuple[str, str] = CREATE) -> None:
        self.drop = Drop.NOTHING
        self.upstream = upstream
        self.create = create
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self.server = LocalStripeThread(app=app)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        is_create = (request.method, request.path) == self.create
        if self.drop == Drop.EVERYTHING or (self.drop == Drop.BEFORE_CREATE and is_create):
            return self._lose(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, f"{self.upstream}{request.path_qs}", data=await request.read(), headers=headers
            ) as answer,
        ):
            body = await answer.read()
            status, content_type = answer.status, answer.content_type
        if self.drop == Drop.AFTER_CREATE and is_create:
            return self._lose(request)
        if self.drop == Drop.ERROR_AFTER_CREATE and is_create:
            return web.json_response({"error": {"type": "api_error", "message": "Something went wrong."}}, status=500)
        return web.Response(body=body, status=status, content_type=content_type)

    @staticmethod
    def _lose(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    def charges(self) -> list[dict[str, Any]]:
        """Every charge localstripe made, asked over a connection that is never dropped."""
        return self._listed("charges")

    def intents(self) -> list[dict[str, Any]]:
        return self._listed("payment_intents")

    def refunds(self) -> list[dict[str, Any]]:
        return self._listed("refunds")

    def _listed(self, kind: str) -> list[dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.server.url}/v1/{kind}?limit=100", headers={"Authorization": "Bearer sk_test_localstripe"}
        )
        previous, self.drop = self.drop, Drop.NOTHING
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.loads(response.read())["data"]
        finally:
            self.drop = previous


def dropping_stripe(localstripe, settings, create: tuple[str, str] = CREATE) -> Iterator[DroppingStripe]:
    """localstripe (its store emptied by `localstripe`) behind a connection that can be lost. No SDK retry:
    Stripe answers a retried create from its idempotency cache, which localstripe does not have."""
    link = DroppingStripe(localstripe.url, create)
    link.server.start()
    settings.STRIPE_API_BASE = link.server.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_TIMEOUT_SECONDS = 5
    yield link
    link.server.stop()


@pytest.fixture
def stripe_link(localstripe, settings) -> Iterator[DroppingStripe]:
    yield from dropping_stripe(localstripe, settings)


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
    stripe_link, make_invoice, payer_actor, payer_user, client, lost
):
    payable = make_invoice(1_500_000)
    first_card, second_card = card_token(stripe_link.server), card_token(stripe_link.server)
    stripe_link.drop = lost

    with translation.override("en"):
        assert refused(payer_actor, payable.pk, first_card, key="tab-1") == outcome_unknown_message()
    attempt = Payment.objects.get(payable=payable)
    assert (attempt.state, attempt.outcome_unknown, attempt.failure_code) == (PaymentState.PENDING, True, "")
    assert len(stripe_link.charges()) == 1  # the card was charged

    # While Stripe cannot be asked, the attempt stays open, a new one is refused, and the pay page says so.
    stripe_link.drop = Drop.EVERYTHING
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
    stripe_link.drop = Drop.NOTHING
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
    assert len(stripe_link.charges()) == 1


def test_a_create_that_never_reached_stripe_fails_once_settled_and_the_retry_charges_once(
    stripe_link, make_invoice, payer_actor, payer_user, client, settings
):
    payable = make_invoice(1_500_000)
    first_card, second_card = card_token(stripe_link.server), card_token(stripe_link.server)
    stripe_link.drop = Drop.BEFORE_CREATE

    refused(payer_actor, payable.pk, first_card)
    attempt = Payment.objects.get(payable=payable)
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.PENDING, True)
    stripe_link.drop = Drop.NOTHING

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
    page = client.get(reverse("frontend:pay", args=[payable.reference]))
    assert NOTICE not in page.content.decode()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.FAILED, False)
    assert attempt.failure_code == NOT_RECEIVED_CODE
    assert stripe_link.charges() == []
    again = pay(payer_actor, payable.pk, second_card)
    assert again.state == PaymentState.SUCCEEDED
    assert len(stripe_link.charges()) == 1
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)


def waiting_for_3ds_with_its_answer_lost(stripe_link: DroppingStripe, payer_actor: Actor, payable_id: int) -> Payment:
    """A 3-D Secure card: Stripe created and confirmed the intent (it waits for the buyer's bank, nothing is
    charged yet), and its answer, which carried the client secret, was lost. Checked once settled."""
    stripe_link.drop = Drop.AFTER_CREATE
    refused(payer_actor, payable_id, card_token(stripe_link.server, THREE_D_SECURE), key="tab-1")
    stripe_link.drop = Drop.NOTHING
    assert stripe_link.charges() == []
    assert (
        resolve_card_attempt.apply(args=[Payment.objects.get(payable_id=payable_id).pk]).get() == PaymentState.PENDING
    )
    return Payment.objects.get(payable_id=payable_id)


def test_an_attempt_waiting_for_3ds_is_recovered_not_failed_and_the_retried_request_finishes_it(
    stripe_link, make_invoice, payer_actor, settings
):
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0  # settled: an attempt Stripe had no intent for would fail now
    payable = make_invoice(1_500_000)

    attempt = waiting_for_3ds_with_its_answer_lost(stripe_link, payer_actor, payable.pk)

    [intent] = stripe_link.intents()
    assert (attempt.state, attempt.outcome_unknown, attempt.failure_code) == (PaymentState.PENDING, False, "")
    assert (attempt.provider_reference, attempt.provider_status) == (intent["id"], ProviderStatus.REQUIRES_ACTION)
    # The client retries the same request (its Idempotency-Key): the answer it never had, with the secret.
    replayed, secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id="tok_unused", client_key="tab-1"
    )
    assert (replayed, secret) == (attempt, intent["client_secret"])
    authenticate_3ds(stripe_link.server, attempt.provider_reference, secret)
    paid = services.card_payment_refresh(actor=payer_actor, payment=attempt)
    assert paid.state == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    assert [charge["amount"] for charge in stripe_link.charges()] == [1_500_000]


def test_a_recovered_3ds_attempt_is_cancelled_at_stripe_before_a_new_card_pays(
    stripe_link, make_invoice, payer_actor, settings
):
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    payable = make_invoice(1_500_000)
    attempt = waiting_for_3ds_with_its_answer_lost(stripe_link, payer_actor, payable.pk)

    again = pay(payer_actor, payable.pk, card_token(stripe_link.server), key="tab-2")  # the buyer gave up on it

    assert again.state == PaymentState.SUCCEEDED
    attempt.refresh_from_db()
    assert attempt.state == PaymentState.CANCELLED
    statuses = {intent["id"]: intent["status"] for intent in stripe_link.intents()}
    assert statuses == {attempt.provider_reference: "canceled", again.provider_reference: "succeeded"}
    assert [charge["amount"] for charge in stripe_link.charges()] == [1_500_000]


def test_the_reconciliation_sweep_settles_attempts_whose_task_was_lost(
    stripe_link, make_invoice, payer_actor, settings
):
    charged, never_sent = make_invoice(1_500_000), make_invoice(2_000_000)
    stripe_link.drop = Drop.AFTER_CREATE
    refused(payer_actor, charged.pk, card_token(stripe_link.server))
    stripe_link.drop = Drop.BEFORE_CREATE
    refused(payer_actor, never_sent.pk, card_token(stripe_link.server))
    stripe_link.drop = Drop.NOTHING
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
    assert [charge["amount"] for charge in stripe_link.charges()] == [1_500_000]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_real_worker_settles_the_attempt_with_the_task_sent_after_the_loss(
    stripe_link, make_invoice, payer_actor, settings, celery_worker_process
):
    celery_worker_process(concurrency=1)
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0  # the task is sent with no delay (the worker asks localstripe itself)
    payable = make_invoice(1_500_000)
    stripe_link.drop = Drop.AFTER_CREATE

    refused(payer_actor, payable.pk, card_token(stripe_link.server))

    wait_until(lambda: not Payment.objects.get(payable=payable).outcome_unknown, timeout=60, what="the check")
    assert Payment.objects.get(payable=payable).state == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    assert len(stripe_link.charges()) == 1
