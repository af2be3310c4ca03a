"""Staff draw three booths on the plan; a cooperative applies; staff approve and assign on the plan; the
booth turns "assigned" with the cooperative's name; a buyer books a meeting with that exhibitor.
Every page is axe-checked and must fit a 360 px phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fairs import services
from fairs.models import Application, Badge, Booth, FairStatus, Meeting
from market.organisations.models import OrganisationKind, Role
from tests.browser.conftest import assert_accessible, assert_fits_phone
from tests.catalog.factories import actor_for
from tests.factories import TEST_PASSWORD, OrganisationFactory, member
from tests.fairs.factories import make_fair, make_programme, staff_actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)


def log_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_plan_application_assignment_and_meeting(page: Page, live_server):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="en")
    cooperative = OrganisationFactory(name="HTX Nước mắm Hưng Thịnh")
    coop_owner = member(cooperative, Role.OWNER, language="en")
    buyer = member(OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods"), language="en")
    # The alliance pays the whole standard booth: the booth is "assigned" as soon as staff assign it.
    fair = make_fair(alliance, status=FairStatus.DRAFT, programme=make_programme(rate_standard=100))
    services.slots_create(actor=staff_actor(alliance), fair_id=fair.pk, starts=[timezone.now() + timedelta(days=31)])
    services.tables_create(actor=staff_actor(alliance), fair_id=fair.pk, names=["Bàn 1"])

    # Staff draw three booths by clicking the hall.
    log_in(page, base, staff.email)
    page.goto(f"{base}/staff/fairs/{fair.slug}/plan/")
    check(page)
    page.get_by_role("button", name="Add booths by clicking").click()
    hall = page.locator("svg.fair-plan rect.hall").first
    box = hall.bounding_box()
    for n, fraction in enumerate((0.1, 0.4, 0.7), start=1):
        page.locator("svg.fair-plan rect.hall").first.click(
            position={"x": box["width"] * fraction, "y": box["height"] * 0.3}
        )
        expect(page.locator("#plan-status")).to_have_text(f"Booth A-0{n} added.")
    assert sorted(Booth.objects.filter(fair=fair).values_list("code", flat=True)) == ["A-01", "A-02", "A-03"]
    expect(page.locator("svg.fair-plan .booth.free")).to_have_count(3)
    # Drag A-03 to the right, then edit A-01's attributes.
    page.get_by_role("button", name="Add booths by clicking").click()
    before = Booth.objects.get(fair=fair, code="A-03").x
    rect = page.locator('svg.fair-plan .booth[data-code="A-03"] rect').bounding_box()
    page.mouse.move(rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2)
    page.mouse.down()
    page.mouse.move(rect["x"] + rect["width"] / 2 + 25, rect["y"] + rect["height"] / 2, steps=5)
    page.mouse.up()
    expect(page.locator("#plan-status")).to_have_text("Booth A-03 moved.")
    assert Booth.objects.get(fair=fair, code="A-03").x > before
    page.get_by_label("Booth", exact=True).select_option(label="A-01")
    page.get_by_label("Price (VND)", exact=True).last.fill("3500000")
    page.get_by_label("Cold storage", exact=True).check()
    page.get_by_role("button", name="Save the booth").click()
    expect(page.locator("#plan-status")).to_have_text("Booth A-01 saved.")
    saved = Booth.objects.get(fair=fair, code="A-01")
    assert (saved.price, saved.cold_storage) == (3_500_000, True)
    check(page)
    page.get_by_role("button", name="Open for applications").click()
    expect(page.get_by_text("The fair's status changed.")).to_be_visible()

    # A cooperative applies, ranking booth A-02 first.
    log_in(page, base, coop_owner.email)
    page.goto(f"{base}/fairs/{fair.slug}/")
    check(page)
    page.get_by_role("link", name="Apply for a booth").click()
    check(page)
    page.get_by_label("Choice 1").select_option(label="A-02 · Standard (3 × 3 m)")
    page.get_by_label("Samples you will bring").fill("Nước mắm 40 độ đạm, 20 chai")
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_text("Your application was sent.")).to_be_visible()
    check(page)
    application = Application.objects.get(fair=fair, cooperative=cooperative)

    # Staff approve and assign A-02 on the plan.
    log_in(page, base, staff.email)
    page.goto(f"{base}/staff/fairs/{fair.slug}/plan/")
    page.get_by_label("Booth", exact=True).select_option(label="A-02")
    page.get_by_label("Assign to").select_option(str(application.pk))
    page.get_by_role("button", name="Approve and assign this booth").click()
    expect(page.locator("#plan-status")).to_have_text("Booth A-02 assigned to HTX Nước mắm Hưng Thịnh.")
    booth = page.locator('svg.fair-plan .booth[data-code="A-02"]')
    expect(booth).to_have_attribute("data-status", "assigned")
    expect(booth.locator("text.exhibitor")).to_contain_text("HTX Nước mắm")
    expect(booth).to_have_attribute("data-exhibitor", "HTX Nước mắm Hưng Thịnh")
    check(page)
    page.get_by_role("button", name="Allocating booths").click()
    page.get_by_role("button", name="Plan published").click()
    expect(page.get_by_text("Plan published").first).to_be_visible()

    # The public plan shows the exhibitor; a buyer registers and books a meeting with it.
    log_in(page, base, buyer.email)
    page.goto(f"{base}/fairs/{fair.slug}/")
    expect(page.locator('svg.fair-plan .booth.assigned[data-code="A-02"]')).to_have_count(1)
    check(page)
    page.get_by_role("link", name="Business matching").click()
    check(page)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You are registered for business matching.")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Request a meeting with HTX Nước mắm Hưng Thịnh").click()
    expect(page.get_by_text("Meeting requested with HTX Nước mắm Hưng Thịnh.")).to_be_visible()
    meeting = Meeting.objects.get(fair=fair)
    assert (meeting.buyer_id, meeting.exhibitor_id, meeting.status) == (
        buyer.acting_organisation_id,
        cooperative.pk,
        "requested",
    )
    page.goto(f"{base}/fairs/meetings/")
    check(page)


def test_staff_review_check_in_and_report(page: Page, live_server):
    base = live_server.url
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, language="en")
    fair = make_fair(alliance, booths=3, programme=make_programme())
    cooperative = OrganisationFactory(name="HTX Khóm Tắc Cậu")
    services.application_submit(actor=actor_for(cooperative), fair=fair)

    log_in(page, base, staff.email)
    # The programme that pays for booths is set up on its own page.
    page.goto(f"{base}/staff/fairs/programmes/")
    page.get_by_role("link", name=fair.subsidy_programme.name).click()
    page.get_by_label("Budget (VND)").fill("900000000")
    page.get_by_role("button", name="Save the programme").click()
    expect(page.get_by_role("cell", name="900,000,000 ₫").first).to_be_visible()
    check(page)

    page.goto(f"{base}/staff/fairs/{fair.slug}/applications/")
    check(page)
    page.get_by_label("Status").select_option("submitted")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="HTX Khóm Tắc Cậu").click()
    check(page)
    page.get_by_label("Booth", exact=True).select_option(label="A-03 · Standard (3 × 3 m) · 4,000,000\u00a0₫")
    page.get_by_role("button", name="Approve and assign").click()
    expect(page.get_by_text("Booth A-03 assigned.")).to_be_visible()
    expect(page.get_by_text("1,200,000\u00a0₫")).to_be_visible()
    check(page)
    badge = Badge.objects.get(fair=fair)

    page.goto(f"{base}/staff/fairs/{fair.slug}/check-in/")
    check(page)
    page.get_by_label("Badge code").fill(badge.code)
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("#checkin-result")).to_have_text("Welcome, HTX Khóm Tắc Cậu: checked in.")
    page.get_by_label("Badge code").fill(f"ML-{badge.code}")
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("#checkin-result")).to_have_text("HTX Khóm Tắc Cậu is already checked in.")
    expect(page.locator("#checkin-count")).to_have_text("1 / 1", timeout=8000)
    check(page)

    page.goto(f"{base}/fairs/{fair.slug}/badges/")
    check(page)
    page.goto(f"{base}/staff/fairs/{fair.slug}/report/")
    check(page)
