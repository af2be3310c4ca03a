"""The offline map of an area: its plots' outlines projected to SVG, with the numbers machines read."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models.expressions import RawSQL

from catalog.supply import geometry
from catalog.supply.models import Plot, RawMaterialArea
from market.core import rows
from market.core.parsing import machine_number
from market.organisations.models import Organisation
from market.organisations.selectors import json_value


@dataclass(frozen=True)
class PlotShape:
    plot: Plot
    path: str  # SVG path data, machine numbers
    label_x: str
    label_y: str
    drawn_hectares: Decimal | None  # what the outline encloses, to compare with the declared hectares


@dataclass(frozen=True)
class MapView:
    shapes: list[PlotShape]
    unmapped: list[Plot]
    width: str
    height: str
    # For the outline editor: the projection's parameters, so a click becomes longitude/latitude.
    projection: geometry.Projection

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def projection_data(self) -> dict[str, str]:
        p = self.projection
        return {
            "west": machine_number(p.west, 7),
            "north": machine_number(p.north, 7),
            "scale": machine_number(p.scale, 4),
            "cos-lat": machine_number(p.cos_lat, 7),
            "margin": machine_number(p.margin, 2),
        }


def area_map(*, plots: Sequence[Plot], width: float = 1000) -> MapView:
    """Every outlined plot fitted into one drawing, north up; the plots without an outline listed apart."""
    outlined = [plot for plot in plots if plot.polygon]
    projection = geometry.projection_for([plot.polygon for plot in outlined], width=width)
    shapes = []
    for plot in outlined:
        label = geometry.label_point(plot.polygon, projection)
        assert label is not None
        shapes.append(
            PlotShape(
                plot=plot,
                path=geometry.svg_path(plot.polygon, projection),
                label_x=label[0],
                label_y=label[1],
                drawn_hectares=geometry.outline_hectares(plot.polygon),
            )
        )
    return MapView(
        shapes=shapes,
        unmapped=[plot for plot in plots if not plot.polygon],
        width=machine_number(projection.width, 2),
        height=machine_number(projection.height, 2),
        projection=projection,
    )


@dataclass(frozen=True)
class PublicArea:
    """A raw-material area as a storefront shows it: no household, no plot detail beyond the count."""

    area: RawMaterialArea
    plots: int
    hectares: Decimal


@dataclass(frozen=True)
class PublicSupply:
    areas: list[PublicArea]
    map: MapView | None  # None when no plot has an outline


# What the storefront shows of a plot (its outline on the map, its hectares) and of its area.
PUBLIC_PLOT_FIELDS = ("id", "area_id", "code", "hectares", "polygon")
PUBLIC_AREA_FIELDS = ("id", "code", "name", "crop", "province_code", "planting_area_code")


# The plots' values on the cooperative read with them (`public_plots_values`), and the column of that row they are
# read for.
PUBLIC_PLOTS = "public_plots"
_COOPERATIVE_ROW = f'"{Organisation._meta.db_table}"."id"'


@functools.cache
def _public_plots_statement(selected: str, cooperative: str) -> str:
    """A cooperative's plots by area code, code and id (`cooperative`: a parameter, or the column of the row they
    are read with): `selected` of each plot and its area. Written once per process (the ORM spent ~0.6 ms of CPU
    building the query on every storefront not kept; tests/supply/test_public_supply_reads.py compares the two)."""
    return f"""
        SELECT {selected}
          FROM {Plot._meta.db_table} p JOIN {RawMaterialArea._meta.db_table} a ON a.id = p.area_id
         WHERE a.cooperative_id = {cooperative}
         ORDER BY a.code ASC, p.code ASC, p.id ASC
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def public_plots(*, cooperative_id: int) -> list[Plot]:
    """The cooperative's plots with their areas (`plot.area`), as a storefront shows them."""
    area = rows.select_list(RawMaterialArea, "a", PUBLIC_AREA_FIELDS)
    selected = f"{rows.select_list(Plot, 'p', PUBLIC_PLOT_FIELDS)}, {area}"
    with connection.cursor() as cursor:
        cursor.execute(_public_plots_statement(selected, "%s"), [cooperative_id])
        found = cursor.fetchall()
    width = rows.width(Plot, PUBLIC_PLOT_FIELDS)
    plots = rows.instances(Plot, [row[:width] for row in found], PUBLIC_PLOT_FIELDS)
    return _with_areas(plots, rows.instances(RawMaterialArea, [row[width:] for row in found], PUBLIC_AREA_FIELDS))


def public_plots_values() -> dict[str, RawSQL]:
    """`public_plots` as a value read with the cooperative's own row (`seller_public_get(values=…)`, as the
    storefront reads its record): one statement fewer. A JSON list of [plot, area] pairs, on PostgreSQL; none
    elsewhere (`public_plots_of` then reads them in a statement of their own)."""
    if connection.vendor != "postgresql":
        return {}
    plot, area = rows.json_row(Plot, "p", PUBLIC_PLOT_FIELDS), rows.json_row(RawMaterialArea, "a", PUBLIC_AREA_FIELDS)
    listed = _public_plots_statement(f"json_build_array({plot}, {area})", _COOPERATIVE_ROW)
    # The statement is written from the models' names; it has no values.
    return {PUBLIC_PLOTS: json_value(f"to_jsonb(ARRAY({listed}))", [])}


def public_plots_of(cooperative: Organisation) -> list[Plot]:
    """The cooperative's plots, from the value read with it (`public_plots_values`) where it was, else read now."""
    listed = getattr(cooperative, PUBLIC_PLOTS, None)
    if listed is None:
        return public_plots(cooperative_id=cooperative.pk)
    plots = rows.instances_from_json(Plot, [plot for plot, _area in listed], PUBLIC_PLOT_FIELDS)
    areas = rows.instances_from_json(RawMaterialArea, [area for _plot, area in listed], PUBLIC_AREA_FIELDS)
    return _with_areas(plots, areas)


def _with_areas(plots: list[Plot], areas: list[RawMaterialArea]) -> list[Plot]:
    """The plots, each given its area (read with it)."""
    for plot, area in zip(plots, areas, strict=True):
        plot.area = area
    return plots


def public_supply(*, cooperative_id: int) -> PublicSupply:
    """A cooperative's raw-material areas with their plots' total hectares, and one map of every outlined
    plot, for its public storefront. One query; the households farming the plots are not read."""
    return _public_supply(public_plots(cooperative_id=cooperative_id))


def public_supply_of(cooperative: Organisation) -> PublicSupply:
    """`public_supply` from the plots read with the cooperative's row (`public_plots_values`) where they were, else
    read now."""
    return _public_supply(public_plots_of(cooperative))


def _public_supply(plots: list[Plot]) -> PublicSupply:
    areas: dict[int, PublicArea] = {}
    for plot in plots:
        seen = areas.get(plot.area_id)
        areas[plot.area_id] = PublicArea(
            area=plot.area,
            plots=(seen.plots if seen else 0) + 1,
            hectares=(seen.hectares if seen else Decimal(0)) + plot.hectares,
        )
    outlined = any(plot.polygon for plot in plots)
    return PublicSupply(areas=list(areas.values()), map=area_map(plots=plots, width=600) if outlined else None)
