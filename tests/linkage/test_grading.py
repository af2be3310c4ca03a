"""Grading by the contract's table: exact in whole đồng, never negative, never better for worse quality;
the demo contract's table gives the figures checked by hand."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.grading import Band, MissingMeasurement, grade
from linkage.models import LOWER_IS_WORSE, Effect, Measure
from tests.linkage.factories import RICE_TABLE

D = Decimal


@pytest.mark.parametrize(
    ("gross", "measured", "deduction", "net", "price", "amount"),
    [
        # 0,5 point above 14 % in the first band: 0,6 kg per 100 kg of 12.500 kg.
        ("12500", {"moisture": "14.5", "impurities": "1.5", "unfilled": "3"}, "75", "12425", 7000, 86_975_000),
        # 3 points at 1,2 + 1 point at 1,5 (moisture 18 %) + 1 point of impurities = 6,1 kg per 100 kg;
        # 2 points of unfilled grains above 5 % at 50 ₫ = 100 ₫ off 7.000 ₫.
        ("20000", {"moisture": "18", "impurities": "3", "unfilled": "7"}, "1220", "18780", 6900, 129_582_000),
        # 3 × 1,2 + 3 × 1,5 + 1,3 × 2 = 10,7 kg per 100 kg of 9.876,5 kg = 1.056,7855 → 1.056,786 kg;
        # 0,5 point of unfilled grains = 25 ₫; 8.819,714 kg × 6.975 ₫ = 61.517.505,15 → 61.517.505 ₫.
        ("9876.5", {"moisture": "21.3", "impurities": "2", "unfilled": "5.5"}, "1056.786", "8819.714", 6975,
         61_517_505),
        # Dry and clean: nothing deducted.
        ("30000", {"moisture": "13.2", "impurities": "0.8", "unfilled": "1"}, "0", "30000", 7000, 210_000_000),
    ],
)  # fmt: skip
def test_the_demo_rice_table_gives_the_hand_checked_figures(gross, measured, deduction, net, price, amount):
    graded = grade(
        bands=RICE_TABLE,
        measurements={key: D(value) for key, value in measured.items()},
        gross=D(gross),
        base_price=7000,
    )
    assert graded.deduction == D(deduction)
    assert graded.net == D(net)
    assert graded.unit_price == price
    assert graded.amount == amount


def test_a_measure_the_table_reads_must_be_measured():
    with pytest.raises(MissingMeasurement) as missing:
        grade(bands=RICE_TABLE, measurements={"moisture": D(15)}, gross=D(1000), base_price=7000)
    assert missing.value.measure == Measure.IMPURITIES


def test_density_is_worse_when_lower():
    band = Band(Measure.DENSITY, D(550), D(500), Effect.PRICE, D(100))
    assert band.points(D(560)) == 0
    assert band.points(D(540)) == 10
    assert band.points(D(480)) == 50  # the band stops at 500 g/l


# --- properties ----------------------------------------------------------------------------------
def _decimal(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def bands(draw: st.DrawFn) -> Band:
    measure = draw(st.sampled_from(list(Measure)))
    effect = draw(st.sampled_from(list(Effect)))
    threshold = draw(_decimal("0", "600", 2))
    width = draw(st.none() | _decimal("0.01", "50", 2))
    limit = None if width is None else (threshold - width if measure in LOWER_IS_WORSE else threshold + width)
    rate = draw(_decimal("0", "5", 3) if effect == Effect.WEIGHT else _decimal("0", "800", 2))
    return Band(measure, threshold, limit, effect, rate)


measurements = st.fixed_dictionaries({m.value: _decimal("0", "700", 2) for m in Measure})


@settings(max_examples=400, deadline=None)
@given(
    table=st.lists(bands(), max_size=6),
    measured=measurements,
    gross=_decimal("0.001", "100000", 3),
    base_price=st.integers(min_value=0, max_value=60_000),
    worse_measure=st.sampled_from(list(Measure)),
    step=_decimal("0.01", "40", 2),
)
def test_graded_price_is_exact_never_negative_and_never_rises_as_quality_falls(
    table, measured, gross, base_price, worse_measure, step
):
    graded = grade(bands=table, measurements=measured, gross=gross, base_price=base_price)
    assert isinstance(graded.unit_price, int)
    assert isinstance(graded.amount, int)
    assert 0 <= graded.unit_price <= base_price
    assert graded.unit_price == base_price - graded.price_adjustment
    assert 0 <= graded.deduction <= gross
    assert graded.net == gross - graded.deduction
    exact = (graded.net * graded.unit_price).quantize(D(1), rounding=ROUND_HALF_UP)
    assert graded.amount == int(exact) >= 0

    worse = dict(measured)
    worse[worse_measure] += -step if worse_measure in LOWER_IS_WORSE else step
    poorer = grade(bands=table, measurements=worse, gross=gross, base_price=base_price)
    assert poorer.unit_price <= graded.unit_price
    assert poorer.net <= graded.net
    assert poorer.amount <= graded.amount
