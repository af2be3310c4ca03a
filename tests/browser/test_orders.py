"""A buyer on a phone puts products of two cooperatives in the cart and checks out: two orders. One
cooperative confirms and ships its order. axe and the 360 px check at every page."""

import pytest
from playwright.sync_api import Page, expect

from market.organisations.models import OrganisationKind, Role
from orders.models import Order
from tests.browser.conftest import assert_accessible, assert_fits_phone
from tests.catalog.factories import make_lot, make_product
from tests.factories import TEST_PASSWORD, OrganisationFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)


def log_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_checkout_across_two_cooperatives_then_confirm_and_ship(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
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

    log_in(page, base, buyer_user.email)
    page.goto(f"{base}/products/{rice.pk}/")
    page.locator("#cart-quantity").fill("1000")
    page.locator(".add-to-cart button[type=submit]").click()
    page.goto(f"{base}/products/{sauce.pk}/")
    check(page)
    page.locator("#cart-quantity").fill("48")
    page.locator(".add-to-cart button[type=submit]").click()

    page.goto(f"{base}/cart/")
    expect(page.locator(".cart-group")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("29.000.000")  # 1 tấn at the 29.000 ₫ tier
    check(page)
    page.goto(f"{base}/checkout/")
    check(page)
    page.locator("#id_po_number").fill("PO-SGX-0042")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator(".placed-order")).to_have_count(2)
    check(page)
    assert Order.objects.count() == 2
    rice_order = Order.objects.get(cooperative=rice_coop)

    # The cooperative confirms and ships part of its order.
    log_in(page, base, seller_user.email)
    page.goto(f"{base}/orders/")
    expect(page.get_by_role("link", name=rice_order.number)).to_be_visible()
    check(page)
    page.get_by_role("link", name=rice_order.number).click()
    check(page)
    page.locator("form[action$='/confirm/'] button[type=submit]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-confirmed")
    line = rice_order.lines.get()
    page.locator(f"#s-{line.pk}").fill("600")
    page.locator("#s-carrier").fill("Xe tải HTX")
    page.locator("#s-vehicle").fill("68C-123.45")
    page.locator(".shipment-form button[type=submit]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-partly_shipped")
    expect(page.locator("main")).to_contain_text("68C-123.45")
    check(page)
    rice_order.refresh_from_db()
    assert rice_order.status == "partly_shipped"
    assert Order.objects.get(cooperative=fish_coop).status == "placed"
