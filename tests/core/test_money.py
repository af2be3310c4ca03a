from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.core.money import CurrencyMismatch, Money, percent_of, sum_money, to_minor_units


def test_vnd_is_never_multiplied_by_100_for_providers():
    assert to_minor_units(Money.vnd(1_500_000)) == 1_500_000


def test_two_decimal_currency_uses_cents():
    assert to_minor_units(Money(Decimal("12.34"), "USD")) == 1234


@given(st.integers(min_value=0, max_value=10**15))
def test_vnd_minor_units_round_trip(amount):
    money = Money.vnd(amount)
    assert to_minor_units(money) == amount
    assert Money.from_minor_units(to_minor_units(money), "VND") == money


def test_vnd_rounds_half_up_to_whole_dong():
    assert Money(Decimal("1500.5"), "VND").amount == Decimal(1501)
    assert Money(Decimal("1500.4"), "VND").amount == Decimal(1500)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money(1.5, "VND")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.vnd(100) * 1.1  # type: ignore[operator]


def test_currencies_do_not_mix():
    with pytest.raises(CurrencyMismatch):
        Money.vnd(1) + Money(Decimal(1), "USD")


def test_billions_of_dong_stay_exact():
    line = Money.vnd(18_500) * Decimal("250000.125")  # 250 tonnes at 18.500 ₫/kg
    assert line == Money.vnd(4_625_002_313)
    assert sum_money([line, line]) == Money.vnd(9_250_004_626)


def test_percent_of_rounds_to_dong():
    assert percent_of(Money.vnd(1_005_000), Decimal(8)) == Money.vnd(80_400)
    assert percent_of(Money.vnd(999), Decimal(5)) == Money.vnd(50)


def test_unknown_currency_is_rejected():
    with pytest.raises(ValueError, match="Unsupported currency"):
        Money(Decimal(1), "XYZ")
