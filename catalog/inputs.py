"""One input schema per catalogue command and one per list's query parameters (docs/edge.md).

The API reads them on JSON (canonical values), the pages on form posts (what a person typed in the active
language: "1.000" kg, "25.000 ₫", "20/03/2026"), the spreadsheet import on cells. A limit or a message exists
once, here or in `market.core.inputs`; the services receive typed values (`catalog.commands`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import gs1, pricing
from catalog.commands import CertificateDetails, LotDetails, ProductDetails, Sort
from catalog.models import (
    CertificateKind,
    CertificateScope,
    CertificateStatus,
    LotStatus,
    ProductStatus,
    TraceEventKind,
)
from catalog.selectors.browse import ProductQuery
from catalog.selectors.categories import category_lookup, vat_categories, vat_category_lookup
from catalog.selectors.exports import ExportType
from market.core import inputs
from market.core.errors import ValidationFailed
from market.core.listing import UPDATED_SINCE
from market.core.parsing import UNIT_WORDS
from market.core.quantity import UNIT_SYMBOLS, Unit
from market.core.text import fold
from market.organisations import geo


def _text(data: Any) -> str:
    return str(data).strip() if isinstance(data, int | str) and not isinstance(data, bool) else ""


# --- references read from what people write ---------------------------------------------------------
@extend_schema_field({"type": "string", "description": "Category id, slug or name."})
class CategoryChoice(serializers.Field):
    """A category by id, slug or name (either language, with or without diacritics); the value is its id."""

    def to_internal_value(self, data: Any) -> int:
        text = _text(data)
        node = category_lookup(text)
        if node is None:
            raise serializers.ValidationError(
                _("Choose a category from the list: “%(value)s” is not one.") % {"value": text}, code="invalid"
            )
        return node.id

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field({"type": "string", "description": "VAT category code, name or rate."})
class VatChoice(serializers.Field):
    """A VAT category by code ("vat-5"), name, rate ("5%") or "KCT"; the value is its id."""

    def to_internal_value(self, data: Any) -> int:
        text = _text(data)
        vat = vat_category_lookup(text)
        if vat is None:
            known = ", ".join(f"{v.code} ({v.name})" for v in vat_categories())
            raise serializers.ValidationError(
                _("“%(value)s” is not a VAT category. Write one of: %(known)s.") % {"value": text, "known": known},
                code="invalid",
            )
        return vat.pk

    def to_representation(self, value: Any) -> Any:
        return value


def _province_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for unit in geo.provinces():
        folded = fold(unit.name)
        names[folded] = unit.code
        for prefix in ("thanh pho ", "tinh "):
            if folded.startswith(prefix):
                names[folded.removeprefix(prefix)] = unit.code
        names[f"tinh {folded}"] = unit.code
    return names


@extend_schema_field({"type": "integer", "description": "Province code (the 2025 units)."})
class ProvinceChoice(serializers.Field):
    """A province by code, or by name in a spreadsheet ("An Giang", "TP Hồ Chí Minh" as "Hồ Chí Minh")."""

    def to_internal_value(self, data: Any) -> int:
        text = _text(data)
        code = int(text) if text.isdigit() and len(text) < 6 else _province_names().get(fold(text).replace("tp ", ""))
        if code is None or geo.province(code) is None:
            raise serializers.ValidationError(_("Unknown province: “%(value)s”.") % {"value": text}, code="invalid")
        return code

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field({"type": "integer", "description": "Commune code (the 2025 units)."})
class CommuneChoice(serializers.Field):
    def to_internal_value(self, data: Any) -> int:
        text = _text(data)
        if not (text.isdigit() and len(text) < 8) or geo.commune(int(text)) is None:
            raise serializers.ValidationError(_("Unknown commune."), code="invalid")
        return int(text)

    def to_representation(self, value: Any) -> Any:
        return value


def _unit_key(text: str) -> str:
    """How a unit's name is compared: folded, without spaces ("Chai 500 ml" = "chai500ml")."""
    return fold(text).replace(" ", "")


def _unit_words() -> dict[str, str]:
    """What people write for units ("tấn", "bao 50kg", "chai 500 ml", "hũ"), by `_unit_key` -> the unit's code."""
    words = {_unit_key(word): unit for word, unit in UNIT_WORDS.items()}
    for unit, symbol in UNIT_SYMBOLS.items():
        words[_unit_key(unit)] = unit
        words[_unit_key(symbol)] = unit
    return words


class UnitChoice(inputs.ChoiceInput):
    """A sales unit by its code; a person may also write its name ("tấn", "chai 500 ml", "hũ")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Unit, **kwargs)
        self.error_messages["invalid_choice"] = gettext_lazy("Choose a unit from the list: “{input}” is not one.")

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.strip() and data.strip() not in Unit.values:
            data = _unit_words().get(_unit_key(data), data)
        return super().to_internal_value(data)


def unit_of(data: Any) -> str | None:
    """The unit a posted or sent command names, if it names a known one (quantities are read in it)."""
    raw = data.get("unit") if isinstance(data, Mapping) or hasattr(data, "getlist") else None
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip() if raw.strip() in Unit.values else _unit_words().get(_unit_key(raw))


class GtinInput(inputs.TextInput):
    """A GTIN-8/12/13/14 with a correct check digit; the value is its GTIN-14 form ("" when not given)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if not text:
            return ""
        try:
            return gs1.normalise_gtin(text)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid") from None


class LotCodeInput(inputs.TextInput):
    """A lot code as printed on the packages, stored in upper case."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data).upper()
        try:
            gs1.validate_lot_code(code)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid") from None
        return code


class IdList(serializers.ListField):
    """Ids of rows chosen from a list (checkboxes on a page, an array in JSON)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(child=inputs.IdInput(), max_length=500, **kwargs)


# --- products ------------------------------------------------------------------------------------
class TierRowsInput(serializers.ListSerializer):
    """Price tiers. The rows of a page's tier table left empty are not tiers."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list):
            data = [row for row in data if not _blank_row(row)]
        return super().to_internal_value(data)


def _blank_row(row: Any) -> bool:
    return isinstance(row, Mapping) and all(str(value).strip() in ("", "None") for value in row.values())


class TierInput(serializers.Serializer):
    min_quantity = inputs.QuantityInput(label=gettext_lazy("From quantity"))
    unit_price = inputs.MoneyInput(min_value=1, max_value=pricing.MAX_UNIT_PRICE, label=gettext_lazy("Unit price"))

    class Meta:
        list_serializer_class = TierRowsInput


class UnitAwareInput(serializers.Serializer):
    """Quantities in this command are in the unit it names, or else the one its context gives (the product's)."""

    def to_internal_value(self, data: Any) -> Any:
        unit = unit_of(data)
        if unit is not None and isinstance(self.context, dict):
            self.context["unit"] = unit
        return super().to_internal_value(data)


class ProductInput(UnitAwareInput):
    name_vi = inputs.TextInput(max_length=200, label=gettext_lazy("Name in Vietnamese"))
    name_en = inputs.TextInput(max_length=200, required=False, label=gettext_lazy("Name in English"))
    category = CategoryChoice(label=gettext_lazy("Category"))
    sku = inputs.TextInput(
        max_length=40,
        required=False,
        label=gettext_lazy("Your product code (SKU)"),
        help_text=gettext_lazy("Used by imports to update it."),
    )
    unit = UnitChoice(label=gettext_lazy("Sales unit"))
    moq = inputs.QuantityInput(
        label=gettext_lazy("Minimum order"), help_text=gettext_lazy("In the sales unit, e.g. 100 (kg) or 0.5 (tấn).")
    )
    order_multiple = inputs.QuantityInput(
        required=False,
        allow_null=True,
        label=gettext_lazy("Order multiple"),
        help_text=gettext_lazy("Buyers order in multiples of this, e.g. 25 for 25 kg sacks."),
    )
    vat_category = VatChoice(label=gettext_lazy("VAT category"))
    gtin = GtinInput(
        required=False,
        label=gettext_lazy("GTIN (barcode number)"),
        help_text=gettext_lazy("Only a number GS1 Vietnam gave you (starts with 893); never make one up."),
    )
    description_vi = inputs.TextInput(
        max_length=4000, multiline=True, required=False, label=gettext_lazy("Description in Vietnamese")
    )
    description_en = inputs.TextInput(
        max_length=4000, multiline=True, required=False, label=gettext_lazy("Description in English")
    )
    packaging = inputs.TextInput(max_length=200, required=False, label=gettext_lazy("Packaging"))
    net_content = inputs.TextInput(max_length=60, required=False, label=gettext_lazy("Net content"))
    ingredients = inputs.TextInput(max_length=500, required=False, label=gettext_lazy("Ingredients"))
    storage_instructions = inputs.TextInput(max_length=300, required=False, label=gettext_lazy("Storage"))
    usage_instructions = inputs.TextInput(max_length=300, required=False, label=gettext_lazy("How to use"))
    shelf_life_days = inputs.IntegerInput(
        min_value=1, max_value=3650, required=False, allow_null=True, label=gettext_lazy("Shelf life (days)")
    )
    origin_province_code = ProvinceChoice(
        required=False,
        label=gettext_lazy("Province of origin"),
        help_text=gettext_lazy("Where the product comes from; the cooperative's province when not given."),
    )
    origin_commune_code = CommuneChoice(required=False, allow_null=True, label=gettext_lazy("Commune of origin"))
    origin_note = inputs.TextInput(
        max_length=200,
        required=False,
        label=gettext_lazy("Origin details"),
        help_text=gettext_lazy("Field, hamlet or island."),
    )
    price_tiers = TierInput(many=True, required=False, help_text="Replaces every tier when given.")


TIER_FIELDS = frozenset({"price_tiers"})
# Schema field -> ProductDetails attribute, where the two differ.
_PRODUCT_RENAMES = {"category": "category_id", "vat_category": "vat_category_id"}


def tier_specs(rows: list[Mapping[str, Any]]) -> list[pricing.TierSpec]:
    return [pricing.TierSpec(row["min_quantity"], row["unit_price"]) for row in rows]


def product_details(fields: Mapping[str, Any], base: ProductDetails | None = None) -> ProductDetails:
    """The command's details: the fields given over `base` (a partial change), or a new product's."""
    values = {_PRODUCT_RENAMES.get(name, name): value for name, value in fields.items() if name not in TIER_FIELDS}
    _forget_commune_of_another_province(values, base.origin_province_code if base else None)
    return replace(base, **values) if base is not None else ProductDetails(**values)


def _forget_commune_of_another_province(values: dict[str, Any], province: int | None) -> None:
    """A new province of origin without a commune: the old commune is not in it."""
    moved = values.get("origin_province_code", province) != province
    if "origin_province_code" in values and "origin_commune_code" not in values and (moved or province is None):
        values["origin_commune_code"] = None


def product_tiers(fields: Mapping[str, Any]) -> list[pricing.TierSpec] | None:
    """The price tiers the command gives (None: leave them as they are)."""
    rows = fields.get("price_tiers")
    return None if rows is None else tier_specs(rows)


class TiersInput(UnitAwareInput):
    price_tiers = TierInput(many=True)


class ImageInput(serializers.Serializer):
    image = serializers.FileField(label=gettext_lazy("Photo"), help_text=gettext_lazy(
        "JPEG, PNG or WebP, at least 300 × 300 pixels, at most 8 MB."))  # fmt: skip
    alt_text = inputs.TextInput(
        max_length=200,
        required=False,
        label=gettext_lazy("What the photo shows"),
        help_text=gettext_lazy("Read aloud to blind visitors."),
    )


class ProductIdsInput(serializers.Serializer):
    """Products chosen on the product list (bulk publish)."""

    products = IdList(required=True, allow_empty=False, label=gettext_lazy("Products"))


class QuantityQuery(serializers.Serializer):
    """How much a buyer asks about (the price calculator, the API's price quote): in the product's unit."""

    quantity = inputs.QuantityInput(label=gettext_lazy("Quantity"))


# --- lots and their events -----------------------------------------------------------------------
class LotInput(serializers.Serializer):
    product = inputs.IdInput(required=False, help_text="Required when creating.")
    code = LotCodeInput(
        label=gettext_lazy("Lot code"), help_text=gettext_lazy("As printed on the packages, e.g. ST25-2026-03.")
    )
    quantity_produced = inputs.QuantityInput(label=gettext_lazy("Quantity harvested / produced"))
    harvest_date = inputs.DateInput(label=gettext_lazy("Harvest / production date"))
    expiry_date = inputs.DateInput(required=False, allow_null=True, label=gettext_lazy("Best before / expiry"))
    origin_province_code = ProvinceChoice(required=False, label=gettext_lazy("Province of origin"))
    origin_commune_code = CommuneChoice(required=False, allow_null=True, label=gettext_lazy("Commune of origin"))
    plot = inputs.TextInput(max_length=200, required=False, label=gettext_lazy("Plot / raw-material area"))
    note = inputs.TextInput(max_length=500, required=False, label=gettext_lazy("Note"))
    certificates = IdList(label=gettext_lazy("Certificates in force"))


_LOT_NOT_DETAILS = frozenset({"product", "certificates"})


def lot_details(fields: Mapping[str, Any], base: LotDetails | None = None) -> LotDetails:
    values = {name: value for name, value in fields.items() if name not in _LOT_NOT_DETAILS}
    _forget_commune_of_another_province(values, base.origin_province_code if base else None)
    return replace(base, **values) if base is not None else LotDetails(**values)


class EventInput(UnitAwareInput):
    kind = inputs.ChoiceInput(TraceEventKind, label=gettext_lazy("What kind of event"))
    occurred_at = inputs.DateTimeInput(label=gettext_lazy("When"))
    description = inputs.TextInput(max_length=1000, multiline=True, label=gettext_lazy("What happened"))
    party = inputs.TextInput(
        max_length=200,
        required=False,
        label=gettext_lazy("Who"),
        help_text=gettext_lazy("Member household, supplier or consignee."),
    )
    party_reference = inputs.TextInput(max_length=60, required=False, label=gettext_lazy("Their reference"))
    quantity = inputs.QuantityInput(required=False, allow_null=True, label=gettext_lazy("Quantity"))
    unit = UnitChoice(required=False, allow_blank=True, label=gettext_lazy("Unit"))
    location = inputs.TextInput(max_length=200, required=False, label=gettext_lazy("Where"))
    document_reference = inputs.TextInput(max_length=100, required=False, label=gettext_lazy("Document"))
    corrects = inputs.IdInput(
        required=False,
        allow_null=True,
        label=gettext_lazy("Corrects the event"),
        help_text=gettext_lazy("Only for a correction: the earlier event it fixes."),
    )


def event_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The event's keyword arguments for `trace_event_add` (the API's `corrects` is the event's id)."""
    values: dict[str, Any] = dict(fields)
    values["corrects_id"] = values.pop("corrects", None)
    if not values.get("unit"):
        values.pop("unit", None)
    return values


class StockInput(serializers.Serializer):
    quantity_available = inputs.QuantityInput(allow_zero=True, label=gettext_lazy("Available now"))
    reason = inputs.TextInput(
        max_length=200, label=gettext_lazy("Why it changed"), help_text=gettext_lazy("Recount, spoilage, samples…")
    )


class ReasonInput(serializers.Serializer):
    reason = inputs.TextInput(max_length=500, multiline=True, label=gettext_lazy("Reason"))


# --- certificates --------------------------------------------------------------------------------
class CertificateInput(serializers.Serializer):
    kind = inputs.ChoiceInput(CertificateKind, label=gettext_lazy("Kind"))
    ocop_stars = inputs.IntegerInput(min_value=3, max_value=5, required=False, allow_null=True,
                                     label=gettext_lazy("OCOP stars"))  # fmt: skip
    number = inputs.TextInput(max_length=80, label=gettext_lazy("Certificate number"))
    issuer = inputs.TextInput(max_length=200, label=gettext_lazy("Issued by"))
    valid_from = inputs.DateInput(label=gettext_lazy("Valid from"))
    valid_to = inputs.DateInput(
        required=False,
        allow_null=True,
        label=gettext_lazy("Valid until"),
        help_text=gettext_lazy("Leave empty only for a geographical indication without an end date."),
    )
    scope = inputs.ChoiceInput(CertificateScope, label=gettext_lazy("Covers"))
    products = IdList(label=gettext_lazy("Products"))
    scan = serializers.FileField(
        required=False,
        label=gettext_lazy("Scan or photo of the certificate"),
        help_text=gettext_lazy("PDF, JPEG or PNG, at most 10 MB. The alliance checks it before the badge shows."),
    )


_CERTIFICATE_NOT_DETAILS = frozenset({"products", "scan"})


def certificate_details(fields: Mapping[str, Any], base: CertificateDetails | None = None) -> CertificateDetails:
    values = {name: value for name, value in fields.items() if name not in _CERTIFICATE_NOT_DETAILS}
    return replace(base, **values) if base is not None else CertificateDetails(**values)


# --- spreadsheet import --------------------------------------------------------------------------
class ImportInput(serializers.Serializer):
    file = serializers.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("CSV (UTF-8) or Excel .xlsx, at most 5 MB."),
    )
    default_vat_category = VatChoice(
        required=False,
        label=gettext_lazy("VAT category for rows that give none"),
        help_text=gettext_lazy("Rows with their own VAT category keep it."),
    )
    publish = serializers.BooleanField(
        required=False,
        default=False,
        label=gettext_lazy("Publish the new products at once"),
        help_text=gettext_lazy("Otherwise they are saved as drafts for you to check and publish."),
    )


class ExportQuery(serializers.Serializer):
    type = inputs.ChoiceInput(ExportType, required=False, help_text="Spreadsheet type (csv).")


# --- query parameters of the lists ---------------------------------------------------------------
PRICE_BASIS = gettext_lazy("Per kg; per litre for liquids, per piece for goods sold by the piece.")


class YesNo(serializers.BooleanField):
    default_error_messages = {"invalid": gettext_lazy("Write 1 or 0 (yes or no).")}


class PageQuery(serializers.Serializer):
    """The paging parameters every list takes."""

    cursor = inputs.TextInput(max_length=500, required=False)
    page_size = inputs.IntegerInput(min_value=1, max_value=100, required=False)


class ProductQueryInput(PageQuery):
    """The public catalogue's filters (the catalogue page, GET /products/ and /products/facets/)."""

    search = inputs.TextInput(
        max_length=200, required=False, label=gettext_lazy("Search products"),
        help_text="Words to find; diacritics and case do not matter.",
    )  # fmt: skip
    category = CategoryChoice(
        required=False, label=gettext_lazy("Category"), help_text=gettext_lazy("Its sub-categories too.")
    )
    province = ProvinceChoice(required=False, label=gettext_lazy("Province of origin"))
    certificate = inputs.ChoiceInput(CertificateKind, required=False, label=gettext_lazy("Certificate"))
    ocop_min = inputs.IntegerInput(min_value=3, max_value=5, required=False, label=gettext_lazy("OCOP stars"))
    price_min = inputs.MoneyInput(required=False, label=gettext_lazy("Price from (₫)"), help_text=PRICE_BASIS)
    price_max = inputs.MoneyInput(required=False, label=gettext_lazy("Price to (₫)"), help_text=PRICE_BASIS)
    moq_max = inputs.QuantityInput(
        required=False,
        label=gettext_lazy("Minimum order at most"),
        help_text=gettext_lazy("In each product's own unit."),
    )
    in_stock = YesNo(required=False, default=False, label=gettext_lazy("In stock only"))
    cooperative = inputs.IdInput(required=False, label=gettext_lazy("Cooperative"))
    sort = inputs.ChoiceInput(Sort, required=False, label=gettext_lazy("Sort by"))


class MyProductQueryInput(PageQuery):
    status = inputs.ChoiceInput(ProductStatus, required=False)
    search = inputs.TextInput(max_length=200, required=False)


class LotQueryInput(PageQuery):
    product = inputs.IdInput(required=False)
    status = inputs.ChoiceInput(LotStatus, required=False)


class LotEventQueryInput(PageQuery):
    lot = inputs.IdInput(required=False)


class CertificateQueryInput(PageQuery):
    status = inputs.ChoiceInput(CertificateStatus, required=False)
    kind = inputs.ChoiceInput(CertificateKind, required=False)
    cooperative = inputs.IdInput(required=False, help_text="Alliance staff only.")


# Parameters a list answers to besides its filters: DRF's ?format= and the incremental sync's (docs/api-sync.md).
FRAMEWORK_PARAMETERS = frozenset({"format", UPDATED_SINCE})


@cache
def parameter_names(schema: type[serializers.Serializer]) -> frozenset[str]:
    """The parameters a list answers to: its schema's fields (built once per schema, not per request: DRF
    deep-copies every field each time a serializer is made) and the framework's."""
    return frozenset(schema().fields) | FRAMEWORK_PARAMETERS


def read_query(
    schema: type[serializers.Serializer], params: Mapping[str, Any], *, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A list's query parameters, typed, read the way people type them. An unknown parameter (`?order=`
    where the list sorts by `sort`) is an error with its name, like a bad value, never ignored."""
    known = parameter_names(schema)
    unknown = {name: [_("This list has no parameter “%(name)s”.") % {"name": name}] for name in params
               if name not in known}  # fmt: skip
    try:
        values = inputs.read_input(schema, params, mode=inputs.InputMode.FORM, context=context)
    except ValidationFailed as error:
        raise ValidationFailed(fields={**unknown, **error.fields}) from None
    if unknown:
        raise ValidationFailed(fields=unknown)
    return values


def read_query_leniently(
    schema: type[serializers.Serializer], params: Mapping[str, Any], *, context: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """For pages: the parameters that are right, and the errors of those that are not (shown to the person)."""
    try:
        return read_query(schema, params, context=context), {}
    except ValidationFailed as error:
        known = set(schema().fields)
        # The right ones again (a filter left empty is no filter), without those in error.
        good = {k: v for k, v in params.items() if k in known and k not in error.fields and v not in ("", None)}
        return read_query(schema, good, context=context), error.fields


def product_query(params: Mapping[str, Any]) -> ProductQuery:
    """The catalogue's filters from query parameters; ValidationFailed names each bad or unknown one."""
    return ProductQuery.from_values(read_query(ProductQueryInput, params))
