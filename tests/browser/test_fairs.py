"""The fair journeys in a Vietnamese browser, typed the way people in Vietnam type: staff add a hall and draw
booths on a fair that had none, edit a booth typing "3,5", drag one, open the fair; a cooperative sees what
a booth costs it, ranks booths (the same one twice is refused) and applies; staff assign its first choice;
staff set meeting times typed "dd/mm/yyyy" and "14h30"; a buyer books a meeting and records its outcome
("2,5" tấn, "45.000.000"); staff check a badge in and the counters move at once. Every page is axe-checked
and must fit a 360 px phone; stored values are asserted."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from fairs import services
from fairs.models import Application, Badge, Booth, Fair, FairStatus, Meeting, MeetingOutcome, PlanStatus
from market.organisations.models import OrganisationKind, Role
from tests.browser.conftest import check, log_in
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import add_slots, apply, assign, booth, make_fair, make_programme, publish, staff_actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NBSP = "\u00a0"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN"}


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """Script errors of the pages (an editor that throws on load fails the test)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def vi(text: object) -> str:
    with translation.override("vi"):
        return str(text)


def test_staff_draw_a_plan_from_nothing_edit_a_booth_typing_3_5_and_drag_one(page: Page, live_server, page_errors):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    fair = make_fair(alliance, status=FairStatus.DRAFT, halls=0)

    # A fair without a hall: the editor says what to do and throws nothing.
    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/fairs/{fair.slug}/plan/")
    expect(page.locator("#no-hall")).to_contain_text("Hội chợ chưa có nhà triển lãm")
    check(page)
    page.locator("#id_hall-name").fill("Nhà A")
    page.locator("#id_hall-width_m").fill("60")
    page.locator("#id_hall-depth_m").fill("40,5")
    page.get_by_role("button", name="Thêm nhà triển lãm").click()
    expect(page.get_by_text("Đã thêm nhà triển lãm.")).to_be_visible()
    assert fair.halls.get().depth_m == Decimal("40.5")

    # Three booths drawn by clicking the hall; the legend's free count follows.
    page.get_by_role("button", name="Thêm gian hàng bằng cách bấm").click()
    hall = page.locator("svg.fair-plan rect.hall").first
    hall.scroll_into_view_if_needed()
    box = hall.bounding_box()
    for n, fraction in enumerate((0.1, 0.4, 0.7), start=1):
        hall.click(position={"x": box["width"] * fraction, "y": box["height"] * 0.3})
        expect(page.locator("#plan-status")).to_have_text(f"Đã thêm gian hàng A-0{n}.")
        expect(page.locator('#plan-legend [data-count="free"]')).to_have_text(str(n))
    page.get_by_role("button", name="Thêm gian hàng bằng cách bấm").click()
    assert sorted(Booth.objects.filter(fair=fair).values_list("code", flat=True)) == ["A-01", "A-02", "A-03"]

    # Edit A-01 typing Vietnamese numbers into its panel.
    page.get_by_label("Gian hàng", exact=True).select_option(label="A-01")
    panel = page.locator("#booth-panel")
    expect(panel.get_by_role("heading", name="Gian hàng A-01")).to_be_visible()
    panel.get_by_label("Cách tường trái (m)").fill("3,5")
    panel.get_by_label("Chiều rộng (m)").fill("2,5")
    panel.get_by_label("Giá (đồng)").fill("3.500.000")
    panel.get_by_label("Kho lạnh").check()
    panel.get_by_role("button", name="Lưu gian hàng").click()
    expect(panel.get_by_text("Đã lưu gian hàng A-01.")).to_be_visible()
    saved = Booth.objects.get(fair=fair, code="A-01")
    assert (saved.x, saved.width, saved.price, saved.cold_storage) == (
        Decimal("3.5"),
        Decimal("2.5"),
        3_500_000,
        True,
    )
    expect(panel.get_by_label("Cách tường trái (m)")).to_have_value("3,5")
    check(page)

    # Drag A-01 straight down: its x stays 3.5 (read from the plan as 3.5, not as "3,50" -> 3).
    before = saved.y
    rect = page.locator('svg.fair-plan .booth[data-code="A-01"] rect')
    rect.scroll_into_view_if_needed()
    r = rect.bounding_box()
    page.mouse.move(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)
    page.mouse.down()
    page.mouse.move(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2 + 30, steps=6)
    page.mouse.up()
    expect(page.locator("#plan-status")).to_have_text("Đã chuyển gian hàng A-01.")
    moved = Booth.objects.get(fair=fair, code="A-01")
    assert moved.x == Decimal("3.5")
    assert moved.y > before
    assert moved.y % Decimal("0.5") == 0

    # Open the fair for applications from the editor (it now has booths to offer).
    page.reload()
    page.get_by_role("button", name=f"→ {vi(FairStatus.OPEN.label)}").click()
    expect(page.get_by_text("Đã chuyển trạng thái hội chợ.")).to_be_visible()
    assert Fair.objects.get(pk=fair.pk).status == FairStatus.OPEN
    check(page)
    assert page_errors == []


def test_a_cooperative_sees_what_a_booth_costs_ranks_booths_and_staff_assign_its_first_choice(
    page: Page, live_server, page_errors
):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    cooperative = OrganisationFactory(name="HTX Nước mắm Hưng Thịnh")
    owner = member(cooperative, Role.OWNER, language="vi")
    fair = make_fair(alliance, booths=3, programme=make_programme(rate_standard=70))
    a01, a02 = booth(fair, "A-01"), booth(fair, "A-02")

    log_in(page, base, owner.email, switching=True)
    page.goto(f"{base}/fairs/{fair.slug}/")
    check(page)
    page.get_by_role("link", name="Đăng ký gian hàng").click()
    row = page.locator(f'tr[data-booth="{a02.pk}"]')
    expect(row).to_contain_text(f"4.000.000{NBSP}₫")
    expect(row).to_contain_text(f"2.800.000{NBSP}₫")
    expect(row).to_contain_text(f"1.200.000{NBSP}₫")
    check(page)

    page.get_by_label("Lựa chọn 1").select_option(str(a02.pk))
    page.get_by_label("Lựa chọn 2").select_option(str(a02.pk))
    page.get_by_label("Hàng mẫu bạn sẽ mang theo").fill("Nước mắm 40 độ đạm, 20 chai")
    page.get_by_role("button", name="Gửi đơn đăng ký").click()
    expect(page.get_by_text("Hãy chọn một gian hàng khác cho mỗi lựa chọn.")).to_be_visible()
    expect(page.get_by_label("Hàng mẫu bạn sẽ mang theo")).to_have_value("Nước mắm 40 độ đạm, 20 chai")
    assert not Application.objects.filter(fair=fair).exists()
    check(page)
    page.get_by_label("Lựa chọn 2").select_option(str(a01.pk))
    page.get_by_role("button", name="Gửi đơn đăng ký").click()
    expect(page.get_by_text("Đã gửi đơn đăng ký.")).to_be_visible()
    application = Application.objects.get(fair=fair, cooperative=cooperative)
    assert [p.booth_id for p in application.preferences.all()] == [a02.pk, a01.pk]
    assert application.samples == "Nước mắm 40 độ đạm, 20 chai"
    check(page)
    # Applying again is refused before any form.
    page.goto(f"{base}/fairs/{fair.slug}/apply/")
    expect(page.locator("#apply-refused")).to_contain_text("HTX của bạn đã đăng ký hội chợ này")
    expect(page.locator('select[name="preferences"]')).to_have_count(0)

    # Staff find the applicant's first choice offered first.
    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/fairs/applications/{application.pk}/")
    booth_select = page.locator('select[name="assign_booth-booth"]')
    expect(booth_select).to_have_value(str(a02.pk))
    check(page)
    page.get_by_role("button", name="Duyệt và xếp gian hàng").click()
    expect(page.get_by_text("Đã xếp gian hàng A-02.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Đã xếp gian hàng")
    application.refresh_from_db()
    assert (application.price, application.subsidy, application.amount_due) == (4_000_000, 2_800_000, 1_200_000)
    check(page)
    assert page_errors == []


def test_meeting_times_typed_the_vietnamese_way_a_meeting_its_outcome_and_check_in(
    page: Page, live_server, page_errors
):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="vi")
    cooperative = OrganisationFactory(name="HTX Khóm Tắc Cậu")
    exhibitor = member(cooperative, Role.OWNER, language="vi")
    buyer_org = OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods")
    buyer = member(buyer_org, Role.OWNER, language="vi")
    fair = make_fair(alliance, booths=2, starts_in=1)  # set-up day is today: check-in is open
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    assign(alliance, apply(OrganisationFactory(name="HTX Gạo Jasmine"), fair), fair, "A-02")
    publish(fair)
    services.tables_create(actor=staff_actor(alliance), fair_id=fair.pk, count=2)
    day = fair.starts_on.strftime("%d/%m/%Y")

    # Staff set meeting times typing dd/mm/yyyy and 14h30; a count of -3 is refused and nothing made.
    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/fairs/{fair.slug}/matching/")
    page.locator("#id_slots-day").fill(day)
    page.locator("#id_slots-first").fill("14h30")
    page.locator("#id_slots-count").fill("-3")
    page.get_by_role("button", name="Thêm các khung giờ").click()
    expect(page.get_by_text("Nhập một số từ 0 trở lên.")).to_be_visible()
    expect(page.locator("#id_slots-first")).to_have_value("14h30")
    assert not fair.slots.exists()
    check(page)
    page.locator("#id_slots-count").fill("3")
    page.locator("#id_slots-minutes").fill("20")
    page.get_by_role("button", name="Thêm các khung giờ").click()
    expect(page.get_by_text("Đã đặt 3 khung giờ gặp.")).to_be_visible()
    starts = [timezone.localtime(s.starts_at) for s in fair.slots.order_by("starts_at")]
    assert [(s.date(), s.time()) for s in starts] == [
        (fair.starts_on, time(14, 30)),
        (fair.starts_on, time(14, 50)),
        (fair.starts_on, time(15, 10)),
    ]
    check(page)

    # A buyer registers and books; the exhibitor accepts; the buyer records what came of it.
    log_in(page, base, buyer.email, switching=True)
    page.goto(f"{base}/fairs/{fair.slug}/matching/")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_text("Bạn đã đăng ký kết nối cung cầu")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Xin gặp HTX Khóm Tắc Cậu").click()
    expect(page.get_by_text("Đã gửi yêu cầu gặp HTX Khóm Tắc Cậu.")).to_be_visible()
    meeting = Meeting.objects.get(fair=fair)
    log_in(page, base, exhibitor.email, switching=True)
    page.goto(f"{base}/fairs/meetings/")
    page.get_by_role("button", name="Nhận lời").click()
    expect(page.get_by_text("Đã nhận lời gặp.")).to_be_visible()
    check(page)
    log_in(page, base, buyer.email, switching=True)
    page.goto(f"{base}/fairs/meetings/")
    page.get_by_text("Ghi kết quả").click()
    form = page.locator(f"#meeting-{meeting.pk} form").last
    form.get_by_label("Kết quả *", exact=True).select_option("mou")
    form.get_by_label("Sản lượng").fill("2,5")
    form.get_by_label("Đơn vị tính").select_option("tan")
    form.get_by_label("Giá trị (đồng)").fill("45.000.000")
    form.get_by_role("button", name="Lưu kết quả").click()
    expect(page.get_by_text("Đã ghi kết quả.")).to_be_visible()
    outcome = MeetingOutcome.objects.get(meeting=meeting)
    assert (outcome.kind, outcome.volume, outcome.unit, outcome.value) == ("mou", Decimal("2.5"), "tan", 45_000_000)
    check(page)

    # Check-in: the counters move with the scan, not at the next poll; the badge's QR shows.
    badge = Badge.objects.get(fair=fair, organisation=cooperative)
    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/fairs/{fair.slug}/check-in/")
    expect(page.locator("#checkin-count")).to_have_text("0 / 3")
    check(page)
    page.get_by_label("Mã thẻ").fill(f"ml-{badge.code.lower()}")
    page.get_by_role("button", name="Check-in", exact=True).click()
    expect(page.locator("#checkin-result")).to_contain_text("Chào mừng HTX Khóm Tắc Cậu: đã check-in.")
    expect(page.locator("#checkin-count")).to_have_text("1 / 3", timeout=3000)
    expect(page.locator("#checkin-exhibitors")).to_have_text("1 / 2", timeout=3000)
    assert Badge.objects.get(pk=badge.pk).checked_in_at is not None
    check(page)
    page.goto(f"{base}/fairs/{fair.slug}/badges/")
    shown = page.locator(f'img[src$="/{badge.code}.svg"]')
    expect(shown).to_be_visible()
    assert shown.evaluate("img => img.complete && img.naturalWidth") > 0
    check(page)

    log_in(page, base, buyer.email, switching=True)
    page.goto(f"{base}/fairs/{fair.slug}/")
    check(page)
    assert page_errors == []


def test_a_buyer_reads_meeting_times_in_local_time_and_a_time_taken_meanwhile_keeps_the_form(
    page: Page, live_server, page_errors
):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    cooperative = OrganisationFactory(name="HTX Khóm Tắc Cậu")
    fair = make_fair(alliance, booths=2, starts_in=3)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    first, second = add_slots(alliance, fair, count=2, first=time(14, 30))
    buyer_org = OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods")
    buyer = member(buyer_org, Role.OWNER, language="vi")
    rival_org = OrganisationFactory(kind=OrganisationKind.BUYER, name="Mekong Fresh")
    for org in (buyer_org, rival_org):
        services.buyer_register(actor=actor_for(org, Role.OWNER), fair_id=fair.pk)
    day = fair.starts_on.strftime("%d/%m/%Y")

    # The times read as the fair's clock says them (14:30, not 07:30 UTC); the exhibitor is not a field to type.
    log_in(page, base, buyer.email, switching=True)
    page.goto(f"{base}/fairs/{fair.slug}/matching/")
    card = page.locator(".exhibitor").filter(has_text="HTX Khóm Tắc Cậu")
    times = card.get_by_label("Thời gian")
    expect(times.locator("option")).to_have_text([f"14:30 {day}", f"15:00 {day}"])
    expect(card.get_by_label("Đơn vị trưng bày")).to_have_count(0)
    check(page)

    # Another buyer takes 14:30 while the page is open: the refusal keeps the message and offers 15:00.
    services.meeting_request(
        actor=actor_for(rival_org, Role.OWNER), fair_id=fair.pk, exhibitor_id=cooperative.pk, slot_id=first.pk
    )
    times.select_option(label=f"14:30 {day}")
    card.get_by_label("Lời nhắn").fill("Cần 2 tấn khóm mỗi tuần")
    card.get_by_role("button", name="Xin gặp HTX Khóm Tắc Cậu").click()
    expect(card.get_by_text("HTX Khóm Tắc Cậu đã có lịch gặp vào giờ này")).to_be_visible()
    expect(times.locator("option")).to_have_text([f"15:00 {day}"])
    expect(card.get_by_label("Lời nhắn")).to_have_value("Cần 2 tấn khóm mỗi tuần")
    assert not Meeting.objects.filter(buyer=buyer_org).exists()
    check(page)
    card.get_by_role("button", name="Xin gặp HTX Khóm Tắc Cậu").click()
    expect(page.get_by_text("Đã gửi yêu cầu gặp HTX Khóm Tắc Cậu.")).to_be_visible()
    meeting = Meeting.objects.get(buyer=buyer_org)
    message = "Cần 2 tấn khóm mỗi tuần"
    assert (meeting.slot_id, meeting.exhibitor_id, meeting.message) == (second.pk, cooperative.pk, message)
    assert page_errors == []


def test_the_printed_plan_reads_on_a_phone_the_plan_scrolls_sideways_and_a_list_names_each_booth(
    page: Page, live_server, page_errors
):
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    fair = make_fair(alliance, booths=45)
    assign(alliance, apply(OrganisationFactory(name="HTX Nước mắm Hưng Thịnh"), fair), fair, "A-02")
    publish(fair)

    page.goto(f"{live_server.url}/fairs/{fair.slug}/plan/")
    # Each booth code as drawn: its font size times the plan's scale on the screen, never below 12 px.
    drawn = page.locator("svg.fair-plan .booth text.code").evaluate_all(
        "codes => codes.map(c => parseFloat(getComputedStyle(c).fontSize) * c.ownerSVGElement.getScreenCTM().a)"
    )
    assert len(drawn) == 45
    assert min(drawn) >= 12, drawn
    plan = page.get_by_role("region", name="Sơ đồ gian hàng")
    assert plan.evaluate("region => region.scrollWidth > region.clientWidth"), "the plan scrolls inside its region"
    rows = page.locator(".booth-list tbody tr")
    expect(rows).to_have_count(45)
    expect(rows.filter(has_text="A-02")).to_contain_text("HTX Nước mắm Hưng Thịnh")
    expect(rows.filter(has_text="A-02")).to_contain_text(vi(PlanStatus.HELD.label))
    check(page)
    assert page_errors == []
