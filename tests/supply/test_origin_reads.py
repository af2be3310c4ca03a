"""A lot's origins read by plain statements (catalog.supply.selectors.lot_intakes) are what the ORM's query and
prefetch read: the same intakes in the same order, with the same plots, areas, households and area certificates,
and so the same origins."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog import services as catalog_services
from catalog.models import HarvestLot
from catalog.selectors.detail_pages import public_trace_page
from catalog.selectors.detail_sql import lot_trace_row
from catalog.supply import selectors, services
from catalog.supply.models import Intake
from catalog.supply.selectors.trace import (
    AREA_FIELDS,
    HOUSEHOLD_FIELDS,
    INTAKE_FIELDS,
    PLOT_FIELDS,
    intakes_from_json,
    origins_of,
)
from market.organisations.permissions import Actor
from tests.catalog.factories import make_certificate, make_lot
from tests.frontend.test_trace_content import written_as_rendered
from tests.supply.conftest import THANH_DONG, World, record

pytestmark = pytest.mark.django_db


def _orm_intakes(lot: HarvestLot) -> list[Intake]:
    """What lot_origins read before: the ORM's query and prefetch."""
    return list(
        Intake.objects.filter(lot=lot)
        .select_related("plot__area", "household")
        .prefetch_related("plot__area__certificates")
        .order_by("plot__code", "received_on", "pk")
    )


def _values(obj: Model, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in names)


def _read(intake: Intake) -> tuple[Any, ...]:
    area = intake.plot.area
    return (
        _values(intake, INTAKE_FIELDS),
        _values(intake.plot, PLOT_FIELDS),
        _values(area, AREA_FIELDS),
        _values(intake.household, HOUSEHOLD_FIELDS),
        sorted((c.pk, c.badge_label, c.status, c.valid_from, c.valid_to) for c in area.certificates.all()),
    )


def _lot_from_two_areas(world: World) -> HarvestLot:
    """Intakes from the world's three plots (household 0 twice, days apart) and from a plot of a second area with
    no certificate; the first area also holds an OCOP certificate and one that expired before the harvest."""
    ocop = make_certificate(world.cooperative, kind="ocop", ocop_stars=4, number="OCOP-4")
    expired = make_certificate(
        world.cooperative, kind="organic", number="ORG-OLD", valid_from=world.harvest - timedelta(days=400),
        valid_to=world.harvest - timedelta(days=1),
    )  # fmt: skip
    world.area.certificates.add(ocop, expired)
    second = services.area_create(actor=world.owner, code="B", name="Bãi bồi", category=world.rice.pk, crop="Lúa",
                                  province_code=91)  # fmt: skip
    plot = services.plot_create(actor=world.owner, area_id=second.pk, code="A-0", commune_code=THANH_DONG,
                                hectares=Decimal(1), household=world.households[1].pk)  # fmt: skip
    services.plot_season_set(
        actor=world.owner, plot_id=plot.pk, season=world.season.pk, category=world.rice.pk, crop="Lúa",
        sowing_date=world.season.starts_on, expected_harvest_date=world.harvest,
        expected_yield_kg_per_ha=Decimal(6000),
    )  # fmt: skip
    intakes = [
        record(world, 0, "1250.5"),
        record(world, 0, "99.25", received_on=world.harvest - timedelta(days=2)),
        record(world, 2, "1500"),
        record(world, 1, "980"),
        services.intake_record(actor=world.staff, household=world.households[1].pk, plot=plot.pk,
                               received_on=world.harvest, weight_kg=Decimal("500")),
    ]  # fmt: skip
    return services.lot_build_from_intakes(
        actor=world.staff, intakes=[i.pk for i in intakes], product=world.product.pk, code="LT-TWO"
    )


def test_a_lots_intakes_are_the_orms_and_so_are_its_origins(world):
    lot = _lot_from_two_areas(world)
    plain = selectors.lot_intakes(lot_id=lot.pk)
    orm = _orm_intakes(lot)
    assert [_read(i) for i in plain] == [_read(i) for i in orm]
    assert len(plain) == 5
    origins = selectors.lot_origins(lot=lot)
    assert origins == origins_of(orm, harvest_date=lot.harvest_date)
    assert [(o.plot_code, o.intake_count, o.kg, o.certificates) for o in origins] == [
        ("A-0", 1, Decimal("500"), []),
        ("K8-001", 2, Decimal("1349.75"), ["OCOP 4★", "VietGAP"]),
        ("K8-002", 1, Decimal("980"), ["OCOP 4★", "VietGAP"]),
        ("K8-003", 1, Decimal("1500"), ["OCOP 4★", "VietGAP"]),
    ]


def test_a_lot_of_no_intake_has_no_origin_and_reads_once(world, django_assert_num_queries):
    lot = make_lot(world.product)
    with django_assert_num_queries(1):  # no intake: the certificates are not asked for
        assert selectors.lot_intakes(lot_id=lot.pk) == []
    assert selectors.lot_origins(lot=lot) == origins_of(_orm_intakes(lot), harvest_date=lot.harvest_date) == []


def test_the_trace_page_of_a_lot_built_from_intakes_is_written_as_rendered(world):
    """frontend.trace_content over plots and households from the database: named with consent or not, one household
    delivering twice, days apart, areas with and without certificates and a planting-area code."""
    lot = catalog_services.lot_publish(actor=world.owner, lot_id=_lot_from_two_areas(world).pk)
    found = catalog_selectors.lot_public_get(public_id=lot.public_id)
    written_as_rendered(catalog_selectors.trace_view(lot=found, actor=Actor.anonymous()))


def test_the_trace_statement_reads_the_intakes_as_lot_intakes_does(world):
    """The trace page's one statement (catalog.selectors.detail_sql, with catalog.supply.selectors.trace.intakes_json)
    reads the same intakes, so the same origins, and the page is written as the templates render it."""
    lot = catalog_services.lot_publish(actor=world.owner, lot_id=_lot_from_two_areas(world).pk)
    row = lot_trace_row(public_id=lot.public_id, on=timezone.localdate(), intakes=True)
    assert row is not None
    assert row.intakes is not None
    assert [_read(i) for i in intakes_from_json(row.intakes)] == [_read(i) for i in _orm_intakes(lot)]
    page = public_trace_page(public_id=lot.public_id, actor=Actor.anonymous())
    assert page is not None
    assert page.origins == selectors.lot_origins(lot=lot)
    written_as_rendered(page.trace, page.origins)
