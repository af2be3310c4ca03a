"""Working with no network, in a Vietnamese browser: two phones check badges in at a fair's entrance while
offline (one badge on both), come back and sync: five check-ins and one conflict, told to the phone that
scanned second, and the counter the sync rewrites is grouped as the server writes it (1.000 / 1.200); a page
opened once opens again offline from the service worker. Gate staff write intakes down offline ("1.250,5" kg),
the answers to the first sends are lost, the records are sent again: one intake each, stored as typed, and a
bad record stays on the phone with its error. At a factory gate two phones weigh
call-offs offline (one call-off on both): one delivery per call-off, a record sent again answered as already
recorded, the second phone's told why not; a delivery refused on sync is kept with the reason. The camera reads
badges with the browser's BarcodeDetector where there is one and with the vendored decoder elsewhere.

The pages send by themselves every OFFLINE_SEND_EVERY_SECONDS; here that is an hour, so every send is one the
test caused (going online, "Gửi ngay", recording online) and the test waits for that send to end (`sent`)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
import segno
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Response, Route, expect

from catalog.supply.models import Intake
from fairs import services
from fairs.models import Badge, BadgeKind, CheckinScan, ScanOutcome
from linkage.models import Delivery, LinkageContract
from market.organisations.models import Organisation, OrganisationKind, Role
from tests.browser.conftest import CHROMIUM_ARGS, PHONE, VIETNAMESE_BROWSER, assert_accessible, assert_fits_phone
from tests.catalog.factories import actor_for
from tests.factories import TEST_PASSWORD, OrganisationFactory, member
from tests.fairs.factories import apply, assign, make_fair, publish
from tests.linkage import factories as linkage_factories
from tests.supply.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VI = {"locale": "vi-VN", "viewport": PHONE}


@pytest.fixture(autouse=True)
def _no_sends_of_their_own(settings) -> None:
    """No send a test did not cause lands between its steps (the pages' own sends every 10 s would); and the
    phones' copy of the badges (the check-in copy's sync) holds the badges made an instant before the page opens:
    the sync's lag covers clock skew between hosts, and here the server and the database share one clock."""
    settings.OFFLINE_SEND_EVERY_SECONDS = 3600
    settings.SYNC_SAFETY_LAG_SECONDS = 0


def sent(page: Page, counter: str, cause: Callable[[], object]) -> None:
    """Do what makes the page send its queue (`cause`) and wait until that send has ended: the queue's element
    (`counter`) counts each finished send (data-sends) and says data-sending while one is under way."""
    before = int(page.locator(counter).get_attribute("data-sends") or 0)
    cause()
    page.wait_for_function(
        "([selector, before]) => { const e = document.querySelector(selector);"
        " return Number(e.dataset.sends || 0) > before && !e.dataset.sending; }",
        arg=[counter, before],
    )


def phone(browser: Browser, base: str, email: str, **context: object) -> tuple[BrowserContext, Page]:
    """A phone of its own (its own storage: its own id and queue), signed in."""
    ctx = browser.new_context(**{**VI, **context})
    page = ctx.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return ctx, page


def kept_offline(page: Page) -> None:
    """Wait until the service worker controls the origin and has kept this page for offline use."""
    script = """async () => {
        const page = await caches.match(location.href, { cacheName: "pages" });
        const files = [...document.querySelectorAll("script[src], link[rel=stylesheet]")].map(e => e.src || e.href);
        const kept = await Promise.all(files.map(f => caches.match(f)));
        return !!page && kept.every(Boolean);
    }"""
    for _ in range(100):
        if page.evaluate(script):
            return
        time.sleep(0.1)
    raise AssertionError("the service worker never kept the page")


def checkin_fair():
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    cooperative = OrganisationFactory(name="HTX Khóm Tắc Cậu")
    fair = make_fair(alliance, booths=2, starts_in=1)  # set-up day is today: check-in is open
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    assign(alliance, apply(OrganisationFactory(name="HTX Gạo Jasmine"), fair), fair, "A-02")
    publish(fair)
    services.buyer_register(actor=actor_for(OrganisationFactory(kind="buyer", name="Sài Gòn Foods")), fair_id=fair.pk)
    owner = actor_for(cooperative, Role.OWNER)
    for name in ("Nguyễn Thị Lan", "Trần Văn Hùng"):
        services.badge_issue_person(actor=owner, fair_id=fair.pk, name=name)
    return fair, staff


def scan(page: Page, code: str) -> None:
    page.get_by_label("Mã thẻ").fill(code)
    page.get_by_role("button", name="Check-in", exact=True).click()


def test_two_phones_check_in_offline_and_sync_five_check_ins_and_one_conflict(browser: Browser, live_server):
    base = live_server.url
    fair, staff = checkin_fair()
    codes = {b.display_name: b.code for b in Badge.objects.filter(fair=fair)}
    assert len(codes) == 5
    url = f"{base}/staff/fairs/{fair.slug}/check-in/"
    ctx_a, a = phone(browser, base, staff.email)
    ctx_b, b = phone(browser, base, staff.email)
    for page in (a, b):
        page.goto(url)
        expect(page.locator("#offline-status")).to_contain_text("thẻ đã lưu trên máy")
        kept_offline(page)
    assert_accessible(a)
    assert_fits_phone(a)

    ctx_a.set_offline(True)
    ctx_b.set_offline(True)
    # Phone B's page opens again with no network: the service worker answers with the kept page.
    b.reload()
    expect(b.locator("#offline-status")).to_contain_text("Mất mạng")
    scan(a, codes["Nguyễn Thị Lan"])
    expect(a.locator("#checkin-result")).to_contain_text("Chào mừng Nguyễn Thị Lan: đã check-in.")
    scan(a, f"ml-{codes['HTX Khóm Tắc Cậu'].lower()}")
    scan(a, codes["Sài Gòn Foods"])  # the badge both phones scan: A first
    expect(a.locator("#offline-status")).to_contain_text("3 lượt quét chờ gửi")
    scan(b, codes["Trần Văn Hùng"])
    scan(b, codes["HTX Gạo Jasmine"])
    scan(b, codes["Sài Gòn Foods"])
    expect(b.locator("#offline-status")).to_contain_text("3 lượt quét chờ gửi")
    assert not Badge.objects.filter(fair=fair, checked_in_at__isnull=False).exists()

    ctx_b.set_offline(False)  # B is back first: its scan of the shared badge wins for now
    expect(b.locator("#offline-status")).to_contain_text("0 lượt quét chờ gửi")
    ctx_a.set_offline(False)
    expect(a.locator("#offline-status")).to_contain_text("0 lượt quét chờ gửi")
    assert Badge.objects.filter(fair=fair, checked_in_at__isnull=False).count() == 5
    # A scanned it first, so B's scan is the conflict, and B is told on its next contact.
    sent(b, "#checkin-form", b.get_by_role("button", name="Gửi ngay").click)
    expect(b.locator("#checkin-conflicts li")).to_have_count(1)
    expect(b.locator("#checkin-conflicts li")).to_contain_text("Sài Gòn Foods")
    expect(a.locator("#checkin-conflicts-section")).to_be_hidden()
    outcomes = sorted(CheckinScan.objects.filter(fair=fair).values_list("outcome", flat=True))
    assert outcomes == sorted([ScanOutcome.CHECKED_IN] * 5 + [ScanOutcome.CONFLICT])

    # The staff page lists both phones with nothing left to send.
    a.reload()
    expect(a.locator("#checkin-phones tbody tr")).to_have_count(2)
    expect(a.locator("#checkin-count")).to_have_text("5 / 5")
    assert a.locator("#checkin-phones tbody td.num").all_inner_texts() == ["0", "0"]
    ctx_a.close()
    ctx_b.close()


def test_the_counter_a_sync_rewrites_is_grouped_as_the_server_writes_it(browser: Browser, live_server):
    """The page's script rewrote the server's "995 / 1.200" with bare numbers after each sync ("1000 / 1200"); it
    now groups them as the page's language does. A big fair made at once: 1,195 badges more, 990 checked in."""
    base = live_server.url
    fair, staff = checkin_fair()
    cooperative = Organisation.objects.get(name="HTX Khóm Tắc Cậu")
    now = timezone.now()
    Badge.objects.bulk_create(
        Badge(
            fair=fair, kind=BadgeKind.EXHIBITOR, organisation=cooperative, holder_name=f"Khách {n}",
            code=f"BULK{n:04d}", checked_in_at=now if n < 990 else None,
        )
        for n in range(1195)
    )  # fmt: skip
    codes = list(Badge.objects.filter(fair=fair, checked_in_at__isnull=True).values_list("code", flat=True)[:10])
    ctx, page = phone(browser, base, staff.email)
    page.goto(f"{base}/staff/fairs/{fair.slug}/check-in/")
    counter = page.locator("#checkin-count")
    expect(counter).to_have_text("990 / 1.200")
    expect(page.locator("#offline-status")).to_contain_text("thẻ đã lưu trên máy")

    ctx.set_offline(True)
    for code in codes:
        scan(page, code)
    expect(page.locator("#offline-status")).to_contain_text("10 lượt quét chờ gửi")
    sent(page, "#checkin-form", lambda: ctx.set_offline(False))
    # Read at once, as the sync left it: the counter's own refresh (every 10 s) would write the server's text.
    assert counter.inner_text() == "1.000 / 1.200"
    expect(page.locator("#checkin-result")).to_contain_text("Đã gửi: 10")
    ctx.close()


def test_intakes_written_offline_are_sent_again_after_lost_answers_and_recorded_once(browser: Browser, live_server):
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", province_code=91, commune_code=30850)
    world = build_world(cooperative)
    ctx, page = phone(browser, base, world.staff.user.email)
    page.goto(f"{base}/supply/intakes/new/")
    kept_offline(page)
    ctx.set_offline(True)

    def write(plot_index: int, weight: str, moisture: str) -> None:
        page.get_by_label("Thửa").select_option(str(world.plots[plot_index].pk))
        page.get_by_label("Ngày nhận").fill(world.harvest.isoformat())
        page.get_by_label("Khối lượng (kg)").fill(weight)
        page.get_by_label("Độ ẩm (%)").fill(moisture)
        page.get_by_role("button", name="Ghi lại").click()

    write(0, "1.250,5", "14,5")
    write(1, "980,25", "15")
    write(2, "0", "15")  # refused when sent: a weight must be more than nothing
    expect(page.locator("#intake-queued li")).to_have_count(3)
    expect(page.locator("#intake-status")).to_contain_text("Đang chờ gửi: 3")
    assert_accessible(page)
    assert_fits_phone(page)

    # The first two sends reach the server, but their answers are lost on the way back.
    lost = {"count": 0}

    def lose_answer(route: Route) -> None:
        lost["count"] += 1
        if lost["count"] <= 2:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/supply/intakes/sync/", lose_answer)
    sent(page, "#intake-queue", lambda: ctx.set_offline(False))  # back online, the page sends at once
    send_now = page.get_by_role("button", name="Gửi ngay")
    sent(page, "#intake-queue", send_now.click)
    assert lost["count"] == 2
    expect(page.locator("#intake-queued li")).to_have_count(3)  # nothing was answered: all still kept
    sent(page, "#intake-queue", send_now.click)
    assert lost["count"] == 3
    expect(page.locator("#intake-results li", has_text="đã ghi trước đó")).to_have_count(2)

    intakes = Intake.objects.filter(cooperative=cooperative).order_by("pk")
    assert [(i.plot_id, i.weight_kg, i.moisture_percent) for i in intakes] == [
        (world.plots[0].pk, Decimal("1250.5"), Decimal("14.5")),
        (world.plots[1].pk, Decimal("980.25"), Decimal("15")),
    ]
    # The bad record stays on the phone with its error, to correct and record again.
    expect(page.locator("#intake-queued li")).to_have_count(1)
    expect(page.locator("#intake-queued li.error")).to_contain_text("0")
    page.get_by_role("button", name="Sửa").click()
    expect(page.get_by_label("Khối lượng (kg)")).to_have_value("0")
    page.get_by_label("Khối lượng (kg)").fill("1.000")
    page.get_by_role("button", name="Ghi lại").click()  # online: the ordinary form
    expect(page.get_by_text("Đã ghi: 1.000 kg của Lê Văn Út.")).to_be_visible()
    assert Intake.objects.filter(cooperative=cooperative).count() == 3
    ctx.close()


def test_the_next_delivery_typed_while_the_phone_is_still_keeping_one_is_not_cleared(browser: Browser, live_server):
    """A phone keeps a record before clearing the form for the next one; on a slow phone the person has already
    typed the next weight by then, and that is theirs, not the record's: only what the kept record holds is
    cleared. (Seen as one record of two sent with no weight under a loaded CI machine.)"""
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", province_code=91, commune_code=30850)
    world = build_world(cooperative)
    ctx, page = phone(browser, base, world.staff.user.email)
    page.goto(f"{base}/supply/intakes/new/")
    kept_offline(page)
    ctx.set_offline(True)
    # A slow phone: keeping a record takes a second.
    page.evaluate(
        """() => { const put = OfflineStore.put;
        OfflineStore.put = (...args) => new Promise(done => setTimeout(done, 1000)).then(() => put(...args)); }"""
    )
    page.get_by_label("Thửa").select_option(str(world.plots[0].pk))
    page.get_by_label("Ngày nhận").fill(world.harvest.isoformat())
    page.get_by_label("Khối lượng (kg)").fill("1.250,5")
    page.get_by_label("Độ ẩm (%)").fill("14,5")
    page.get_by_role("button", name="Ghi lại").click()
    page.get_by_label("Thửa").select_option(str(world.plots[1].pk))
    page.get_by_label("Khối lượng (kg)").fill("980,25")  # typed before the first record is kept
    expect(page.locator("#intake-queued li")).to_have_count(1)
    expect(page.get_by_label("Khối lượng (kg)")).to_have_value("980,25")
    expect(page.get_by_label("Độ ẩm (%)")).to_have_value("")  # the first record's, cleared as before
    page.get_by_label("Độ ẩm (%)").fill("15")
    page.get_by_role("button", name="Ghi lại").click()
    expect(page.locator("#intake-queued li")).to_have_count(2)
    kept = page.evaluate("() => OfflineStore.all('intakes')")
    assert sorted((r["fields"]["weight_kg"], r["fields"]["moisture_percent"]) for r in kept) == [
        ("1.250,5", "14,5"),
        ("980,25", "15"),
    ]
    ctx.close()


def qr_y4m(payload: str, path: Path) -> Path:
    """A fake camera's video: a QR code on white, as raw YUV 4:2:0 frames (chromium's file capture)."""
    width, height = 640, 480
    image = Image.new("L", (width, height), 255)
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    qr = Image.open(buffer).convert("L")
    image.paste(qr, ((width - qr.width) // 2, (height - qr.height) // 2))
    frame = b"FRAME\n" + image.tobytes() + bytes([128]) * (width * height // 2)
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 3)
    return path


# Chromium on Linux has no BarcodeDetector (it ships it on Android, macOS and ChromeOS): this one stands in
# for the platform's, answering what a platform detector answers for a video with a badge in view.
PLATFORM_DETECTOR = """
window.BarcodeDetector = class {
  constructor(options) { window.detectorFormats = options.formats; }
  detect(source) {
    window.detectorSources = (window.detectorSources || 0) + 1;
    const ready = source instanceof HTMLVideoElement && source.videoWidth > 0;
    return Promise.resolve(ready ? [{ rawValue: window.badgeInView, format: "qr_code" }] : []);
  }
};
"""


def test_the_camera_reads_badges_with_the_decoder_and_with_barcode_detector(
    playwright: Playwright, live_server, tmp_path
):
    base = live_server.url
    fair, staff = checkin_fair()
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    hung = Badge.objects.get(fair=fair, holder_name="Trần Văn Hùng")
    video = qr_y4m(services.badge_payload(lan), tmp_path / "badge.y4m")
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
        env={**os.environ, **VIETNAMESE_BROWSER},
    )
    url = f"{base}/staff/fairs/{fair.slug}/check-in/"
    try:
        # Without BarcodeDetector (iPhone Safari, Firefox): the vendored decoder reads the camera.
        ctx, page = phone(browser, base, staff.email, permissions=["camera"])
        ctx.add_init_script("delete window.BarcodeDetector;")
        page.goto(url)
        png = io.BytesIO()
        segno.make(services.badge_payload(hung), error="m", micro=False).save(png, kind="png", scale=6, border=4)
        # Served from the site's own origin: the Content-Security-Policy allows no data: images.
        source = f"{base}/test-badge.png"
        page.route(source, lambda route: route.fulfill(body=png.getvalue(), content_type="image/png"))
        decoded = page.evaluate(
            """async (src) => {
                const img = new Image(); img.src = src; await img.decode();
                const d = await MarketScan.decoder();
                return [d.name, await MarketScan.decode(img)];
            }""",
            source,
        )
        assert decoded == ["jsqr", services.badge_payload(hung)]
        page.get_by_role("button", name="Quét bằng camera").click()
        expect(page.locator("#checkin-result")).to_contain_text("Chào mừng Nguyễn Thị Lan: đã check-in.")
        assert Badge.objects.get(pk=lan.pk).checked_in_at is not None
        ctx.close()

        # With BarcodeDetector: it is the one asked, and what it reads checks the badge in.
        ctx, page = phone(browser, base, staff.email, permissions=["camera"])
        ctx.add_init_script(PLATFORM_DETECTOR)
        page.goto(url)
        page.evaluate("code => { window.badgeInView = code; }", services.badge_payload(hung))
        page.get_by_role("button", name="Quét bằng camera").click()
        expect(page.locator("#checkin-result")).to_contain_text("Chào mừng Trần Văn Hùng: đã check-in.")
        assert page.evaluate("[window.detectorFormats, window.detectorSources > 0]") == [["qr_code"], True]
        assert page.evaluate("MarketScan.decoder().then(d => d.name)") == "native"
        assert Badge.objects.get(pk=hung.pk).checked_in_at is not None
        ctx.close()
    finally:
        browser.close()


def revoked_on_phone(page: Page, fair_id: int, code: str) -> bool:
    """Whether the phone's kept badges say this badge is revoked."""
    script = "([fair, code]) => OfflineStore.get('badges', fair + ':' + code).then(b => !!(b && b.revoked))"
    for _ in range(100):
        if page.evaluate(script, [str(fair_id), code]):
            return True
        time.sleep(0.1)
    return False


def test_a_revoked_badge_is_refused_offline_once_the_phone_knows_and_a_scan_queued_before_is_reported(
    browser: Browser, live_server
):
    base = live_server.url
    fair, staff = checkin_fair()
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    hung = Badge.objects.get(fair=fair, holder_name="Trần Văn Hùng")
    ctx, page = phone(browser, base, staff.email)
    page.goto(f"{base}/staff/fairs/{fair.slug}/check-in/")
    status, result = page.locator("#offline-status"), page.locator("#checkin-result")
    expect(status).to_contain_text("thẻ đã lưu trên máy")
    kept_offline(page)

    # At the desk, staff revoke Lan's badge on the badges page, with a reason.
    desk_ctx, desk = phone(browser, base, staff.email)
    desk.goto(f"{base}/fairs/{fair.slug}/badges/")
    card = desk.locator(f"#badge-{lan.code}")
    card.get_by_label("Lý do thu hồi (Nguyễn Thị Lan)").fill("Đã nghỉ việc")
    card.get_by_role("button", name="Thu hồi thẻ này").click()
    expect(desk.get_by_text(f"Đã thu hồi thẻ {lan.code} của Nguyễn Thị Lan.")).to_be_visible()
    expect(desk.locator(f"#badge-{lan.code}")).to_contain_text("Đã nghỉ việc")
    expect(desk.locator(f"#badge-{lan.code} img")).to_have_count(0)  # no QR to show or print
    assert_accessible(desk)
    desk_ctx.close()

    # The phone learns it on its next sync, and offline refuses the badge without queuing it.
    sent(page, "#checkin-form", page.get_by_role("button", name="Gửi ngay").click)
    assert revoked_on_phone(page, fair.pk, lan.code)
    ctx.set_offline(True)
    scan(page, lan.code)
    expect(result).to_contain_text("Thẻ đã bị thu hồi: Nguyễn Thị Lan")
    expect(status).to_contain_text("0 lượt quét chờ gửi")
    # Hùng's badge is in force as far as the phone knows: checked in on the phone and queued...
    scan(page, hung.code)
    expect(result).to_contain_text("Chào mừng Trần Văn Hùng: đã check-in.")
    expect(status).to_contain_text("1 lượt quét chờ gửi")
    # ...but revoked at the desk before the phone is back.
    alliance = Organisation.objects.get(kind=OrganisationKind.ALLIANCE)
    services.badge_revoke(actor=actor_for(alliance, Role.STAFF), fair_id=fair.pk, code=hung.code, reason="Thẻ bị mất")

    ctx.set_offline(False)
    expect(status).to_contain_text("0 lượt quét chờ gửi")
    conflicts = page.locator("#checkin-conflicts li")
    expect(conflicts).to_have_count(1)
    expect(conflicts).to_contain_text("Thẻ đã bị thu hồi: Trần Văn Hùng (Thẻ bị mất)")
    expect(page.locator("#checkin-conflicts-section")).to_be_visible()
    assert not Badge.objects.filter(fair=fair, checked_in_at__isnull=False).exists()
    assert list(CheckinScan.objects.filter(fair=fair).values_list("code", "outcome")) == [
        (hung.code, ScanOutcome.REVOKED)
    ]
    # And now the phone knows Hùng's badge is revoked too.
    assert revoked_on_phone(page, fair.pk, hung.code)
    ctx.set_offline(True)
    scan(page, hung.code)
    expect(result).to_contain_text("Thẻ đã bị thu hồi: Trần Văn Hùng")
    expect(status).to_contain_text("0 lượt quét chờ gửi")
    ctx.close()


def test_a_scan_sent_online_that_the_server_fails_is_queued_and_synced_once(browser: Browser, live_server):
    base = live_server.url
    fair, staff = checkin_fair()
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    url = f"{base}/staff/fairs/{fair.slug}/check-in/"
    ctx, page = phone(browser, base, staff.email)
    page.goto(url)
    expect(page.locator("#offline-status")).to_contain_text("thẻ đã lưu trên máy")

    def unavailable(route: Route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=503, content_type="text/html", body="<h1>503</h1>")
        else:
            route.continue_()

    page.route(url, unavailable)
    scan(page, lan.code)  # online, but the server answers 503
    expect(page.locator("#checkin-result")).to_contain_text("Chào mừng Nguyễn Thị Lan: đã check-in.")
    expect(page.locator("#offline-status")).to_contain_text("1 lượt quét chờ gửi")
    assert Badge.objects.get(pk=lan.pk).checked_in_at is None
    page.unroute(url)

    sent(page, "#checkin-form", page.get_by_role("button", name="Gửi ngay").click)
    expect(page.locator("#offline-status")).to_contain_text("0 lượt quét chờ gửi")
    assert Badge.objects.get(pk=lan.pk).checked_in_at is not None
    assert list(CheckinScan.objects.filter(fair=fair).values_list("outcome", flat=True)) == [ScanOutcome.CHECKED_IN]
    ctx.close()


def test_a_scan_waiting_on_the_phone_stays_checked_in_when_the_phone_refreshes_its_badges(
    browser: Browser, live_server
):
    """The phone refreshes its copy of the badges after each send. When the send failed, the copy from the server
    (where the scan had not arrived) marked the badge not checked in again, and a second scan of it on this phone
    said "welcome" and queued a second scan."""
    base = live_server.url
    fair, staff = checkin_fair()
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    ctx, page = phone(browser, base, staff.email)
    page.goto(f"{base}/staff/fairs/{fair.slug}/check-in/")
    expect(page.locator("#offline-status")).to_contain_text("thẻ đã lưu trên máy")
    page.route("**/check-in/sync/", lambda route: route.fulfill(status=503, body="{}"))

    ctx.set_offline(True)
    scan(page, lan.code)
    expect(page.locator("#checkin-result")).to_contain_text("Chào mừng Nguyễn Thị Lan")
    copies = int(page.locator("#checkin-form").get_attribute("data-copies") or 0)
    sent(page, "#checkin-form", lambda: ctx.set_offline(False))  # back online: the send fails (503) …
    page.wait_for_function(  # … and the phone refreshes its copy of the badges
        "n => Number(document.querySelector('#checkin-form').dataset.copies || 0) > n", arg=copies
    )
    ctx.set_offline(True)
    scan(page, lan.code)

    expect(page.locator("#checkin-result")).to_contain_text("Nguyễn Thị Lan đã check-in rồi.")
    expect(page.locator("#offline-status")).to_contain_text("2 lượt quét chờ gửi")  # both kept, as scanned
    page.unroute("**/check-in/sync/")
    ctx.set_offline(False)
    expect(page.locator("#offline-status")).to_contain_text("0 lượt quét chờ gửi")
    assert Badge.objects.get(pk=lan.pk).checked_in_at is not None
    ctx.close()


def test_an_intake_typed_online_whose_send_fails_is_kept_and_sent_again_into_one_intake(browser: Browser, live_server):
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", province_code=91, commune_code=30850)
    world = build_world(cooperative)
    ctx, page = phone(browser, base, world.staff.user.email)
    page.goto(f"{base}/supply/intakes/new/")
    expect(page.locator("#intake-status")).to_contain_text("Có mạng")

    # The first send gets a 503; the second reaches the server but its answer is lost mid-request; the third
    # goes through.
    sends = {"count": 0}

    def flaky(route: Route) -> None:
        sends["count"] += 1
        if sends["count"] == 1:
            route.fulfill(status=503, content_type="application/json", body='{"error": {"message": "Bảo trì"}}')
        elif sends["count"] == 2:
            route.fetch()
            sends["arrived"] = 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/supply/intakes/sync/", flaky)
    page.get_by_label("Thửa").select_option(str(world.plots[0].pk))
    page.get_by_label("Ngày nhận").fill(world.harvest.isoformat())
    page.get_by_label("Khối lượng (kg)").fill("1.250,5")
    page.get_by_label("Độ ẩm (%)").fill("14,5")
    sent(page, "#intake-queue", page.get_by_role("button", name="Ghi lại").click)  # online
    assert sends["count"] == 1
    expect(page.locator("#intake-results li").first).to_contain_text("Chưa gửi được, máy chủ không trả lời")
    expect(page.locator("#intake-queued li")).to_have_count(1)
    expect(page.locator("#intake-status")).to_contain_text("Đang chờ gửi: 1")
    assert not Intake.objects.filter(cooperative=cooperative).exists()

    send_now = page.get_by_role("button", name="Gửi ngay")
    sent(page, "#intake-queue", send_now.click)
    assert sends == {"count": 2, "arrived": 1}
    assert Intake.objects.filter(cooperative=cooperative).count() == 1  # it did arrive...
    expect(page.locator("#intake-queued li")).to_have_count(1)  # ...but with no answer it is still kept

    sent(page, "#intake-queue", send_now.click)
    assert sends["count"] == 3
    expect(page.locator("#intake-results li", has_text="đã ghi trước đó")).to_have_count(1)
    expect(page.locator("#intake-queued li")).to_have_count(0)
    intakes = Intake.objects.filter(cooperative=cooperative)
    assert [(i.plot_id, i.weight_kg, i.moisture_percent) for i in intakes] == [
        (world.plots[0].pk, Decimal("1250.5"), Decimal("14.5"))
    ]
    ctx.close()


def gate_contract(alliance: Organisation, cooperative: Organisation, call_offs: int) -> tuple[LinkageContract, list]:
    """A processor's contract in force with `call_offs` call-offs of 12.500 kg, each shipped: ready to weigh."""
    contract = linkage_factories.contract_in_force(linkage_factories.processor(), cooperative)
    shipped = [
        linkage_factories.dispatch(linkage_factories.call_off(contract, "12500", days=3 + n)) for n in range(call_offs)
    ]
    return contract, shipped


def gate_page(page: Page, base: str, call_off) -> None:
    """Open a call-off's intake page with the network, so that the phone keeps it."""
    page.goto(f"{base}/contracts/call-offs/{call_off.pk}/intake/")
    expect(page.locator("#intake-status")).to_contain_text("Có mạng")
    kept_offline(page)


def weigh(page: Page, gross: str, moisture: str, ticket: str, vehicle: str) -> None:
    """What the clerk types at the gate: the scale's reading, the meters', the weigh ticket and the boat."""
    page.locator("#id_gross_quantity").fill(gross)
    page.locator("#id_moisture").fill(moisture)
    page.locator("#id_impurities").fill("1")
    page.locator("#id_unfilled").fill("3")
    page.locator("#id_weigh_ticket").fill(ticket)
    page.locator("#id_vehicle").fill(vehicle)
    page.get_by_role("button", name="Ghi nhận và phân loại").click()


def test_two_phones_weigh_call_offs_at_the_gate_offline_one_delivery_each_and_the_duplicate_reported(
    browser: Browser, live_server, alliance, cooperative
):
    base = live_server.url
    contract, (first, second) = gate_contract(alliance, cooperative, 2)
    clerk = member(contract.buyer, Role.STAFF, language="vi")
    ctx_a, a = phone(browser, base, clerk.email)
    ctx_b, b = phone(browser, base, member(contract.buyer, Role.STAFF, language="vi").email)
    gate_page(a, base, second)
    gate_page(a, base, first)
    gate_page(b, base, second)
    assert_accessible(a)
    assert_fits_phone(a)

    ctx_a.set_offline(True)
    ctx_b.set_offline(True)
    # Phone A weighs the first call-off, then opens the second one's page again with no network and weighs it.
    weigh(a, "12.500", "14,5", "PC-0101", "Ghe 68T-0457")
    expect(a.locator("#intake-results li").first).to_contain_text("Mất mạng: đã lưu trên máy")
    expect(a.locator("#id_gross_quantity")).to_have_value("")  # cleared for the next delivery
    a.goto(f"{base}/contracts/call-offs/{second.pk}/intake/")
    weigh(a, "1.250,5", "14,5", "PC-0102", "Ghe 68T-0457")
    expect(a.locator("#intake-queued li")).to_have_count(2)
    expect(a.locator("#intake-status")).to_contain_text("Mất mạng · Đang chờ gửi: 2")
    # Phone B weighs the second call-off too (the same boat, on the other scale).
    weigh(b, "1.240", "15", "PC-0201", "Ghe 68T-0457")
    expect(b.locator("#intake-status")).to_contain_text("Đang chờ gửi: 1")
    assert not Delivery.objects.exists()

    # A's first send reaches the server, but its answer is lost on the way back.
    lost = {"count": 0}

    def lose_first_answer(route: Route) -> None:
        lost["count"] += 1
        if lost["count"] == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    a.route("**/api/v1/linkage/deliveries/sync/", lose_first_answer)
    sent(a, "#intake-queue", lambda: ctx_a.set_offline(False))
    assert Delivery.objects.count() == 2  # it did arrive...
    expect(a.locator("#intake-queued li")).to_have_count(2)  # ...but with no answer both are still kept
    sent(a, "#intake-queue", a.get_by_role("button", name="Gửi ngay").click)  # sent again, the same keys
    assert lost["count"] == 2
    expect(a.locator("#intake-results li", has_text="đã ghi trước đó")).to_have_count(2)
    expect(a.locator("#intake-queued li")).to_have_count(0)

    # B comes back: its weighing of the call-off A recorded is refused, kept with the reason.
    sent(b, "#intake-queue", lambda: ctx_b.set_offline(False))
    refused = b.locator("#intake-queued li.error")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(f"{contract.number} #{second.number} · 1.240 kg")
    expect(refused).to_contain_text("Chỉ đợt giao đã đặt hàng mới được cân khi nhận.")
    expect(b.locator("#intake-status")).to_contain_text("Có mạng · Đang chờ gửi: 0")
    assert_accessible(b)

    deliveries = Delivery.objects.order_by("call_off__number")
    assert [(d.call_off_id, d.gross_quantity, d.net_quantity, d.weigh_ticket) for d in deliveries] == [
        (first.pk, Decimal("12500"), Decimal("12425"), "PC-0101"),
        (second.pk, Decimal("1250.5"), Decimal("1242.997"), "PC-0102"),
    ]
    assert deliveries[0].measurements == {"moisture": "14.5", "impurities": "1", "unfilled": "3"}
    assert {d.recorded_by for d in deliveries} == {clerk}
    ctx_a.close()
    ctx_b.close()


def test_a_delivery_refused_on_sync_is_kept_with_the_reason_corrected_and_sent_once(
    browser: Browser, live_server, alliance, cooperative
):
    base = live_server.url
    contract, (call_off,) = gate_contract(alliance, cooperative, 1)
    clerk = member(contract.buyer, Role.STAFF, language="vi")
    ctx, page = phone(browser, base, clerk.email)
    gate_page(page, base, call_off)

    ctx.set_offline(True)
    weigh(page, "1.300.000", "14,5", "PC-0301", "Ghe 68T-0457")  # more than the whole contract may still take
    # The first send is refused as a whole (the session ran out meanwhile): kept, and the clerk told why.
    url = "**/api/v1/linkage/deliveries/sync/"
    signed_out = '{"error": {"code": "not_authenticated", "message": "Hãy đăng nhập lại."}}'
    page.route(url, lambda route: route.fulfill(status=403, content_type="application/json", body=signed_out))
    sent(page, "#intake-queue", lambda: ctx.set_offline(False))
    expect(page.locator("#intake-results li").first).to_have_text("Chưa gửi được: Hãy đăng nhập lại.")
    expect(page.locator("#intake-status")).to_contain_text("Có mạng · Đang chờ gửi: 1")
    page.unroute(url)
    sent(page, "#intake-queue", page.get_by_role("button", name="Gửi ngay").click)
    refused = page.locator("#intake-queued li.error")
    expect(refused).to_contain_text("Hợp đồng chỉ còn được gọi giao 1.247.500 kg")
    assert not Delivery.objects.exists()

    # Corrected, it is recorded online; the first send gets a 503, kept and sent again under the same key.
    page.get_by_role("button", name="Sửa").click()
    expect(page.locator("#id_gross_quantity")).to_have_value("1.300.000")
    expect(page.locator("#intake-queued li")).to_have_count(0)
    page.locator("#id_gross_quantity").fill("12.400")
    page.route(url, lambda route: route.fulfill(status=503, content_type="application/json", body="{}"))
    sent(page, "#intake-queue", page.get_by_role("button", name="Ghi nhận và phân loại").click)
    expect(page.locator("#intake-results li").first).to_contain_text("Chưa gửi được, máy chủ không trả lời")
    expect(page.locator("#intake-queued li")).to_have_count(1)
    page.unroute(url)
    sent(page, "#intake-queue", page.get_by_role("button", name="Gửi ngay").click)
    expect(page.locator("#intake-results li").first).to_contain_text(
        f"Đã gửi: Đợt giao số {call_off.number}: nhận 12.325,6 kg"
    )
    expect(page.locator("#intake-queued li")).to_have_count(0)
    delivery = Delivery.objects.get()
    assert (delivery.call_off_id, delivery.gross_quantity, delivery.vehicle) == (
        call_off.pk,
        Decimal("12400"),
        "Ghe 68T-0457",
    )
    ctx.close()


def refreshed(page: Page, cause: Callable[[], object]) -> None:
    """Do what makes the check-in page refresh its copy of the badges and wait until it has (data-copies)."""
    copies = int(page.locator("#checkin-form").get_attribute("data-copies") or 0)
    cause()
    page.wait_for_function("n => Number(document.querySelector('#checkin-form').dataset.copies) > n", arg=copies)


def test_the_phone_refreshes_only_the_badges_that_changed_revoked_reissued_and_new(browser: Browser, live_server):
    """The page used to fetch the fair's whole badge copy on every refresh; it now keeps its copy and asks the
    check-in copy for what changed since its cursor (docs/api-sync.md)."""
    base = live_server.url
    fair, staff = checkin_fair()
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    hung = Badge.objects.get(fair=fair, holder_name="Trần Văn Hùng")
    everyone = set(Badge.objects.filter(fair=fair).values_list("code", flat=True))
    ctx, page = phone(browser, base, staff.email)
    answers: list[Response] = []
    page.on("response", lambda r: answers.append(r) if f"/fairs/{fair.pk}/check-in/copy/?" in r.url else None)
    page.goto(f"{base}/staff/fairs/{fair.slug}/check-in/")
    status, result = page.locator("#offline-status"), page.locator("#checkin-result")
    expect(status).to_contain_text("thẻ đã lưu trên máy")
    [whole] = answers
    assert "updated_since=" in whole.url
    assert {b["code"] for b in whole.json()["results"]} == everyone

    # At the desk: Lan's badge revoked, Hùng's revoked and issued again, and a badge for a new person.
    alliance_staff = actor_for(Organisation.objects.get(kind=OrganisationKind.ALLIANCE), Role.STAFF)
    owner = actor_for(Organisation.objects.get(name="HTX Khóm Tắc Cậu"), Role.OWNER)
    services.badge_revoke(actor=alliance_staff, fair_id=fair.pk, code=lan.code, reason="Đã nghỉ việc")
    services.badge_revoke(actor=alliance_staff, fair_id=fair.pk, code=hung.code, reason="Thẻ bị mất")
    new_hung = services.badge_reissue(actor=alliance_staff, fair_id=fair.pk, code=hung.code)
    minh = services.badge_issue_person(actor=owner, fair_id=fair.pk, name="Lê Văn Minh")

    refreshed(page, page.get_by_role("button", name="Gửi ngay").click)
    [changes] = answers[1:]
    assert "cursor=s1." in changes.url
    assert "updated_since" not in changes.url
    assert {b["code"] for b in changes.json()["results"]} == {lan.code, hung.code, new_hung.code, minh.code}
    kept = "([fair, code]) => OfflineStore.get('badges', fair + ':' + code)"
    assert page.evaluate(kept, [str(fair.pk), hung.code])["reissuedAs"] == new_hung.code

    # Offline, the phone refuses what was revoked and lets in the new badges, queued.
    ctx.set_offline(True)
    scan(page, lan.code)
    expect(result).to_contain_text("Thẻ đã bị thu hồi: Nguyễn Thị Lan")
    scan(page, hung.code)
    expect(result).to_contain_text("Thẻ đã bị thu hồi: Trần Văn Hùng")
    scan(page, new_hung.code)
    expect(result).to_contain_text("Chào mừng Trần Văn Hùng: đã check-in.")
    scan(page, minh.code)
    expect(result).to_contain_text("Chào mừng Lê Văn Minh: đã check-in.")
    expect(status).to_contain_text("2 lượt quét chờ gửi")
    refreshed(page, lambda: ctx.set_offline(False))  # back online: the page sends, then refreshes its copy
    expect(status).to_contain_text("0 lượt quét chờ gửi")
    checked = set(Badge.objects.filter(fair=fair, checked_in_at__isnull=False).values_list("code", flat=True))
    assert checked == {new_hung.code, minh.code}

    # A cursor the server cannot read (400) sends the phone back to a whole copy.
    unreadable = "s1.bm90LWEtY3Vyc29y"  # "not-a-cursor"
    page.evaluate(
        "([fair, cursor]) => OfflineStore.put('meta', {k: 'badges-sync:' + fair, cursor, since: Date.now()})",
        [str(fair.pk), unreadable],
    )
    seen = len(answers)
    refreshed(page, page.get_by_role("button", name="Gửi ngay").click)
    refused, again = answers[seen:]
    assert refused.status == 400
    assert "updated_since=" in again.url
    assert {b["code"] for b in again.json()["results"]} == everyone | {new_hung.code, minh.code}
    ctx.close()


# What a tab of the pages before version 2 of the offline store did: open it at version 1 with the stores it
# knew, keep a scan queued, and hold the connection with no `versionchange` handler (it never let go).
HOLD_VERSION_1 = """async ([fair, code]) => {
    const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open("market-link", 1);
        request.onupgradeneeded = () => {
            for (const [name, key] of [["badges", "id"], ["scans", "key"], ["intakes", "key"], ["meta", "k"]]) {
                request.result.createObjectStore(name, { keyPath: key });
            }
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    const key = crypto.randomUUID();
    await new Promise((resolve, reject) => {
        const tx = db.transaction("scans", "readwrite");
        tx.objectStore("scans").put({ key, fair, code, scanned_at: new Date().toISOString() });
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
    });
    window.heldAtVersion1 = db;
    return key;
}"""
# A later deploy's page opening the store at version 3: answered only once every older tab has let go.
OPEN_VERSION_3 = """() => new Promise((resolve, reject) => {
    const request = indexedDB.open("market-link", 3);
    request.onsuccess = () => { const version = request.result.version; request.result.close(); resolve(version); };
    request.onerror = () => reject(request.error);
})"""


def test_a_tab_on_version_1_blocks_the_upgrade_with_a_notice_until_reloaded_and_its_queued_scan_survives(
    browser: Browser, live_server
):
    """The offline store's version-2 upgrade waits for every tab holding version 1. The page said nothing while
    it waited (no `blocked` handler), and a page whose store another tab upgraded said nothing either, though
    it could no longer keep a scan."""
    base = live_server.url
    fair, staff = checkin_fair()
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    ctx, old_tab = phone(browser, base, staff.email)
    queued_key = old_tab.evaluate(HOLD_VERSION_1, [str(fair.pk), lan.code])

    page = ctx.new_page()
    page.goto(f"{base}/staff/fairs/{fair.slug}/check-in/")
    notice = page.locator("#offline-store-notice")
    expect(notice).to_contain_text("Một tab Market Link khác đang mở phiên bản cũ của trang này")
    assert_accessible(page)
    assert_fits_phone(page)
    assert not CheckinScan.objects.exists()

    old_tab.reload()  # the person reloads the old tab: it lets go, the upgrade runs and the page goes on
    expect(notice).to_have_count(0)
    expect(page.locator("#offline-status")).to_contain_text("0 lượt quét chờ gửi")
    assert list(CheckinScan.objects.values_list("key", "outcome")) == [(UUID(queued_key), ScanOutcome.CHECKED_IN)]
    assert Badge.objects.get(pk=lan.pk).checked_in_at is not None

    # A newer version opened in another tab is not blocked by this page, which asks to be reloaded.
    newer = ctx.new_page()
    newer.goto(f"{base}/offline/")
    assert newer.evaluate(OPEN_VERSION_3) == 3
    expect(notice).to_contain_text("Market Link đã được cập nhật ở một tab khác. Hãy tải lại trang này")
    ctx.close()
