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
