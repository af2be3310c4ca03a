"""One phone at the entrances of two fairs, in a Vietnamese browser: staff open fair A's check-in, sync, and move
to fair B's. There a badge of fair A is refused and said to be fair A's (online by the server, offline by the
phone, which kept A's copy and queues nothing for it), fair B's badges check in, online and offline; the phone's
copy and queue of fair A stay fair A's (fair B's page neither shows nor sends them), and a scan queued at A is
sent to A when its page opens again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from fairs import services
from fairs.models import Badge, CheckinScan, Fair, ScanOutcome
from market.organisations.models import Organisation, OrganisationKind, Role
from tests.browser.test_offline import _no_sends_of_their_own, phone, scan, sent  # noqa: F401 (an autouse fixture)
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import apply, assign, make_fair, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fair(alliance: Organisation, name: str, cooperative: str, people: tuple[str, ...]) -> Fair:
    """A fair opening tomorrow (check-in open today) where `cooperative` exhibits and names `people`."""
    fair = make_fair(alliance, booths=1, starts_in=1, name=name)
    exhibitor = OrganisationFactory(name=cooperative)
    assign(alliance, apply(exhibitor, fair), fair, "A-01")
    publish(fair)
    owner = actor_for(exhibitor, Role.OWNER)
    for person in people:
        services.badge_issue_person(actor=owner, fair_id=fair.pk, name=person)
    return fair


def _code(fair: Fair, holder: str) -> str:
    return Badge.objects.get(fair=fair, holder_name=holder).code


def _kept(page: Page) -> dict[str, list[str]]:
    """The codes of the phone's kept badges, by fair id."""
    rows = page.evaluate("OfflineStore.all('badges')")
    kept: dict[str, list[str]] = {}
    for row in rows:
        kept.setdefault(row["fair"], []).append(row["code"])
    return {fair: sorted(codes) for fair, codes in kept.items()}


def _open(page: Page, url: str) -> None:
    """Open a check-in page and wait until it has kept its fair's badges and sent its queue once."""
    with page.expect_response(lambda r: "/check-in/sync/" in r.url):
        page.goto(url)
    expect(page.locator("#offline-status")).to_contain_text("thẻ đã lưu trên máy")


def test_a_badge_of_fair_a_is_refused_at_fair_b_and_the_phones_copy_of_a_stays_a(browser: Browser, live_server):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    fair_a = _fair(alliance, "Hội chợ OCOP Rạch Giá", "HTX Khóm Tắc Cậu", ("Nguyễn Thị Lan", "Trần Văn Hùng"))
    fair_b = _fair(alliance, "Hội chợ Nông sản Long Xuyên", "HTX Gạo Jasmine", ("Lê Văn Minh", "Phạm Thu Hà"))
    lan, hung = _code(fair_a, "Nguyễn Thị Lan"), _code(fair_a, "Trần Văn Hùng")
    minh, ha = _code(fair_b, "Lê Văn Minh"), _code(fair_b, "Phạm Thu Hà")
    result, status = "#checkin-result", "#offline-status"
    ctx, page = phone(browser, base, staff.email)

    # At fair A: the phone keeps A's badges and syncs; one scan waits on the phone, made with no network.
    _open(page, f"{base}/staff/fairs/{fair_a.slug}/check-in/")
    sent(page, "#checkin-form", page.get_by_role("button", name="Gửi ngay").click)
    ctx.set_offline(True)
    scan(page, hung)
    expect(page.locator(result)).to_contain_text("Chào mừng Trần Văn Hùng: đã check-in.")
    expect(page.locator(status)).to_contain_text("1 lượt quét chờ gửi")
    # The network comes back but the send fails: the scan is still queued at A as the phone moves on.
    page.route("**/check-in/sync/", lambda route: route.abort())
    sent(page, "#checkin-form", lambda: ctx.set_offline(False))
    page.unroute("**/check-in/sync/")
    expect(page.locator(status)).to_contain_text("1 lượt quét chờ gửi")

    # At fair B: its own copy, none of A's queue.
    _open(page, f"{base}/staff/fairs/{fair_b.slug}/check-in/")
    expect(page.locator(status)).to_contain_text("0 lượt quét chờ gửi")
    everyone_b = sorted(Badge.objects.filter(fair=fair_b).values_list("code", flat=True))
    everyone_a = sorted(Badge.objects.filter(fair=fair_a).values_list("code", flat=True))
    assert _kept(page) == {str(fair_a.pk): everyone_a, str(fair_b.pk): everyone_b}

    # Online, the server refuses A's badge and names fair A; B's badge checks in.
    scan(page, lan)
    expect(page.locator(result)).to_contain_text(f"Thẻ {lan} là của hội chợ khác, Hội chợ OCOP Rạch Giá")
    scan(page, minh)
    expect(page.locator(result)).to_contain_text("Chào mừng Lê Văn Minh: đã check-in.")

    # Offline, the phone refuses A's badge by itself (it kept A's copy) and queues only B's.
    ctx.set_offline(True)
    scan(page, f"ml-{lan.lower()}")
    expect(page.locator(result)).to_contain_text(f"Thẻ {lan} là của hội chợ khác, Hội chợ OCOP Rạch Giá")
    expect(page.locator(status)).to_contain_text("0 lượt quét chờ gửi")
    scan(page, ha)
    expect(page.locator(result)).to_contain_text("Chào mừng Phạm Thu Hà: đã check-in.")
    expect(page.locator(status)).to_contain_text("1 lượt quét chờ gửi")
    sent(page, "#checkin-form", lambda: ctx.set_offline(False))
    expect(page.locator(status)).to_contain_text("0 lượt quét chờ gửi")

    checked = set(Badge.objects.filter(checked_in_at__isnull=False).values_list("code", flat=True))
    assert checked == {minh, ha}
    at_b = sorted(CheckinScan.objects.filter(fair=fair_b).values_list("code", "outcome"))
    assert at_b == sorted([(lan, ScanOutcome.UNKNOWN), (minh, ScanOutcome.CHECKED_IN), (ha, ScanOutcome.CHECKED_IN)])
    assert not CheckinScan.objects.filter(fair=fair_a).exists()

    # Back at fair A, the scan queued there is sent there.
    _open(page, f"{base}/staff/fairs/{fair_a.slug}/check-in/")
    expect(page.locator(status)).to_contain_text("0 lượt quét chờ gửi")
    assert list(CheckinScan.objects.filter(fair=fair_a).values_list("code", "outcome")) == [
        (hung, ScanOutcome.CHECKED_IN)
    ]
    assert Badge.objects.get(code=hung).checked_in_at is not None
    ctx.close()
