"""Organisation → Members, API tokens and Webhooks in chromium at phone width (360 px), in Vietnamese, with an
axe scan: long Vietnamese names and addresses, every scope, long URLs; a refused role change answered on the
members page; a token rotation sent twice (a double click) that offers to rotate again."""

from __future__ import annotations

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from market.integrations import services as integrations
from market.integrations.relay import webhook_relay
from market.organisations import services
from market.organisations.actors import resolve_actor
from market.organisations.models import ApiScope, ApiToken, Membership, Role
from tests.browser.conftest import PHONE, check, log_in
from tests.factories import member
from tests.integrations.conftest import running_receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each table's rows, laid out on a phone: nothing hidden sideways in the table's own scroll box (the page-wide
# check cannot see that), and every button, link and field of a row inside the screen.
ROWS_ON_A_PHONE = """(width) => {
  const problems = [];
  for (const wrap of document.querySelectorAll('main .table-wrap')) {
    const hidden = wrap.scrollWidth - wrap.clientWidth;
    if (hidden > 0) problems.push(`${wrap.querySelector('caption')?.textContent.trim()}: ${hidden}px sideways`);
    for (const el of wrap.querySelectorAll('tbody a, tbody button, tbody select, tbody input, tbody code')) {
      const box = el.getBoundingClientRect();
      if (box.width && (box.left < 0 || box.right > width)) {
        const what = `${el.tagName.toLowerCase()} ${(el.textContent || el.name).trim().slice(0, 30)}`;
        problems.push(`${what} at ${Math.round(box.left)}..${Math.round(box.right)}`);
      }
    }
  }
  return problems;
}"""


FIRST_SEND = """async (selector) => {
  const form = document.querySelector(selector);
  const answer = await fetch(form.action, {method: 'POST', body: new FormData(form), credentials: 'same-origin'});
  return answer.status;
}"""


# How many lines the header's name takes in the new-secret notice (the secret itself may break anywhere).
LINES_OF_THE_HEADER_NAME = """() => {
  const codes = [...document.querySelectorAll('main .notice code')];
  const code = codes.find((c) => c.textContent.startsWith('Authorization'));
  const name = document.createRange();
  name.setStart(code.firstChild, 0);
  name.setEnd(code.firstChild, 'Authorization:'.length);
  return name.getClientRects().length;
}"""


def rows_fit(page: Page) -> None:
    assert page.locator("main .table-wrap").count() >= 1
    assert page.evaluate(ROWS_ON_A_PHONE, PHONE["width"]) == []


def shot(page: Page, name: str) -> None:
    """A full-page screenshot for a person to look at, when SHOTS names a folder."""
    folder = os.environ.get("SHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.fixture
def owner(cooperative):
    owner = member(
        cooperative,
        Role.OWNER,
        full_name="Nguyễn Thị Phương Thảo (Chủ nhiệm Hợp tác xã Nông nghiệp Dịch vụ Tân Hiệp)",
        email="nguyen.thi.phuong.thao.chunhiem.htx.tanhiep@hoptacxa-kiengiang.example",
    )
    member(cooperative, Role.MANAGER, full_name="Trần Văn Quốc Khánh", email="khanh.tran.van.quoc@htx.example")
    member(cooperative, Role.STAFF)
    return owner


def test_members_at_phone_width_and_a_refused_role_change_answered_on_the_page(
    page: Page, live_server, owner, cooperative
):
    co_owner = member(cooperative, Role.OWNER, full_name="Lê Minh Tâm")
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/organisation/members/")
    shot(page, "members")
    check(page)
    rows_fit(page)

    # The other owner leaves while this page is open; the owner then makes themself a manager: refused, said at the
    # top of the members page, the page whole, nothing changed.
    services.membership_remove(actor=resolve_actor(co_owner), membership_id=Membership.objects.get(user=co_owner).pk)
    own = Membership.objects.get(user=owner)
    row = page.locator(f"#membership-{own.pk}")
    row.get_by_label("Vai trò").select_option("manager")
    row.get_by_role("button", name="Đổi").click()
    expect(page.locator(".messages")).to_contain_text(
        f"{owner.full_name}: Tổ chức cần ít nhất một chủ sở hữu. Hãy chỉ định người khác làm chủ sở hữu trước."
    )
    expect(page.get_by_role("heading", name="Thành viên", exact=True)).to_be_visible()
    expect(page.locator("tr[id^=membership-]")).to_have_count(3)
    shot(page, "members_refused")
    check(page)
    rows_fit(page)
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_tokens_at_phone_width(page: Page, live_server, owner, cooperative):
    actor = resolve_actor(owner)
    services.api_token_create(actor=actor, name="Phần mềm kế toán MISA", scopes=frozenset(ApiScope), expires_on=None)
    legacy, _secret = services.api_token_create(
        actor=actor, name="ERP cũ", scopes=frozenset({ApiScope.ORGANISATION}), expires_on=None
    )
    ApiToken.objects.filter(pk=legacy.pk).update(
        is_legacy=True, expires_at=None, last_used_at=timezone.now(), last_used_ip="2001:db8:85a3::8a2e:370:7334"
    )
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/organisation/tokens/")
    shot(page, "tokens")
    check(page)
    rows_fit(page)


def test_a_rotation_clicked_twice_offers_to_rotate_again_and_that_shows_the_secret(
    page: Page, live_server, owner, cooperative
):
    services.api_token_create(
        actor=resolve_actor(owner), name="ERP", scopes=frozenset({ApiScope.ORDERS_READ}), expires_on=None
    )
    token = ApiToken.objects.get()
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/organisation/tokens/{token.pk}/rotate/")
    # A double click: the form is sent twice and the browser shows the second answer; the first one, with the
    # secret, is dropped (here: sent by fetch, its answer thrown away).
    first = page.evaluate(FIRST_SEND, "main form[method=post]")
    assert first == 200
    page.get_by_role("button", name="Thay khóa mới").click()
    notice = page.locator("#rotated-twice")
    expect(notice).to_contain_text("Khóa “ERP” vừa được thay mới bởi lần bấm “Thay khóa mới” đầu tiên của bạn.")
    expect(notice).to_contain_text("Mã bí mật mới của khóa chỉ hiện một lần")
    expect(page.locator("#new-token")).to_have_count(0)
    shot(page, "token_rotated_twice")
    check(page)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1

    notice.get_by_role("button", name="Thay khóa lần nữa").click()
    secret = page.locator("#new-token").inner_text()
    assert re.fullmatch(r"ml_\S+", secret)
    page.set_viewport_size(PHONE)
    assert page.evaluate(LINES_OF_THE_HEADER_NAME) == 1  # "Authorization:" is not split at 360 px
    expect(page.locator("#rotated-twice")).to_have_count(0)
    shot(page, "token_rotated_again")
    check(page)
    live = ApiToken.objects.get(revoked_at__isnull=True)
    assert live.scopes == ["orders:read"]
    assert ApiToken.objects.count() == 3


def test_webhooks_at_phone_width(page: Page, live_server, owner):
    actor = resolve_actor(owner)
    with running_receiver() as receiver:
        url = f"{receiver.url}/nhan-su-kien/market-link/hop-tac-xa-tan-hiep/ke-toan-misa-amis?khoa=abcdef0123456789"
        endpoint, _secret = integrations.endpoint_create(
            actor=actor,
            url=url,
            description="Phần mềm kế toán MISA AMIS của Hợp tác xã Nông nghiệp Dịch vụ Tân Hiệp",
            events={"order.placed", "order.confirmed", "invoice.issued"},
        )
        integrations.endpoint_ping(actor=actor, endpoint_id=endpoint.pk)
        webhook_relay()
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/organisation/webhooks/")
    shot(page, "webhooks")
    check(page)
    rows_fit(page)
    page.goto(f"{live_server.url}/organisation/webhooks/{endpoint.pk}/")
    page.locator("tr[id^=delivery-] summary").first.click()
    shot(page, "webhook_detail")
    check(page)
    rows_fit(page)
