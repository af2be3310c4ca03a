"""A buyer on a phone: search without diacritics, filter by OCOP stars, open a product, then scan a lot's
QR code (decoded from the PNG with zxing-cpp) and land on its trace page — axe-checked at every step."""

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, assert_fits_phone
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)


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
    sauce = make_product(fish_coop, name="Nước mắm Phú Quốc 40 độ đạm", category="nuoc-mam", unit="chai",
                         moq="48", order_multiple="24", tiers=[("48", 98000)])  # fmt: skip
    make_certificate(rice_coop, kind="ocop", ocop_stars=4, products=[st25], number="OCOP-AG-2025-031")
    make_certificate(rice_coop, kind="ocop", ocop_stars=3, products=[st24], number="OCOP-AG-2025-032")
    make_certificate(fish_coop, kind="gi", number="CDDL-00001", valid_to=None)
    lot = make_lot(st25, code="ST25-2026-03")
    return {"st25": st25, "sauce": sauce, "lot": lot}


def test_search_filter_open_product_and_scan_its_lot(page: Page, live_server, catalogue):
    base = live_server.url
    page.goto(f"{base}/")
    check(page)
    page.get_by_label("Tìm sản phẩm").fill("gao st25")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_role("link", name="Gạo ST25 Tân Hiệp")).to_be_visible()
    expect(page.get_by_role("link", name="Nước mắm Phú Quốc 40 độ đạm")).to_have_count(0)
    check(page)

    # Without diacritics, fish sauce too.
    page.get_by_label("Tìm sản phẩm").fill("nuoc mam phu quoc")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_role("link", name="Nước mắm Phú Quốc 40 độ đạm")).to_be_visible()
    check(page)

    # Clear the search, filter by OCOP 4 stars or more.
    page.goto(f"{base}/catalogue/")
    page.get_by_text("Bộ lọc", exact=True).click()
    page.get_by_label("Số sao OCOP").select_option("4")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    expect(page.get_by_role("link", name="Gạo ST25 Tân Hiệp")).to_be_visible()
    expect(page.get_by_role("link", name="Gạo ST24 Tân Hiệp")).to_have_count(0)
    expect(page.locator(".badge", has_text="OCOP 4★").first).to_be_visible()
    check(page)

    page.get_by_role("link", name="Gạo ST25 Tân Hiệp").click()
    expect(page.get_by_role("heading", name="Gạo ST25 Tân Hiệp")).to_be_visible()
    expect(page.get_by_text("32.000")).to_be_visible()
    page.get_by_label("Bao nhiêu? (tính theo kg)").fill("1500")
    page.get_by_role("button", name="Tính tiền").click()
    expect(page.get_by_text("43.500.000")).to_be_visible()
    check(page)

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
