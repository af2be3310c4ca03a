"""The bell shows the unread count, opening the inbox marks read; preferences and the staff delivery pages —
in chromium at phone width, with an axe scan on every page."""

import re

import pytest
from django.db import transaction
from playwright.sync_api import Page, expect

from market.notifications.models import Channel, ChannelPreference, Notification, Status
from market.notifications.services import notify
from tests.browser.conftest import check, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tell(user, organisation, occurrence: str, channels=(Channel.IN_APP,)) -> None:
    with transaction.atomic():
        notify(
            kind="organisations.verified",
            recipients=[user],
            context={"organisation_id": organisation.pk, "organisation_name": organisation.name, "is_seller": True},
            object_ref=organisation,
            channels=list(channels),
            occurrence=occurrence,
        )


def test_bell_counts_unread_and_the_inbox_marks_them_read(page: Page, live_server, coop_owner, cooperative):
    base = live_server.url
    tell(coop_owner, cooperative, "1")
    tell(coop_owner, cooperative, "2")
    log_in(page, base, coop_owner.email)

    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Thông báo: 2 chưa đọc")
    expect(bell.locator(".bell-count")).to_have_text("2")
    check(page)

    # Something new happens while the page is open; coming back to the tab refreshes the bell (htmx).
    tell(coop_owner, cooperative, "3")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator("#notification-bell .bell-count")).to_have_text("3")

    page.locator("#notification-bell").click()
    expect(page.get_by_role("heading", name="Thông báo")).to_be_visible()
    expect(page.locator(".inbox-item.unread")).to_have_count(3)
    expect(page.get_by_text("Mới")).to_have_count(3)
    expect(page.get_by_role("link", name=f"{cooperative.name} đã được Liên minh HTX xác minh.")).to_have_count(3)
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)
    expect(page.locator("#notification-bell")).to_have_attribute("aria-label", "Thông báo")
    check(page)
    assert not Notification.objects.filter(channel=Channel.IN_APP, read_at__isnull=True).exists()

    page.reload()
    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    page.get_by_role("link", name=f"{cooperative.name} đã được Liên minh HTX xác minh.").first.click()
    expect(page).to_have_url(re.compile(r"/organisation/$"))

    page.get_by_role("button", name="EN").click()
    page.goto(f"{base}/notifications/")
    expect(
        page.get_by_role("link", name=f"{cooperative.name} was verified by the cooperative alliance.")
    ).to_have_count(3)
    check(page)


def test_preferences_page(page: Page, live_server, coop_owner):
    log_in(page, live_server.url, coop_owner.email)
    page.goto(f"{live_server.url}/notifications/preferences/")
    check(page)
    email_for_orders = page.get_by_label("Email: Đơn hàng và báo giá")
    expect(email_for_orders).to_be_checked()
    expect(page.get_by_label("Zalo: Đơn hàng và báo giá")).to_be_disabled()
    email_for_orders.uncheck()
    page.get_by_label("Gửi tôi một e-mail mỗi ngày thay vì mỗi sự việc một e-mail").check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu lựa chọn của bạn.")).to_be_visible()
    expect(page.get_by_label("Email: Đơn hàng và báo giá")).not_to_be_checked()
    check(page)
    assert ChannelPreference.objects.get(user=coop_owner, group="orders", channel="email").enabled is False


def test_staff_find_a_failure_and_send_it_again(page: Page, live_server, staff_user, coop_owner, cooperative):
    tell(coop_owner, cooperative, "mail", channels=(Channel.EMAIL,))
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(
        status=Status.FAILED, attempts=1, last_error="recipient refused: 550 5.1.1 Mailbox unavailable"
    )
    base = live_server.url
    log_in(page, base, staff_user.email)
    page.get_by_role("link", name="Gửi thông báo").first.click()
    expect(page.get_by_role("heading", name="Gửi thông báo")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Lỗi và chưa xác nhận").click()
    expect(page.get_by_text("550 5.1.1 Mailbox unavailable")).to_be_visible()
    check(page)
    page.get_by_role("link", name=f"#{row.pk} Tổ chức của bạn đã được xác minh").click()
    check(page)
    page.get_by_role("button", name="Gửi lại").click()
    expect(page.get_by_text("Tin sẽ được gửi lại trong vài giây.")).to_be_visible()
    row.refresh_from_db()
    assert row.status == Status.PENDING

    page.goto(f"{base}/staff/notifications/templates/")
    check(page)
    page.goto(f"{base}/staff/notifications/templates/organisations.verified/?language=en")
    preview = page.frame_locator("iframe.email-preview")
    expect(preview.get_by_text("Your organisation's page")).to_be_visible()
    expect(preview.get_by_text("Hello Nguyễn Văn An,")).to_be_visible()
    check(page)
