"""A cooperative manager on a phone lists a product with price tiers, records and publishes a harvest lot,
prints its labels and sends a certificate; alliance staff verify it. Every page is axe-checked."""

import re

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Category, Certificate, HarvestLot, Product
from market.organisations.models import Role
from tests.browser.conftest import assert_accessible, assert_fits_phone
from tests.catalog.factories import MINIMAL_PDF
from tests.factories import TEST_PASSWORD, OrganisationFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_cooperative_lists_a_product_and_a_lot_staff_verify_a_certificate(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", commune_code=30850)
    manager = member(cooperative, Role.MANAGER)
    staff = member(OrganisationFactory(kind="alliance", name="Liên minh HTX"), Role.STAFF)

    log_in(page, base, manager.email)
    page.get_by_role("link", name="Sản phẩm của tôi").click()
    check(page)
    page.get_by_role("link", name="Sản phẩm mới").click()
    check(page)
    page.get_by_label("Tên tiếng Việt").fill("Gạo ST25 túi 5 kg")
    page.get_by_label("Danh mục").select_option(str(Category.objects.get(slug="gao-thom").pk))
    page.get_by_label("Đặt tối thiểu").fill("100")
    page.get_by_label("Bội số đặt hàng").fill("5")
    page.get_by_label("Loại thuế GTGT").select_option("vat-5")
    page.get_by_label("Bậc 1: từ số lượng").fill("100")
    page.get_by_label("Bậc 1: đơn giá (₫)").fill("34.000")
    page.get_by_label("Bậc 2: từ số lượng").fill("1000")
    page.get_by_label("Bậc 2: đơn giá (₫)").fill("36.000")  # dearer for more: refused
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("đơn giá lại tăng lên")).to_be_visible()
    check(page)
    page.get_by_label("Bậc 2: đơn giá (₫)").fill("32.000")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu sản phẩm ở dạng bản nháp")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Đăng", exact=True).click()
    expect(page.get_by_text("Đã đăng: người mua đã có thể tìm thấy.")).to_be_visible()
    assert Product.objects.get().price_from == 32000

    page.get_by_role("link", name="Lô mới").click()
    check(page)
    page.get_by_label("Mã lô").fill("ST25-2026-04")
    page.get_by_label("Sản lượng thu hoạch / sản xuất").fill("3000")
    page.get_by_label("Ngày thu hoạch / sản xuất").fill("2026-03-20")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", name="Lô ST25-2026-04")).to_be_visible()
    check(page)
    page.get_by_label("Loại sự kiện").select_option("supply")
    page.get_by_label("Nội dung").fill("Thu mua lúa tươi")
    page.get_by_label("Ai", exact=True).fill("Hộ Nguyễn Văn Bé")
    page.get_by_role("button", name="Lưu sự kiện").click()
    expect(page.get_by_text("Đã ghi sự kiện.")).to_be_visible()
    page.get_by_role("button", name="Công bố lô").click()
    expect(page.get_by_text("Đã công bố", exact=False).first).to_be_visible()
    assert HarvestLot.objects.get().status == "published"
    check(page)
    page.get_by_role("link", name="In tem").click()
    expect(page.locator(".sticker")).to_have_count(24)
    check(page)

    page.get_by_role("link", name="Chứng nhận").first.click()
    check(page)
    pdf = tmp_path / "vietgap.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    page.locator("#id_kind").select_option("vietgap")
    page.get_by_label("Số giấy chứng nhận").fill("VG-2026-118")
    page.get_by_label("Cơ quan cấp").fill("Sở Nông nghiệp và Môi trường An Giang")
    page.get_by_label("Hiệu lực từ").fill("2026-01-01")
    page.get_by_label("Hiệu lực đến").fill("2027-12-31")
    page.get_by_label("Toàn hợp tác xã").check()
    page.get_by_label("Bản chụp hoặc ảnh giấy chứng nhận").set_input_files(str(pdf))
    page.get_by_role("button", name="Gửi thẩm định").click()
    expect(page.get_by_text("Đã gửi giấy chứng nhận để Liên minh thẩm định.")).to_be_visible()
    check(page)
    page.goto(f"{base}/my/products/import/")
    check(page)
    page.get_by_role("button", name=re.compile("Thoát|Đăng xuất|Log out")).click()

    log_in(page, base, staff.email)
    page.get_by_role("link", name="Chứng nhận").first.click()
    check(page)
    page.get_by_role("link", name=re.compile("VG-2026-118")).click()
    check(page)
    page.get_by_role("button", name="Xác minh").click()
    expect(page.get_by_text("Giấy chứng nhận VG-2026-118 đã được xác minh.")).to_be_visible()
    assert Certificate.objects.get().status == "verified"
