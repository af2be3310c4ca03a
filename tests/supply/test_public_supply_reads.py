"""The plots a storefront shows (catalog.supply.selectors.public_plots), read by a plain statement, are what the
ORM's query read: the same plots in the same order, with the same fields of theirs and of their areas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from catalog.supply import selectors, services
from catalog.supply.models import Plot
from catalog.supply.selectors.maps import PUBLIC_AREA_FIELDS, PUBLIC_PLOT_FIELDS
from market.organisations.selectors import seller_public_get
from tests.supply.conftest import TAN_HIEP, World, build_world

pytestmark = pytest.mark.django_db


def _orm(cooperative_id: int) -> list[Plot]:
    """What public_supply read before: the ORM's query."""
    return list(
        Plot.objects.filter(area__cooperative_id=cooperative_id)
        .select_related("area")
        .only(
            "id", "code", "hectares", "polygon", "area__id", "area__code", "area__name", "area__crop",
            "area__province_code", "area__planting_area_code",
        )
        .order_by("area__code", "code", "id")
    )  # fmt: skip


def _read(plot: Plot) -> tuple[Any, ...]:
    return (
        tuple(getattr(plot, name) for name in PUBLIC_PLOT_FIELDS),
        tuple(getattr(plot.area, name) for name in PUBLIC_AREA_FIELDS),
    )


def _second_area(world: World) -> None:
    """An area whose code sorts first, with two plots drawn on no map (codes out of their creation order)."""
    area = services.area_create(actor=world.owner, code="A", name="Bãi bồi", category=world.rice.pk, crop="Lúa",
                                province_code=91)  # fmt: skip
    for code in ("A-2", "A-1"):
        services.plot_create(actor=world.owner, area_id=area.pk, code=code, commune_code=TAN_HIEP,
                             hectares=Decimal("1.25"))  # fmt: skip


def test_the_public_plots_are_the_orms(world, other_cooperative):
    _second_area(world)
    build_world(other_cooperative)
    for cooperative in (world.cooperative, other_cooperative):
        plain = selectors.public_plots(cooperative_id=cooperative.pk)
        assert [_read(p) for p in plain] == [_read(p) for p in _orm(cooperative.pk)]
    supply = selectors.public_supply(cooperative_id=world.cooperative.pk)
    assert [(a.area.code, a.plots, a.hectares) for a in supply.areas] == [
        ("A", 2, Decimal("2.5")), ("TH-K8", 3, Decimal("7.5"))
    ]  # fmt: skip
    assert supply.map is not None
    assert [shape.plot.code for shape in supply.map.shapes] == ["K8-001", "K8-002", "K8-003"]
    assert [plot.code for plot in supply.map.unmapped] == ["A-1", "A-2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="read with the cooperative's row on PostgreSQL only")
def test_the_public_plots_read_with_the_cooperative_are_the_orms(world, other_cooperative):
    """As the storefront reads them: a value of the cooperative's own row (`public_plots_values`), then instances
    (`public_plots_of`), outlines (JSON) and hectares (decimals) included; and the same supply on the map."""
    _second_area(world)
    build_world(other_cooperative)
    for cooperative in (world.cooperative, other_cooperative):
        read_with = seller_public_get(organisation_id=cooperative.pk, values=selectors.public_plots_values())
        listed = selectors.public_plots_of(read_with)
        assert [_read(p) for p in listed] == [_read(p) for p in _orm(cooperative.pk)]
        assert [p.polygon for p in listed if p.polygon]  # the outlines were read
    read_with = seller_public_get(organisation_id=world.cooperative.pk, values=selectors.public_plots_values())
    assert selectors.public_supply_of(read_with) == selectors.public_supply(cooperative_id=world.cooperative.pk)
