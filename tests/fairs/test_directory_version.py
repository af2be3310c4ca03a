"""The fair page's exhibitor directory is kept in the cache under the directory's version
(fairs.plan_version.directory_version): an unchanged directory is not rendered again, and every write that changes
what it shows — an assignment, its release, an application withdrawn, a booth's code or zone, an exhibitor's name
or province, a showcased product renamed, delisted or published again, the plan published — shows on the very
next request. The page's queries are pinned, with the directory rendered and with it kept."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services as catalog_services
from catalog.models import Product
from fairs import services
from fairs.inputs import BoothChange, booth_spec_of
from fairs.lifecycle import FairTransition
from fairs.models import Fair, ZoneKind
from market.organisations import services as organisation_services
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import Organisation, User
from tests.catalog.factories import actor_for, make_product, product_details
from tests.deploys import another_deploy
from tests.factories import OrganisationFactory
from tests.fairs.factories import apply, assign, booth, hall_of, make_fair, staff_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def cooperative() -> Organisation:
    return OrganisationFactory(name="HTX Khóm Tắc Cậu", province_code=91)


@pytest.fixture
def product(cooperative: Organisation) -> Product:
    return make_product(cooperative, name="Khóm Tắc Cậu sấy dẻo")


@pytest.fixture
def fair(alliance: Organisation, cooperative: Organisation, product: Product) -> Fair:
    """An open fair (staff see its exhibitors; its plan is still editable) with three booths, A-01 assigned to
    "HTX Khóm Tắc Cậu", which showcases one product."""
    fair = make_fair(alliance, booths=3)
    application = apply(cooperative, fair, products=[product.pk])
    services.application_approve(actor=staff_actor(alliance), application_id=application.pk)
    assign(alliance, application, fair, "A-01")
    return fair


@pytest.fixture
def staff(staff_user: User) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def directory(client: Client, fair: Fair) -> str:
    """The fair page's `#exhibitors` section."""
    response = client.get(reverse("frontend:fair-detail", args=[fair.slug]))
    assert response.status_code == 200
    found = re.search(r'<div id="exhibitors".*?</div>', response.content.decode(), re.S)
    assert found is not None
    return found.group()


def cards(html: str) -> int:
    return html.count('<li class="card exhibitor">')


def rendered(client: Client, fair: Fair) -> bool:
    """Whether asking for the page rendered its directory (read the showcased products, as the directory's
    selector prefetches them) rather than taking the kept one."""
    with CaptureQueriesContext(connection) as queries:
        directory(client, fair)
    return any("_prefetch_related_val_application_id" in q["sql"] for q in queries.captured_queries)


def test_an_unchanged_directory_is_rendered_once_and_served_from_the_cache(staff: Client, fair: Fair):
    assert rendered(staff, fair)
    first = directory(staff, fair)
    assert "HTX Khóm Tắc Cậu" in first
    assert "Khóm Tắc Cậu sấy dẻo" in first
    assert not rendered(staff, fair)
    assert directory(staff, fair) == first


def test_a_directory_kept_by_one_deploy_is_rendered_again_by_the_next(staff: Client, fair: Fair, monkeypatch):
    directory(staff, fair)
    assert not rendered(staff, fair)
    with another_deploy(monkeypatch):
        assert rendered(staff, fair)


def test_a_booth_assigned_and_released_shows_on_the_next_request(staff: Client, fair: Fair, alliance):
    directory(staff, fair)
    newcomer = OrganisationFactory(name="HTX Gạo Thạnh Lợi")
    application = apply(newcomer, fair)
    services.application_approve(actor=staff_actor(alliance), application_id=application.pk)
    assign(alliance, application, fair, "A-02")
    html = directory(staff, fair)
    assert "HTX Gạo Thạnh Lợi" in html
    assert "A-02" in html

    services.booth_release(actor=staff_actor(alliance), booth_id=booth(fair, "A-02").pk, reason="Đổi gian")
    assert "HTX Gạo Thạnh Lợi" not in directory(staff, fair)


def test_an_application_withdrawn_leaves_the_directory_on_the_next_request(staff: Client, fair: Fair, cooperative):
    directory(staff, fair)
    application = fair.applications.get()
    services.application_withdraw(actor=actor_for(cooperative), application_id=application.pk)
    assert "HTX Khóm Tắc Cậu" not in directory(staff, fair)


def test_a_booth_renamed_and_moved_into_a_zone_shows_on_the_next_request(staff: Client, fair: Fair, alliance):
    directory(staff, fair)
    actor = staff_actor(alliance)
    zone = services.zone_create(
        actor=actor, fair_id=fair.pk, hall_id=hall_of(fair).pk, name="Khu OCOP", kind=ZoneKind.OCOP
    )
    subject = booth(fair, "A-01")
    services.booth_update(
        actor=actor, booth_id=subject.pk, change=BoothChange.whole(replace(booth_spec_of(subject), code="B-07"))
    )
    html = directory(staff, fair)
    assert "B-07" in html
    assert "A-01" not in html

    subject.refresh_from_db()
    services.booth_update(
        actor=actor, booth_id=subject.pk, change=BoothChange.whole(replace(booth_spec_of(subject), zone_id=zone.pk))
    )
    assert "Khu OCOP" in directory(staff, fair)


def test_an_exhibitor_renamed_or_moved_to_another_province_shows_on_the_next_request(
    staff: Client, fair: Fair, cooperative
):
    """The name and the province are the organisations app's: no fairs service runs."""
    before = directory(staff, fair)
    assert "An Giang" in before
    profile = OrganisationProfile(
        name="HTX Khóm Cầu Đúc",
        legal_name=cooperative.legal_name,
        province_code=96,  # Cà Mau
        tax_code=cooperative.tax_code,
    )
    organisation_services.organisation_update(
        actor=actor_for(cooperative), organisation_id=cooperative.pk, profile=profile
    )
    html = directory(staff, fair)
    assert "HTX Khóm Cầu Đúc" in html
    assert "HTX Khóm Tắc Cậu" not in html
    assert "Cà Mau" in html


def test_a_showcased_product_renamed_delisted_and_published_again_shows_on_the_next_request(
    staff: Client, fair: Fair, cooperative, product
):
    """The products are the catalogue's: no fairs service runs, and the directory still follows them."""
    directory(staff, fair)
    owner = actor_for(cooperative)
    catalog_services.product_update(
        actor=owner, product_id=product.pk, details=product_details(name="Khóm sấy dẻo Cầu Đúc")
    )
    html = directory(staff, fair)
    assert "Khóm sấy dẻo Cầu Đúc" in html
    assert "Khóm Tắc Cậu sấy dẻo" not in html

    catalog_services.product_delist(actor=owner, product_id=product.pk)
    assert "Khóm sấy dẻo Cầu Đúc" not in directory(staff, fair)

    catalog_services.product_publish(actor=owner, product_id=product.pk)
    assert "Khóm sấy dẻo Cầu Đúc" in directory(staff, fair)


def test_the_plan_published_shows_the_directory_to_everyone_on_the_next_request(fair: Fair, alliance):
    anonymous = Client()
    assert "HTX Khóm Tắc Cậu" not in directory(anonymous, fair)
    actor = staff_actor(alliance)
    for transition in (FairTransition.CLOSE_APPLICATIONS, FairTransition.PUBLISH):
        services.fair_transition(actor=actor, fair_id=fair.pk, transition=transition)
    assert "HTX Khóm Tắc Cậu" in directory(anonymous, fair)


def test_a_search_answers_its_own_matches_beside_the_kept_directory(staff: Client, fair: Fair, alliance):
    directory(staff, fair)
    other = apply(OrganisationFactory(name="HTX Gạo Thạnh Lợi"), fair)
    services.application_approve(actor=staff_actor(alliance), application_id=other.pk)
    assign(alliance, other, fair, "A-02")
    url = reverse("frontend:fair-detail", args=[fair.slug])
    answer = staff.get(url, {"q": "say deo", "partial": "exhibitors"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.startswith('<div id="exhibitors"')
    assert "HTX Khóm Tắc Cậu" in html
    assert "Thạnh Lợi" not in html
    whole = staff.get(url, {"partial": "exhibitors"}, headers={"HX-Request": "true"}).content.decode()
    assert "HTX Khóm Tắc Cậu" in whole
    assert "HTX Gạo Thạnh Lợi" in whole


def exhibitors(alliance: Organisation, fair: Fair, count: int) -> None:
    """`count` more approved exhibitors with a booth each (in a row of their own at the hall's back: booths may not
    overlap), two showcased products each."""
    for n in range(count):
        code = f"B-{n:02d}"
        services.booth_create(
            actor=staff_actor(alliance),
            fair_id=fair.pk,
            hall_id=hall_of(fair).pk,
            spec=replace(booth_spec_of(booth(fair, "A-03")), code=code, x=Decimal(n * 4), y=Decimal(36)),
        )
        cooperative = OrganisationFactory(name=f"HTX Mẫu {n}")
        products = [make_product(cooperative, name=f"Sản phẩm {n}-{i}").pk for i in range(2)]
        application = apply(cooperative, fair, products=products)
        services.application_approve(actor=staff_actor(alliance), application_id=application.pk)
        assign(alliance, application, fair, code)


@pytest.mark.parametrize("more", [0, 6])
def test_the_fair_page_reads_a_fixed_number_of_queries_however_many_exhibitors(
    fair: Fair, alliance, more: int, django_assert_max_num_queries
):
    """Published, as the public sees it: drawn and rendered afresh (first request), then kept (second)."""
    exhibitors(alliance, fair, more)
    for transition in (FairTransition.CLOSE_APPLICATIONS, FairTransition.PUBLISH):
        services.fair_transition(actor=staff_actor(alliance), fair_id=fair.pk, transition=transition)
    anonymous = Client()
    url = reverse("frontend:fair-detail", args=[fair.slug])
    with django_assert_max_num_queries(8):
        assert anonymous.get(url).status_code == 200
    with django_assert_max_num_queries(3):
        html = anonymous.get(url).content.decode()
    assert cards(directory(anonymous, fair)) == 1 + more
    if more:
        assert "Sản phẩm 0-1" in html
