"""Order arithmetic, exact: line amounts are unit price × quantity rounded half-up to whole đồng; VAT is
computed per rate on the sum of the lines at that rate (as a Vietnamese invoice prints it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from market.core.money import Money, percent_of


@dataclass(frozen=True)
class VatGroup:
    rate_percent: Decimal
    taxable: int  # đồng
    vat: int

    def as_json(self) -> dict[str, object]:
        return {"rate_percent": f"{self.rate_percent.normalize():f}", "taxable": self.taxable, "vat": self.vat}


@dataclass(frozen=True)
class Totals:
    subtotal: int
    vat_total: int
    total: int
    groups: tuple[VatGroup, ...]


def line_amount(unit_price: int, quantity: Decimal) -> int:
    return int((Money.vnd(unit_price) * quantity).amount)


def totals_of(lines: Iterable[tuple[int, Decimal, Decimal]]) -> Totals:
    """`lines` are (unit price, quantity, VAT rate %) triples."""
    by_rate: dict[Decimal, int] = {}
    for unit_price, quantity, rate in lines:
        key = Decimal(rate).normalize()
        by_rate[key] = by_rate.get(key, 0) + line_amount(unit_price, quantity)
    groups = tuple(
        VatGroup(rate, taxable, int(percent_of(Money.vnd(taxable), rate).amount))
        for rate, taxable in sorted(by_rate.items())
    )
    subtotal = sum(g.taxable for g in groups)
    vat_total = sum(g.vat for g in groups)
    return Totals(subtotal=subtotal, vat_total=vat_total, total=subtotal + vat_total, groups=groups)
