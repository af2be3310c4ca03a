"""The drawn plan is kept in the cache under the fair's plan version (fairs.plan_version): an unchanged plan is not
drawn again, and every change a service makes — to a booth, a hall, an assignment, a fee, an exhibitor's name,
the fair's status — shows on the very next request."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fairs import services
from fairs.inputs import BoothChange, BoothSpec, PlanRow, booth_spec_of
from fairs.lifecycle import FairTransition
from fairs.models import Booth, Fair
from market.organisations import services as organisation_services
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import Organisation, User
from tests.catalog.factories import actor_for
from tests.deploys import another_deploy
from tests.factories import OrganisationFactory
from tests.fairs.factories import apply, assign, booth, hall_of, make_fair, staff_actor

pytestmark = pytest.mark.django_db
PAGES = ("frontend:fair-plan", "frontend:fair-detail", "frontend:fair-plan-svg")


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    """An open fair (its plan still editable) with three booths, A-01 held by "HTX Khóm Tắc Cậu"."""
    fair = make_fair(alliance, booths=3)
    assign(alliance, apply(OrganisationFactory(name="HTX Khóm Tắc Cậu"), fair), fair, "A-01")
    return fair


@pytest.fixture
def staff(staff_user: User) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def drawn(client: Client, fair: Fair, page: str = "frontend:fair-plan") -> str:
    response = client.get(reverse(page, args=[fair.slug]))
    assert response.status_code == 200
    return response.content.decode()


def status_of(svg: str, code: str) -> str | None:
    """The status class the plan draws booth `code` with, None when it draws no such booth."""
    found = re.search(rf'<g class="booth (\w+)" data-code="{re.escape(code)}"', svg)
    return found.group(1) if found else None


def warm(client: Client, fair: Fair) -> None:
    """Every drawing of the plan asked once, so each is in the cache before the change."""
    for page in PAGES:
        drawn(client, fair, page)


def booths_read(client: Client, fair: Fair) -> bool:
    """Whether asking for the plan read its booths (drew it) rather than taking the kept drawing."""
    with CaptureQueriesContext(connection) as queries:
        drawn(client, fair)
    return any('"fairs_booth"' in q["sql"] for q in queries.captured_queries)


def test_an_unchanged_plan_is_drawn_once_and_served_from_the_cache(staff: Client, fair: Fair):
    first = drawn(staff, fair)
    assert not booths_read(staff, fair)
    plan = re.compile(r'<svg class="fair-plan.*?</svg>', re.S)
    assert plan.search(drawn(staff, fair)).group() == plan.search(first).group()


def test_a_drawing_kept_by_one_deploy_is_drawn_again_by_the_next(staff: Client, fair: Fair, monkeypatch):
    """A deploy may change how the plan is drawn (the code, templates, translations, static names) without
    changing the plan: it must not serve the previous deploy's drawing until the next change to the plan."""
    warm(staff, fair)
    assert not booths_read(staff, fair)
    with another_deploy(monkeypatch):
        assert booths_read(staff, fair)


def test_a_booth_edited_moved_and_renamed_shows_on_the_next_request(staff: Client, fair: Fair, alliance):
    warm(staff, fair)
    subject = booth(fair, "A-02")
    spec = replace(booth_spec_of(subject), code="B-07", x=Decimal(20), blocked=True)
    services.booth_update(actor=staff_actor(alliance), booth_id=subject.pk, change=BoothChange.whole(spec))

    for page in PAGES:
        svg = drawn(staff, fair, page)
        assert status_of(svg, "A-02") is None
        assert status_of(svg, "B-07") == "blocked"
    assert re.search(r'data-code="B-07"><title>[^<]*</title><rect x="200"', drawn(staff, fair))


def test_a_booth_added_or_deleted_shows_on_the_next_request(staff: Client, fair: Fair, alliance):
    warm(staff, fair)
    actor = staff_actor(alliance)
    services.booth_create(
        actor=actor,
        fair_id=fair.pk,
        hall_id=hall_of(fair).pk,
        spec=BoothSpec(code="A-09", x=Decimal(40), y=Decimal(20)),
    )
    assert status_of(drawn(staff, fair), "A-09") == "free"

    services.booth_delete(actor=actor, booth_id=booth(fair, "A-03").pk)
    for page in PAGES:
        assert status_of(drawn(staff, fair, page), "A-03") is None


def test_a_plan_imported_and_a_hall_added_show_on_the_next_request(staff: Client, fair: Fair, alliance):
    warm(staff, fair)
    actor = staff_actor(alliance)
    services.hall_create(actor=actor, fair_id=fair.pk, name="Nhà Thủy sản", width_m=Decimal(30), depth_m=Decimal(20))
    assert ">Nhà Thủy sản</text>" in drawn(staff, fair)

    row = PlanRow(line=2, hall="Nhà Thủy sản", zone="", booth=BoothSpec(code="T-01", x=Decimal(0), y=Decimal(0)))
    services.plan_import(actor=actor, fair_id=fair.pk, rows=[row])
    assert status_of(drawn(staff, fair), "T-01") == "free"


def test_an_assignment_its_fee_and_its_release_show_on_the_next_request(staff: Client, fair: Fair, alliance):
    warm(staff, fair)
    application = apply(OrganisationFactory(name="HTX Gạo Thạnh Lợi"), fair)
    assign(alliance, application, fair, "A-02")
    svg = drawn(staff, fair)
    assert status_of(svg, "A-02") == "held"
    assert "HTX Gạo Thạnh Lợi" in svg

    services.fee_mark_paid(application_id=application.pk, fully_paid=True)  # what the payment callback calls
    assert status_of(drawn(staff, fair), "A-02") == "assigned"

    services.booth_release(actor=staff_actor(alliance), booth_id=booth(fair, "A-02").pk, reason="Đổi gian")
    svg = drawn(staff, fair)
    assert status_of(svg, "A-02") == "free"
    assert "HTX Gạo Thạnh Lợi" not in svg


def test_an_application_withdrawn_frees_its_booth_on_the_next_request(staff: Client, fair: Fair):
    warm(staff, fair)
    application = fair.applications.get()
    services.application_withdraw(actor=actor_for(application.cooperative), application_id=application.pk)

    for page in PAGES:
        svg = drawn(staff, fair, page)
        assert status_of(svg, "A-01") == "free"
        assert "Khóm Tắc Cậu" not in svg


def test_an_exhibitor_renamed_shows_its_new_name_on_the_next_request(staff: Client, fair: Fair):
    """The name is the organisations app's: no fairs service runs, and the plan still follows it."""
    warm(staff, fair)
    cooperative = fair.applications.get().cooperative
    profile = OrganisationProfile(
        name="HTX Khóm Cầu Đúc",
        legal_name=cooperative.legal_name,
        province_code=cooperative.province_code,
        tax_code=cooperative.tax_code,
    )
    organisation_services.organisation_update(
        actor=actor_for(cooperative), organisation_id=cooperative.pk, profile=profile
    )

    for page in PAGES:
        svg = drawn(staff, fair, page)
        assert "HTX Khóm Cầu Đúc" in svg
        assert "Khóm Tắc Cậu" not in svg


def test_the_plan_published_shows_the_exhibitors_to_everyone_on_the_next_request(fair: Fair, alliance):
    anonymous = Client()
    warm(anonymous, fair)
    assert "Khóm Tắc Cậu" not in drawn(anonymous, fair)
    actor = staff_actor(alliance)
    for transition in (FairTransition.CLOSE_APPLICATIONS, FairTransition.PUBLISH):
        services.fair_transition(actor=actor, fair_id=fair.pk, transition=transition)

    for page in PAGES:
        assert "HTX Khóm Tắc Cậu" in drawn(anonymous, fair, page)


def test_a_bulk_write_to_the_booths_bumps_the_plan_too(staff: Client, fair: Fair):
    """A write that bypasses save() (a data fix, a future service) cannot leave the cached plan behind."""
    warm(staff, fair)
    Booth.objects.filter(fair=fair, code="A-03").update(blocked=True)
    assert status_of(drawn(staff, fair), "A-03") == "blocked"
