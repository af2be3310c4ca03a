"""A cooperative manager on a phone, in a Vietnamese browser, types what people in Vietnam type — "1.000" kg,
"25.000" ₫, "0,5", dates as dd/mm/yyyy — into the product, lot and certificate forms; the stored values are
what was meant. Alliance staff verify the certificate and read its history in words. Every page is
axe-checked at 360 px."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import Category, Certificate, HarvestLot, Product
from market.organisations.models import Role
from tests.browser.conftest import check, log_in
from tests.catalog.factories import MINIMAL_PDF
from tests.factories import OrganisationFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN"}


def type_into(page: Page, label: str, text: str, **options) -> None:
    field = page.get_by_label(label, **options)
    field.fill("")
    field.press_sequentially(text)


def test_cooperative_types_vietnamese_numbers_and_dates_staff_verify(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", commune_code=30850)
    manager = member(cooperative, Role.MANAGER)
    staff = member(OrganisationFactory(kind="alliance", name="Liên minh HTX"), Role.STAFF)

    log_in(page, base, manager.email)
    page.get_by_role("link", name="Sản phẩm của tôi", exact=True).click()
    check(page)
    page.get_by_role("link", name="Sản phẩm mới").click()
    check(page)
    type_into(page, "Tên tiếng Việt", "Gạo ST25 bao 50 kg")
    page.get_by_label("Danh mục").select_option(str(Category.objects.get(slug="gao-thom").pk))
    type_into(page, "Đặt tối thiểu", "1.000")  # one thousand kg, not one
    type_into(page, "Bội số đặt hàng", "0,5")
    page.get_by_label("Loại thuế GTGT").select_option("vat-5")
    type_into(page, "Bậc 1: từ số lượng", "1.000")
    type_into(page, "Bậc 1: đơn giá (₫)", "25000,5")  # đồng have no decimals: refused, never 250.005 ₫
    type_into(page, "Bậc 2: từ số lượng", "5.000")
    type_into(page, "Bậc 2: đơn giá (₫)", "24.500 ₫")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Số tiền bằng đồng không có phần thập phân.").first).to_be_visible()
    expect(page.get_by_label("Bậc 1: đơn giá (₫)")).to_have_value("25000,5")  # what was typed stays
    assert not Product.objects.exists()
    check(page)
    type_into(page, "Bậc 1: đơn giá (₫)", "25.000")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu sản phẩm ở dạng bản nháp")).to_be_visible()
    product = Product.objects.get()
    assert (product.moq, product.order_multiple) == (Decimal(1000), Decimal("0.5"))
    assert [(t.min_quantity, t.unit_price) for t in product.price_tiers.order_by("min_quantity")] == [
        (Decimal(1000), 25000),
        (Decimal(5000), 24500),
    ]
    check(page)
    page.get_by_role("button", name="Đăng", exact=True).click()
    expect(page.get_by_text("Đã đăng: người mua đã có thể tìm thấy.")).to_be_visible()

    # The edit form shows the values the way they were typed, and reads them back unchanged.
    page.get_by_role("link", name="Sửa").click()
    expect(page.get_by_label("Đặt tối thiểu")).to_have_value("1.000")
    expect(page.get_by_label("Bội số đặt hàng")).to_have_value("0,5")
    expect(page.get_by_label("Bậc 2: đơn giá (₫)")).to_have_value("24.500")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu.")).to_be_visible()
    assert Product.objects.get().moq == Decimal(1000)

    page.get_by_role("link", name="Lô mới").click()
    check(page)
    type_into(page, "Mã lô", "st25-2026-04")
    type_into(page, "Sản lượng thu hoạch / sản xuất", "3.000,5")
    type_into(page, "Ngày thu hoạch / sản xuất", "20/03/2026")
    type_into(page, "Hạn sử dụng", "20/3/2027")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", name="Lô ST25-2026-04")).to_be_visible()
    lot = HarvestLot.objects.get()
    assert (lot.quantity_produced, lot.harvest_date, lot.expiry_date) == (
        Decimal("3000.5"),
        date(2026, 3, 20),
        date(2027, 3, 20),
    )
    check(page)
    page.get_by_label("Loại sự kiện").select_option("supply")
    type_into(page, "Thời điểm", "19/03/2026 07:30")
    type_into(page, "Nội dung", "Thu mua lúa tươi")
    type_into(page, "Ai", "Hộ Nguyễn Văn Bé", exact=True)
    type_into(page, "Số lượng", "1,5 tấn", exact=True)  # another mass unit: 1.500 kg
    page.get_by_role("button", name="Lưu sự kiện").click()
    expect(page.get_by_text("Đã ghi sự kiện.")).to_be_visible()
    event = lot.events.get()
    assert (event.quantity, event.unit) == (Decimal(1500), "kg")
    when = timezone.localtime(event.occurred_at)
    assert (when.day, when.hour, when.minute) == (19, 7, 30)
    page.get_by_role("button", name="Công bố lô").click()
    expect(page.get_by_text("Đã công bố", exact=False).first).to_be_visible()
    assert HarvestLot.objects.get().status == "published"
    type_into(page, "Hiện còn", "2.999,5")
    type_into(page, "Lý do thay đổi", "Kiểm kho cuối tháng")
    page.get_by_role("button", name="Cập nhật tồn kho").click()
    expect(page.get_by_text("Đã cập nhật tồn kho.")).to_be_visible()
    assert HarvestLot.objects.get().quantity_available == Decimal("2999.5")
    check(page)
    page.get_by_role("link", name="In tem").click()
    expect(page.locator(".sticker")).to_have_count(24)
    check(page)

    page.get_by_role("link", name="Chứng nhận").first.click()
    check(page)
    pdf = tmp_path / "vietgap.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    page.locator("#id_kind").select_option("vietgap")
    type_into(page, "Số giấy chứng nhận", "VG-2026-118")
    type_into(page, "Cơ quan cấp", "Sở Nông nghiệp và Môi trường An Giang")
    type_into(page, "Hiệu lực từ", "01/01/2026")
    type_into(page, "Hiệu lực đến", "31/12/2027")
    page.get_by_label("Phạm vi").select_option("cooperative")
    page.get_by_label("Bản chụp hoặc ảnh giấy chứng nhận").set_input_files(str(pdf))
    page.get_by_role("button", name="Gửi thẩm định").click()
    expect(page.get_by_text("Đã gửi giấy chứng nhận để Liên minh thẩm định.")).to_be_visible()
    certificate = Certificate.objects.get()
    assert (certificate.valid_from, certificate.valid_to) == (date(2026, 1, 1), date(2027, 12, 31))
    check(page)
    page.goto(f"{base}/my/products/import/")
    check(page)
    page.get_by_role("button", name=re.compile("Thoát|Đăng xuất|Log out")).click()

    log_in(page, base, staff.email)
    page.get_by_role("link", name="Chứng nhận").first.click()
    check(page)
    page.get_by_role("link", name=re.compile("VG-2026-118")).click()
    expect(page.get_by_text("Đã gửi thẩm định")).to_be_visible()  # the history, in words
    check(page)
    page.get_by_role("button", name="Xác minh").click()
    expect(page.get_by_text("Giấy chứng nhận VG-2026-118 đã được xác minh.")).to_be_visible()
    assert Certificate.objects.get().status == "verified"
