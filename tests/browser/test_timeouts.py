"""A server that does not answer, as a person at the venue sees it: an htmx form waits its time (8 s; the page's
data-answer-timeout-ms), then says the server did not answer and keeps what was typed; a check-in whose send
hangs (20 s; data-send-timeout-ms) stays queued on the phone and is sent again under the same key, and the
server holds one check-in. The tests shorten both waits through those attributes instead of sleeping; the
hanging requests are held by a route handler that never answers them."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from playwright.sync_api import Error as PlaywrightError

from fairs import services
from fairs.models import Badge, Booth, CheckinScan, FairStatus
from market.organisations.models import OrganisationKind, Role
from tests.browser.conftest import PHONE
from tests.catalog.factories import actor_for
from tests.factories import TEST_PASSWORD, OrganisationFactory, member
from tests.fairs.factories import apply, assign, make_fair, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_ANSWER = "Máy chủ không trả lời kịp"
SHORT_WAITS = "() => { document.body.dataset.answerTimeoutMs = '1500'; document.body.dataset.sendTimeoutMs = '1500'; }"


def vietnamese_phone(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_context(locale="vi-VN", viewport=PHONE).new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


class Held:
    """Requests held without an answer (the server "hangs"), let go when the test ends."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def hold(self, route: Route) -> None:
        self.routes.append(route)

    def hold_posts(self, route: Route) -> None:
        if route.request.method == "POST":
            self.hold(route)
        else:
            route.continue_()

    def let_go(self) -> None:
        for route in self.routes:
            # The browser may have given the request up already (it timed out): nothing left to let go.
            with contextlib.suppress(PlaywrightError):
                route.abort()


def test_an_htmx_form_that_gets_no_answer_says_so_and_keeps_what_was_typed(browser: Browser, live_server):
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    fair = make_fair(alliance, booths=2, status=FairStatus.DRAFT)
    page = vietnamese_phone(browser, live_server.url, staff.email)
    page.goto(f"{live_server.url}/staff/fairs/{fair.slug}/plan/")
    assert page.evaluate("document.body.dataset.answerTimeoutMs") == "8000"  # what people get
    page.evaluate(SHORT_WAITS)
    page.get_by_label("Gian hàng", exact=True).select_option(label="A-01")
    panel = page.locator("#booth-panel")
    expect(panel.get_by_role("heading", name="Gian hàng A-01")).to_be_visible()

    held = Held()
    page.route("**/plan/booths/*/edit/", lambda route: held.hold_posts(route))
    # 0,5 m from the left wall: the neighbour A-02 stands at 4 m, and booths may not overlap.
    panel.get_by_label("Cách tường trái (m)").fill("0,5")
    panel.get_by_label("Giá (đồng)").fill("3.500.000")
    panel.get_by_role("button", name="Lưu gian hàng").click()

    notice = page.locator("[data-no-answer]")
    expect(notice).to_contain_text(NO_ANSWER)
    expect(notice).to_have_attribute("role", "alert")
    expect(panel.get_by_label("Cách tường trái (m)")).to_have_value("0,5")
    expect(panel.get_by_label("Giá (đồng)")).to_have_value("3.500.000")
    assert len(held.routes) == 1
    assert Booth.objects.get(fair=fair, code="A-01").price == 4_000_000  # nothing arrived, nothing changed

    # The server answers again: the same form, sent again as it stands, is saved and the notice goes.
    page.unroute("**/plan/booths/*/edit/")
    held.let_go()
    panel.get_by_role("button", name="Lưu gian hàng").click()
    expect(panel.get_by_text("Đã lưu gian hàng A-01.")).to_be_visible()
    expect(page.locator("[data-no-answer]")).to_have_count(0)
    saved = Booth.objects.get(fair=fair, code="A-01")
    assert (saved.x, saved.price) == (Decimal("0.5"), 3_500_000)
    page.context.close()


def test_a_check_in_whose_send_hangs_stays_queued_and_is_sent_again_under_the_same_key(
    browser: Browser, live_server, settings
):
    # The phone's copy comes from the check-in copy's sync, whose lag (for clock skew between hosts) would leave out
    # a badge issued an instant before the page opens; here the server and the database share one clock.
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    cooperative = OrganisationFactory(name="HTX Khóm Tắc Cậu")
    fair = make_fair(alliance, booths=1, starts_in=1)  # check-in opens on the set-up day: today
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    lan = services.badge_issue_person(actor=actor_for(cooperative, Role.OWNER), fair_id=fair.pk, name="Nguyễn Thị Lan")
    page = vietnamese_phone(browser, live_server.url, staff.email)
    page.goto(f"{live_server.url}/staff/fairs/{fair.slug}/check-in/")
    status = page.locator("#offline-status")
    expect(status).to_contain_text("thẻ đã lưu trên máy")
    page.evaluate(SHORT_WAITS)

    held = Held()
    sent_keys: list[str] = []

    # The queue's send: it reaches the server, which records the scan, but the answer never comes back.
    def answer_hangs(route: Route) -> None:
        if not (route.request.post_data_json or {}).get("scans"):
            route.continue_()  # a heartbeat
            return
        route.fetch()
        held.hold(route)

    def note_keys(request) -> None:
        if "/check-in/sync/" in request.url and request.method == "POST":
            sent_keys.extend(scan["key"] for scan in (request.post_data_json or {}).get("scans") or [])

    checkin_url = f"**/staff/fairs/{fair.slug}/check-in/"
    sync_url = f"**/api/v1/fairs/{fair.pk}/check-in/sync/"
    page.on("request", note_keys)
    page.route(checkin_url, held.hold_posts)  # the scan sent online: never answered, never arrives
    page.route(sync_url, answer_hangs)
    page.get_by_label("Mã thẻ").fill(lan.code)
    page.get_by_role("button", name="Check-in", exact=True).click()
    # No answer in time: the scan is answered from the phone and queued, as if offline (not the form's notice).
    expect(page.locator("#checkin-result")).to_contain_text("Chào mừng Nguyễn Thị Lan: đã check-in.")
    expect(status).to_contain_text("1 lượt quét chờ gửi")
    expect(page.locator("[data-no-answer]")).to_have_count(0)
    assert not Badge.objects.get(pk=lan.pk).checked_in_at

    # "Gửi ngay": the send reaches the server, no answer comes, and the page gives it up (the fetch is aborted).
    with page.expect_event("requestfailed", predicate=lambda request: "/check-in/sync/" in request.url):
        page.get_by_role("button", name="Gửi ngay").click()
    assert set(sent_keys) == {str(CheckinScan.objects.get().key)}  # the server has it under the scan's key…
    expect(status).to_contain_text("1 lượt quét chờ gửi")  # …and the phone, told nothing, keeps it
    assert page.evaluate("() => OfflineStore.all('scans').then(scans => scans.map(s => s.key))") == sent_keys[:1]

    page.unroute(sync_url)
    page.unroute(checkin_url)
    held.let_go()
    page.get_by_role("button", name="Gửi ngay").click()
    expect(status).to_contain_text("0 lượt quét chờ gửi")
    assert CheckinScan.objects.count() == 1  # the second send under the same key changed nothing
    assert str(CheckinScan.objects.get().key) == sent_keys[0]
    assert set(sent_keys) == {sent_keys[0]}  # every send carried the same key
    assert Badge.objects.get(pk=lan.pk).checked_in_at is not None
    assert Badge.objects.filter(fair=fair, checked_in_at__isnull=False).count() == 1
    page.context.close()
