"""A buyer comes back to the pay page after leaving 3-D Secure half-way, in chromium at phone width with
localstripe's Stripe.js: finishes it (localstripe's replacement has no handleNextAction; its confirmCardPayment
opens the same 3-D Secure dialog), or pays again with another card, which cancels the waiting attempt first. An
attempt whose outcome is unknown shows that it is being checked, with no way to pay, until Stripe answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from market.organisations.actors import resolve_actor
from market.payments import services
from market.payments import stripe_gateway as gateway
from market.payments.models import Payable, PayableStatus, Payment, PaymentState, Provider
from tests.browser.test_pay_page import check, fill_card, log_in
from tests.payments.fixtures import card_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THREE_D_SECURE = "4000002500003155"


@pytest.fixture
def extra_allowed_origins(localstripe) -> list[str]:
    return [localstripe.url]  # Stripe.js is localstripe's replacement, on loopback


def left_waiting(localstripe, payer_user, payable: Payable) -> Payment:
    """The buyer paid with a 3-D Secure card and closed the tab before the bank's step."""
    payment, _secret = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe, THREE_D_SECURE)
    )
    return payment


def charged() -> list[int]:
    """The amounts localstripe charged: what left the buyer's card."""
    listing = gateway.client().v1.charges.list({"limit": 100}).auto_paging_iter()
    return [charge["amount"] for charge in map(gateway.as_dict, listing) if charge["status"] == "succeeded"]


def test_the_buyer_finishes_3d_secure_left_half_way(page: Page, live_server, localstripe, make_invoice, payer_user):
    payable = make_invoice(1_500_000)
    attempt = left_waiting(localstripe, payer_user, payable)
    log_in(page, live_server.url, payer_user.email)
    page.goto(f"{live_server.url}/pay/{payable.reference}/")

    finish = page.get_by_role("button", name="Hoàn tất xác thực 3-D Secure")
    expect(finish).to_be_visible()
    expect(page.locator("#resume-heading + p")).to_contain_text("1.500.000")
    expect(page.get_by_role("link", name="Thanh toán lại bằng thẻ khác")).to_be_visible()
    check(page)
    finish.click()
    page.get_by_role("button", name="Complete authentication").click()  # localstripe's 3-D Secure dialog
    expect(page.locator(".pay-status .badge")).to_have_class(re.compile("pay-paid"), timeout=15_000)
    check(page)

    attempt.refresh_from_db()
    assert attempt.state == PaymentState.SUCCEEDED
    assert Payable.objects.get(pk=payable.pk).amount_paid == 1_500_000
    assert payable.payments.count() == 1
    assert charged() == [1_500_000]


def test_the_buyer_pays_again_with_another_card_and_the_waiting_one_is_cancelled(
    page: Page, live_server, localstripe, make_invoice, payer_user
):
    payable = make_invoice(2_000_000)
    attempt = left_waiting(localstripe, payer_user, payable)
    log_in(page, live_server.url, payer_user.email)
    page.goto(f"{live_server.url}/pay/{payable.reference}/")

    page.get_by_role("link", name="Thanh toán lại bằng thẻ khác").click()
    expect(page.locator("#card-heading")).to_have_text("Thanh toán lại bằng thẻ khác")
    expect(page.locator("section[aria-labelledby=card-heading] .notice")).to_contain_text("sẽ được hủy trước")
    check(page)
    fill_card(page, "4242424242424242")
    page.locator("#card-pay").click()
    expect(page.locator(".pay-status .badge")).to_have_class(re.compile("pay-paid"), timeout=15_000)
    expect(page.get_by_role("button", name="Hoàn tất xác thực 3-D Secure")).to_have_count(0)

    attempt.refresh_from_db()
    assert attempt.state == PaymentState.CANCELLED
    assert gateway.payment_intent_retrieve(attempt.provider_reference)["status"] == "canceled"
    assert Payable.objects.get(pk=payable.pk).status == PayableStatus.PAID
    assert charged() == [2_000_000]


def test_an_attempt_being_checked_shows_no_way_to_pay_until_stripe_answers(
    page: Page, live_server, localstripe, make_invoice, payer_user, settings
):
    payable = make_invoice(1_500_000)
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 3600  # Stripe may still be finishing the lost request
    attempt = Payment.objects.create(
        payable=payable, provider=Provider.STRIPE, amount=payable.amount, outcome_unknown=True
    )
    log_in(page, live_server.url, payer_user.email)
    page.goto(f"{live_server.url}/pay/{payable.reference}/?method=card")

    expect(page.get_by_role("heading", name="Đang kiểm tra với ngân hàng")).to_be_visible()
    expect(page.locator("[data-action]")).to_have_count(0)  # no tab, no pay button, no QR to pay twice with
    expect(page.locator("#card-form")).to_have_count(0)
    check(page)

    # Stripe has answered (it never received the attempt): the page's own polling reloads it with the ways to pay.
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0
    expect(page.locator(".pay-tabs [data-action=pay_by_card]")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Đang kiểm tra với ngân hàng")).to_have_count(0)
    check(page)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.outcome_unknown) == (PaymentState.FAILED, False)
