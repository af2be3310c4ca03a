"""Demo supply: three cooperatives' raw-material areas with plots drawn on the map, member households (some
not agreeing to be named), season calendars and prices, and intakes that built a published lot.

- HTX Lúa gạo Tân Hiệp: 200 ha of rice fields along Kênh 8 in 80 plots, 60 households, planned for the
  coming winter–spring season; the last harvest's intakes built lot LT-<season>-01 (its trace page goes one
  step back to three households' plots), and a few intakes still wait for a lot.
- HTX Lúa gạo Mỹ Xuyên ST25: a shrimp–rice area (rice in the rainy season, black tiger shrimp in the dry).
- HTX Hồ tiêu Phú Quốc: a pepper area at Khu Tượng with a planting-area code.

Season names and dates follow the Mekong Delta's calendar around today, so the demo always shows a harvested
season with intakes and a season still to come. Idempotent: rows are matched by their codes and names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Category, Certificate, HarvestLot, Product
from catalog.supply import services
from catalog.supply.models import Intake, MemberHousehold, MemberKind, Plot, RawMaterialArea, Season
from market.core.demo import DemoContext
from market.organisations.models import Membership, Organisation, Role
from market.organisations.permissions import Actor

METRES_PER_DEGREE = 111_320.0


def _owner(cooperative: Organisation) -> Actor:
    membership = (
        Membership.objects.filter(organisation=cooperative, role=Role.OWNER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert membership is not None, cooperative
    return Actor(user=membership.user, organisation=cooperative, role=Role.OWNER)


# --- the Mekong Delta's rice calendar ------------------------------------------------------------
@dataclass(frozen=True)
class Calendar:
    name: str
    starts_on: date
    ends_on: date
    sowing: date
    harvest: date


def _winter_spring(year: int) -> Calendar:
    """Đông Xuân: sown late November, harvested from late February."""
    return Calendar(f"Đông Xuân {year}–{year + 1}", date(year, 11, 1), date(year + 1, 4, 15),
                    date(year, 11, 25), date(year + 1, 2, 28))  # fmt: skip


def _summer_autumn(year: int) -> Calendar:
    return Calendar(f"Hè Thu {year}", date(year, 4, 1), date(year, 8, 31), date(year, 4, 20), date(year, 7, 25))


def _autumn_winter(year: int) -> Calendar:
    return Calendar(f"Thu Đông {year}", date(year, 8, 1), date(year, 12, 15), date(year, 8, 5), date(year, 11, 10))


def rice_seasons(today: date) -> tuple[Calendar, Calendar]:
    """(the last season harvested at least a week ago, the next winter–spring season not yet harvested)."""
    calendars = [make(year) for year in (today.year - 1, today.year) for make in
                 (_winter_spring, _summer_autumn, _autumn_winter)]  # fmt: skip
    harvested = max((c for c in calendars if c.harvest <= today - timedelta(days=7)), key=lambda c: c.harvest)
    coming = next(c for c in (_winter_spring(today.year - 1), _winter_spring(today.year)) if c.harvest > today)
    return harvested, coming


# --- plots drawn as a grid of fields along a canal ----------------------------------------------
def _field(west: float, south: float, width_m: float, depth_m: float) -> dict[str, object]:
    """A rectangular field `width_m` east–west by `depth_m` north–south from its south-west corner."""
    dlon = width_m / (METRES_PER_DEGREE * math.cos(math.radians(south)))
    dlat = depth_m / METRES_PER_DEGREE
    ring = [(west, south), (west + dlon, south), (west + dlon, south + dlat), (west, south + dlat), (west, south)]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}


@dataclass(frozen=True)
class AreaSpec:
    coop: str
    code: str
    name: str
    category: str
    crop: str
    commune: int
    planting_area_code: str
    certificate: str | None
    description: str
    origin: tuple[float, float]  # south-west corner (lon, lat)
    columns: int
    rows: int
    hectares: tuple[Decimal, ...]  # cycled over the plots
    depth_m: float  # fields are this long north–south; the width follows from the hectares
    plot_prefix: str
    household_prefix: str
    households: int


AREAS = (
    AreaSpec("coop_tanhiep", "TH-K8", "Cánh đồng lớn Kênh 8", "gao-thom", "Lúa Đài Thơm 8, OM 18", 30850,
             "VN-AG-TH-LUA-0008", "VietGAP-TT-2025-0142",
             "Cánh đồng lớn liên kết sản xuất lúa thơm theo VietGAP, xuống giống đồng loạt theo lịch của HTX.",
             (105.2620, 10.1050), 10, 8, (Decimal("2.3"), Decimal("2.7")), 250.0, "K8", "TH", 60),
    AreaSpec("coop_mayxuyen_st25", "MX-LT", "Vùng lúa – tôm Hòa Tú", "gao-thom", "Lúa ST25 luân canh tôm sú", 31684,
             "", "VietGAP-MX-2025-031",
             "Mùa mưa trồng lúa ST25, mùa khô nuôi tôm sú quảng canh trên cùng ruộng; "
             "không dùng thuốc bảo vệ thực vật.",
             (105.9410, 9.4520), 4, 3, (Decimal("3.0"),), 300.0, "HT", "MX", 10),
    AreaSpec("coop_phuquoc_pepper", "PQ-KT", "Vườn tiêu Khu Tượng", "ho-tieu", "Hồ tiêu Phú Quốc (tiêu Sẻ)", 31078,
             "VN-AG-PQ-TIEU-0021", None,
             "Vườn tiêu trụ sống trên đất đỏ bazan Khu Tượng, tưới nhỏ giọt, phân hữu cơ ủ tại vườn.",
             (103.9800, 10.2800), 5, 3, (Decimal("0.6"), Decimal("0.8")), 80.0, "KT", "PQ", 12),
)  # fmt: skip

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Danh", "Thạch", "Lâm", "Đặng", "Bùi", "Dương")
GIVEN = ("Văn Bé", "Thị Lệ", "Văn Út", "Thị Sa Rươl", "Văn Tám", "Thị Mai", "Văn Hai", "Thị Hồng", "Văn Tư",
         "Sóc Kha", "Thị Cẩm", "Văn Lợi", "Thị Bích", "Văn Phúc", "Thị Ngọc")  # fmt: skip


def _household_name(index: int) -> str:
    return f"{FAMILY[index % len(FAMILY)]} {GIVEN[(index * 7) % len(GIVEN)]}"


def _phone(prefix: int, index: int) -> str:
    return f"0912{prefix:02d}{index:04d}"  # Vinaphone numbers, valid for phonenumbers


def _seed_households(actor: Actor, spec: AreaSpec, serial: int, today: date) -> list[MemberHousehold]:
    cooperative = actor.organisation
    assert cooperative is not None
    households = []
    for index in range(1, spec.households + 1):
        code = f"{spec.household_prefix}-{index:03d}"
        household = MemberHousehold.objects.filter(cooperative=cooperative, code=code).first()
        if household is None:
            # Two in three agree to be named; associates are one in eight.
            consent = index % 3 != 0
            household = services.household_create(
                actor=actor,
                code=code,
                name=_household_name(index + serial * 5),
                kind=MemberKind.ASSOCIATE if index % 8 == 0 else
                MemberKind.CAPITAL_ASSOCIATE if index % 11 == 0 else MemberKind.OFFICIAL,
                phone=_phone(serial, index),
                province_code=cooperative.province_code,
                commune_code=spec.commune,
                address_line=f"Ấp {1 + index % 5}",
                joined_on=date(2018 + index % 6, 1 + index % 12, 1 + index % 27),
                name_public=consent,
                name_consent_on=today - timedelta(days=200 + index) if consent else None,
            )  # fmt: skip
        households.append(household)
    return households


def _seed_area(actor: Actor, spec: AreaSpec, households: list[MemberHousehold]) -> RawMaterialArea:
    cooperative = actor.organisation
    assert cooperative is not None
    area = RawMaterialArea.objects.filter(cooperative=cooperative, code=spec.code).first()
    if area is None:
        certificates = list(
            Certificate.objects.filter(cooperative=cooperative, number=spec.certificate).values_list("pk", flat=True)
        )
        area = services.area_create(
            actor=actor, code=spec.code, name=spec.name, category=Category.objects.get(slug=spec.category).pk,
            crop=spec.crop, province_code=cooperative.province_code, planting_area_code=spec.planting_area_code,
            description=spec.description, certificates=certificates,
        )  # fmt: skip
    west, south = spec.origin
    number = 0
    for row in range(spec.rows):
        x = west
        for _column in range(spec.columns):
            hectares = spec.hectares[number % len(spec.hectares)]
            width = float(hectares) * 10_000 / spec.depth_m
            code = f"{spec.plot_prefix}-{number + 1:03d}"
            farmer = households[number % len(households)]
            plot = Plot.objects.filter(area=area, code=code).first()
            if plot is None:
                plot = services.plot_create(actor=actor, area_id=area.pk, code=code, commune_code=spec.commune,
                                            hectares=hectares, household=farmer.pk)  # fmt: skip
                south_edge = south + row * (spec.depth_m + 12) / METRES_PER_DEGREE  # a 12 m bank between rows
                services.plot_outline_set(
                    actor=actor, plot_id=plot.pk, polygon=_field(x, south_edge, width, spec.depth_m)
                )
            x += (width + 4) / (METRES_PER_DEGREE * math.cos(math.radians(south)))  # 4 m dykes between fields
            number += 1
    return area


def _season(actor: Actor, calendar: Calendar) -> Season:
    cooperative = actor.organisation
    season = Season.objects.filter(cooperative=cooperative, name=calendar.name).first()
    if season is None:
        season = services.season_create(
            actor=actor, name=calendar.name, starts_on=calendar.starts_on, ends_on=calendar.ends_on
        )
    return season


def _plan(actor: Actor, area: RawMaterialArea, season: Season, calendar: Calendar, category: str, crop: str,
          yield_kg: str) -> None:  # fmt: skip
    services.area_season_plan(
        actor=actor, area_id=area.pk, season=season.pk, category=Category.objects.get(slug=category).pk, crop=crop,
        sowing_date=calendar.sowing, expected_harvest_date=calendar.harvest, expected_yield_kg_per_ha=Decimal(yield_kg),
    )  # fmt: skip


# --- Tân Hiệp: the harvested season's intakes and the lot they built -----------------------------
PADDY_SKU = "TH-LUA-DT8"


def _paddy_product(actor: Actor) -> Product:
    product = Product.objects.filter(cooperative=actor.organisation, sku=PADDY_SKU).first()
    if product is None:
        product = catalog_services.product_create(
            actor=actor,
            data={
                "sku": PADDY_SKU,
                "category": "gao-thom",
                "name_vi": "Lúa tươi Đài Thơm 8 (thu mua tại ruộng)",
                "name_en": "Fresh Dai Thom 8 paddy (bought at the field)",
                "description_vi": "Lúa tươi của hộ thành viên vùng Kênh 8, cân và đo độ ẩm tại ruộng, "
                "giao cho nhà máy.",
                "unit": "tan",
                "moq": "10",
                "order_multiple": "1",
                "vat_category": "khong-chiu-thue",
                "origin_note": "Cánh đồng lớn Kênh 8",
            },
            tiers=[{"min_quantity": "10", "unit_price": 7600000}, {"min_quantity": "100", "unit_price": 7450000}],
        )
        product = catalog_services.product_publish(actor=actor, product=product)
    return product


def _seed_intakes(actor: Actor, area: RawMaterialArea, season: Season, calendar: Calendar) -> None:
    """Forty households delivered fresh paddy over the harvest; the first three's built a published lot."""
    if Intake.objects.filter(season=season).exists():
        return
    category = Category.objects.get(slug="gao-thom").pk
    services.season_price_set(actor=actor, season_id=season.pk, category=category, grade="", price_per_kg=7200)
    services.season_price_set(actor=actor, season_id=season.pk, category=category, grade="Loại 1", price_per_kg=7600)
    services.season_price_set(actor=actor, season_id=season.pk, category=category, grade="Loại 2", price_per_kg=7300)
    plots = list(area.plots.select_related("household").order_by("code")[:40])
    intakes = []
    for index, plot in enumerate(plots):
        assert plot.household_id is not None
        intakes.append(
            services.intake_record(
                actor=actor,
                household=plot.household_id,
                plot=plot.pk,
                received_on=calendar.harvest + timedelta(days=index % 9),
                weight_kg=(Decimal(15_200 + (index * 337) % 2_100) * plot.hectares / Decimal("2.5")).quantize(
                    Decimal(1)
                ),
                grade="Loại 1" if index % 3 else "Loại 2",
                moisture_percent=Decimal("24.5") - Decimal(index % 5) / 2,
                impurity_percent=Decimal("1.5") + Decimal(index % 3) / 2,
                unit_price=7800 if index == 7 else None,  # one bargained its own price
            )
        )
    product = _paddy_product(actor)
    code = f"LT-{season.name.split()[-1][:4]}-01".upper()
    if not HarvestLot.objects.filter(product=product, code=code).exists():
        lot = services.lot_build_from_intakes(
            actor=actor, intakes=[i.pk for i in intakes[:3]], product=product.pk, code=code
        )
        services.lot_build_from_intakes(actor=actor, intakes=[i.pk for i in intakes[3:30]], lot=lot.pk)
        catalog_services.lot_publish(actor=actor, lot=lot)


def seed_supply(context: DemoContext) -> None:
    today = timezone.localdate()
    harvested, coming = rice_seasons(today)
    for serial, spec in enumerate(AREAS, start=1):
        actor = _owner(context.objects[spec.coop])
        households = _seed_households(actor, spec, serial, today)
        area = _seed_area(actor, spec, households)
        if spec.coop == "coop_tanhiep":
            past = _season(actor, harvested)
            _plan(actor, area, past, harvested, "gao-thom", "Lúa Đài Thơm 8", "6800")
            _plan(actor, area, _season(actor, coming), coming, "gao-thom", "Lúa Đài Thơm 8", "7200")
            _seed_intakes(actor, area, past, harvested)
        elif spec.coop == "coop_mayxuyen_st25":
            year = today.year
            rice = Calendar(f"Vụ lúa ST25 {year}–{year + 1}", date(year, 8, 1), date(year + 1, 1, 31),
                            date(year, 8, 20), date(year + 1, 1, 5))  # fmt: skip
            shrimp = Calendar(f"Vụ tôm {year + 1}", date(year + 1, 2, 1), date(year + 1, 7, 31),
                              date(year + 1, 2, 15), date(year + 1, 6, 20))  # fmt: skip
            _plan(actor, area, _season(actor, rice), rice, "gao-thom", "Lúa ST25", "5200")
            _plan(actor, area, _season(actor, shrimp), shrimp, "tom", "Tôm sú quảng canh", "350")
        else:
            pepper = Calendar(f"Niên vụ tiêu {today.year + 1}", date(today.year + 1, 1, 1), date(today.year + 1, 5, 31),
                              date(today.year - 4, 6, 1), date(today.year + 1, 3, 15))  # fmt: skip
            _plan(actor, area, _season(actor, pepper), pepper, "ho-tieu", "Hồ tiêu (tiêu đen)", "2800")
    hectares = sum((p.hectares for p in Plot.objects.filter(area__code__in=[a.code for a in AREAS])), Decimal(0))
    context.notes.append(
        f"Supply: {len(AREAS)} raw-material areas, {hectares.normalize():f} ha of plots on the map, "
        f"{MemberHousehold.objects.count()} member households, {Intake.objects.count()} intakes."
    )
