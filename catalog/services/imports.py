"""Bulk import of products and price tiers from a cooperative's own spreadsheet: check every row first (a
dry run that stores nothing but the batch), then apply all rows in one transaction or none.

Cells are read by the product form's schema (`catalog.inputs.ProductInput`) in the person's language, so
"1.000" kg, "25.000 ₫" and "Gạo thơm" mean in a file what they mean on the product page, with the same
messages. Each message names the column as the file names it ("Thuế GTGT: …"), once per problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from catalog import pricing, spreadsheets
from catalog.commands import ProductDetails
from catalog.inputs import ProductInput, product_details, product_tiers
from catalog.models import FILE_NAME_LENGTH, ImportBatch, ImportStatus, Product, VatCategory
from catalog.permissions import CATALOG_IMPORT, PRODUCTS_PUBLISH
from catalog.selectors.categories import vat_categories
from catalog.services.products import product_check, product_create, product_publish_many, product_update
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.inputs import InputMode, bind_input, flatten_errors
from market.core.parsing import format_decimal
from market.core.services import audit_record
from market.organisations.permissions import Actor

# Spreadsheet column -> schema field, where they differ.
COLUMN_FIELDS = {"origin_province": "origin_province_code"}
FIELD_COLUMNS = {name: column for column, name in COLUMN_FIELDS.items()}
TIER_COLUMNS = frozenset({spreadsheets.PRICE_COLUMN, *(h for pair in spreadsheets.TIER_HEADERS for h in pair)})


@dataclass
class RowResult:
    row: int
    sku: str
    name: str
    action: str  # "create" | "update"
    errors: list[str] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.action == "create"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "sku": self.sku, "name": self.name, "action": self.action, "errors": self.errors}


@dataclass
class RowCommand:
    result: RowResult
    existing: Product | None = None
    details: ProductDetails | None = None
    tiers: list[pricing.TierSpec] | None = None


@cache
def _schema_fields() -> dict[str, serializers.Field]:
    return dict(ProductInput().fields)


class _Reader:
    """Turns rows into commands: what every row needs, read once for the whole file."""

    def __init__(self, batch: ImportBatch) -> None:
        self.headers: dict[str, str] = dict(batch.headers or {})
        self.default_vat: VatCategory | None = batch.default_vat_category
        self.cooperative_id = batch.cooperative_id
        self.tiers_given = bool(TIER_COLUMNS & set(self.headers))
        self.products: dict[str, Product] = {
            p.sku: p
            for p in Product.objects.filter(cooperative_id=batch.cooperative_id)
            .exclude(sku="")
            .select_related("cooperative", "category__parent")
        }

    # --- naming columns the way the file does ---
    def column(self, key: str) -> str:
        """The header of a column as the file has it, else the form's label for the field."""
        if key in self.headers:
            return self.headers[key]
        name = COLUMN_FIELDS.get(key, key)
        schema_field = _schema_fields().get(name)
        return str(schema_field.label) if schema_field is not None and schema_field.label else key

    def _label(self, path: str, tier_columns: list[tuple[str, str]]) -> str:
        parts = path.split(".")
        if parts[0] == "price_tiers" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(tier_columns):
            start, price = tier_columns[int(parts[1])]
            return self.column(start if parts[2] == "min_quantity" else price)
        if parts[0] == "price_tiers":
            return _("Price tiers")
        if parts[0] == "non_field_errors":
            return ""
        return self.column(FIELD_COLUMNS.get(parts[0], parts[0]))

    def _messages(
        self,
        fields: dict[str, list[str]],
        tier_columns: list[tuple[str, str]],
        row: dict[str, Any] | None = None,
    ) -> list[str]:
        """One line per problem, naming the column as the file does and repeating what the cell says."""
        messages: list[str] = []
        for path, texts in fields.items():
            label = self._label(path, tier_columns)
            typed = self._typed(path, tier_columns, row) if row is not None else ""
            for text in texts:
                column = label
                if typed and typed not in text:
                    column = _("%(column)s (“%(value)s”)") % {"column": label, "value": typed}
                line = _("%(column)s: %(message)s") % {"column": column, "message": text} if label else text
                if line not in messages:
                    messages.append(line)
        return messages

    def _typed(self, path: str, tier_columns: list[tuple[str, str]], row: dict[str, Any]) -> str:
        """What the cell behind a field says, as text ("" when the cell is empty or not one column)."""
        parts = path.split(".")
        column = FIELD_COLUMNS.get(parts[0], parts[0])
        if parts[0] == "price_tiers":
            if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) >= len(tier_columns):
                return ""
            start, price = tier_columns[int(parts[1])]
            column = start if parts[2] == "min_quantity" else price
        value = _cell(row, column)
        return str(value) if value != "" else ""

    # --- one row ---
    def _tiers(self, row: dict[str, Any], problems: list[str]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """The row's price tiers as schema rows, and for each the (quantity, price) columns it came from."""
        rows: list[dict[str, Any]] = []
        columns: list[tuple[str, str]] = []
        for start_key, price_key in spreadsheets.TIER_HEADERS:
            start, price = _cell(row, start_key), _cell(row, price_key)
            if start == "" and price == "":
                continue
            if start == "" or price == "":
                problems.append(
                    _("%(column)s: a tier needs both a quantity and a price.") % {"column": self.column(start_key)}
                )
                continue
            rows.append({"min_quantity": start, "unit_price": price})
            columns.append((start_key, price_key))
        single = _cell(row, spreadsheets.PRICE_COLUMN)
        if single != "":
            if rows:
                problems.append(
                    _("%(column)s: give either one price or the tier columns, not both.")
                    % {"column": self.column(spreadsheets.PRICE_COLUMN)}
                )
            else:
                rows.append({"min_quantity": _cell(row, "moq"), "unit_price": single})
                columns.append(("moq", spreadsheets.PRICE_COLUMN))
        return rows, columns

    def _data(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row's cells under the schema's field names. An empty cell clears an optional text, leaves an
        optional number or choice unset, and stays empty (so: required) for the rest."""
        data: dict[str, Any] = {}
        schema = _schema_fields()
        for column in row:
            if column.startswith("_") or column in TIER_COLUMNS:
                continue
            name = COLUMN_FIELDS.get(column, column)
            schema_field = schema.get(name)
            if schema_field is None:
                continue
            value = _cell(row, column)
            if value == "" and not schema_field.required:
                if getattr(schema_field, "allow_null", False):
                    data[name] = None
                elif isinstance(schema_field, serializers.CharField):
                    data[name] = ""
                continue
            data[name] = value
        return data

    def command(self, row: dict[str, Any]) -> RowCommand:
        sku = str(_cell(row, "sku")).strip()
        existing = self.products.get(sku)
        result = RowResult(
            row=int(row["_row"]), sku=sku, name=str(_cell(row, "name_vi")), action="update" if existing else "create"
        )
        command = RowCommand(result=result, existing=existing)
        if not sku:
            result.errors.append(
                _("%(column)s: give each row a product code; it is how later imports find the product.")
                % {"column": self.column("sku")}
            )
            return command
        data = self._data(row)
        tier_rows, tier_columns = self._tiers(row, result.errors)
        if self.tiers_given and not result.errors:
            data["price_tiers"] = tier_rows
        vat_missing = existing is None and data.get("vat_category", "") == ""
        if vat_missing and self.default_vat is not None:
            data["vat_category"] = self.default_vat.code
        elif vat_missing:
            data.pop("vat_category", None)
            known = ", ".join(f"{v.code} ({v.name})" for v in vat_categories())
            result.errors.append(
                _("%(column)s: give the VAT category (%(known)s), or choose one for every row on the import page.")
                % {"column": self.column("vat_category"), "known": known}
            )
        bound = bind_input(
            ProductInput,
            data,
            mode=InputMode.FORM,
            partial=existing is not None,
            context={"unit": existing.unit if existing else None},
        )
        if not bound.is_valid():
            errors = flatten_errors(bound.errors)
            if vat_missing and self.default_vat is None:
                errors.pop("vat_category", None)  # said once, above
            result.errors += self._messages(errors, tier_columns, row)
            return command
        if result.errors:
            return command
        fields = dict(bound.validated_data)
        base = ProductDetails.of(existing) if existing else None
        command.details = product_details(fields, base=base)
        command.tiers = product_tiers(fields)
        return command

    def check(self, command: RowCommand, actor: Actor) -> None:
        """What the product services would refuse for this row (nothing is written)."""
        if command.details is None:
            return
        probe = Product.objects.get(pk=command.existing.pk) if command.existing else None
        problems = product_check(actor=actor, details=command.details, tiers=command.tiers, product=probe)
        tier_columns = [pair for pair in spreadsheets.TIER_HEADERS if pair[0] in self.headers]
        command.result.errors += self._messages(problems, tier_columns)


def _cell(row: dict[str, Any], column: str) -> Any:
    value = spreadsheets.typed_cell(row.get(column, ""))
    return value.strip() if isinstance(value, str) else value


def check_rows(*, actor: Actor, batch: ImportBatch) -> list[RowCommand]:
    """Every row as a command with its problems (in-file duplicates included); nothing is written."""
    reader = _Reader(batch)
    commands: list[RowCommand] = []
    seen: dict[str, int] = {}
    gtins: dict[str, int] = {}
    for row in batch.rows:
        command = reader.command(row)
        result = command.result
        if result.sku in seen:
            result.errors.append(
                _("The code %(sku)s is also on row %(row)s; each product once per file.")
                % {"sku": result.sku, "row": seen[result.sku]}
            )
        elif result.sku:
            seen[result.sku] = result.row
        gtin = command.details.gtin if command.details else ""
        if gtin and gtin in gtins:
            result.errors.append(
                _("The GTIN is also on row %(row)s; each trade item has its own.") % {"row": gtins[gtin]}
            )
        elif gtin:
            gtins[gtin] = result.row
        if not result.errors:
            reader.check(command, actor)
        commands.append(command)
    return commands


@transaction.atomic
def import_preview(
    *,
    actor: Actor,
    upload: IO[bytes],
    file_name: str,
    default_vat_category_id: int | None = None,
    publish: bool = False,
) -> tuple[ImportBatch, list[RowResult]]:
    """Read and check the file (dry run). Stores the rows for a later apply; changes no product."""
    actor.require(CATALOG_IMPORT)
    cooperative = actor.organisation
    assert cooperative is not None
    if publish and not actor.can(PRODUCTS_PUBLISH):
        raise ValidationFailed(
            fields={"publish": [_("Publishing needs an owner or manager of a cooperative the alliance has verified.")]}
        )
    if len(file_name) > FILE_NAME_LENGTH:
        raise ValidationFailed(fields={"file": [_("The file's name is too long; give it a shorter one.")]})
    table = spreadsheets.read_table(upload, file_name)
    batch = ImportBatch(
        cooperative=cooperative,
        created_by=actor.user if getattr(actor.user, "pk", None) else None,
        file_name=file_name,
        rows=table.rows,
        headers=table.headers,
        ignored_columns=table.ignored,
        default_vat_category_id=default_vat_category_id,
        publish_new=publish,
        row_count=len(table.rows),
    )
    results = [command.result for command in check_rows(actor=actor, batch=batch)]
    batch.error_count = sum(1 for r in results if r.errors)
    batch.save()
    audit_record(
        actor=actor,
        action="catalog.import_checked",
        target=batch,
        data={"rows": len(table.rows), "errors": batch.error_count, "ignored": table.ignored},
    )
    return batch, results


def import_apply(*, actor: Actor, batch_id: int) -> ImportBatch:
    """Apply every row or none: rows are checked again; one error anywhere and nothing changes. New
    products are drafts, or published at once when the batch asks for it (those that cannot be, e.g.
    without a price, stay drafts and are named)."""
    actor.require(CATALOG_IMPORT)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.cooperative_id != actor.organisation_id:
            raise NotFound()
        if batch.status != ImportStatus.PREVIEWED:
            raise Conflict(_("This file was already applied."))
        commands = check_rows(actor=actor, batch=batch)
        bad = [c.result for c in commands if c.result.errors]
        if bad:
            raise ValidationFailed(
                _("%(n)s rows have errors; nothing was imported. Fix them and upload the file again.")
                % {"n": format_decimal(len(bad))},
                fields={f"row {r.row}": r.errors for r in bad},
            )
        created: list[int] = []
        updated = 0
        for command in commands:
            assert command.details is not None
            if command.existing is None:
                created.append(product_create(actor=actor, details=command.details, tiers=command.tiers).pk)
            else:
                product_update(
                    actor=actor, product_id=command.existing.pk, details=command.details, tiers=command.tiers
                )
                updated += 1
        if batch.publish_new and created:
            outcome = product_publish_many(actor=actor, product_ids=created)
            batch.published_count = len(outcome.published)
            batch.publish_refused = [list(item) for item in outcome.refused]
        batch.status = ImportStatus.APPLIED
        batch.applied_at = timezone.now()
        batch.created_count = len(created)
        batch.updated_count = updated
        batch.save(
            update_fields=[
                "status",
                "applied_at",
                "created_count",
                "updated_count",
                "published_count",
                "publish_refused",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="catalog.import_applied",
            target=batch,
            data={"created": len(created), "updated": updated, "published": batch.published_count},
        )
    return batch
