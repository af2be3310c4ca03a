"""A buyer pays a real order from its order page: by card through our page with localstripe's Stripe.js, and
by VietQR into the cooperative's account, recognised when alliance staff upload the bank statement. A weighed
delivery lighter than what was paid leaves a balance that the buyer, the cooperative and staff see, and that
the cooperative settles from the order page by recording the transfer that sent it back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from market.organisations.models import Role
from market.payments.models import Payable, Refund
from market.payments.services import bank_transaction_record
from orders import services
from orders.models import Order, PaymentStatus
from tests.browser.test_pay_page import check, fill_card, log_in, log_out
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.orders.factories import only_order, place, stocked_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


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
    page.locator("[data-action=pay]").click()
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
    expect(page.locator("[data-action=pay]")).to_have_count(0)
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
    expect(page.locator("[data-action=pay]")).to_have_count(0)  # nothing left to pay
    check(page)


def test_a_lighter_delivery_than_paid_is_shown_and_refunded_from_the_order_page(
    page: Page, live_server, order, buyer, cooperative, alliance
):
    """Paid 30.450.000 ₫ by transfer; 986 kg of the 1.000 kg arrive: 426.300 ₫ is owed back to the buyer."""
    payable = Payable.objects.get(kind="orders.order", object_id=str(order.pk))
    bank_transaction_record(
        account_number=payable.account_number,
        bank_reference="FT26330001",
        booked_at=timezone.now(),
        amount=payable.amount,
        description=f"{payable.reference} CONG TY MUA HANG",
        counterparty="CONG TY MUA HANG",
        source="statement",
    )
    seller = actor_for(cooperative, Role.OWNER)
    line = order.lines.get()
    services.order_confirm(actor=seller, order_id=order.pk)
    services.shipment_create(actor=seller, order_id=order.pk, quantities={line.pk: Decimal(1000)})
    services.order_deliver(actor=seller, order_id=order.pk, quantities={line.pk: Decimal(986)})

    for organisation in (buyer, alliance):
        log_in(page, live_server.url, member(organisation, Role.STAFF).email)
        page.goto(f"{live_server.url}/orders/{order.pk}/")
        expect(page.locator(".over-paid")).to_contain_text("426.300")
        check(page)
        log_out(page)

    log_in(page, live_server.url, member(cooperative, Role.MANAGER).email)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator(".over-paid")).to_contain_text("426.300")
    check(page)
    page.locator("[data-action=refund_balance]").click()  # without the transfer's reference: refused, kept
    expect(page.locator(".refund-form .error")).to_be_visible()
    check(page)
    page.locator("#id_refund-bank_reference").fill("FT26339876")
    page.locator("#id_refund-note").fill("Hoàn 14 kg thiếu cân")
    page.locator("[data-action=refund_balance]").click()
    expect(page.locator(".notice.success")).to_be_visible()
    expect(page.locator(".over-paid")).to_have_count(0)
    check(page)
    payable.refresh_from_db()
    assert (payable.amount_refunded, payable.overpaid) == (426_300, 0)
    assert Refund.objects.get().provider_reference == "bank:FT26339876"
