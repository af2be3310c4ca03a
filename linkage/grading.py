"""Grading a delivery by the contract's table, exactly: the weight deducted and the unit price it pays.

Each band (a `GradingRule`) counts the points a measure is worse than its threshold, up to its limit: 15,5 %
moisture against "above 14 % up to 17 %" is 1,5 points. A weight band deducts `rate` kg per 100 kg per
point; a price band takes `rate` đồng per unit per point off the contract price. Bands add up.

- Weight: deducted = gross × (Σ kg per 100 kg) / 100, rounded half-up to the unit's third decimal (a gram of
  a kilogram, a kilogram of a tấn), never more than the gross; accepted = gross − deducted.
- Price: deduction = Σ rate × points rounded half-up to whole đồng; unit price = contract price − deduction,
  never below zero.
- Amount = accepted × unit price, rounded half-up to whole đồng (as every order line).

Rates are never negative and points never shrink as the quality falls, so neither the accepted weight, the
unit price nor the amount ever rises as the quality falls; rounding half-up keeps that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from linkage.models import LOWER_IS_WORSE, Effect
from orders.totals import line_amount

QUANTUM = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class DeliveryDetails:
    """What the gate writes down for a delivery: the scale's gross weight and the meters' readings that grading
    takes, and the paperwork (linkage.inputs.delivery_details reads them from a DeliveryInput)."""

    received_on: date
    gross_quantity: Decimal
    measurements: Mapping[str, Decimal]
    weigh_ticket: str = ""
    vehicle: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Band:
    measure: str
    threshold: Decimal
    limit: Decimal | None
    effect: str
    rate: Decimal

    def points(self, value: Decimal) -> Decimal:
        """How far `value` is worse than the threshold, within this band (zero when it is not)."""
        if self.measure in LOWER_IS_WORSE:
            floor = self.limit if self.limit is not None else Decimal("-Infinity")
            worst = max(value, floor)
            return max(self.threshold - worst, Decimal(0))
        ceiling = self.limit if self.limit is not None else Decimal("Infinity")
        worst = min(value, ceiling)
        return max(worst - self.threshold, Decimal(0))


@dataclass(frozen=True, slots=True)
class GradingLine:
    measure: str
    value: Decimal
    points: Decimal
    effect: str
    rate: Decimal
    # kg per 100 kg for a weight band, đồng per unit (unrounded) for a price band.
    deduction: Decimal

    def as_json(self) -> dict[str, str]:
        return {
            "measure": self.measure,
            "value": _plain(self.value),
            "points": _plain(self.points),
            "effect": self.effect,
            "rate": _plain(self.rate),
            "deduction": _plain(self.deduction),
        }


@dataclass(frozen=True, slots=True)
class Grading:
    gross: Decimal
    deduction: Decimal
    net: Decimal
    base_price: int
    price_adjustment: int
    unit_price: int
    amount: int
    lines: tuple[GradingLine, ...]

    @property
    def weight_percent(self) -> Decimal:
        """Total kg deducted per 100 kg."""
        return sum((line.deduction for line in self.lines if line.effect == Effect.WEIGHT), Decimal(0))


class MissingMeasurement(ValueError):
    def __init__(self, measure: str) -> None:
        self.measure = measure
        super().__init__(measure)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def measures_needed(bands: Iterable[Band]) -> list[str]:
    """The measures the table reads, in the order they first appear."""
    seen: list[str] = []
    for band in bands:
        if band.measure not in seen:
            seen.append(band.measure)
    return seen


def grade(*, bands: Iterable[Band], measurements: Mapping[str, Decimal], gross: Decimal, base_price: int) -> Grading:
    """The delivery graded by `bands`. Raises MissingMeasurement for a measure the table needs and lacks."""
    lines: list[GradingLine] = []
    weight_per_100 = Decimal(0)
    price_off = Decimal(0)
    for band in bands:
        if band.measure not in measurements:
            raise MissingMeasurement(band.measure)
        value = Decimal(measurements[band.measure])
        points = band.points(value)
        deduction = band.rate * points
        if band.effect == Effect.WEIGHT:
            weight_per_100 += deduction
        else:
            price_off += deduction
        lines.append(GradingLine(band.measure, value, points, band.effect, band.rate, deduction))
    deducted = min((gross * weight_per_100 / 100).quantize(QUANTUM, rounding=ROUND_HALF_UP), gross)
    net = gross - deducted
    adjustment = min(int(price_off.quantize(Decimal(1), rounding=ROUND_HALF_UP)), base_price)
    unit_price = base_price - adjustment
    return Grading(
        gross=gross,
        deduction=deducted,
        net=net,
        base_price=base_price,
        price_adjustment=adjustment,
        unit_price=unit_price,
        amount=line_amount(unit_price, net),
        lines=tuple(lines),
    )
