"""The pay page of a card attempt whose answer from Stripe was lost polls every 10 s in every open tab. Each poll
reads our own record; Stripe is asked about the attempt at most once per STRIPE_CHECK_INTERVAL_SECONDS, however
many tabs (threads here, each with its own database connection, as web processes have) poll at once, and a Stripe
that errs or does not answer in time leaves the page showing the check, never an error.

localstripe runs behind the dropping proxy of tests/payments/dropping_stripe.py, which counts the calls the Stripe
SDK makes through it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from market.core.errors import Conflict
from market.organisations.actors import resolve_actor
from market.organisations.models import User
from market.payments import services
from market.payments.models import Payable, Payment, PaymentState
from tests.payments.dropping_stripe import Drop, DroppingStripe
from tests.payments.fixtures import card_token

TABS = 6
POLLS = 3
CHECKING = 'id="card-check"'


def attempt_left_unknown(card_link: DroppingStripe, payable: Payable, payer_user: User) -> Payment:
    """A card attempt whose create call never reached Stripe: pending with its outcome unknown, and (the settle
    window being long) still unknown after each look at Stripe, so every poll would have a reason to ask."""
    card_link.drop = Drop.BEFORE_CREATE
    with pytest.raises(Conflict):
        services.card_payment_start(
            actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(card_link.server)
        )
    card_link.drop = Drop.NOTHING
    attempt = Payment.objects.get(payable=payable)
    assert attempt.outcome_unknown
    return attempt


def poll_from_tabs(user: User, payable: Payable) -> list[tuple[int, str]]:
    """TABS tabs, each in its own thread, released together, each polling the page POLLS times as htmx does;
    every answer's (status, body)."""
    url = reverse("frontend:pay", args=[payable.reference])
    start = threading.Barrier(TABS)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def tab() -> None:
        client = Client()
        client.force_login(user)
        try:
            start.wait()
            for _ in range(POLLS):
                page = client.get(url, HTTP_HX_REQUEST="true")
                answers.append((page.status_code, page.content.decode()))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(answers) == TABS * POLLS
    return answers


@pytest.mark.django_db(transaction=True)
def test_tabs_polling_at_once_ask_stripe_once_per_interval(card_link, make_invoice, payer_user, settings):
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 3600
    settings.STRIPE_CHECK_INTERVAL_SECONDS = 3600  # no interval ends during the polls, however slow the machine
    payable = make_invoice(1_500_000)
    attempt = attempt_left_unknown(card_link, payable, payer_user)
    asked_before = card_link.intent_lookups()

    answers = poll_from_tabs(payer_user, payable)

    assert all(status == 200 and CHECKING in body for status, body in answers)
    assert card_link.intent_lookups() - asked_before == 1
    # The interval ends (moved back in our record rather than waited for): the next polls ask once more.
    interval = timedelta(seconds=settings.STRIPE_CHECK_INTERVAL_SECONDS)
    Payment.objects.filter(pk=attempt.pk).update(outcome_checked_at=timezone.now() - interval)

    answers = poll_from_tabs(payer_user, payable)

    assert all(status == 200 and CHECKING in body for status, body in answers)
    assert card_link.intent_lookups() - asked_before == 2
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.PENDING, True)


@pytest.mark.django_db
@pytest.mark.parametrize("stripe", [Drop.EVERYTHING, Drop.STALL])
def test_a_stripe_down_or_silent_leaves_the_page_checking_not_failing(
    stripe, card_link, make_invoice, payer_user, settings
):
    settings.STRIPE_TIMEOUT_SECONDS = 1  # the SDK gives up well before the stalled proxy would answer
    payable = make_invoice(1_500_000)
    attempt = attempt_left_unknown(card_link, payable, payer_user)
    card_link.drop = stripe
    asked_before = card_link.intent_lookups()
    client = Client()
    client.force_login(payer_user)

    page = client.get(reverse("frontend:pay", args=[payable.reference]))
    polled = client.get(reverse("frontend:pay", args=[payable.reference]), HTTP_HX_REQUEST="true")

    assert page.status_code == polled.status_code == 200
    assert CHECKING in page.content.decode()
    assert CHECKING in polled.content.decode()
    assert card_link.intent_lookups() - asked_before == 1  # the poll read what the page load recorded
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.PENDING, True)


@pytest.mark.django_db(transaction=True)
def test_a_poll_never_waits_for_the_attempts_row_held_by_another_transaction(
    card_link, make_invoice, payer_user, settings
):
    """A transaction holding the attempt's row (here: held until the poll has answered; one recording Stripe's
    answer, in life) is skipped: the poll answers with what is recorded instead of waiting for the lock and
    failing once the connection's lock_timeout runs out."""
    payable = make_invoice(1_500_000)
    attempt = attempt_left_unknown(card_link, payable, payer_user)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                Payment.objects.select_for_update().get(pk=attempt.pk)
                held.set()
                release.wait(60)
        finally:
            connection.close()

    holding = threading.Thread(target=holder)
    holding.start()
    try:
        assert held.wait(30)
        client = Client()
        client.force_login(payer_user)
        polled = client.get(reverse("frontend:pay", args=[payable.reference]), HTTP_HX_REQUEST="true")
    finally:
        release.set()
        holding.join(30)
    assert polled.status_code == 200
    assert CHECKING in polled.content.decode()
