"""The catalogue pages' forms, rendered from the commands' schemas (`catalog.inputs`) and validated by them
(`frontend.schema_forms.SchemaForm`): one parse, one limit, one message for the page and the API. What
is here is only what a page adds: the choices it offers, the order of its sections, and the price-tier table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from catalog import selectors
from catalog.inputs import CertificateInput, EventInput, LotInput, ProductInput, TierInput
from catalog.models import Certificate, Product, TraceEvent
from catalog.spreadsheets import TIER_COLUMNS
from frontend.errors import page_message
from frontend.schema_forms import Choices, SchemaForm
from market.core import inputs
from market.core.errors import ApplicationError, ValidationFailed
from market.core.parsing import format_date, format_decimal, format_input_decimal
from market.organisations import geo


def category_choices() -> Choices:
    return [(str(node.id), "\u2003" * node.depth + node.name) for node in selectors.category_tree()]


def vat_choices() -> Choices:
    return [(vat.code, vat.name) for vat in selectors.vat_categories()]


def geo_choices(province: Any) -> dict[str, Choices]:
    """Provinces, and the communes of the chosen one (htmx refreshes them when the province changes)."""
    try:
        code = int(province) if province not in (None, "") else None
    except (TypeError, ValueError):
        code = None
    return {
        "origin_province_code": [(str(c), name) for c, name in geo.province_choices()],
        "origin_commune_code": [(str(c), name) for c, name in geo.commune_choices(code)],
    }


def _watch_province(form: SchemaForm) -> None:
    field = form.fields.get("origin_province_code")
    if field is not None:
        field.widget.attrs.update(
            {"hx-get": "/geo/communes/", "hx-target": f"#{form['origin_commune_code'].auto_id}", "hx-trigger": "change"}
        )


DATE_FORMAT = "%d/%m/%Y"


def typed_dates(form: SchemaForm) -> SchemaForm:
    """Dates typed the way people here write them and every message asks for them (dd/mm/yyyy, "hh:mm"
    after it for a moment), rather than a picker whose order of day and month depends on the browser."""
    hint = {"inputmode": "numeric", "autocomplete": "off"}
    for name, field in form.schema_fields.items():
        if name not in form.fields:
            continue
        if isinstance(field, serializers.DateTimeField):
            attrs = {**hint, "placeholder": _("dd/mm/yyyy hh:mm")}
            form.fields[name].widget = forms.DateTimeInput(format=f"{DATE_FORMAT} %H:%M", attrs=attrs)
        elif isinstance(field, serializers.DateField):
            attrs = {**hint, "placeholder": _("dd/mm/yyyy")}
            form.fields[name].widget = forms.DateInput(format=DATE_FORMAT, attrs=attrs)
    return form


def _posted_or_initial(data: Any, initial: Mapping[str, Any] | None, name: str) -> Any:
    if data is not None and hasattr(data, "get") and data.get(name) not in (None, ""):
        return data.get(name)
    return (initial or {}).get(name)


# --- products ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TierCell:
    name: str
    label: str
    value: str
    inputmode: str
    errors: list[str]

    @property
    def id(self) -> str:
        return "id_" + self.name.replace("[", "_").replace("]", "_")


@dataclass(frozen=True)
class TierRow:
    start: TierCell
    price: TierCell

    @property
    def cells(self) -> tuple[TierCell, TierCell]:
        return (self.start, self.price)


class ProductForm(SchemaForm):
    """The product page form: details, price tiers (rows of `price_tiers[n]…`), label, origin."""

    detail_fields = ("name_vi", "name_en", "category", "sku", "unit", "moq", "order_multiple", "vat_category",
                     "gtin", "description_vi", "description_en")  # fmt: skip
    label_fields = ("packaging", "net_content", "ingredients", "storage_instructions", "usage_instructions",
                    "shelf_life_days")  # fmt: skip
    origin_fields = ("origin_province_code", "origin_commune_code", "origin_note")

    def __init__(
        self, data: QueryDict | None = None, *, initial: Mapping[str, Any] | None = None, unit: str | None = None
    ) -> None:
        province = _posted_or_initial(data, initial, "origin_province_code")
        choices = {"category": category_choices(), "vat_category": vat_choices(), **geo_choices(province)}
        super().__init__(data, schema=ProductInput, initial=initial, choices=choices, context={"unit": unit})
        _watch_province(self)
        self.initial_tiers: list[Any] = list((initial or {}).get("price_tiers") or [])
        self.tier_errors: dict[tuple[int, str], list[str]] = {}
        self.tier_list_errors: list[str] = []

    def _section(self, names: Sequence[str]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    @property
    def detail_section(self) -> list[forms.BoundField]:
        return self._section(self.detail_fields)

    @property
    def label_section(self) -> list[forms.BoundField]:
        return self._section(self.label_fields)

    @property
    def origin_section(self) -> list[forms.BoundField]:
        return self._section(self.origin_fields)

    def _filled_rows(self) -> list[int]:
        """The tier rows the person filled in (the schema numbers only those)."""
        if not self.is_bound:
            return []
        return [
            row
            for row in range(TIER_COLUMNS)
            if any(str(self.data.get(f"price_tiers[{row}]{name}", "")).strip() for name in TierInput().fields)
        ]

    def add_service_errors(self, error: ApplicationError) -> None:
        """Tier errors next to their cells (or above the table); the rest next to their fields."""
        rest: dict[str, list[str]] = {}
        filled = self._filled_rows()
        for name, messages in error.fields.items():
            parts = name.split(".")
            if parts[0] != "price_tiers":
                rest[name] = messages
            elif len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(filled):
                self.tier_errors.setdefault((filled[int(parts[1])], parts[2]), []).extend(messages)
            else:
                self.tier_list_errors.extend(messages)
        if rest or not error.fields:
            super().add_service_errors(ValidationFailed(page_message(error), fields=rest))
        if self.tier_errors or self.tier_list_errors:
            self.add_error(None, _("Check the price tiers."))

    @property
    def tier_rows(self) -> list[TierRow]:
        rows = []
        for row in range(TIER_COLUMNS):
            start, price = f"price_tiers[{row}]min_quantity", f"price_tiers[{row}]unit_price"
            if self.is_bound:
                start_value, price_value = str(self.data.get(start, "")), str(self.data.get(price, ""))
            elif row < len(self.initial_tiers):
                tier = self.initial_tiers[row]
                start_value, price_value = format_input_decimal(tier.min_quantity), format_decimal(tier.unit_price)
            else:
                start_value = price_value = ""
            number = {"n": row + 1}
            start_errors = self.tier_errors.get((row, "min_quantity"), [])
            price_errors = self.tier_errors.get((row, "unit_price"), [])
            rows.append(
                TierRow(
                    start=TierCell(
                        start, _("Tier %(n)s: from quantity") % number, start_value, "decimal", start_errors
                    ),
                    price=TierCell(
                        price, _("Tier %(n)s: unit price (₫)") % number, price_value, "numeric", price_errors
                    ),
                )
            )
        return rows

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(product, name)
            for name in (*ProductForm.detail_fields, *ProductForm.label_fields, *ProductForm.origin_fields)
            if name not in ("category", "vat_category")
        }
        initial["category"] = str(product.category_id)
        initial["vat_category"] = product.vat_category.code
        initial["gtin"] = product.gtin.lstrip("0")
        initial["price_tiers"] = selectors.price_tiers_for(product=product)
        return initial


# --- lots ----------------------------------------------------------------------------------------
def lot_form(
    data: QueryDict | None,
    *,
    initial: Mapping[str, Any],
    certificates: Sequence[Certificate],
    unit: str,
) -> SchemaForm:
    choices = {
        **geo_choices(_posted_or_initial(data, initial, "origin_province_code")),
        "certificates": [(str(c.pk), f"{c.badge_label} · {c.number}") for c in certificates],
    }
    form = SchemaForm(
        data, schema=LotInput, initial=initial, choices=choices, context={"unit": unit}, exclude=("product",)
    )
    _watch_province(form)
    return typed_dates(form)


def event_form(data: QueryDict | None, *, events: Sequence[TraceEvent], unit: str) -> SchemaForm:

    corrections = [
        (str(e.pk), f"{format_date(e.occurred_at.date())} · {e.get_kind_display()} · {e.description[:40]}")
        for e in events
    ]
    now = timezone.localtime()
    form = SchemaForm(
        data,
        schema=EventInput,
        initial={"occurred_at": f"{format_date(now.date())} {now:%H:%M}"},
        choices={"corrects": corrections},
        context={"unit": unit},
    )
    return typed_dates(form)


# --- certificates --------------------------------------------------------------------------------
OCOP_STARS: Choices = [("3", "3★"), ("4", "4★"), ("5", "5★")]


def certificate_form(
    data: QueryDict | None, files: Any = None, *, products: Sequence[Product], initial: Mapping[str, Any] | None = None
) -> SchemaForm:
    form = SchemaForm(
        data,
        files,
        schema=CertificateInput,
        initial=initial,
        choices={"products": [(str(p.pk), p.name) for p in products], "ocop_stars": OCOP_STARS},
    )
    return typed_dates(form)


# --- a page's verbs ------------------------------------------------------------------------------
def posted_action(data: QueryDict, actions: type[StrEnum]) -> Any:
    """Which action button was pressed (`name="action"`), read like any other field: an unknown one is a
    clear error, never a silent default."""

    class ActionInput(serializers.Serializer):
        action = inputs.ChoiceInput(actions)

    return inputs.read_input(ActionInput, data, mode=inputs.InputMode.FORM)["action"]


# --- labels --------------------------------------------------------------------------------------
LABEL_LAYOUTS: dict[str, dict[str, Any]] = {
    # A4 sticker sheets sold in Vietnam (Tomy / Decal A4): columns × rows, label size and sheet margins in mm.
    "a4-24": {"label": gettext_lazy("24 per sheet · 70 × 37 mm"), "cols": 3, "rows": 8, "w": 70, "h": 37,
              "top": 0.5, "left": 0},
    "a4-14": {"label": gettext_lazy("14 per sheet · 99.1 × 38.1 mm"), "cols": 2, "rows": 7, "w": 99.1, "h": 38.1,
              "top": 15.15, "left": 4.65},
    "a4-8": {"label": gettext_lazy("8 per sheet · 99.1 × 67.7 mm"), "cols": 2, "rows": 4, "w": 99.1, "h": 67.7,
             "top": 13.1, "left": 4.65},
    "a4-40": {"label": gettext_lazy("40 per sheet · 52.5 × 29.7 mm (QR and lot only)"), "cols": 4, "rows": 10,
              "w": 52.5, "h": 29.7, "top": 0, "left": 0},
}  # fmt: skip


class LabelLayout(StrEnum):
    A4_24 = "a4-24"
    A4_14 = "a4-14"
    A4_8 = "a4-8"
    A4_40 = "a4-40"


class LabelQuery(serializers.Serializer):
    layout = inputs.ChoiceInput(LabelLayout, label=gettext_lazy("Sticker paper"))
    sheets = inputs.IntegerInput(min_value=1, max_value=20, label=gettext_lazy("Sheets"))


def label_form(data: QueryDict | None) -> SchemaForm:
    return SchemaForm(
        data,
        schema=LabelQuery,
        initial={"layout": LabelLayout.A4_24, "sheets": 1},
        choices={"layout": [(key, spec["label"]) for key, spec in LABEL_LAYOUTS.items()]},
    )
