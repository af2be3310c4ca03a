"""Quantities of goods with their sales unit. Mass units convert through kilograms; count units do not.

Each unit also has a base for comparing prices across units (`base_unit`, `base_units_in`): a kilogram for
mass units (a tấn holds 1,000), a litre for volumes (a 500 ml bottle holds 0.5), and the unit itself for goods
counted in pieces (a jar is compared with jars). `WHOLE_UNITS` are counted in whole pieces: nobody orders
2.5 bottles.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    TA = "ta", _("tạ (100 kg)")
    TAN = "tan", _("tấn (1,000 kg)")
    BAO_25 = "bao25", _("bao 25 kg")
    BAO_50 = "bao50", _("bao 50 kg")
    LIT = "lit", _("lít (litre)")
    THUNG = "thung", _("thùng (carton)")
    CHAI = "chai", _("chai (bottle)")
    CHAI_250 = "chai250", _("chai 250 ml (bottle)")
    CHAI_500 = "chai500", _("chai 500 ml (bottle)")
    CHAI_1L = "chai1l", _("chai 1 lít (bottle)")
    HU = "hu", _("hũ (jar)")
    HOP = "hop", _("hộp (box)")
    GOI = "goi", _("gói (pack)")
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
    Unit.LIT: "lít",
    Unit.THUNG: "thùng",
    Unit.CHAI: "chai",
    Unit.CHAI_250: "chai 250 ml",
    Unit.CHAI_500: "chai 500 ml",
    Unit.CHAI_1L: "chai 1 lít",
    Unit.HU: "hũ",
    Unit.HOP: "hộp",
    Unit.GOI: "gói",
    Unit.CAI: "cái",
}

# Litres in one unit, for liquids sold by volume or in bottles of a stated size.
LITRES_PER_UNIT: dict[str, Decimal] = {
    Unit.LIT: Decimal(1),
    Unit.CHAI_250: Decimal("0.25"),
    Unit.CHAI_500: Decimal("0.5"),
    Unit.CHAI_1L: Decimal(1),
}

# Counted in whole pieces (sacks, cartons, bottles, jars, boxes, packs, pieces); mass and litres take decimals.
WHOLE_UNITS: frozenset[str] = frozenset(
    {Unit.BAO_25, Unit.BAO_50, Unit.THUNG, Unit.CHAI, Unit.CHAI_250, Unit.CHAI_500, Unit.CHAI_1L, Unit.HU,
     Unit.HOP, Unit.GOI, Unit.CAI}
)  # fmt: skip

QUANTITY_MAX_DIGITS = 14
QUANTITY_DECIMAL_PLACES = 3
# The largest quantity a quantity column holds (99.999.999.999,999): the one bound of every quantity, so that
# what an input accepts is never refused later by a smaller bound with another reason.
MAX_QUANTITY = Decimal(10) ** (QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES) - Decimal(1).scaleb(
    -QUANTITY_DECIMAL_PLACES
)


class IncompatibleUnits(ValueError):
    pass


def is_mass_unit(unit: str) -> bool:
    return unit in KG_PER_UNIT


def base_unit(unit: str) -> str:
    """What prices of `unit` are compared in: kg for mass, lít for volume, the unit itself otherwise.

    The plain text, not the Unit member: a member in an API document (the product cards) makes the JSON
    renderer sort containers from other objects item by item (market.core.json_output)."""
    if unit in KG_PER_UNIT:
        return Unit.KG.value
    if unit in LITRES_PER_UNIT:
        return Unit.LIT.value
    return unit


def base_units_in(unit: str) -> Decimal:
    """How many base units one `unit` holds: 1000 for a tấn, 0.5 for a 500 ml bottle, 1 for a jar."""
    return KG_PER_UNIT.get(unit) or LITRES_PER_UNIT.get(unit) or Decimal(1)


def price_per_base_unit(unit_price: int, unit: str) -> int:
    """A unit price in whole đồng per base unit, rounded half up: 15.700.000 ₫/tấn -> 15.700 ₫/kg."""
    per_base = Decimal(unit_price) / base_units_in(unit)
    return int(per_base.quantize(Decimal(1), rounding=ROUND_HALF_UP))


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
