"""Outlines: GeoJSON read strictly (longitude first, rings closed), their hectares, and SVG for the map."""

import json
from decimal import Decimal

import pytest
from django.utils import translation

from catalog.supply import geometry
from market.core.errors import ValidationFailed

# About 100 m × 100 m at Tân Hiệp (10.1° N): one hectare.
SIDE_LON = 100 / (111_320 * 0.98451)  # cos(10.1°) ≈ 0.98451
SIDE_LAT = 100 / 111_320
HECTARE = [[105.26, 10.1], [105.26 + SIDE_LON, 10.1], [105.26 + SIDE_LON, 10.1 + SIDE_LAT], [105.26, 10.1 + SIDE_LAT]]


def test_an_open_ring_is_closed_and_its_area_is_right():
    outline = geometry.read_outline({"type": "Polygon", "coordinates": [HECTARE]})
    ring = outline["coordinates"][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 5
    assert abs(geometry.outline_hectares(outline) - Decimal(1)) < Decimal("0.005")


def test_a_hole_is_subtracted_and_a_feature_or_json_text_is_accepted():
    small = [[105.2601, 10.1001], [105.2602, 10.1001], [105.2602, 10.1002], [105.2601, 10.1002], [105.2601, 10.1001]]
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [HECTARE, small]}}
    with_hole = geometry.outline_hectares(geometry.read_outline(feature))
    text = json.dumps({"type": "Polygon", "coordinates": [HECTARE]})
    without = geometry.outline_hectares(geometry.read_outline(text))
    assert with_hole < without


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"type": "Polygon", "coordinates": [[[10.1, 105.26], [10.2, 105.26], [10.2, 105.3]]]}, "outside Vietnam"),
        ({"type": "Point", "coordinates": [105.2, 10.1]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[[105.2, 10.1], [105.3, 10.1], [105.2, 10.1]]]}, "three different"),
        ({"type": "Polygon", "coordinates": [[["105", 10.1], [105.3, 10.1], [105.3, 10.2]]]}, "must be numbers"),
        ("not json", "not GeoJSON"),
    ],
)
def test_bad_outlines_are_refused_with_a_message_that_says_why(value, message):
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        geometry.read_outline(value)
    assert message in error.value.fields["polygon"][0]


def test_svg_numbers_are_never_localised():
    outline = geometry.read_outline({"type": "Polygon", "coordinates": [HECTARE]})
    with translation.override("vi"):
        projection = geometry.projection_for([outline])
        path = geometry.svg_path(outline, projection)
        label = geometry.label_point(outline, projection)
    assert path.startswith("M") and path.endswith("Z")  # noqa: PT018
    assert "," not in path
    numbers = path.replace("M", " ").replace("L", " ").replace("Z", " ").split()
    assert all(float(n) >= 0 for n in numbers)
    assert "." in "".join(numbers)
    assert label is not None and "," not in label[0]  # noqa: PT018
    # The inverse projection lands back on the corner.
    x, y = projection.point(*HECTARE[0])
    lon, lat = projection.lonlat(x, y)
    assert abs(lon - HECTARE[0][0]) < 1e-9
    assert abs(lat - HECTARE[0][1]) < 1e-9


def test_a_feature_collection_gives_codes_and_geometries():
    data = (
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"ma_thua": "K8-001"},'
        b' "geometry": {"type": "Polygon", "coordinates": [[[105.26, 10.1], [105.261, 10.1], [105.261, 10.101]]]}}]}'
    )
    [(code, raw)] = geometry.read_feature_collection(data)
    assert code == "K8-001"
    assert raw["type"] == "Polygon"
    with pytest.raises(ValidationFailed):
        geometry.read_feature_collection(b'{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
