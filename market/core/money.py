"""Money as a value type: an exact amount and an ISO 4217 currency, never a float.

VND has no minor unit, so 1.500.000 ₫ is 1500000 everywhere (Stripe included). The one helper that
talks to providers is `to_minor_units`; it reads the exponent from the table below and never assumes 100.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

# Exponent of the minor unit per currency (ISO 4217). Zero-decimal currencies are what Stripe calls them.
CURRENCY_EXPONENTS: dict[str, int] = {"VND": 0, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "SGD": 2, "THB": 2}
DEFAULT_CURRENCY = "VND"


class CurrencyMismatch(ValueError):
    pass


def currency_exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency.upper()]
    except KeyError:
        raise ValueError(f"Unsupported currency: {currency!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("Money never takes a float; pass an int, a Decimal or a string.")
        currency = self.currency.upper()
        exponent = currency_exponent(currency)
        amount = Decimal(self.amount)
        if not amount.is_finite():
            raise ValueError("Money needs a finite amount.")
        quantised = amount.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
        object.__setattr__(self, "amount", quantised)
        object.__setattr__(self, "currency", currency)

    @classmethod
    def vnd(cls, amount: int | Decimal | str) -> Money:
        return cls(Decimal(amount), "VND")

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor_units(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-currency_exponent(currency)), currency)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not add up")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("Multiply Money by an int or a Decimal, never a float.")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return self.amount != 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def to_minor_units(money: Money) -> int:
    """The integer a payment provider expects: 1.500.000 ₫ -> 1500000, 12.34 USD -> 1234."""
    minor = money.amount.scaleb(currency_exponent(money.currency))
    if minor != minor.to_integral_value():
        raise ValueError(f"{money} has more precision than {money.currency} allows")
    return int(minor)


def sum_money(items: list[Money] | tuple[Money, ...], currency: str = DEFAULT_CURRENCY) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


def percent_of(money: Money, rate_percent: Decimal) -> Money:
    """`rate_percent` of `money`, rounded half-up to the currency's minor unit (VAT, commission)."""
    return Money(money.amount * Decimal(rate_percent) / Decimal(100), money.currency)


_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_DECIMAL = re.compile(r"^\d+([.,]\d{1,2})?$")


def parse_vnd(text: str) -> int:
    """Whole đồng as people and banks write them: '1.500.000', '1,500,000', '1500000', '1500000.00',
    '-250.000', '(250,000)'. Raises ValueError on anything else, decimals of đồng included."""
    raw = re.sub(r"(?i)\s|vnd|đ|₫", "", text or "")
    if raw in {"", "-"}:
        return 0
    negative = raw.startswith("-") or (raw.startswith("(") and raw.endswith(")"))
    raw = raw.strip("-+()")
    if _GROUPED.match(raw):
        value = int(re.sub(r"[.,]", "", raw))
    elif _DECIMAL.match(raw):
        whole, _sep, fraction = raw.replace(",", ".").partition(".")
        if fraction.strip("0"):
            raise ValueError(_("VND amounts have no decimals: %(value)s") % {"value": text})
        value = int(whole)
    else:
        raise ValueError(_("Not an amount: %(value)s") % {"value": text})
    return -value if negative else value
