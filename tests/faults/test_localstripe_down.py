"""localstripe (the local Stripe) killed during a card payment and during a refund, with gunicorn serving the API
and the pay page: the person is told clearly (a card attempt whose answer was lost may have been charged: it is
checked at Stripe, never guessed), a retry once it is back works, and the card is charged once (counted in
localstripe, whose state survives the kill)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from market.organisations import services as organisation_services
from market.organisations.models import ApiScope, Organisation, Role
from market.payments.models import Payable, PayableStatus, Payment, PaymentState, Refund, RefundState
from tests.catalog.factories import actor_for
from tests.faults.conftest import Answer, LocalStripeProcess, MarketServer, bearer, free_port, serve_market, wait_until
from tests.payments.fixtures import card_token

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.long]

AMOUNT = 1_500_000
PAYMENTS = frozenset({ApiScope.PAYMENTS_READ, ApiScope.PAYMENTS_WRITE})


def token_of(organisation: Organisation, role: str = Role.OWNER) -> str:
    _token, secret = organisation_services.api_token_create(
        actor=actor_for(organisation, role), name="ERP", scopes=PAYMENTS, expires_on=None
    )
    return secret


@dataclass
class Paying:
    server: MarketServer
    stripe: LocalStripeProcess
    payable: Payable
    token: str
    cookies: str  # the payer's session and CSRF cookies, for the pay page
    csrf: str

    def by_api(self, card: str, key: str) -> Answer:
        path = f"/api/v1/payments/payables/{self.payable.reference}/card-payments/"
        return self.server.request("POST", path, {"token": card}, bearer(self.token, **{"Idempotency-Key": key}))

    def by_page(self, card: str) -> Answer:
        """What the pay page's card form posts (static/frontend JS) once Stripe.js made a token."""
        headers = {"Cookie": self.cookies, "X-CSRFToken": self.csrf}
        return self.server.request("POST", f"/pay/{self.payable.reference}/card/", {"token": card}, headers)


@pytest.fixture(scope="module")
def localstripe_port() -> int:
    """One port for the module: the server below outlives each test's own localstripe, started fresh there."""
    return free_port()


@pytest.fixture(scope="module")
def card_server(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, localstripe_port: int
) -> Iterator[MarketServer]:
    """gunicorn for the whole module (starting one takes seconds to a minute here). Nothing of a test stays in
    it: every test has its own rows (flushed after it), cache (cleared before it) and localstripe (its own
    process and state on the module's port)."""
    # No SDK retry: Stripe answers a retried create from its idempotency cache, which localstripe does not have.
    # A card attempt left unknown is settled as soon as Stripe can be asked: these tests know when it did its part.
    server = serve_market(
        tmp_path_factory.mktemp("gunicorn"),
        STRIPE_API_BASE=f"http://127.0.0.1:{localstripe_port}",
        STRIPE_TIMEOUT_SECONDS="3",
        STRIPE_MAX_NETWORK_RETRIES="0",
        STRIPE_OUTCOME_SETTLE_SECONDS="0",
    )
    yield server
    server.stop()


@pytest.fixture
def paying(localstripe_process: LocalStripeProcess, card_server: MarketServer, make_invoice, payer) -> Paying:
    payable = make_invoice(AMOUNT)
    browser = Client()
    browser.force_login(actor_for(payer, Role.OWNER).user)
    session = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    page = card_server.request("GET", f"/pay/{payable.reference}/", headers={"Cookie": session})
    assert page.status == 200, page.body[:2000]
    csrf = re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", ""))
    assert csrf, page.headers
    return Paying(
        card_server, localstripe_process, payable, token_of(payer), f"{session}; csrftoken={csrf[1]}", csrf[1]
    )


def test_a_card_payment_while_stripe_is_down_is_refused_clearly_and_the_retry_charges_once(paying: Paying):
    card = card_token(paying.stripe)  # Stripe.js made the token; then the service went away
    paying.stripe.kill()

    api = paying.by_api(card, key="tab-1")
    assert api.status == 409, api.body[:2000]
    # "We could not confirm whether your card was charged … Do not pay again meanwhile", in Vietnamese: an
    # unanswered call may have charged the card, so "nothing was charged" would be a guess.
    assert "Đừng thanh toán lại" in api.json()["error"]["message"]
    page = paying.by_page(card)  # the other tab: refused while the first attempt is being checked
    assert page.status == 409, page.body[:2000]
    assert page.json()["state"] == "error"
    assert page.json()["message"] == api.json()["error"]["message"]
    [attempt] = Payment.objects.filter(payable=paying.payable)
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.PENDING, True)
    paying.payable.refresh_from_db()
    assert (paying.payable.status, paying.payable.amount_paid) == (PayableStatus.UNPAID, 0)

    paying.stripe.start()
    assert paying.stripe.charges() == []
    again = paying.by_api(card_token(paying.stripe), key="tab-2")  # Stripe has no charge for it: it failed
    assert again.status == 201, again.body[:2000]
    assert again.json()["state"] == PaymentState.SUCCEEDED
    late = paying.by_page(card_token(paying.stripe))  # the other tab tries again: nothing is left to pay
    assert late.status in (403, 409), late.body[:2000]

    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown, attempt.failure_code) == (
        PaymentState.FAILED,
        False,
        "not_received",
    )
    [charge] = paying.stripe.charges()
    assert (charge["amount"], charge["currency"]) == (AMOUNT, "vnd")
    paying.payable.refresh_from_db()
    assert (paying.payable.status, paying.payable.amount_paid) == (PayableStatus.PAID, AMOUNT)


def test_a_refund_while_stripe_is_down_is_held_and_made_once_when_it_is_back(paying: Paying, alliance):
    paid = paying.by_api(card_token(paying.stripe), key="pay")
    assert paid.json()["state"] == PaymentState.SUCCEEDED, paid.body[:2000]
    staff = bearer(token_of(alliance, Role.MANAGER))
    url = f"/api/v1/payments/payments/{paid.json()['id']}/refunds/"
    body = {"amount": 500_000, "reason": "Thiếu 1 bao"}
    paying.stripe.kill()

    # No answer from Stripe: the refund may have been made, so it is held (not failed) and its amount reserved.
    held = paying.server.request("POST", url, body, {**staff, "Idempotency-Key": "refund-1"})
    assert held.status == 409, held.body[:2000]
    assert held.json()["error"]["code"] == "refund_outcome_unknown"
    [refund] = Refund.objects.all()
    assert (refund.state, refund.outcome_unknown) == (RefundState.PENDING, True)
    rest = {"amount": AMOUNT, "reason": "Hoàn toàn bộ"}
    beyond = paying.server.request("POST", url, rest, {**staff, "Idempotency-Key": "refund-2"})
    assert beyond.status == 400, beyond.body[:2000]  # 1,000,000 ₫ is all that is left to refund

    paying.stripe.start()
    assert paying.stripe.refunds() == []
    # The retry finds nothing at Stripe once the first call has surely ended, and sends it under the same key.
    done = paying.server.request("POST", url, body, {**staff, "Idempotency-Key": "refund-1"})
    assert done.status == 201, done.body[:2000]
    assert done.json()["state"] == RefundState.SUCCEEDED
    [made] = paying.stripe.refunds()
    assert made["amount"] == 500_000
    assert Refund.objects.count() == 1
    payment = Payment.objects.get(pk=paid.json()["id"])
    assert payment.amount_refunded == 500_000
    assert len(paying.stripe.charges()) == 1


def test_stripe_killed_after_charging_and_before_answering_never_charges_twice(paying: Paying):
    paying.stripe.hold("POST /v1/payment_intents")
    answers: list[Answer] = []
    first = threading.Thread(target=lambda: answers.append(paying.by_api(card_token(paying.stripe), key="tab-1")))
    first.start()
    wait_until(paying.stripe.reached, timeout=30, what="the card payment at Stripe")
    assert paying.stripe.charges()
    paying.stripe.kill()
    first.join(60)
    paying.stripe.hold("")
    paying.stripe.start()
    [answer] = answers

    assert answer.status == 409, answer.body[:2000]
    assert "Đừng thanh toán lại" in answer.json()["error"]["message"]  # "do not pay again meanwhile"
    [attempt] = Payment.objects.filter(payable=paying.payable)
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.PENDING, True)

    # The buyer tries again: the first attempt is looked up at Stripe first, found charged and recorded as paid,
    # so nothing is left to pay and the card is not charged again.
    again = paying.by_api(card_token(paying.stripe), key="tab-2")
    assert again.status in (403, 409), again.body[:2000]
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.SUCCEEDED, False)
    assert Payment.objects.filter(payable=paying.payable).count() == 1
    paying.payable.refresh_from_db()
    assert (paying.payable.status, paying.payable.amount_paid) == (PayableStatus.PAID, AMOUNT)
    assert len(paying.stripe.charges()) == 1
