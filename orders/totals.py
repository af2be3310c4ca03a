"""Order arithmetic, exact: line amounts are unit price × quantity rounded half-up to whole đồng; VAT is
computed per rate on the sum of the lines at that rate (as a Vietnamese invoice prints it).

Goods not subject to VAT ("không chịu thuế GTGT") form their own line, printed "KCT"; a 0 % rate (exports)
is a different line. Every amount is bounded by `MAX_ORDER_TOTAL`: beyond it is an error naming the limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from market.core.errors import ValidationFailed
from market.core.money import Money, percent_of
from market.core.parsing import format_money
from orders.models import MAX_ORDER_TOTAL

# What the rate column of a Vietnamese VAT invoice prints for goods outside VAT (Circular 78/2021).
NOT_SUBJECT = "KCT"


def vat_rate_label(*, exempt: bool, rate_percent: Decimal | str) -> str:
    """'KCT' for goods not subject to VAT, else the rate: '0%', '5%', '8%'."""
    return NOT_SUBJECT if exempt else f"{Decimal(rate_percent).normalize():f}%"


@dataclass(frozen=True)
class VatGroup:
    exempt: bool
    rate_percent: Decimal
    taxable: int  # đồng
    vat: int

    @property
    def label(self) -> str:
        return vat_rate_label(exempt=self.exempt, rate_percent=self.rate_percent)

    def as_json(self) -> dict[str, object]:
        return {
            "rate": self.label,
            "rate_percent": f"{self.rate_percent.normalize():f}",
            "taxable": self.taxable,
            "vat": self.vat,
        }


@dataclass(frozen=True)
class Totals:
    subtotal: int
    vat_total: int
    total: int
    groups: tuple[VatGroup, ...]


@dataclass(frozen=True)
class TaxedAmount:
    """One line for the totals: unit price × quantity, and how VAT treats it."""

    unit_price: int
    quantity: Decimal
    rate_percent: Decimal
    exempt: bool = False


def line_amount(unit_price: int, quantity: Decimal) -> int:
    return int((Money.vnd(unit_price) * quantity).amount)


def too_large(amount: int, *, what: str) -> ValidationFailed:
    return ValidationFailed(
        fields={
            what: [
                _("This comes to %(amount)s; an order can be worth at most %(limit)s. Order less, or split it.")
                % {"amount": format_money(amount), "limit": format_money(MAX_ORDER_TOTAL)}
            ]
        }
    )


def totals_of(lines: Iterable[TaxedAmount], *, field: str = "quantity") -> Totals:
    """The totals by VAT line (KCT first, then by rate); ValidationFailed on `field` past the bound."""
    by_rate: dict[tuple[bool, Decimal], int] = {}
    for line in lines:
        amount = line_amount(line.unit_price, line.quantity)
        if amount > MAX_ORDER_TOTAL:
            raise too_large(amount, what=field)
        key = (not line.exempt, Decimal(line.rate_percent).normalize())
        by_rate[key] = by_rate.get(key, 0) + amount
    groups = tuple(
        VatGroup(not subject, rate, taxable, 0 if not subject else int(percent_of(Money.vnd(taxable), rate).amount))
        for (subject, rate), taxable in sorted(by_rate.items())
    )
    subtotal = sum(g.taxable for g in groups)
    vat_total = sum(g.vat for g in groups)
    if subtotal + vat_total > MAX_ORDER_TOTAL:
        raise too_large(subtotal + vat_total, what=field)
    return Totals(subtotal=subtotal, vat_total=vat_total, total=subtotal + vat_total, groups=groups)
