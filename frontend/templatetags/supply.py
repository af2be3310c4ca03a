"""Template helpers of the supply pages and of the lot trace page's one step back."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from catalog.models import CertificateKind, HarvestLot
from catalog.supply import selectors
from market.core.parsing import format_decimal

register = template.Library()


@register.simple_tag
def lot_origins(lot: HarvestLot) -> list[selectors.Origin]:
    """The plots and households a lot built from intakes came from (households named only with consent)."""
    return selectors.lot_origins(lot=lot)


@register.filter
def tonnes(kg: Decimal | int | str | None) -> str:
    """Kilograms read as tonnes for the outlook: 1440000 -> '1.440 tấn' (vi), up to three decimals."""
    if kg is None or kg == "":
        return ""
    try:
        value = Decimal(kg) / 1000
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return f"{format_decimal(value.quantize(Decimal('0.001')))}\u00a0tấn"


@register.filter
def certificate_label(kind: str) -> str:
    """'vietgap' -> 'VietGAP' (the certificate kinds' own labels)."""
    return str(dict(CertificateKind.choices).get(kind, kind))
