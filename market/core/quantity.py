"""Quantities of goods with their sales unit. Mass units convert through kilograms; count units do not."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    TA = "ta", _("tạ (100 kg)")
    TAN = "tan", _("tấn (1,000 kg)")
    BAO_25 = "bao25", _("bao 25 kg")
    BAO_50 = "bao50", _("bao 50 kg")
    THUNG = "thung", _("thùng (carton)")
    CHAI = "chai", _("chai (bottle)")
    CAI = "cai", _("cái (piece)")


# Kilograms in one unit, for the units that measure mass. A sack (bao) is counted but has a fixed mass.
KG_PER_UNIT: dict[str, Decimal] = {
    Unit.KG: Decimal(1),
    Unit.TA: Decimal(100),
    Unit.TAN: Decimal(1000),
    Unit.BAO_25: Decimal(25),
    Unit.BAO_50: Decimal(50),
}

# Short labels printed next to numbers (the choice labels above explain; these are what a label shows).
UNIT_SYMBOLS: dict[str, str] = {
    Unit.KG: "kg",
    Unit.TA: "tạ",
    Unit.TAN: "tấn",
    Unit.BAO_25: "bao 25 kg",
    Unit.BAO_50: "bao 50 kg",
    Unit.THUNG: "thùng",
    Unit.CHAI: "chai",
    Unit.CAI: "cái",
}

QUANTITY_MAX_DIGITS = 14
QUANTITY_DECIMAL_PLACES = 3


class IncompatibleUnits(ValueError):
    pass


def is_mass_unit(unit: str) -> bool:
    return unit in KG_PER_UNIT


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Convert a quantity between mass units: convert(Decimal("9.86"), "tan", "kg") == 9860."""
    if from_unit == to_unit:
        return Decimal(value)
    if not (is_mass_unit(from_unit) and is_mass_unit(to_unit)):
        raise IncompatibleUnits(f"Cannot convert {from_unit} to {to_unit}")
    return Decimal(value) * KG_PER_UNIT[from_unit] / KG_PER_UNIT[to_unit]


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        if isinstance(self.value, float):
            raise TypeError("Quantity never takes a float.")
        if self.unit not in Unit.values:
            raise ValueError(f"Unknown unit: {self.unit!r}")
        object.__setattr__(self, "value", Decimal(self.value))

    def to(self, unit: str) -> Quantity:
        return Quantity(convert(self.value, self.unit, unit), unit)

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.value + other.to(self.unit).value, self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.value - other.to(self.unit).value, self.unit)

    def __str__(self) -> str:
        return f"{self.value.normalize():f} {UNIT_SYMBOLS[self.unit]}"
