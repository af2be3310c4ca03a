"""The supply outlook, hand-checked: hectares × expected yield by category, province and harvest month, minus
what a registered source (linkage contracts) has contracted; only verified cooperatives count."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Category
from catalog.supply import services
from catalog.supply.registry import OutlookKey, register_contracted_volume, unregister_contracted_volume
from catalog.supply.selectors import supply_outlook
from catalog.supply.selectors.outlook import month_start
from market.organisations.models import OrganisationKind, VerificationStatus
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.supply.conftest import build_world

pytestmark = pytest.mark.django_db

TODAY = date(2027, 1, 10)


def _plan(world, *, harvest: date, yield_kg: str, category: str = "gao-thom") -> None:
    season = services.season_create(
        actor=world.owner, name=f"Vụ {harvest.isoformat()}", starts_on=harvest - timedelta(days=100),
        ends_on=harvest + timedelta(days=10),
    )  # fmt: skip
    services.area_season_plan(
        actor=world.owner, area_id=world.area.pk, season=season.pk, category=Category.objects.get(slug=category).pk,
        crop="x", sowing_date=harvest - timedelta(days=90), expected_harvest_date=harvest,
        expected_yield_kg_per_ha=Decimal(yield_kg),
    )  # fmt: skip


@pytest.fixture
def contracted():
    def source(*, category_ids, province_codes, months):
        rice = Category.objects.get(slug="gao-thom").pk
        return {OutlookKey(rice, 91, date(2027, 3, 1)): Decimal(20_000)}

    register_contracted_volume("test", source)
    yield
    unregister_contracted_volume("test")


def test_expected_minus_contracted_by_month_and_province(world, contracted):
    # World: 3 plots × 2.5 ha in An Giang (91). A second, unverified cooperative never counts.
    _plan(world, harvest=date(2027, 3, 5), yield_kg="7000")  # 7.5 ha × 7000 = 52 500 kg in March
    _plan(world, harvest=date(2027, 6, 20), yield_kg="350", category="tom")  # 7.5 × 350 = 2 625 kg of shrimp in June
    pending = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    unverified = build_world(pending)
    _plan(unverified, harvest=date(2027, 3, 6), yield_kg="9000")
    pending.verification_status = VerificationStatus.PENDING
    pending.save()

    outlook = supply_outlook(today=TODAY, months=12)
    assert outlook.months[0] == date(2027, 1, 1)
    assert len(outlook.months) == 12
    march = [r for r in outlook.rows if r.month == date(2027, 3, 1)]
    assert len(march) == 1
    assert march[0].expected_kg == Decimal(52_500)
    assert march[0].hectares == Decimal("7.5")
    assert march[0].cooperatives == 1
    assert march[0].plots == 3
    assert march[0].contracted_kg == Decimal(20_000)
    assert march[0].open_kg == Decimal(32_500)
    shrimp = [r for r in outlook.rows if r.category_id == Category.objects.get(slug="tom").pk]
    assert [(r.month, r.expected_kg) for r in shrimp] == [(date(2027, 6, 1), Decimal(2625))]
    assert outlook.expected_kg == Decimal(52_500 + 2625)
    # The world's own fixture season (harvest 5 days before the real today) is outside January 2027 on.
    assert all(r.month >= month_start(TODAY) for r in outlook.rows)


def test_filters_by_category_including_sub_categories_province_and_months(world):
    _plan(world, harvest=date(2027, 3, 5), yield_kg="7000")
    rice_parent = Category.objects.get(slug="gao").pk
    assert supply_outlook(today=TODAY, category=rice_parent).expected_kg == Decimal(52_500)
    assert supply_outlook(today=TODAY, category=Category.objects.get(slug="tom").pk).rows == []
    assert supply_outlook(today=TODAY, province=92).rows == []
    assert supply_outlook(today=TODAY, months=2).rows == []  # January and February only


def test_a_contract_above_the_plan_leaves_nothing_open_never_less(world, contracted):
    _plan(world, harvest=date(2027, 3, 5), yield_kg="1000")  # 7 500 kg planned, 20 000 contracted
    [row] = supply_outlook(today=TODAY).rows
    assert row.open_kg == 0


def test_the_api_and_page_give_the_same_figures(world, api, buyer):
    from tests.factories import member

    # 7.5 ha × 8000 = 60 000 kg: told apart from the world's own season (52 500 kg, harvested five days ago,
    # which is in this month's row from the 6th of a month on).
    _plan(world, harvest=timezone.localdate() + timedelta(days=40), yield_kg="8000")
    client = api(member(buyer))
    body = client.get("/api/v1/supply/outlook/?months=6").json()
    planned = [r for r in body["rows"] if r["expected_kg"] == "60000"]
    assert len(planned) == 1
    assert planned[0]["open_kg"] == "60000"
    assert client.get("/api/v1/supply/outlook/?months=99").status_code == 400
    assert actor_for(world.cooperative)  # the cooperative itself is not an outlook reader (see the matrix)
