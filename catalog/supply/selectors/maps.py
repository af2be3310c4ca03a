"""The offline map of an area: its plots' outlines projected to SVG, with the numbers machines read."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from catalog.supply import geometry
from catalog.supply.models import Plot, RawMaterialArea
from market.core import rows
from market.core.parsing import machine_number


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


@functools.cache
def _public_plots_statement() -> str:
    """A cooperative's plots by area code, code and id, each with its area: written once per process (the ORM
    spent ~0.6 ms of CPU building the query on every storefront not kept; tests/supply/test_public_supply_reads.py
    compares the two)."""
    return f"""
        SELECT {rows.select_list(Plot, "p", PUBLIC_PLOT_FIELDS)},
               {rows.select_list(RawMaterialArea, "a", PUBLIC_AREA_FIELDS)}
          FROM {Plot._meta.db_table} p JOIN {RawMaterialArea._meta.db_table} a ON a.id = p.area_id
         WHERE a.cooperative_id = %s
         ORDER BY a.code ASC, p.code ASC, p.id ASC
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def public_plots(*, cooperative_id: int) -> list[Plot]:
    """The cooperative's plots with their areas (`plot.area`), as a storefront shows them."""
    with connection.cursor() as cursor:
        cursor.execute(_public_plots_statement(), [cooperative_id])
        found = cursor.fetchall()
    width = rows.width(Plot, PUBLIC_PLOT_FIELDS)
    plots = rows.instances(Plot, [row[:width] for row in found], PUBLIC_PLOT_FIELDS)
    areas = rows.instances(RawMaterialArea, [row[width:] for row in found], PUBLIC_AREA_FIELDS)
    for plot, area in zip(plots, areas, strict=True):
        plot.area = area
    return plots


def public_supply(*, cooperative_id: int) -> PublicSupply:
    """A cooperative's raw-material areas with their plots' total hectares, and one map of every outlined
    plot, for its public storefront. One query; the households farming the plots are not read."""
    plots = public_plots(cooperative_id=cooperative_id)
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
