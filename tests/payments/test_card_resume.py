"""A card attempt left waiting for 3-D Secure (the buyer closed the tab, or its answer was lost and recovered) is
finished from the pay page or the API, by the payer only; while an attempt's outcome is unknown nothing offers to
pay until Stripe has answered; and finishing in one tab while another starts over charges the card once."""

from __future__ import annotations

import threading
import urllib.error
from itertools import product

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from market.core.errors import Conflict
from market.organisations.actors import resolve_actor
from market.organisations.models import OrganisationKind, Role, User
from market.organisations.permissions import Actor
from market.payments import services
from market.payments import stripe_gateway as gateway
from market.payments.models import Payable, PayableStatus, Payment, PaymentState, Provider, ProviderStatus
from market.payments.policy import PayableAction, PaymentAction, payable_actions, payment_actions
from tests.factories import OrganisationFactory, member
from tests.matrix import accepted, shown_actions
from tests.notifications.conftest import wait_until
from tests.payments.dropping_stripe import DroppingStripe
from tests.payments.fixtures import card_token
from tests.payments.test_card_outcome_unknown import waiting_for_3ds_with_its_answer_lost
from tests.payments.test_cards import THREE_D_SECURE, authenticate_3ds
from tests.payments.test_matrix import html, person, transfer

pytestmark = pytest.mark.django_db

FINISH = "Hoàn tất xác thực 3-D Secure"
START_OVER = "Thanh toán lại bằng thẻ khác"
CHECKING = "Đang kiểm tra với ngân hàng"


@pytest.fixture
def payer_actor(payer_user: User) -> Actor:
    return resolve_actor(payer_user)


def left_waiting(server, payer_actor: Actor, payable: Payable) -> tuple[Payment, str]:
    """The buyer paid with a 3-D Secure card and closed the tab before the bank's step: nothing charged yet."""
    payment, secret = services.card_payment_start(
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(server, THREE_D_SECURE)
    )
    assert (payment.state, payment.provider_status) == (PaymentState.PENDING, ProviderStatus.REQUIRES_ACTION)
    return payment, secret


def being_checked(payable: Payable, settings) -> Payment:
    """A card attempt whose create call got no answer, still within the time Stripe may take to finish it."""
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 3600
    return Payment.objects.create(
        payable=payable, provider=Provider.STRIPE, amount=payable.amount, outcome_unknown=True
    )


def charges(server) -> list[int]:
    """The amounts localstripe charged: what left the buyer's card."""
    listing = gateway.client().v1.charges.list({"limit": 100}).auto_paging_iter()
    return [charge["amount"] for charge in map(gateway.as_dict, listing) if charge["status"] == "succeeded"]


def pay_url(payable: Payable, name: str = "frontend:pay", *args: object) -> str:
    return reverse(name, args=[payable.reference, *args])


# --- the policy: which buttons show in which state, and the services agree ------------------------
ATTEMPT_STATES = ["none", "waiting_3ds", "waiting_3ds_paid_by_transfer", "being_checked", "declined"]
VIEWERS = ["payer_staff", "payee_owner", "alliance_staff", "outsider"]


def attempt_in(state: str, payable: Payable, server, payer_actor: Actor, staff: User, settings) -> Payment | None:
    if state == "none":
        return None
    if state == "being_checked":
        return being_checked(payable, settings)
    if state == "declined":
        payment, _secret = services.card_payment_start(
            actor=payer_actor, payable_id=payable.pk, token_id=card_token(server, "4000000000000341")
        )
        assert payment.state == PaymentState.FAILED
        return payment
    payment, _secret = left_waiting(server, payer_actor, payable)
    if state == "waiting_3ds_paid_by_transfer":
        transfer(payable.amount, payable.reference, "FTCK3DS")  # the buyer paid by VietQR instead
    return payment


@pytest.mark.parametrize(("state", "who"), list(product(ATTEMPT_STATES, VIEWERS)))
def test_card_attempt_matrix(state, who, localstripe, make_invoice, payer, payee, alliance, payer_actor, settings):
    payable = make_invoice(1_500_000)
    attempt = attempt_in(state, payable, localstripe, payer_actor, member(alliance, Role.MANAGER), settings)
    payable.refresh_from_db()
    user = person(who, payer, payee, alliance)
    actor = resolve_actor(user)

    shown = shown_actions(html(user, pay_url(payable))) | shown_actions(html(user, pay_url(payable) + "?method=card"))

    fresh = Payable.objects.get(pk=payable.pk)
    allowed = {action.value for action in payable_actions(actor=actor, payable=fresh)}
    if attempt is not None:
        allowed |= {action.value for action in payment_actions(actor=actor, payment=Payment.objects.get(pk=attempt.pk))}
    assert shown == allowed, (state, who)
    if who == "payer_staff":  # what a buyer expects in each state
        expected = {
            "none": {"pay_by_transfer", "pay_by_card"},
            "waiting_3ds": {"pay_by_transfer", "pay_by_card", "finish_authentication"},
            "waiting_3ds_paid_by_transfer": set(),
            "being_checked": set(),
            "declined": {"pay_by_transfer", "pay_by_card"},
        }[state]
        assert shown == expected, state
    if attempt is not None:  # finishing first: starting over would cancel the intent at Stripe for good
        finish = lambda: services.card_payment_resume(actor=actor, payment_id=attempt.pk)  # noqa: E731
        assert accepted(finish) == (PaymentAction.FINISH_AUTHENTICATION.value in shown), (state, who)
    start_over = lambda: services.card_payment_start(  # noqa: E731
        actor=actor, payable_id=payable.pk, token_id=card_token(localstripe)
    )
    assert accepted(start_over) == (PayableAction.PAY_BY_CARD.value in shown), (state, who)


def test_the_pay_page_offers_to_finish_with_the_amount_and_when_it_started(
    client, localstripe, make_invoice, payer_actor, payer_user
):
    payable = make_invoice(1_500_000)
    attempt, _secret = left_waiting(localstripe, payer_actor, payable)
    client.force_login(payer_user)

    page = client.get(pay_url(payable)).content.decode()

    with translation.override("vi"):
        started = date_format(timezone.localtime(attempt.created_at), "SHORT_DATETIME_FORMAT")
    assert FINISH in page
    assert START_OVER in page
    assert f"<strong>1.500.000\u00a0₫</strong> lúc {started}" in page
    assert pay_url(payable, "frontend:pay-card-resume", attempt.pk) in page
    assert "js.stripe.com/v3/" in page  # Stripe.js is on the page to finish, whatever the tab
    assert attempt.provider_reference not in page  # nor any secret: the button asks our server for it
    # Starting over: the card form says the waiting attempt is cancelled first.
    card = client.get(pay_url(payable) + "?method=card").content.decode()
    assert "vẫn đang chờ xác thực 3-D Secure, sẽ được hủy trước" in card


def test_finishing_through_the_page_pays_once_and_then_is_no_longer_offered(
    client, localstripe, make_invoice, payer_actor, payer_user
):
    payable = make_invoice(1_500_000)
    attempt, first_secret = left_waiting(localstripe, payer_actor, payable)
    client.force_login(payer_user)

    answer = client.post(pay_url(payable, "frontend:pay-card-resume", attempt.pk)).json()

    assert (answer["payment"], answer["requires_action"], answer["client_secret"]) == (attempt.pk, True, first_secret)
    authenticate_3ds(localstripe, attempt.provider_reference, answer["client_secret"])
    settled = client.post(answer["refresh_url"]).json()
    assert settled["state"] == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    again = client.post(pay_url(payable, "frontend:pay-card-resume", attempt.pk))
    assert again.status_code == 409
    assert "client_secret" not in again.json()
    assert FINISH not in client.get(pay_url(payable)).content.decode()
    assert charges(localstripe) == [1_500_000]


def test_only_the_payers_members_who_pay_get_the_client_secret(
    client, api, localstripe, make_invoice, payer_actor, payer_user, payee, alliance
):
    payable = make_invoice(1_500_000)
    attempt, secret = left_waiting(localstripe, payer_actor, payable)
    url = pay_url(payable, "frontend:pay-card-resume", attempt.pk)
    api_url = f"/api/v1/payments/payments/{attempt.pk}/finish-authentication/"
    others = {
        "payee owner": (member(payee, Role.OWNER), 403),
        "alliance manager": (member(alliance, Role.MANAGER), 403),
        "another buyer": (member(OrganisationFactory(kind=OrganisationKind.BUYER), Role.OWNER), 404),
    }
    for who, (user, status) in others.items():
        client.force_login(user)
        for answer in (client.post(url), api(user).post(api_url)):
            assert answer.status_code == status, who
            assert secret not in answer.content.decode(), who
        listed = api(user).get(f"/api/v1/payments/payments/{attempt.pk}/")
        if listed.status_code == 200:
            assert "finish_authentication" not in listed.json()["allowed_actions"], who

    payer_api = api(payer_user)
    assert (
        "finish_authentication" in payer_api.get(f"/api/v1/payments/payments/{attempt.pk}/").json()["allowed_actions"]
    )
    finished = payer_api.post(api_url)
    assert finished.status_code == 200
    assert (finished.json()["client_secret"], finished.json()["provider_status"]) == (secret, "requires_action")
    # Another payable's attempt through this payable's page address: not found.
    other, _ = left_waiting(localstripe, payer_actor, make_invoice(900_000))
    client.force_login(payer_user)
    assert client.post(pay_url(payable, "frontend:pay-card-resume", other.pk)).status_code == 404


def test_while_an_attempt_is_checked_the_page_offers_no_payment_and_polls_until_stripe_answers(
    client, localstripe, make_invoice, payer_user, settings
):
    payable = make_invoice(1_500_000)
    attempt = being_checked(payable, settings)
    client.force_login(payer_user)

    page = client.get(pay_url(payable)).content.decode()
    assert CHECKING in page
    assert f'hx-get="{pay_url(payable)}"' in page
    assert shown_actions(page) == set()
    assert "Chờ " not in page  # not "waiting for <the payer> to pay", to the payer itself
    polled = client.get(pay_url(payable), HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert CHECKING in polled.content.decode()
    assert "HX-Refresh" not in polled

    # Stripe has answered (here: it never received the attempt, once the time it may take has passed), and the
    # interval between two looks at Stripe has passed.
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    settings.STRIPE_CHECK_INTERVAL_SECONDS = 0
    polled = client.get(pay_url(payable), HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.FAILED, False)
    page = client.get(pay_url(payable)).content.decode()
    assert CHECKING not in page
    assert shown_actions(page) == {"pay_by_transfer", "pay_by_card"}


def test_a_recovered_attempt_whose_answer_was_lost_is_finished_from_the_page(
    card_link: DroppingStripe, client, make_invoice, payer_actor, payer_user, settings
):
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    payable = make_invoice(1_500_000)
    attempt = waiting_for_3ds_with_its_answer_lost(card_link, payer_actor, payable.pk)
    client.force_login(payer_user)

    assert FINISH in client.get(pay_url(payable)).content.decode()
    answer = client.post(pay_url(payable, "frontend:pay-card-resume", attempt.pk)).json()
    [intent] = card_link.intents()
    assert answer["client_secret"] == intent["client_secret"]
    authenticate_3ds(card_link.server, intent["id"], answer["client_secret"])

    assert client.post(answer["refresh_url"]).json()["state"] == PaymentState.SUCCEEDED
    assert [charge["amount"] for charge in card_link.charges()] == [1_500_000]


# --- two tabs: finish in one, start over in the other ---------------------------------------------
def test_finished_in_one_tab_then_started_over_in_another_charges_once(localstripe, make_invoice, payer_actor):
    payable = make_invoice(1_500_000)
    attempt, _secret = left_waiting(localstripe, payer_actor, payable)
    _same, secret = services.card_payment_resume(actor=payer_actor, payment_id=attempt.pk)  # tab 1
    authenticate_3ds(localstripe, attempt.provider_reference, secret)  # tab 1's bank: confirmed, not yet read back

    with pytest.raises(Conflict) as refused, translation.override("en"):  # tab 2, showing "pay again with another card"
        services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe))

    assert refused.value.message == "Nothing is owed on this, or it was cancelled."
    attempt.refresh_from_db()
    assert attempt.state == PaymentState.SUCCEEDED
    assert Payment.objects.filter(payable=payable).count() == 1
    assert charges(localstripe) == [1_500_000]


def test_started_over_in_one_tab_then_finished_in_another_charges_once(localstripe, make_invoice, payer_actor):
    payable = make_invoice(1_500_000)
    attempt, _secret = left_waiting(localstripe, payer_actor, payable)
    _same, secret = services.card_payment_resume(actor=payer_actor, payment_id=attempt.pk)  # tab 1 has the secret

    again, _ = services.card_payment_start(  # tab 2 pays with another card
        actor=payer_actor, payable_id=payable.pk, token_id=card_token(localstripe)
    )
    with pytest.raises(urllib.error.HTTPError):  # tab 1's bank step: Stripe refuses a cancelled intent
        authenticate_3ds(localstripe, attempt.provider_reference, secret)

    assert services.card_payment_refresh(actor=payer_actor, payment=attempt).state == PaymentState.CANCELLED
    assert not accepted(lambda: services.card_payment_resume(actor=payer_actor, payment_id=attempt.pk))
    assert again.state == PaymentState.SUCCEEDED
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    assert charges(localstripe) == [1_500_000]


@pytest.mark.django_db(transaction=True)
def test_two_tabs_finishing_and_starting_over_at_the_same_instant_are_charged_once(
    localstripe, make_invoice, payer_actor
):
    payable = make_invoice(1_500_000)
    attempt, _secret = left_waiting(localstripe, payer_actor, payable)
    new_card = card_token(localstripe)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def finish() -> None:
        try:
            start.wait()
            _payment, secret = services.card_payment_resume(actor=payer_actor, payment_id=attempt.pk)
            authenticate_3ds(localstripe, attempt.provider_reference, secret)
            outcomes["finish"] = services.card_payment_refresh(actor=payer_actor, payment=attempt).state
        except (Conflict, urllib.error.HTTPError):
            outcomes["finish"] = "refused"
        finally:
            connection.close()

    def start_over() -> None:
        try:
            start.wait()
            payment, _secret = services.card_payment_start(actor=payer_actor, payable_id=payable.pk, token_id=new_card)
            outcomes["start_over"] = payment.state
        except Conflict:
            outcomes["start_over"] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=finish), threading.Thread(target=start_over)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()).count(PaymentState.SUCCEEDED) == 1, outcomes
    assert Payment.objects.filter(payable=payable, state=PaymentState.SUCCEEDED).count() == 1
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    assert charges(localstripe) == [1_500_000]


# --- paid otherwise while a card waits: the card is given up at Stripe ------------------------------
def test_the_sweep_cancels_a_card_left_waiting_once_a_transfer_paid(localstripe, make_invoice, payer_actor):
    """Before, the page stopped offering to finish but the intent stayed open at Stripe: a browser still holding
    its client secret could charge the card on top of the transfer."""
    payable = make_invoice(1_500_000)
    attempt, secret = left_waiting(localstripe, payer_actor, payable)
    assert services.card_attempts_left_cancel(payable_id=None) == 0  # still owed: the buyer may finish it

    transfer(payable.amount, payable.reference, "FTCKPAID")  # the buyer paid by VietQR instead
    assert services.card_attempts_left_cancel(payable_id=None) == 1

    attempt.refresh_from_db()
    assert attempt.state == PaymentState.CANCELLED
    with pytest.raises(urllib.error.HTTPError):  # the old tab's bank step: Stripe refuses a cancelled intent
        authenticate_3ds(localstripe, attempt.provider_reference, secret)
    assert charges(localstripe) == []
    payable.refresh_from_db()
    assert (payable.status, payable.amount_paid) == (PayableStatus.PAID, 1_500_000)
    assert services.card_attempts_left_cancel(payable_id=None) == 0


@pytest.mark.django_db(transaction=True)
def test_a_transfer_that_pays_has_a_worker_cancel_the_card_left_waiting(
    localstripe, make_invoice, payer_actor, celery_worker_process
):
    celery_worker_process(concurrency=1)
    payable = make_invoice(1_500_000)
    attempt, secret = left_waiting(localstripe, payer_actor, payable)

    transfer(payable.amount, payable.reference, "FTCKPAID")

    wait_until(
        lambda: Payment.objects.get(pk=attempt.pk).state == PaymentState.CANCELLED, timeout=60, what="the cancel"
    )
    with pytest.raises(urllib.error.HTTPError):
        authenticate_3ds(localstripe, attempt.provider_reference, secret)
    assert charges(localstripe) == []
