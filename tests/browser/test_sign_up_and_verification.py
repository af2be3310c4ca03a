"""Sign up as a cooperative, staff verifies, the cooperative sees its dashboard in Vietnamese and switches
to English — in chromium at phone width, with an axe scan on every page."""

import re

import pytest
from playwright.sync_api import Page, expect

from market.organisations.models import Organisation, VerificationStatus
from tests.browser.conftest import check, log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Đăng xuất|Log out")).click()


def test_cooperative_signs_up_staff_verifies_then_dashboard_in_both_languages(page: Page, live_server, staff_user):
    base = live_server.url
    page.goto(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    check(page)

    page.get_by_role("link", name="Đăng ký hợp tác xã").click()
    check(page)
    page.get_by_label("Hợp tác xã (HTX)").check()
    page.get_by_label("Tên giao dịch").fill("HTX Mật ong Vĩnh Thuận")
    page.get_by_label("Tên pháp lý").fill("Hợp tác xã Nuôi ong Vĩnh Thuận")
    page.get_by_label("Mã số thuế (MST)").fill("0100109107")  # wrong check digit first
    page.get_by_label("Tỉnh / thành phố").select_option("91")
    # htmx fills the communes of the chosen province
    expect(page.get_by_label("Xã / phường").locator("option", has_text="Xã Vĩnh Thuận")).to_have_count(1)
    page.get_by_label("Xã / phường").select_option(label="Xã Vĩnh Thuận")
    page.get_by_label("Điện thoại").fill("0912 345 678")
    page.get_by_label("Họ và tên của bạn").fill("Danh Thị Hoa")
    page.get_by_label("Email").fill("hoa@ongmat-vinhthuan.example")
    page.get_by_label("Mật khẩu").fill("mat-ong-rung-tram-2026")
    page.get_by_role("button", name="Đăng ký").click()

    expect(page.get_by_text("Chữ số kiểm tra của mã số thuế không đúng")).to_be_visible()
    check(page)
    page.get_by_label("Mã số thuế (MST)").fill("0100109106")
    page.get_by_label("Mật khẩu").fill("mat-ong-rung-tram-2026")
    page.get_by_role("button", name="Đăng ký").click()

    # The same answer whether the address had an account: check your e-mail, then log in.
    expect(page.get_by_role("heading", name="Hãy kiểm tra e-mail")).to_be_visible()
    check(page)
    log_in(page, base, "hoa@ongmat-vinhthuan.example", "mat-ong-rung-tram-2026")
    expect(page.get_by_role("heading", name="HTX Mật ong Vĩnh Thuận")).to_be_visible()
    expect(page.get_by_text("Chờ xác minh").first).to_be_visible()
    check(page)
    log_out(page)

    # Alliance staff verify it from the queue.
    log_in(page, base, staff_user.email, TEST_PASSWORD)
    page.get_by_role("link", name="Xác minh", exact=True).first.click()
    check(page)
    page.get_by_role("link", name="HTX Mật ong Vĩnh Thuận").click()
    check(page)
    page.get_by_role("button", name="Xác minh").click()
    expect(page.get_by_text("HTX Mật ong Vĩnh Thuận đã được xác minh.")).to_be_visible()
    assert Organisation.objects.get(tax_code="0100109106").verification_status == VerificationStatus.VERIFIED
    log_out(page)

    # The cooperative logs in: its dashboard, in Vietnamese, verified; then English.
    log_in(page, base, "hoa@ongmat-vinhthuan.example", "mat-ong-rung-tram-2026")
    expect(page.get_by_role("heading", name="HTX Mật ong Vĩnh Thuận")).to_be_visible()
    expect(page.get_by_text("Đã xác minh").first).to_be_visible()
    expect(page.get_by_role("link", name="Bảng điều khiển")).to_be_visible()
    check(page)
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Verified").first).to_be_visible()
    check(page)
    page.goto(f"{base}/organisation/")
    expect(page.get_by_text("Xã Vĩnh Thuận, An Giang")).to_be_visible()
    check(page)


def test_a_forgotten_password_is_reset_by_email_and_the_address_works_in_any_case(page: Page, live_server, coop_owner):
    """There was no password reset, and "Muahang@…" could not log in as "muahang@…"."""
    from market.notifications.models import Notification

    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    check(page)
    page.get_by_label("Email").fill(coop_owner.email.upper())
    page.get_by_role("button", name="Gửi liên kết cho tôi").click()
    expect(page.get_by_role("heading", name="Hãy kiểm tra e-mail")).to_be_visible()
    check(page)

    # The e-mail leaves through the outbox; its link is what the person opens.
    link = Notification.objects.get(kind="organisations.password_reset").context["reset_url"]
    link = re.sub(r"^https?://[^/]+", base, link)
    page.goto(link)
    page.get_by_label("Mật khẩu mới").fill("ong-mat-rung-u-minh-2027")
    check(page)
    page.get_by_role("button", name="Lưu mật khẩu mới").click()
    expect(page.get_by_text("Đã lưu mật khẩu mới và bạn đã đăng nhập.")).to_be_visible()
    log_out(page)

    typed = coop_owner.email[0].upper() + coop_owner.email[1:]
    log_in(page, base, typed, "ong-mat-rung-u-minh-2027")
    expect(page).to_have_url(re.compile(r".*/dashboard/"))
    page.goto(link)
    expect(page.get_by_text("Liên kết này không còn hiệu lực")).to_be_visible()
