from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.core.quantity import IncompatibleUnits, Quantity, Unit, convert


def test_tan_to_kg():
    assert convert(Decimal("9.86"), Unit.TAN, Unit.KG) == Decimal("9860")


def test_ta_to_tan():
    assert convert(Decimal(25), Unit.TA, Unit.TAN) == Decimal("2.5")


def test_sacks_convert_by_their_mass():
    assert convert(Decimal(40), Unit.BAO_25, Unit.TAN) == Decimal(1)
    assert convert(Decimal(3), Unit.BAO_50, Unit.TA) == Decimal("1.5")


def test_count_units_do_not_convert_to_mass():
    with pytest.raises(IncompatibleUnits):
        convert(Decimal(1), Unit.THUNG, Unit.KG)
    with pytest.raises(IncompatibleUnits):
        convert(Decimal(1), Unit.CHAI, Unit.CAI)


@given(st.decimals(min_value=0, max_value=10**9, places=3), st.sampled_from([Unit.KG, Unit.TA, Unit.TAN]))
def test_mass_round_trip_through_kg(value, unit):
    assert convert(convert(value, unit, Unit.KG), Unit.KG, unit) == value


def test_quantity_arithmetic_across_units():
    assert Quantity(Decimal(10), Unit.TAN) - Quantity(Decimal(140), Unit.KG) == Quantity(Decimal("9.86"), Unit.TAN)


def test_quantity_text():
    assert str(Quantity(Decimal("9.860"), Unit.TAN)) == "9.86 tấn"
    assert str(Quantity(Decimal(2), Unit.BAO_50)) == "2 bao 50 kg"


def test_quantity_refuses_floats_and_unknown_units():
    with pytest.raises(TypeError):
        Quantity(1.5, Unit.KG)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Unknown unit"):
        Quantity(Decimal(1), "pound")


@pytest.mark.parametrize(
    ("unit", "price", "per_base", "base"),
    [
        (Unit.TAN, 15_700_000, 15_700, Unit.KG),
        (Unit.KG, 29_000, 29_000, Unit.KG),
        (Unit.BAO_50, 1_650_000, 33_000, Unit.KG),
        (Unit.CHAI_500, 45_000, 90_000, Unit.LIT),
        (Unit.LIT, 80_000, 80_000, Unit.LIT),
        (Unit.HU, 120_000, 120_000, Unit.HU),
    ],
)
def test_prices_compare_per_base_unit(unit, price, per_base, base):
    from market.core.quantity import base_unit, price_per_base_unit

    assert base_unit(unit) == base
    assert price_per_base_unit(price, unit) == per_base


def test_jars_boxes_packs_and_bottles_are_counted_whole_and_litres_are_not():
    from market.core.quantity import UNIT_SYMBOLS, WHOLE_UNITS

    assert {Unit.HU, Unit.HOP, Unit.GOI, Unit.CHAI_500, Unit.CHAI_1L} <= WHOLE_UNITS
    assert Unit.LIT not in WHOLE_UNITS
    assert Unit.KG not in WHOLE_UNITS
    assert UNIT_SYMBOLS[Unit.CHAI_1L] == "chai 1 lít"
    assert set(UNIT_SYMBOLS) == set(Unit.values)


def test_the_base_unit_is_plain_text():
    from market.core.quantity import base_unit

    # A Unit member in the product cards would make the JSON renderer sort that level item by item.
    assert type(base_unit(Unit.TAN)) is str
    assert type(base_unit(Unit.CHAI_500)) is str
