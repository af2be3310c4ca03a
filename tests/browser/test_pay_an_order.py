"""A buyer pays a real order from its order page: by card through our page with localstripe's Stripe.js, and
by VietQR into the cooperative's account, recognised when alliance staff upload the bank statement."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from market.organisations.models import Role
from market.payments.models import Payable
from orders.models import Order, PaymentStatus
from tests.browser.test_pay_page import check, fill_card, log_in, log_out
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.orders.factories import only_order, place, stocked_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def extra_allowed_origins(localstripe) -> list[str]:
    return [localstripe.url]  # Stripe.js is localstripe's replacement, on loopback


@pytest.fixture
def order(buyer, cooperative) -> Order:
    """1.000 kg of ST25 rice at 29.000 ₫ + 5 % VAT, waiting for payment into the cooperative's account."""
    cooperative.bank_bin, cooperative.bank_account_number = "970405", "7700201012345"
    cooperative.bank_account_holder = "HTX LUA GAO THU NGHIEM"
    cooperative.save()
    product, _lot = stocked_product(cooperative)
    return only_order(place(actor_for(buyer, Role.OWNER), [(product, "1000")]))


def open_the_pay_page(page: Page, base: str, order: Order) -> str:
    page.goto(f"{base}/orders/{order.pk}/")
    check(page)
    page.locator("main a[href^='/pay/']").click()
    expect(page.locator(".vietqr svg")).to_be_visible()
    return page.locator("dl.transfer strong.mono").inner_text()


def test_the_buyer_pays_an_order_by_card(page: Page, live_server, localstripe, order, buyer):
    log_in(page, live_server.url, member(buyer, Role.STAFF).email)
    open_the_pay_page(page, live_server.url, order)
    page.locator(".pay-tabs a").nth(1).click()
    fill_card(page, "4242424242424242")
    page.locator("#card-pay").click()
    # Paid: the pay page goes back to the order, which now says so.
    page.wait_for_url(re.compile(rf".*/orders/{order.pk}/$"), timeout=15_000)
    expect(page.locator("main p", has_text="Đã thanh toán").first).to_be_visible()
    expect(page.locator("main a[href^='/pay/']")).to_have_count(0)
    check(page)
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    payment = Payable.objects.get(kind="orders.order", object_id=str(order.pk)).payments.get()
    assert (payment.provider, payment.amount) == ("stripe", order.total)


def test_the_buyer_pays_an_order_by_vietqr_recognised_from_the_statement(
    page: Page, live_server, localstripe, order, buyer, cooperative, alliance, tmp_path
):
    log_in(page, live_server.url, member(buyer, Role.STAFF).email)
    reference = open_the_pay_page(page, live_server.url, order)
    check(page)
    log_out(page)

    amount = f"{order.total:,}".replace(",", ".")  # 30.450.000, as Vietnamese banks print it
    statement = tmp_path / "saoke.csv"
    statement.write_text(
        f"Sao kê tài khoản {cooperative.bank_account_number}\n"
        "Ngày GD,Số CT,Số tiền ghi nợ,Số tiền ghi có,Nội dung\n"
        f"21/11/2026 09:15,AG9911,,{amount},IBFT {reference} CONG TY MUA HANG\n",
        encoding="utf-8",
    )
    log_in(page, live_server.url, member(alliance, Role.STAFF).email)
    page.goto(f"{live_server.url}/staff/payments/statements/")
    page.locator("#id_file").set_input_files(str(statement))
    page.locator("#id_account_number").fill(cooperative.bank_account_number)
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("tr.outcome-apply")).to_have_count(1)
    page.locator("button[name=action][value=apply]").click()
    expect(page.locator(".notice.success")).to_be_visible()
    check(page)
    log_out(page)

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    log_in(page, live_server.url, member(buyer, Role.STAFF).email)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator("main a[href^='/pay/']")).to_have_count(0)  # nothing left to pay
    check(page)
