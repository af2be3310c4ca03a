"""The offline map of an area: its plots' outlines projected to SVG, with the numbers machines read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from catalog.supply import geometry
from catalog.supply.models import Plot, RawMaterialArea
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


def public_supply(*, cooperative_id: int) -> PublicSupply:
    """A cooperative's raw-material areas with their plots' total hectares, and one map of every outlined
    plot, for its public storefront. One query; the households farming the plots are not read."""
    plots = list(
        Plot.objects.filter(area__cooperative_id=cooperative_id)
        .select_related("area")
        .only(
            "id", "code", "hectares", "polygon", "area__id", "area__code", "area__name", "area__crop",
            "area__province_code", "area__planting_area_code",
        )
        .order_by("area__code", "code", "id")
    )  # fmt: skip
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
