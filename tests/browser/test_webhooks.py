"""Organisation → Webhooks in chromium at phone width, in Vietnamese, with an axe scan: register an endpoint by
ticking events, copy the secret, send a test event, read it in the delivery log."""

import re

import pytest
from playwright.sync_api import Page, expect

from market.integrations.models import WebhookEndpoint
from market.integrations.relay import webhook_relay
from tests.browser.conftest import assert_accessible, assert_fits_phone
from tests.factories import TEST_PASSWORD, member
from tests.integrations.conftest import running_receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_an_endpoint_ping_it_and_read_the_log(page: Page, live_server, buyer):
    owner = member(buyer)
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    with running_receiver() as receiver:
        page.goto(f"{base}/organisation/webhooks/")
        expect(page.get_by_role("heading", name="Webhook", exact=True)).to_be_visible()
        assert_accessible(page)
        assert_fits_phone(page)
        page.locator("input[name=url]").fill(receiver.url)
        page.get_by_label("Đơn hàng được xác nhận").check()
        page.get_by_label("Đã xuất hóa đơn").check()
        page.get_by_role("button", name="Thêm điểm nhận").click()

        secret = page.locator("#new-secret").inner_text()
        assert re.fullmatch(r"whsec_\S+", secret)
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.events == ["invoice.issued", "order.confirmed"]
        assert_accessible(page)
        assert_fits_phone(page)

        page.get_by_role("link", name="Mở điểm nhận").click()
        page.get_by_role("button", name="Gửi sự kiện thử").click()
        webhook_relay()
        page.reload()
        row = page.locator("tr[id^=delivery-]")
        expect(row).to_contain_text("ping")
        expect(row).to_contain_text("HTTP 200")
        assert_accessible(page)
        assert_fits_phone(page)
        assert len(receiver.received) == 1
