"""Bulk import of products and price tiers: check every row first (dry run, nothing written but the
batch), then apply all rows in one transaction or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import pricing, spreadsheets
from catalog.models import Category, ImportBatch, ImportStatus, Product, VatCategory
from catalog.permissions import CATALOG_IMPORT
from catalog.services.common import require_own
from catalog.services.products import _apply_fields, product_create, product_update, tier_specs
from market.core.errors import Conflict, ValidationFailed
from market.core.services import audit_record
from market.core.text import fold
from market.organisations.permissions import Actor


@dataclass
class RowResult:
    row: int
    sku: str
    name: str
    action: str  # "create" | "update"
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "sku": self.sku, "name": self.name, "action": self.action, "errors": self.errors}


class _Lookups:
    """What every row needs, read once for the whole file."""

    def __init__(self, cooperative_id: int) -> None:
        self.categories: dict[str, Category] = {}
        for category in Category.objects.all():
            for key in (category.slug, fold(category.name_vi), fold(category.name_en)):
                self.categories.setdefault(key, category)
        self.vat: dict[str, VatCategory] = {}
        for vat in VatCategory.objects.all():
            for key in (vat.code, fold(vat.name_vi), fold(vat.name_en)):
                self.vat.setdefault(key, vat)
        self.products: dict[str, Product] = {
            p.sku: p
            for p in Product.objects.filter(cooperative_id=cooperative_id)
            .exclude(sku="")
            .select_related("category__parent", "vat_category", "cooperative")
        }

    def category(self, value: str) -> Category | str:
        return self.categories.get(value.strip()) or self.categories.get(fold(value)) or value

    def vat_category(self, value: str) -> VatCategory | str:
        return self.vat.get(value.strip()) or self.vat.get(fold(value)) or value


def _row_data(row: dict[str, str], lookups: _Lookups) -> tuple[dict[str, Any], list[dict[str, str]] | None, list[str]]:
    problems: list[str] = []
    data: dict[str, Any] = {}
    for name, _help in spreadsheets.PRODUCT_COLUMNS:
        if name not in row:
            continue
        value = row[name]
        if name == "category":
            data[name] = lookups.category(value)
        elif name == "vat_category":
            if value:
                data[name] = lookups.vat_category(value)
        elif name == "unit":
            code = spreadsheets.unit_code(value)
            if code is None:
                problems.append(_("Unknown unit '%(value)s': use kg, ta, tan, bao25, bao50, thung, chai or cai.")
                                % {"value": value})  # fmt: skip
            else:
                data[name] = code
        elif name == "order_multiple" and not value:
            continue
        else:
            data[name] = value
    tiers: list[dict[str, str]] = []
    for start_key, price_key in spreadsheets.TIER_HEADERS:
        start, price = row.get(start_key, ""), row.get(price_key, "")
        if not start and not price:
            continue
        if not start or not price:
            problems.append(_("Tier %(column)s needs both a quantity and a price.") % {"column": start_key[5]})
            continue
        if not price.isdigit():
            problems.append(_("The price '%(value)s' is not a whole number of đồng.") % {"value": price})
            continue
        tiers.append({"min_quantity": start, "unit_price": int(price)})
    return data, (tiers or None), problems


def _check_row(row: dict[str, str], lookups: _Lookups, cooperative: Any) -> RowResult:
    sku = (row.get("sku") or "").strip()
    existing = lookups.products.get(sku)
    result = RowResult(
        row=int(row["_row"]), sku=sku, name=row.get("name_vi", ""), action="update" if existing else "create"
    )
    if not sku:
        result.errors.append(_("Give each row a product code (sku); it is how later imports find the product."))
        return result
    data, tiers, problems = _row_data(row, lookups)
    result.errors += problems
    if existing is None:
        probe = Product(
            cooperative=cooperative,
            origin_province_code=cooperative.province_code,
            origin_commune_code=cooperative.commune_code,
        )
        probe.moq = None  # type: ignore[assignment]
        probe.order_multiple = None  # type: ignore[assignment]
        if "vat_category" not in data:
            result.errors.append(_("Give the VAT category (vat_category)."))
    else:
        probe = Product.objects.get(pk=existing.pk)
    _changed, errors = _apply_fields(probe, data)
    for name, messages in errors.items():
        result.errors += [f"{name}: {message}" for message in messages]
    if tiers is not None and not errors:
        try:
            specs = tier_specs(tiers)
            pricing.validate_tiers(specs, moq=probe.moq, order_multiple=probe.order_multiple, unit=probe.unit)
        except ValidationFailed as exc:
            for messages in exc.fields.values():
                result.errors += messages
    return result


def check_rows(*, cooperative: Any, rows: list[dict[str, str]]) -> list[RowResult]:
    lookups = _Lookups(cooperative.pk)
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    gtins: dict[str, int] = {}
    for row in rows:
        result = _check_row(row, lookups, cooperative)
        if result.sku:
            if result.sku in seen:
                result.errors.append(
                    _("The code %(sku)s is also on row %(row)s; each product once per file.")
                    % {"sku": result.sku, "row": seen[result.sku]}
                )
            seen.setdefault(result.sku, result.row)
        gtin = (row.get("gtin") or "").strip().lstrip("0")
        if gtin:
            if gtin in gtins:
                result.errors.append(
                    _("The GTIN is also on row %(row)s; each trade item has its own.") % {"row": gtins[gtin]}
                )
            gtins.setdefault(gtin, result.row)
        results.append(result)
    return results


@transaction.atomic
def import_preview(*, actor: Actor, upload: IO[bytes], file_name: str) -> tuple[ImportBatch, list[RowResult]]:
    """Read and check the file (dry run). Stores the rows for a later apply; changes no product."""
    actor.require(CATALOG_IMPORT)
    cooperative = actor.organisation
    assert cooperative is not None
    rows = spreadsheets.read_table(upload, file_name)
    results = check_rows(cooperative=cooperative, rows=rows)
    batch = ImportBatch.objects.create(
        cooperative=cooperative,
        created_by=actor.user if getattr(actor.user, "pk", None) else None,
        file_name=file_name[:255],
        rows=rows,
        row_count=len(rows),
        error_count=sum(1 for r in results if r.errors),
    )
    audit_record(
        actor=actor,
        action="catalog.import_checked",
        target=batch,
        data={"rows": len(rows), "errors": batch.error_count},
    )
    return batch, results


def import_apply(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Apply every row or none: rows are checked again; one error anywhere and nothing changes."""
    actor.require(CATALOG_IMPORT)
    require_own(actor, batch.cooperative_id)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportStatus.PREVIEWED:
            raise Conflict(_("This file was already applied."))
        results = check_rows(cooperative=actor.organisation, rows=batch.rows)
        bad = [r for r in results if r.errors]
        if bad:
            raise ValidationFailed(
                _("%(n)s rows have errors; nothing was imported. Fix them and upload the file again.")
                % {"n": len(bad)},
                fields={f"row {r.row}": r.errors for r in bad},
            )
        lookups = _Lookups(batch.cooperative_id)
        created = updated = 0
        for row in batch.rows:
            data, tiers, _problems = _row_data(row, lookups)
            existing = lookups.products.get(row["sku"].strip())
            try:
                if existing is None:
                    product = product_create(actor=actor, data=data, tiers=tiers)
                    lookups.products[product.sku] = product
                    created += 1
                else:
                    product_update(actor=actor, product=existing, data=data, tiers=tiers)
                    updated += 1
            except ValidationFailed as exc:
                raise ValidationFailed(
                    _("Row %(row)s could not be imported; nothing was imported.") % {"row": row["_row"]},
                    fields={f"row {row['_row']}": [m for ms in exc.fields.values() for m in ms] or [exc.message]},
                ) from None
        batch.status = ImportStatus.APPLIED
        batch.applied_at = timezone.now()
        batch.created_count = created
        batch.updated_count = updated
        batch.save(update_fields=["status", "applied_at", "created_count", "updated_count", "updated_at"])
        audit_record(
            actor=actor, action="catalog.import_applied", target=batch, data={"created": created, "updated": updated}
        )
    return batch
