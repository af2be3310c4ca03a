"""Orders in a Vietnamese browser on a phone, typing what people in Vietnam type and checking what was stored:
a buyer fills the cart from two cooperatives ("1.000" kg, then "1,5 tấn"), checks out with a delivery window
typed dd/mm/yyyy; a cooperative confirms, ships in two parts and records the weighed delivery ("1.485" kg);
a buyer asks for "2 tấn" and accepts a quote of 2.000 kg at "29.000" ₫/kg valid until a day typed dd/mm/yyyy.
axe and the 360 px check at every page."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import Category
from market.organisations.models import OrganisationKind, Role
from orders.models import Checkout, Invoice, Order, Quote, Rfq
from tests.browser.conftest import check, log_in, type_date
from tests.catalog.factories import make_lot, make_product
from tests.factories import OrganisationFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_checkout_across_two_cooperatives_then_confirm_ship_and_weigh(page: Page, live_server):
    base = live_server.url
    OrganisationFactory(kind="alliance", name="Liên minh HTX An Giang")
    rice_coop = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", commune_code=30850)
    fish_coop = OrganisationFactory(name="HTX Nước mắm Hưng Thịnh")
    rice = make_product(rice_coop, name="Gạo ST25 Tân Hiệp")
    sauce = make_product(fish_coop, name="Nước mắm Phú Quốc 40 độ đạm", category="nuoc-mam", unit="chai",
                         moq="48", order_multiple="24", tiers=[("48", 98000)], vat_category="vat-10")  # fmt: skip
    make_lot(rice, code="ST25-2026-03", quantity="5000")
    make_lot(sauce, code="NM-2026-01", quantity="480")
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Sài Gòn Xanh")
    buyer_user = member(buyer, Role.OWNER, email="muahang@saigonxanh.test")
    seller_user = member(rice_coop, Role.STAFF, email="kho@tanhiep.test")

    log_in(page, base, buyer_user.email, switching=True)
    page.goto(f"{base}/products/{rice.pk}/")
    page.locator("#cart-quantity").fill("1.000")  # one thousand kilograms, as written in Vietnam
    page.locator(".add-to-cart button[type=submit]").click()
    page.goto(f"{base}/products/{sauce.pk}/")
    check(page)
    page.locator("#cart-quantity").fill("48")
    page.locator(".add-to-cart button[type=submit]").click()

    page.goto(f"{base}/cart/")
    expect(page.locator(".cart-group")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("29.000.000")  # 1.000 kg at the 29.000 ₫ tier
    check(page)
    rice_row = page.locator(".cart-group", has_text="Gạo ST25")
    rice_row.locator("input[name=quantity]").fill("1,5 tấn")
    rice_row.locator("[data-action=update_line]").click()
    expect(page.locator("main")).to_contain_text("43.500.000")
    assert rice_row.locator("input[name=quantity]").input_value() == "1.500"

    page.goto(f"{base}/checkout/")
    check(page)
    start, end = timezone.localdate() + timedelta(days=10), timezone.localdate() + timedelta(days=20)
    type_date(page, "#id_delivery_from", start)
    type_date(page, "#id_delivery_to", end)
    page.locator("#id_po_number").fill("PO-SGX-0042")
    page.locator("[data-action=place]").click()
    expect(page.locator(".placed-order")).to_have_count(2)
    check(page)
    checkout = Checkout.objects.get()
    assert (checkout.delivery_from, checkout.delivery_to, checkout.po_number) == (start, end, "PO-SGX-0042")
    rice_order = Order.objects.get(cooperative=rice_coop)
    line = rice_order.lines.get()
    assert line.quantity_ordered == D(1500)

    # The cooperative confirms, ships in two parts and weighs what arrived.
    log_in(page, base, seller_user.email, switching=True)
    page.goto(f"{base}/orders/")
    expect(page.get_by_role("link", name=rice_order.number)).to_be_visible()
    check(page)
    page.get_by_role("link", name=rice_order.number).click()
    check(page)
    assert page.locator(f"#c-{line.pk}").input_value() == "1.500"
    page.locator("[data-action=confirm]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-confirmed")
    page.locator(f"#s-{line.pk}").fill("600")
    page.locator("#id_ship-carrier").fill("Xe tải HTX")
    page.locator("#id_ship-vehicle").fill("68C-123.45")
    page.locator("[data-action=ship]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-partly_shipped")
    expect(page.locator("main")).to_contain_text("68C-123.45")
    check(page)
    assert page.locator(f"#s-{line.pk}").input_value() == "900"
    page.locator("[data-action=ship]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-shipped")
    page.locator(f"#d-{line.pk}").fill("1.485")  # weighed at the buyer's warehouse: 1 % lighter
    page.locator("[data-action=deliver]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-delivered")
    check(page)
    line.refresh_from_db()
    assert (line.quantity_shipped, line.quantity_delivered) == (D(1500), D(1485))
    assert Invoice.objects.get(order=rice_order).total == 1485 * 29000 * 105 // 100
    assert Order.objects.get(cooperative=fish_coop).status == "placed"


def test_a_request_for_2_tan_is_quoted_per_kg_and_becomes_an_order_in_its_window(page: Page, live_server):
    base = live_server.url
    OrganisationFactory(kind="alliance", name="Liên minh HTX An Giang")
    coop = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp")
    rice = make_product(coop, name="Gạo ST25 Tân Hiệp")
    make_lot(rice, code="ST25-2026-04", quantity="5000")
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Sài Gòn Xanh")
    buyer_user = member(buyer, Role.STAFF, email="muahang@saigonxanh.test")
    manager = member(coop, Role.MANAGER, email="kinhdoanh@tanhiep.test")

    log_in(page, base, buyer_user.email, switching=True)
    page.goto(f"{base}/quotations/")
    check(page)
    start, end = timezone.localdate() + timedelta(days=14), timezone.localdate() + timedelta(days=45)
    page.locator("#id_title").fill("Gạo ST25 cho bếp ăn, 2 tấn")
    page.locator("#id_category").select_option(str(Category.objects.get(slug="gao-thom").pk))
    page.locator("#id_quantity").fill("2")
    page.locator("#id_unit").select_option("tan")
    type_date(page, "#id_delivery_from", start)
    type_date(page, "#id_delivery_to", end)
    page.locator("#id_delivery_province_code").select_option("79")
    page.locator("#id_target_unit_price").fill("27.500.000")
    page.locator("form.rfq-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Gạo ST25 cho bếp ăn, 2 tấn")
    rfq = Rfq.objects.get()
    assert (rfq.quantity, rfq.unit, rfq.target_unit_price) == (D(2), "tan", 27_500_000)
    assert (rfq.delivery_from, rfq.delivery_to, rfq.delivery_province_code) == (start, end, 79)

    log_in(page, base, manager.email, switching=True)
    page.goto(f"{base}/quotations/{rfq.pk}/")
    check(page)
    assert page.locator("#id_quantity").input_value() == "2.000"  # 2 tấn, in the product's kg
    page.locator("#id_unit_price").fill("29.000")
    valid_until = timezone.localdate() + timedelta(days=7)
    type_date(page, "#id_valid_until", valid_until)
    page.locator("[data-action=quote]").click()
    expect(page.locator(".quote-compare")).to_contain_text("58.000.000")
    check(page)
    quote = Quote.objects.get()
    assert (quote.quantity, quote.unit, quote.unit_price) == (D(2000), "kg", 29000)
    assert timezone.localtime(quote.valid_until) == timezone.make_aware(datetime.combine(valid_until, time(23, 59)))

    log_in(page, base, buyer_user.email, switching=True)
    page.goto(f"{base}/quotations/{rfq.pk}/")
    compare = page.locator(".quote-compare")
    expect(compare).to_contain_text("29.000\u00a0₫/kg")
    expect(compare).to_contain_text("2.000\u00a0kg")
    check(page)
    compare.locator("[data-action=accept]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-placed")
    check(page)
    order = Order.objects.get()
    assert (order.checkout.delivery_from, order.checkout.delivery_to) == (start, end)
    assert (order.lines.get().quantity_ordered, order.total) == (D(2000), 58_000_000 * 105 // 100)
