"""Fair forms staff and exhibitors fill in on a phone, in a Vietnamese browser: a new fair shows the values it
stores when they are left alone (opens 08:00, closes 17:00, 7 days to pay, check-in a day before; meeting times
of 30 minutes) and stores exactly those; a badge whose revocation is refused keeps the reason as typed."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fairs import services
from fairs.models import Badge, Booth, Fair, FairStatus
from market.organisations.models import OrganisationKind, Role
from tests.browser.conftest import check, log_in, type_date
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import fair_with_two_named_badges, make_fair, staff_actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN"}


def test_a_new_fair_shows_its_defaults_and_stores_them_untouched_and_so_do_meeting_times(page: Page, live_server):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    first = timezone.localdate() + timedelta(days=60)

    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/fairs/new/")
    expect(page.get_by_label("Giờ mở cửa")).to_have_value("08:00")
    expect(page.get_by_label("Giờ đóng cửa")).to_have_value("17:00")
    expect(page.get_by_label("Số ngày để nộp phí gian hàng")).to_have_value("7")
    expect(page.get_by_label("Mở check-in (số ngày trước ngày khai mạc)")).to_have_value("1")
    check(page)
    page.get_by_label("Tên (tiếng Việt)").fill("Hội chợ OCOP Rạch Giá")
    page.get_by_label("Địa điểm").fill("Trung tâm Hội nghị tỉnh")
    type_date(page, "#id_starts_on", first)
    type_date(page, "#id_ends_on", first + timedelta(days=2))
    type_date(page, "#id_applications_open_on", timezone.localdate())
    type_date(page, "#id_applications_close_on", first - timedelta(days=10))
    page.get_by_role("button", name="Tạo hội chợ").click()
    expect(page.get_by_text("Đã tạo hội chợ ở dạng nháp")).to_be_visible()
    fair = Fair.objects.get(name_vi="Hội chợ OCOP Rạch Giá")
    assert (fair.day_opens_at, fair.day_closes_at, fair.payment_days, fair.checkin_days_before) == (
        time(8, 0),
        time(17, 0),
        7,
        1,
    )
    assert (fair.starts_on, fair.ends_on) == (first, first + timedelta(days=2))

    # Meeting times (set once the plan is published): 30 minutes each unless staff say otherwise, shown and stored.
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.PUBLISHED)
    page.goto(f"{base}/staff/fairs/{fair.slug}/matching/")
    expect(page.locator("#id_slots-minutes")).to_have_value("30")
    check(page)
    page.locator("#id_slots-count").fill("2")
    page.get_by_role("button", name="Thêm các khung giờ").click()
    expect(page.get_by_text("Đã đặt 2 khung giờ gặp.")).to_be_visible()
    slots = [
        (timezone.localtime(s.starts_at).time(), s.ends_at - s.starts_at) for s in fair.slots.order_by("starts_at")
    ]
    assert slots == [(time(8, 0), timedelta(minutes=30)), (time(8, 30), timedelta(minutes=30))]


def test_a_refused_revocation_keeps_the_reason_as_typed_with_the_error(page: Page, live_server):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    cooperative = OrganisationFactory(name="HTX Nước mắm Hưng Thịnh")
    manager = member(cooperative, Role.MANAGER, language="vi")
    fair = fair_with_two_named_badges(alliance, cooperative)
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")

    log_in(page, base, manager.email, switching=True)
    page.goto(f"{base}/fairs/{fair.slug}/badges/")
    reason = page.locator(f"#revoke-reason-{lan.code}")
    # Only spaces pass the browser's own check and are refused by the server: the card says why and keeps them.
    reason.fill("   ")
    page.locator(f"#badge-{lan.code}").get_by_role("button", name="Thu hồi thẻ này").click()
    card = page.locator(f"#badge-{lan.code}")
    expect(card.locator(".error")).to_contain_text("Trường này không được bỏ trống.")
    expect(page.locator(f"#revoke-reason-{lan.code}")).to_have_value("   ")
    assert Badge.objects.get(pk=lan.pk).revoked_at is None
    check(page)
    page.locator(f"#revoke-reason-{lan.code}").fill("Đã nghỉ việc")
    page.locator(f"#badge-{lan.code}").get_by_role("button", name="Thu hồi thẻ này").click()
    expect(page.get_by_text(f"Đã thu hồi thẻ {lan.code} của Nguyễn Thị Lan.")).to_be_visible()
    assert Badge.objects.get(pk=lan.pk).revoke_reason == "Đã nghỉ việc"

    # Revoked meanwhile by someone else, Hùng's badge is refused on the page opened before: the card says so.
    hung = Badge.objects.get(fair=fair, holder_name="Trần Văn Hùng")
    services.badge_revoke(actor=staff_actor(alliance), fair_id=fair.pk, code=hung.code, reason="Thẻ bị mất")
    page.locator(f"#revoke-reason-{hung.code}").fill("Chuyển bộ phận")
    page.locator(f"#badge-{hung.code}").get_by_role("button", name="Thu hồi thẻ này").click()
    expect(page.locator(f"#badge-{hung.code}")).to_contain_text("Thẻ này đã bị thu hồi rồi.")
    assert Badge.objects.get(pk=hung.pk).revoke_reason == "Thẻ bị mất"
    check(page)


def test_a_plan_saved_by_excel_in_vietnam_with_semicolons_imports_its_booths(page: Page, live_server):
    """Excel in Vietnam writes "3,00" and "2,5" with decimal commas, so it separates the columns with semicolons."""
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    fair = make_fair(alliance, status=FairStatus.DRAFT, halls=0)
    sheet = (
        "hall;zone;code;type;x;y;width;depth;price;power;water;cold_storage\r\n"
        "Nhà A;Thủy sản;a-01;standard;0;0;3,00;2,5;1.500.000;có;không;x\r\n"
        "Nhà A;Thủy sản;a-02;corner;3,5;0;3;3;2.000.000;1;0;0\r\n"
    )

    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/fairs/{fair.slug}/plan/")
    page.locator("#id_import-file").set_input_files(
        files=[{"name": "so-do.csv", "mimeType": "text/csv", "buffer": sheet.encode("utf-8-sig")}]
    )
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.get_by_text("Đã nhập: 2 gian hàng mới, cập nhật 0 gian hàng.")).to_be_visible()
    stored = {
        b.code: (b.x, b.width, b.depth, b.price, b.cold_storage, b.zone.name)
        for b in Booth.objects.filter(fair=fair).select_related("zone")
    }
    assert stored == {
        "A-01": (Decimal("0"), Decimal("3"), Decimal("2.5"), 1_500_000, True, "Thủy sản"),
        "A-02": (Decimal("3.5"), Decimal("3"), Decimal("3"), 2_000_000, False, "Thủy sản"),
    }
    check(page)


def test_the_staff_fair_pages_read_on_a_phone(page: Page, live_server):
    """The fair list, the review queue, the subsidy programmes, the report and the badges as staff see them:
    axe-clean and no sideways scrolling at 360 px, with a real application and a booth price in đồng."""
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    cooperative = OrganisationFactory(name="Hợp tác xã Nông nghiệp Dịch vụ Tân Hiệp Thạnh Đông A")
    fair = fair_with_two_named_badges(alliance, cooperative)

    log_in(page, base, staff.email, switching=True)
    for path in (
        "/staff/fairs/",
        "/staff/fairs/new/",
        f"/staff/fairs/{fair.slug}/applications/",
        "/staff/fairs/programmes/",
        f"/staff/fairs/{fair.slug}/report/",
        f"/staff/fairs/{fair.slug}/check-in/",
        f"/fairs/{fair.slug}/badges/",
        f"/fairs/{fair.slug}/",
    ):
        page.goto(f"{base}{path}")
        check(page)


def test_a_booth_typed_over_its_neighbour_is_refused_with_what_was_typed_kept(page: Page, live_server):
    """A-01 and A-02 stand side by side (3 × 3 m, 4 m apart): A-01 moved to "1,5" m would cover part of A-02."""
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    fair = make_fair(alliance, booths=2)

    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/fairs/{fair.slug}/plan/")
    page.get_by_label("Gian hàng", exact=True).select_option(label="A-01")
    panel = page.locator("#booth-panel")
    expect(panel.get_by_role("heading", name="Gian hàng A-01")).to_be_visible()
    panel.get_by_label("Cách tường trái (m)").fill("1,5")
    panel.get_by_label("Chiều rộng (m)").fill("3,00")
    panel.get_by_label("Chiều sâu (m)").fill("2,5")
    panel.get_by_label("Giá (đồng)").fill("1.500.000")
    panel.get_by_role("button", name="Lưu gian hàng").click()
    expect(panel.get_by_text("Gian hàng chồng lên gian hàng A-02")).to_be_visible()
    expect(panel.get_by_label("Cách tường trái (m)")).to_have_value("1,5")
    expect(panel.get_by_label("Giá (đồng)")).to_have_value("1.500.000")
    a01 = Booth.objects.get(fair=fair, code="A-01")
    assert (a01.x, a01.width, a01.depth, a01.price) == (Decimal("0"), Decimal("3"), Decimal("3"), 4_000_000)
    check(page)

    panel.get_by_label("Cách tường trái (m)").fill("0,5")
    panel.get_by_role("button", name="Lưu gian hàng").click()
    expect(panel.get_by_text("Đã lưu gian hàng A-01.")).to_be_visible()
    a01.refresh_from_db()
    assert (a01.x, a01.width, a01.depth, a01.price) == (Decimal("0.5"), Decimal("3"), Decimal("2.5"), 1_500_000)


def test_a_new_fair_sent_twice_is_created_once(page: Page, live_server):
    """A double press (or a form sent again after a timeout) sends the same form twice: one fair, and the second
    answer says it was already created."""
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    first = timezone.localdate() + timedelta(days=40)

    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/fairs/new/")
    page.get_by_label("Tên (tiếng Việt)").fill("Hội chợ Nông sản An Giang")
    page.get_by_label("Địa điểm").fill("Nhà thi đấu Rạch Giá")
    type_date(page, "#id_starts_on", first)
    type_date(page, "#id_ends_on", first + timedelta(days=3))
    type_date(page, "#id_applications_open_on", timezone.localdate())
    type_date(page, "#id_applications_close_on", first - timedelta(days=7))
    answers = page.evaluate(
        """async () => {
            const form = document.querySelector("main form[method=post]");
            const body = new FormData(form);
            const send = () => fetch(form.action, {method: "POST", body, credentials: "same-origin"});
            const one = await send();
            const two = await send();
            return [one.status, two.status, await two.text()];
        }"""
    )
    assert answers[:2] == [200, 200]
    assert "Hội chợ này đã được tạo; không tạo lại lần nữa." in answers[2]
    assert Fair.objects.filter(name_vi="Hội chợ Nông sản An Giang").count() == 1
