"""A small supply world made through the services: an area of three plots drawn on the map, three
households (Bé and Lệ agreed to be named, Út did not), a season with prices, and a product to make lots of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Category, Certificate, Product
from catalog.supply import services
from catalog.supply.models import MemberHousehold, MemberKind, Plot, RawMaterialArea, Season
from market.organisations.models import Organisation, Role
from market.organisations.permissions import Actor
from tests.catalog.factories import actor_for, make_certificate, make_product

TAN_HIEP = 30850  # Xã Tân Hiệp, An Giang (91)
THANH_DONG = 30874  # Xã Thạnh Đông, An Giang


def square(west: float, south: float, side: float = 0.001) -> dict:
    ring = [[west, south], [west + side, south], [west + side, south + side], [west, south + side], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class World:
    cooperative: Organisation
    owner: Actor
    staff: Actor
    area: RawMaterialArea
    plots: list[Plot]
    households: list[MemberHousehold]
    season: Season
    product: Product
    vietgap: Certificate
    harvest: date

    @property
    def rice(self) -> Category:
        return Category.objects.get(slug="gao-thom")


def build_world(cooperative: Organisation) -> World:
    owner = actor_for(cooperative, Role.OWNER)
    today = timezone.localdate()
    vietgap = make_certificate(cooperative, number="VG-AREA-01")
    rice = Category.objects.get(slug="gao-thom")
    area = services.area_create(
        actor=owner, code="th-k8", name="Cánh đồng lớn Kênh 8", category=rice.pk, crop="Lúa OM 18",
        province_code=91, planting_area_code="VN-AG-TH-0008", certificates=[vietgap.pk],
    )  # fmt: skip
    people = [("TV-001", "Nguyễn Văn Bé", True), ("TV-002", "Trần Thị Lệ", True), ("TV-003", "Lê Văn Út", False)]
    households = [
        services.household_create(
            actor=owner, code=code, name=name, kind=MemberKind.OFFICIAL, phone="0912 345 67" + code[-1],
            province_code=91, commune_code=TAN_HIEP, name_public=consent,
        )
        for code, name, consent in people
    ]  # fmt: skip
    plots = []
    for index, household in enumerate(households):
        plot = services.plot_create(
            actor=owner, area_id=area.pk, code=f"K8-00{index + 1}", commune_code=(TAN_HIEP, THANH_DONG)[index % 2],
            hectares=Decimal("2.5"), household=household.pk,
        )  # fmt: skip
        services.plot_outline_set(actor=owner, plot_id=plot.pk, polygon=square(105.26 + index * 0.0012, 10.105))
        plots.append(Plot.objects.get(pk=plot.pk))
    harvest = today - timedelta(days=5)
    season = services.season_create(
        actor=owner,
        name="Đông Xuân 2026–2027",
        starts_on=today - timedelta(days=120),
        ends_on=today + timedelta(days=30),
    )
    services.area_season_plan(
        actor=owner, area_id=area.pk, season=season.pk, category=rice.pk, crop="Lúa OM 18",
        sowing_date=today - timedelta(days=100), expected_harvest_date=harvest, expected_yield_kg_per_ha=Decimal(7000),
    )  # fmt: skip
    services.season_price_set(actor=owner, season_id=season.pk, category=rice.pk, grade="", price_per_kg=7200)
    services.season_price_set(actor=owner, season_id=season.pk, category=rice.pk, grade="Loại 1", price_per_kg=7600)
    product = make_product(cooperative, name="Lúa tươi OM 18", unit="kg", moq="1000", order_multiple="100",
                           tiers=[("1000", 7900)], sku="LUA-OM18")  # fmt: skip
    return World(
        cooperative=cooperative, owner=owner, staff=actor_for(cooperative, Role.STAFF), area=area, plots=plots,
        households=households, season=season, product=product, vietgap=vietgap, harvest=harvest,
    )  # fmt: skip


@pytest.fixture
def world(cooperative, alliance) -> World:
    cooperative.province_code, cooperative.commune_code = 91, TAN_HIEP
    cooperative.save()
    return build_world(cooperative)


def record(world: World, index: int, kg: str, **extra) -> object:
    """An intake of household `index` from its own plot, on the harvest day."""
    fields = {"received_on": world.harvest, "grade": "Loại 1", "moisture_percent": Decimal("14.5")} | extra
    return services.intake_record(
        actor=world.staff, household=world.households[index].pk, plot=world.plots[index].pk,
        weight_kg=Decimal(kg), **fields,
    )  # fmt: skip
