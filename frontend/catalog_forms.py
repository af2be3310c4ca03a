"""Forms of the catalogue pages. They check shape; the catalogue services check meaning per field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog import selectors
from catalog.models import (
    CertificateKind,
    CertificateScope,
    Product,
    TraceEventKind,
)
from catalog.spreadsheets import TIER_COLUMNS
from market.core.quantity import Unit
from market.organisations import geo

QUANTITY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}
MONEY_ATTRS = {"inputmode": "numeric", "autocomplete": "off"}


def category_choices() -> list[tuple[str, str]]:
    return [("", _("Choose a category"))] + [
        (str(node.id), "\u2003" * node.depth + node.name) for node in selectors.category_tree()
    ]


class ProvinceCommuneMixin(forms.Form):
    """Province then commune, the commune list refreshed by htmx when the province changes."""

    province_field = "origin_province_code"
    commune_field = "origin_commune_code"

    def setup_geo(self) -> None:
        self.fields[self.province_field].choices = [("", _("Choose a province")), *geo.province_choices()]
        raw = (
            self.data.get(self.add_prefix(self.province_field))
            if self.is_bound
            else self.initial.get(self.province_field)
        )
        try:
            province = int(raw) if raw else None
        except (TypeError, ValueError):
            province = None
        self.fields[self.commune_field].choices = [("", _("Choose a commune")), *geo.commune_choices(province)]
        self.fields[self.province_field].widget.attrs.update(
            {
                "hx-get": "/geo/communes/",
                "hx-target": f"#id_{self.add_prefix(self.commune_field)}",
                "hx-trigger": "change",
            }
        )


class ProductForm(ProvinceCommuneMixin):
    name_vi = forms.CharField(label=_("Name in Vietnamese"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Category"))
    sku = forms.CharField(
        label=_("Your product code (SKU)"), max_length=40, required=False, help_text=_("Used by imports to update it.")
    )
    unit = forms.ChoiceField(label=_("Sales unit"), choices=Unit.choices)
    moq = forms.CharField(
        label=_("Minimum order"), max_length=20, widget=forms.TextInput(attrs=QUANTITY_ATTRS),
        help_text=_("In the sales unit, e.g. 100 (kg) or 0.5 (tấn)."),
    )  # fmt: skip
    order_multiple = forms.CharField(
        label=_("Order multiple"), max_length=20, required=False, widget=forms.TextInput(attrs=QUANTITY_ATTRS),
        help_text=_("Buyers order in multiples of this, e.g. 25 for 25 kg sacks."),
    )  # fmt: skip
    vat_category = forms.ChoiceField(label=_("VAT category"))
    gtin = forms.CharField(
        label=_("GTIN (barcode number)"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Only a number GS1 Vietnam gave you (starts with 893); never make one up."),
    )  # fmt: skip
    description_vi = forms.CharField(
        label=_("Description in Vietnamese"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, required=False
    )
    description_en = forms.CharField(
        label=_("Description in English"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )
    packaging = forms.CharField(label=_("Packaging"), max_length=200, required=False)
    net_content = forms.CharField(label=_("Net content"), max_length=60, required=False)
    ingredients = forms.CharField(label=_("Ingredients"), max_length=500, required=False)
    storage_instructions = forms.CharField(label=_("Storage"), max_length=300, required=False)
    usage_instructions = forms.CharField(label=_("How to use"), max_length=300, required=False)
    shelf_life_days = forms.IntegerField(label=_("Shelf life (days)"), min_value=1, max_value=3650, required=False)
    origin_province_code = forms.TypedChoiceField(label=_("Province of origin"), coerce=int)
    origin_commune_code = forms.TypedChoiceField(
        label=_("Commune of origin"), coerce=int, required=False, empty_value=None
    )
    origin_note = forms.CharField(
        label=_("Origin details"), max_length=200, required=False, help_text=_("Field, hamlet or island.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tier_errors: list[str] = []
        self.fields["category"].choices = category_choices()
        self.fields["vat_category"].choices = [("", _("Choose a VAT category"))] + [
            (v.code, v.name) for v in selectors.vat_categories()
        ]
        self.setup_geo()
        for number in range(1, TIER_COLUMNS + 1):
            self.fields[f"tier_{number}_from"] = forms.CharField(
                label=_("Tier %(n)s: from quantity") % {"n": number}, max_length=20, required=False,
                widget=forms.TextInput(attrs=QUANTITY_ATTRS),
            )  # fmt: skip
            self.fields[f"tier_{number}_price"] = forms.CharField(
                label=_("Tier %(n)s: unit price (₫)") % {"n": number}, max_length=20, required=False,
                widget=forms.TextInput(attrs=MONEY_ATTRS),
            )  # fmt: skip

    detail_fields = (
        "name_vi", "name_en", "category", "sku", "unit", "moq", "order_multiple", "vat_category", "gtin",
        "description_vi", "description_en",
    )  # fmt: skip
    label_fields = ("packaging", "net_content", "ingredients", "storage_instructions", "usage_instructions",
                    "shelf_life_days")  # fmt: skip
    origin_fields = ("origin_province_code", "origin_commune_code", "origin_note")

    def section(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    @property
    def detail_section(self) -> list[forms.BoundField]:
        return self.section(self.detail_fields)

    @property
    def label_section(self) -> list[forms.BoundField]:
        return self.section(self.label_fields)

    @property
    def origin_section(self) -> list[forms.BoundField]:
        return self.section(self.origin_fields)

    @property
    def tier_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(n, self[f"tier_{n}_from"], self[f"tier_{n}_price"]) for n in range(1, TIER_COLUMNS + 1)]

    def product_data(self) -> dict[str, Any]:
        names = (*self.detail_fields, *self.label_fields, *self.origin_fields)
        data = {name: self.cleaned_data.get(name) for name in names}
        if not data.get("order_multiple"):
            data.pop("order_multiple")
        return data

    def tiers(self) -> list[dict[str, Any]]:
        rows = []
        for number in range(1, TIER_COLUMNS + 1):
            start = (self.cleaned_data.get(f"tier_{number}_from") or "").strip().replace(",", ".")
            price = (self.cleaned_data.get(f"tier_{number}_price") or "").strip()
            for noise in (".", ",", " ", "₫", "\u00a0"):
                price = price.replace(noise, "")
            if start or price:
                rows.append({"min_quantity": start, "unit_price": int(price) if price.isdigit() else price})
        return rows

    @classmethod
    def initial_for(cls, product: Product) -> dict[str, Any]:
        initial = {name: getattr(product, name) for name in cls.base_fields if hasattr(product, name)}
        initial["category"] = str(product.category_id)
        initial["vat_category"] = product.vat_category.code
        initial["moq"] = f"{product.moq.normalize():f}"
        initial["order_multiple"] = f"{product.order_multiple.normalize():f}"
        initial["gtin"] = product.gtin.lstrip("0") if product.gtin else ""
        for number, tier in enumerate(selectors.price_tiers_for(product=product), start=1):
            initial[f"tier_{number}_from"] = f"{tier.min_quantity.normalize():f}"
            initial[f"tier_{number}_price"] = str(tier.unit_price)
        return initial


class ImageForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"), help_text=_("JPEG, PNG or WebP, at least 300 × 300 pixels, at most 8 MB.")
    )
    alt_text = forms.CharField(
        label=_("What the photo shows"), max_length=200, required=False, help_text=_("Read aloud to blind visitors.")
    )


class LotForm(ProvinceCommuneMixin):
    code = forms.CharField(
        label=_("Lot code"), max_length=20, help_text=_("As printed on the packages, e.g. ST25-2026-03.")
    )
    quantity_produced = forms.CharField(
        label=_("Quantity harvested / produced"), max_length=20, widget=forms.TextInput(attrs=QUANTITY_ATTRS)
    )
    harvest_date = forms.DateField(label=_("Harvest / production date"), widget=forms.DateInput(attrs={"type": "date"}))
    expiry_date = forms.DateField(
        label=_("Best before / expiry"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    origin_province_code = forms.TypedChoiceField(label=_("Province of origin"), coerce=int)
    origin_commune_code = forms.TypedChoiceField(
        label=_("Commune of origin"), coerce=int, required=False, empty_value=None
    )
    plot = forms.CharField(label=_("Plot / raw-material area"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    certificates = forms.MultipleChoiceField(
        label=_("Certificates in force"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, certificates: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_geo()
        self.fields["certificates"].choices = [
            (str(c.pk), f"{c.badge_label} · {c.number}") for c in (certificates or [])
        ]

    def lot_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "certificates"}

    def certificate_ids(self) -> list[int]:
        return [int(i) for i in self.cleaned_data.get("certificates") or []]


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("What kind of event"), choices=TraceEventKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    description = forms.CharField(label=_("What happened"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    party = forms.CharField(
        label=_("Who"), max_length=200, required=False, help_text=_("Member household, supplier or consignee.")
    )
    party_reference = forms.CharField(label=_("Their reference"), max_length=60, required=False)
    quantity = forms.CharField(
        label=_("Quantity"), max_length=20, required=False, widget=forms.TextInput(attrs=QUANTITY_ATTRS)
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    document_reference = forms.CharField(label=_("Document"), max_length=100, required=False)
    corrects = forms.TypedChoiceField(
        label=_("Corrects the event"), coerce=int, required=False, empty_value=None,
        help_text=_("Only for a correction: the earlier event it fixes."),
    )  # fmt: skip

    def __init__(self, *args: Any, events: list[Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault(
            "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = [("", "—")] + [
            (str(e.pk), f"{e.occurred_at:%d/%m/%Y} · {e.get_kind_display()} · {e.description[:40]}")
            for e in events or []
        ]


class StockForm(forms.Form):
    quantity_available = forms.CharField(
        label=_("Available now"), max_length=20, widget=forms.TextInput(attrs=QUANTITY_ATTRS)
    )
    reason = forms.CharField(label=_("Why it changed"), max_length=200, help_text=_("Recount, spoilage, samples…"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CertificateKind.choices)
    ocop_stars = forms.TypedChoiceField(
        label=_("OCOP stars"), coerce=int, required=False, empty_value=None,
        choices=[("", "—"), ("3", "3★"), ("4", "4★"), ("5", "5★")],
    )  # fmt: skip
    number = forms.CharField(label=_("Certificate number"), max_length=80)
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty only for a geographical indication without an end date."),
    )  # fmt: skip
    scope = forms.ChoiceField(label=_("Covers"), choices=CertificateScope.choices, widget=forms.RadioSelect)
    products = forms.MultipleChoiceField(label=_("Products"), required=False, widget=forms.CheckboxSelectMultiple)
    scan = forms.FileField(
        label=_("Scan or photo of the certificate"), required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB. The alliance checks it before the badge shows."),
    )  # fmt: skip

    def __init__(self, *args: Any, products: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(str(p.pk), p.name) for p in products or []]

    def certificate_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("products", "scan")}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet"), help_text=_("CSV (UTF-8) or Excel .xlsx, at most 5 MB."))


LABEL_LAYOUTS: dict[str, dict[str, Any]] = {
    # A4 sticker sheets sold in Vietnam (Tomy / Decal A4): columns × rows, label size and sheet margins in mm.
    "a4-24": {"label": _("24 per sheet · 70 × 37 mm"), "cols": 3, "rows": 8, "w": 70, "h": 37, "top": 0.5, "left": 0},
    "a4-14": {"label": _("14 per sheet · 99.1 × 38.1 mm"), "cols": 2, "rows": 7, "w": 99.1, "h": 38.1, "top": 15.15,
              "left": 4.65},
    "a4-8": {"label": _("8 per sheet · 99.1 × 67.7 mm"), "cols": 2, "rows": 4, "w": 99.1, "h": 67.7, "top": 13.1,
             "left": 4.65},
    "a4-40": {"label": _("40 per sheet · 52.5 × 29.7 mm (QR and lot only)"), "cols": 4, "rows": 10, "w": 52.5,
              "h": 29.7, "top": 0, "left": 0},
}  # fmt: skip


class LabelForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("Sticker paper"), choices=[(key, spec["label"]) for key, spec in LABEL_LAYOUTS.items()], initial="a4-24"
    )
    sheets = forms.IntegerField(label=_("Sheets"), min_value=1, max_value=20, initial=1)
