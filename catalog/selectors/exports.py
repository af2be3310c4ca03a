"""The cooperative's catalogue as a spreadsheet (the same columns the import reads)."""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Prefetch
from django.utils import timezone

from catalog import spreadsheets
from catalog.models import ImportBatch, PriceTier, Product
from catalog.permissions import PRODUCTS_MANAGE
from market.core.errors import NotFound
from market.core.exports import XLSX_MEDIA_TYPE
from market.organisations.permissions import Actor


class ExportType(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


CONTENT_TYPES = {
    ExportType.CSV: "text/csv; charset=utf-8",
    ExportType.XLSX: XLSX_MEDIA_TYPE,
}


def catalogue_export(*, actor: Actor, fmt: ExportType) -> tuple[bytes, str, str]:
    """(file bytes, content type, file name) of every product of the actor's cooperative."""
    actor.require(PRODUCTS_MANAGE)
    products = (
        Product.objects.filter(cooperative_id=actor.organisation_id)
        .select_related("category", "vat_category")
        .prefetch_related(Prefetch("price_tiers", queryset=PriceTier.objects.order_by("min_quantity")))
        .order_by("sku", "id")
    )
    rows = spreadsheets.export_rows(products)
    body = spreadsheets.write_csv(rows) if fmt == ExportType.CSV else spreadsheets.write_xlsx(rows)
    name = f"catalogue-{timezone.localdate():%Y%m%d}.{fmt}"
    return body, CONTENT_TYPES[fmt], name


def import_batch_for(*, actor: Actor, batch_id: int) -> ImportBatch:
    """An import of the actor's cooperative (another one's answers like a missing one)."""
    batch = ImportBatch.objects.filter(pk=batch_id, cooperative_id=actor.organisation_id).first()
    if batch is None:
        raise NotFound()
    return batch
