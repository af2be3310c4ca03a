"""Filters for notification templates (money the locale's way), usable without the frontend app."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from market.core.parsing import format_decimal, format_money

register = template.Library()


@register.filter
def vnd(value: int | Decimal | str | None) -> str:
    """1500000 -> '1.500.000 ₫' in Vietnamese, '1,500,000 ₫' in English."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return format_money(amount) if amount.is_finite() else ""


@register.filter
def quantity(value: int | Decimal | str | None) -> str:
    """A quantity from a notification's JSON context, the locale's way without trailing zeros:
    "18250.500" -> '18.250,5' in Vietnamese, '18,250.5' in English."""
    if value is None or value == "":
        return ""
    try:
        return format_decimal(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def quantity_in(value: int | Decimal | str | None, unit: str) -> str:
    """A quantity and its unit's symbol, the recipient's way: "2000.5", "kg" -> '2.000,5 kg' in Vietnamese. Empty when
    the context holds no number (a message queued before quantities were kept as numbers: its `quantity` text says
    it, `{% firstof %}` falls back to it)."""
    number = quantity(value)
    return f"{number} {unit}".strip() if number else ""


@register.filter
def as_date(value: str | None) -> date | datetime | str:
    """An ISO date or datetime string from a notification's JSON context, for the `date` filter."""
    if not value or not isinstance(value, str):
        return value or ""
    parsed = parse_datetime(value) if "T" in value else parse_date(value)
    if isinstance(parsed, datetime) and timezone.is_aware(parsed):
        return timezone.localtime(parsed)
    return parsed or value
