"""A buyer on a phone, in a Vietnamese browser: the products come before the filters, a search survives a
typo, prices compare per kg, one quantity box prices "1.500" kg and adds it to the cart, and a lot's QR code
(decoded from the PNG with zxing-cpp) opens its trace page — axe-checked at every step."""

import io
import re
from urllib.parse import parse_qs

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from market.organisations.models import OrganisationKind, Role
from tests.browser.conftest import PHONE, check
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import TEST_PASSWORD, OrganisationFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN"}


@pytest.fixture
def catalogue(settings, live_server, tmp_path):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    OrganisationFactory(kind="alliance", name="Liên minh HTX An Giang")
    rice_coop = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", commune_code=30850)
    fish_coop = OrganisationFactory(name="HTX Nước mắm Hưng Thịnh")
    st25 = make_product(rice_coop, name="Gạo ST25 Tân Hiệp", gtin="8935049500018", packaging="Túi 5 kg")
    st24 = make_product(rice_coop, name="Gạo ST24 Tân Hiệp", tiers=[("100", 28000)])
    paddy = make_product(rice_coop, name="Lúa tươi OM18", unit="tan", moq="1", order_multiple="1",
                         tiers=[("1", 15_700_000)])  # fmt: skip
    sauce = make_product(fish_coop, name="Nước mắm Phú Quốc 40 độ đạm", category="nuoc-mam", unit="chai500",
                         moq="48", order_multiple="24", tiers=[("48", 98000)])  # fmt: skip
    make_certificate(rice_coop, kind="ocop", ocop_stars=4, products=[st25], number="OCOP-AG-2025-031")
    make_certificate(rice_coop, kind="ocop", ocop_stars=3, products=[st24], number="OCOP-AG-2025-032")
    make_certificate(fish_coop, kind="gi", number="CDDL-00001", valid_to=None)
    lot = make_lot(st25, code="ST25-2026-03")
    buyer = member(OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods"), Role.OWNER)
    return {"st25": st25, "sauce": sauce, "paddy": paddy, "lot": lot, "buyer": buyer}


def test_a_buyer_finds_compares_prices_and_orders_with_one_quantity_box(page: Page, live_server, catalogue):
    base = live_server.url
    page.goto(f"{base}/")
    check(page)
    page.get_by_label("Tìm sản phẩm").fill("gao st25")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_role("link", name="Gạo ST25 Tân Hiệp")).to_be_visible()
    expect(page.get_by_role("link", name="Nước mắm Phú Quốc 40 độ đạm")).to_have_count(0)
    check(page)

    # Without diacritics and with a typo, fish sauce too.
    page.get_by_label("Tìm sản phẩm").fill("nuoc mam phu quok")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_role("link", name="Nước mắm Phú Quốc 40 độ đạm")).to_be_visible()
    # On a phone the filters wait behind their summary: the first product is on the first screen.
    top = page.locator(".product-card").first.bounding_box()
    assert top is not None
    assert top["y"] < PHONE["height"], top
    check(page)

    # Only punctuation: no results, and a message that says why.
    page.get_by_label("Tìm sản phẩm").fill("!!! 🙂")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_text("không có chữ hay số nào để tìm")).to_be_visible()
    expect(page.locator(".product-card")).to_have_count(0)

    # Prices compare per kg: 15.700.000 ₫ a tấn is 15.700 ₫ a kg, cheaper than rice at 28.000 ₫ a kg.
    page.goto(f"{base}/catalogue/")
    page.get_by_text("Bộ lọc", exact=True).click()
    page.get_by_label("Sắp xếp").select_option("price_asc")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    # Read the cards once the sorted page has loaded: read at once, they came from the page being left (CI saw none).
    expect(page).to_have_url(re.compile(r"[?&]sort=price_asc(&|$)"))
    expect(page.locator(".product-card .product-name")).to_have_text(
        ["Lúa tươi OM18", "Gạo ST24 Tân Hiệp", "Gạo ST25 Tân Hiệp", "Nước mắm Phú Quốc 40 độ đạm"]
    )
    expect(page.get_by_text("Giá được so sánh theo kg", exact=False)).to_be_visible()
    check(page)

    # A price filter typed the Vietnamese way, a number too large refused on the page (never a 500).
    page.get_by_text("Bộ lọc", exact=True).click()
    page.get_by_label("Giá đến (₫)").fill("99999999999999999999999")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    expect(page.get_by_role("alert")).to_contain_text("999.999.999.999")
    check(page)

    # The buyer opens the rice: one quantity box prices what is typed and adds it to the cart.
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(catalogue["buyer"].email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{base}/products/{catalogue['st25'].pk}/")
    expect(page.get_by_role("heading", name="Gạo ST25 Tân Hiệp")).to_be_visible()
    boxes = page.locator('input[name="quantity"]')
    expect(boxes).to_have_count(1)
    boxes.fill("")
    boxes.press_sequentially("1.500")  # one and a half thousand kilograms
    expect(page.locator("#quote")).to_contain_text("43.500.000")
    check(page)
    with page.expect_request(lambda r: r.method == "POST" and "/cart" in r.url) as posted:
        page.get_by_role("button", name="Thêm vào giỏ hàng").click()
    sent = parse_qs(posted.value.post_data or "")
    assert sent["quantity"] == ["1.500"]
    assert sent["action"] == ["add"]
    assert sent["product"] == [str(catalogue["st25"].pk)]
    assert sent["next"][0].startswith(f"/products/{catalogue['st25'].pk}/")

    # The printed label's QR code: decode the PNG, open what it says.
    lot = catalogue["lot"]
    png = page.request.get(f"{base}/trace/{lot.public_id}/qr.png").body()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text
    assert decoded == f"{base}/01/08935049500018/10/ST25-2026-03"
    page.goto(decoded)
    expect(page.get_by_role("heading", name="Gạo ST25 Tân Hiệp")).to_be_visible()
    expect(page.get_by_text("ST25-2026-03").first).to_be_visible()
    expect(page.get_by_role("heading", name="Một bước trước")).to_be_visible()
    check(page)
