"""Plot outlines: GeoJSON read and checked, their area, and their projection to SVG for the offline map.

Outlines are GeoJSON geometries (RFC 7946): Polygon or MultiPolygon, positions [longitude, latitude] in
WGS 84. The map projects them equirectangularly around the drawing's mean latitude: at the scale of a
commune's fields the distortion is far below what a phone's GPS reads, and it needs no tile server.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from market.core import json_input
from market.core.errors import ValidationFailed
from market.core.parsing import format_decimal, machine_number

Position = tuple[float, float]
Ring = list[Position]
PolygonRings = list[Ring]  # the outer ring first, then holes

# A rectangle around Vietnam and its islands: an outline outside it is almost always latitude and
# longitude swapped (GeoJSON writes longitude first).
VIETNAM_LON = (102.0, 118.0)
VIETNAM_LAT = (6.0, 24.0)
MAX_POSITIONS = 5000
EARTH_RADIUS_M = 6_371_008.8
COORDINATE_PLACES = 7  # about a centimetre


def _fail(message: str, field: str = "polygon") -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(_("Coordinates must be numbers: [longitude, latitude]."))
    number = float(value)
    if not math.isfinite(number):
        raise _fail(_("Coordinates must be numbers: [longitude, latitude]."))
    return number


def _ring(raw: Any) -> Ring:
    if not isinstance(raw, list):
        raise _fail(_("A polygon is a list of rings, each a list of [longitude, latitude] positions."))
    ring: Ring = []
    for position in raw:
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise _fail(_("Each position is [longitude, latitude]."))
        lon, lat = _number(position[0]), _number(position[1])
        if not (VIETNAM_LON[0] <= lon <= VIETNAM_LON[1] and VIETNAM_LAT[0] <= lat <= VIETNAM_LAT[1]):
            raise _fail(
                _(
                    "The point %(lon)s, %(lat)s is outside Vietnam. GeoJSON writes the longitude first "
                    "(about 102 to 118), then the latitude (about 6 to 24)."
                )
                % {"lon": machine_number(lon, 6), "lat": machine_number(lat, 6)}
            )
        ring.append((round(lon, COORDINATE_PLACES), round(lat, COORDINATE_PLACES)))
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])  # people drawing by hand do not close the ring; GeoJSON requires it
    if len(set(ring)) < 3:
        raise _fail(_("An outline needs at least three different corners."))
    return ring


def _polygon(raw: Any) -> PolygonRings:
    if not isinstance(raw, list) or not raw:
        raise _fail(_("A polygon is a list of rings, each a list of [longitude, latitude] positions."))
    return [_ring(ring) for ring in raw]


def read_outline(value: Any) -> dict[str, Any]:
    """A checked GeoJSON Polygon or MultiPolygon from a geometry, a Feature, or JSON text of either.

    Rings are closed, coordinates rounded to 7 decimals; anything else raises ValidationFailed."""
    if isinstance(value, str):
        try:
            value = json_input.loads(value)
        except ValueError:
            raise _fail(_("This is not GeoJSON: paste or draw the outline again.")) from None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise _fail(_("The outline must be a GeoJSON Polygon or MultiPolygon."))
    if value["type"] == "Polygon":
        polygons = [_polygon(value.get("coordinates"))]
    else:
        raw = value.get("coordinates")
        if not isinstance(raw, list) or not raw:
            raise _fail(_("A MultiPolygon is a list of polygons."))
        polygons = [_polygon(p) for p in raw]
    if sum(len(ring) for polygon in polygons for ring in polygon) > MAX_POSITIONS:
        raise _fail(_("The outline has more than %(n)s points; simplify it.") % {"n": format_decimal(MAX_POSITIONS)})
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": _as_lists(polygons[0])}
    return {"type": "MultiPolygon", "coordinates": [_as_lists(p) for p in polygons]}


def _as_lists(polygon: PolygonRings) -> list[list[list[float]]]:
    return [[[lon, lat] for lon, lat in ring] for ring in polygon]


def polygons_of(outline: dict[str, Any] | None) -> list[PolygonRings]:
    """A stored outline as a list of polygons (rings of (lon, lat) tuples)."""
    if not outline:
        return []
    raw = outline["coordinates"] if outline["type"] == "MultiPolygon" else [outline["coordinates"]]
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in raw]


def _ring_square_metres(ring: Ring) -> float:
    """Shoelace area of a ring projected equirectangularly around its own mean latitude."""
    lat0 = math.radians(sum(lat for _lon, lat in ring) / len(ring))
    k = math.pi / 180 * EARTH_RADIUS_M
    points = [(lon * k * math.cos(lat0), lat * k) for lon, lat in ring]
    twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(points))
    return abs(twice) / 2


def outline_hectares(outline: dict[str, Any] | None) -> Decimal | None:
    """The area the outline encloses, in hectares (holes subtracted), to four decimals."""
    polygons = polygons_of(outline)
    if not polygons:
        return None
    square_metres = sum(
        _ring_square_metres(polygon[0]) - sum(_ring_square_metres(hole) for hole in polygon[1:]) for polygon in polygons
    )
    return Decimal(str(round(square_metres / 10_000, 4)))


# --- the offline map -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Projection:
    """Longitude/latitude to SVG user units: north up, the drawing `width` wide with a margin."""

    west: float
    north: float
    scale: float  # SVG units per degree of latitude
    cos_lat: float
    margin: float
    width: float
    height: float

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.margin + (lon - self.west) * self.cos_lat * self.scale
        y = self.margin + (self.north - lat) * self.scale
        return x, y

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """The inverse: where a click on the drawing lands on the ground (the outline editor uses it)."""
        return self.west + (x - self.margin) / (self.cos_lat * self.scale), self.north - (y - self.margin) / self.scale


def projection_for(outlines: Iterable[dict[str, Any] | None], *, width: float = 1000, margin: float = 24) -> Projection:
    """A projection that fits every outline into the drawing (at least 200 m across, so a lone field stays readable)."""
    positions = [p for outline in outlines for polygon in polygons_of(outline) for ring in polygon for p in ring]
    if not positions:
        positions = [(105.0, 10.0)]  # nothing drawn yet: a neutral frame (the page says so)
    lons = [lon for lon, _lat in positions]
    lats = [lat for _lon, lat in positions]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    cos_lat = math.cos(math.radians((south + north) / 2))
    span = max((east - west) * cos_lat, north - south, 0.002)  # at least about 200 m across
    scale = (width - 2 * margin) / span
    height = 2 * margin + (north - south) * scale
    return Projection(west, north, scale, cos_lat, margin, width, max(height, width / 3))


def svg_path(outline: dict[str, Any] | None, projection: Projection) -> str:
    """The SVG path data of an outline: every number written for machines (a dot, never a comma)."""
    parts: list[str] = []
    for polygon in polygons_of(outline):
        for ring in polygon:
            points = [projection.point(lon, lat) for lon, lat in ring[:-1]]
            parts.append("M" + " L".join(f"{machine_number(x, 2)} {machine_number(y, 2)}" for x, y in points) + " Z")
    return " ".join(parts)


def label_point(outline: dict[str, Any] | None, projection: Projection) -> tuple[str, str] | None:
    """Where to write the plot's code: the centroid of its largest outer ring, as machine numbers."""
    polygons = polygons_of(outline)
    if not polygons:
        return None
    ring = max((polygon[0] for polygon in polygons), key=_ring_square_metres)
    points = [projection.point(lon, lat) for lon, lat in ring]
    x, y = _centroid(points)
    return machine_number(x, 2), machine_number(y, 2)


def _centroid(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    twice_area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        cross = x1 * y2 - x2 * y1
        twice_area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(twice_area) < 1e-9:
        return sum(x for x, _y in points) / len(points), sum(y for _x, y in points) / len(points)
    return cx / (3 * twice_area), cy / (3 * twice_area)


def read_feature_collection(data: bytes) -> list[tuple[str, Any]]:
    """The (plot code, geometry) pairs of an uploaded GeoJSON file. The code is the feature's property
    `code` (or `ma_thua`, `plot`, `name`); geometries are checked by `read_outline` when they are used."""
    try:
        document = json_input.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _fail(_("This file is not GeoJSON (a JSON text)."), "file") from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features") or []
    else:
        raise _fail(_("The file must hold a GeoJSON FeatureCollection of plot outlines."), "file")
    pairs: list[tuple[str, Any]] = []
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise _fail(_("Feature %(n)s is not a GeoJSON Feature.") % {"n": index}, "file")
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        code = next(
            (str(properties[key]).strip() for key in ("code", "ma_thua", "plot", "name") if properties.get(key)), ""
        )
        if not code:
            raise _fail(
                _('Feature %(n)s has no plot code: give each feature a property "code".') % {"n": index}, "file"
            )
        pairs.append((code, feature.get("geometry")))
    if not pairs:
        raise _fail(_("The file has no features."), "file")
    return pairs
