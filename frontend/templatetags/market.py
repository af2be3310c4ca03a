"""Template filters that format money, quantities and Vietnamese addresses the locale's way, the path of a
row in a list without reversing it for every row, and how often the offline pages send their queue."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.template.context import Context
from django.urls import reverse

from frontend.navigation import fixed_path
from market.core.money import Money
from market.core.parsing import format_decimal, format_money, machine_number
from market.core.quantity import UNIT_SYMBOLS

register = template.Library()


@register.simple_tag
def offline_send_every() -> int:
    """Seconds between the offline pages' own sends (data-send-every; frontend/offline-queue.js)."""
    return int(settings.OFFLINE_SEND_EVERY_SECONDS)


# An id no row has: where the id goes in a path reversed once.
_ID_MARKER = "2147483647"


# `{% url name %}` for a view without arguments, reversed once per process: every page's shell writes about ten.
register.simple_tag(fixed_path, name="fixed_path")


@register.simple_tag(takes_context=True)
def id_path(context: Context, name: str, pk: int) -> str:
    """`{% url name pk %}` for a view that takes one integer id, reversed once per template render; each later
    row writes its id into that path. reverse() costs 30–70 µs here: the catalogue's two links per card were a
    third of its cards' rendering time."""
    memo: Any = context.render_context  # per render: a list's rows share it, the next page starts afresh
    paths: dict[str, tuple[str, str]] = memo.setdefault("id_paths", {})
    if name not in paths:
        head, _marker, tail = reverse(name, args=[_ID_MARKER]).partition(_ID_MARKER)
        paths[name] = (head, tail)
    head, tail = paths[name]
    return f"{head}{int(pk)}{tail}"


@register.filter
def vnd(value: Money | int | Decimal | str | None, *, language: str | None = None) -> str:
    """1500000 -> '1.500.000 ₫' in Vietnamese, '1,500,000 ₫' in English (`language`: the active one's code, when the
    caller knows it already: a page written by hand writes a dozen numbers, and asking for it is ~1.5 µs each)."""
    if value is None or value == "":
        return ""
    amount = value.amount if isinstance(value, Money) else value
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return format_money(amount, language) if amount.is_finite() else ""


@register.filter
def qty(value: Decimal | int | str | None, unit: str = "", *, language: str | None = None) -> str:
    """Decimal quantity with grouping and no trailing zeros: 9860.000 kg -> '9.860 kg' (`language`: as for `vnd`)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if not number.is_finite():
        return ""
    text = format_decimal(number, language=language)
    symbol = UNIT_SYMBOLS.get(unit, unit)
    return f"{text}\u00a0{symbol}" if symbol else text


@register.filter
def machine(value: Decimal | int | float | str | None, places: int = 3) -> str:
    """A number the browser reads (SVG geometry, data attributes, type=number): 3.50 -> '3.5' in any language."""
    if value is None or value == "":
        return ""
    try:
        return machine_number(Decimal(str(value)), places=int(places))
    except (InvalidOperation, TypeError, ValueError):
        return ""
