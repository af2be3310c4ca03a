"""The cooperative's catalogue as a spreadsheet (the same columns the import reads)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import spreadsheets
from catalog.models import PriceTier, Product
from catalog.permissions import PRODUCTS_MANAGE
from market.core.errors import ValidationFailed
from market.organisations.permissions import Actor

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def catalogue_export(*, actor: Actor, fmt: str) -> tuple[bytes, str, str]:
    """(file bytes, content type, file name) of every product of the actor's cooperative."""
    actor.require(PRODUCTS_MANAGE)
    if fmt not in CONTENT_TYPES:
        raise ValidationFailed(fields={"type": [_("Choose csv or xlsx.")]})
    products = (
        Product.objects.filter(cooperative_id=actor.organisation_id)
        .select_related("category", "vat_category")
        .prefetch_related(Prefetch("price_tiers", queryset=PriceTier.objects.order_by("min_quantity")))
        .order_by("sku", "id")
    )
    rows = spreadsheets.export_rows(products)
    body = spreadsheets.write_csv(rows) if fmt == "csv" else spreadsheets.write_xlsx(rows)
    name = f"catalogue-{timezone.localdate():%Y%m%d}.{fmt}"
    return body, CONTENT_TYPES[fmt], name
