"""Input and output shapes of the catalogue API. Lists are built as plain dicts (cheap); these
serializers describe them for the schema, and a test keeps the two in step."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Context, Decimal
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from catalog import selectors
from catalog.gs1 import gtin_prefix_usage
from catalog.models import (
    Certificate,
    CertificateKind,
    HarvestLot,
    PriceTier,
    Product,
    ProductImage,
    TraceDirection,
    TraceEvent,
)
from catalog.policy import allowed, certificate_actions, lot_actions, product_actions
from catalog.selectors.browse import Badge
from catalog.selectors.categories import CategoryNode
from market.core.quantity import QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS, UNIT_SYMBOLS, Unit, base_unit
from market.organisations import geo
from market.organisations.permissions import Actor


def context_actor(serializer: serializers.Field) -> Actor:
    """Who asks (views put the actor in the serializer's context): whose `allowed_actions` these are."""
    actor = serializer.context.get("actor")
    return actor if isinstance(actor, Actor) else Actor.anonymous()


ALLOWED_ACTIONS_HELP = "What the caller may do with it now (the verbs of its action endpoints)."


def dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def image_url(name: str) -> str | None:
    return _media_url(get_script_prefix(), name) if name else None


# A name no image has, to find what reverse() writes around one.
_MARKER = "2147483647"


def media_url_around() -> tuple[str, str]:
    """image_url's address before and after an image's name (the name quoted as reverse() quotes it)."""
    head, _marker, tail = reverse("catalog-media", kwargs={"name": _MARKER}).partition(_MARKER)
    return head, tail


@functools.lru_cache(maxsize=20_000)
def _media_url(prefix: str, name: str) -> str:
    """An image's address under the script prefix `prefix` (reversed once per process: a list shows the
    same thumbnails to every visitor, and `reverse` cost ~15 µs each)."""
    return reverse("catalog-media", kwargs={"name": name})


def unit_dict(code: int | None, kind: str) -> dict[str, Any] | None:
    unit = geo.province(code) if kind == "province" else geo.commune(code)
    return {"code": unit.code, "name": unit.name} if unit else None


# --- shared pieces -------------------------------------------------------------------------------
class UnitRefOut(serializers.Serializer):
    code = serializers.IntegerField()
    name = serializers.CharField()


class TierOut(serializers.Serializer):
    min_quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit_price = serializers.IntegerField(help_text="Whole đồng per unit.")


def shape(name: str, fields: dict[str, serializers.Field]) -> type[serializers.Serializer]:
    """An output shape with a field named like a Serializer attribute (`label`, `errors`)."""
    return type(name, (serializers.Serializer,), fields)


BadgeOut = shape(
    "BadgeOut",
    {
        "kind": serializers.ChoiceField(choices=CertificateKind.choices),
        "label": serializers.CharField(),
        "ocop_stars": serializers.IntegerField(allow_null=True),
    },
)


class WithBadgeLabel(serializers.ModelSerializer):
    """A certificate's `label`: its badge text ("OCOP 4★"), added here because Serializer has a `label`."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["label"] = serializers.CharField(source="badge_label", read_only=True)
        return fields


class CooperativeRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategoryRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


def tiers_list(tiers: list[PriceTier]) -> list[dict[str, Any]]:
    return [{"min_quantity": dec(t.min_quantity), "unit_price": t.unit_price} for t in tiers]


def badges_list(badges: list[Badge]) -> list[dict[str, Any]]:
    return [{"kind": b.kind, "label": b.label, "ocop_stars": b.ocop_stars} for b in badges]


# --- products: list cards ------------------------------------------------------------------------
class ProductCardOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)
    unit_symbol = serializers.CharField()
    moq = serializers.DecimalField(max_digits=14, decimal_places=3)
    order_multiple = serializers.DecimalField(max_digits=14, decimal_places=3)
    currency = serializers.CharField()
    price_from = serializers.IntegerField(help_text="Lowest unit price over all tiers (whole đồng).")
    price_at_moq = serializers.IntegerField(help_text="Unit price at the minimum order (whole đồng).")
    price_per_base_unit = serializers.IntegerField(
        help_text="Lowest price per base unit (whole đồng): what the catalogue sorts and filters prices by."
    )
    base_unit = serializers.CharField(
        help_text="What price_per_base_unit is per: kg (mass), lit (volume), else the unit."
    )
    price_tiers = TierOut(many=True)
    cooperative = CooperativeRefOut()
    category = CategoryRefOut()
    origin_province = UnitRefOut(allow_null=True)
    badges = BadgeOut(many=True)
    in_stock = serializers.BooleanField()
    thumbnail_url = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField()


@dataclass(frozen=True)
class CardParts:
    """What the cards of one response share, worked out once for it rather than per card: the language
    (`localised` asked Django for it per name, through a context-local lookup) and each category's reference
    in that language."""

    english: bool
    categories: dict[int, dict[str, Any]]


def card_parts(categories: Iterable[CategoryNode]) -> CardParts:
    """The parts of the cards under the active language, for the category tree `categories`."""
    english = (get_language() or "vi").startswith("en")
    refs = {n.id: {"id": n.id, "slug": n.slug, "name": n.name_en if english and n.name_en else n.name_vi}
            for n in categories}  # fmt: skip
    return CardParts(english=english, categories=refs)


def product_card(product: Product, badges: list[Badge], parts: CardParts) -> dict[str, Any]:
    name_vi, name_en = product.name_vi, product.name_en
    unit = product.unit
    published_at = product.published_at
    return {
        "id": product.pk,
        "name": name_en if parts.english and name_en else name_vi,  # Product.name (catalog.models.localised)
        "name_vi": name_vi,
        "name_en": name_en,
        "unit": unit,
        "unit_symbol": UNIT_SYMBOLS.get(unit, unit),
        "moq": dec(product.moq),
        "order_multiple": dec(product.order_multiple),
        "currency": "VND",
        "price_from": product.price_from,
        "price_at_moq": product.price_at_moq,
        "price_per_base_unit": product.price_per_base_unit,
        "base_unit": base_unit(unit),
        "price_tiers": [{"min_quantity": dec(q), "unit_price": price} for q, price in product.tier_list],
        "cooperative": {"id": product.cooperative_id, "name": product.cooperative.name},
        "category": parts.categories.get(product.category_id),
        "origin_province": unit_dict(product.origin_province_code, "province"),
        "badges": badges_list(badges),
        "in_stock": product.in_stock,
        "thumbnail_url": image_url(product.cover_thumbnail),
        "published_at": published_at.isoformat().replace("+00:00", "Z") if published_at else None,
    }


def page_body(next_url: str | None, sort: str, cards: list[str]) -> bytes:
    """The list's body (ProductPageOut) as DRF's JSON renderer writes it, from its cards' JSON texts: compact, not
    ASCII-escaped, U+2028 and U+2029 escaped as it escapes them."""
    head = JSONRenderer().render({"next": next_url, "sort": sort})
    results = ",".join(cards).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return head[:-1] + b',"results":[' + results.encode() + b"]}"


class ProductPageOut(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text="The next page's URL, or null on the last page.")
    sort = serializers.CharField()
    results = ProductCardOut(many=True)


FacetValueOut = shape(
    "FacetValueOut",
    {
        "value": serializers.CharField(),
        "label": serializers.CharField(),
        "count": serializers.IntegerField(),
        "depth": serializers.IntegerField(),
    },
)


class FacetsOut(serializers.Serializer):
    total = serializers.IntegerField()
    in_stock = serializers.IntegerField()
    category = FacetValueOut(many=True)
    province = FacetValueOut(many=True)
    certificate = FacetValueOut(many=True)
    ocop_min = FacetValueOut(many=True)


# --- products: detail ----------------------------------------------------------------------------
# The detail bodies are built as plain dicts (`product_detail`, `lot_detail`): a ModelSerializer built its
# fields again for every response, which cost more than the queries. The serializers below describe those
# bodies for the schema, and their `to_representation` is the builder, so lists and details say the same.
def quantity_text(value: Decimal | None) -> str | None:
    """A quantity as DRF's DecimalField(max_digits=14, decimal_places=3) writes it: '12.500'."""
    if value is None:
        return None
    return format(value.quantize(QUANTUM, context=QUANTITY_CONTEXT), "f")


QUANTUM = Decimal(1).scaleb(-QUANTITY_DECIMAL_PLACES)
QUANTITY_CONTEXT = Context(prec=QUANTITY_MAX_DIGITS)


def date_text(value: date | None) -> str | None:
    return value.isoformat() if value else None


def datetime_text(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """As DRF's DateTimeField writes it: in the current time zone (`zone` when the caller has it at hand: looking
    it up costs a context-local read), ISO 8601, UTC as 'Z'."""
    if not value:
        return None
    text = timezone.localtime(value, zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ImageOut(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True)
    thumbnail_url = serializers.CharField(read_only=True)

    class Meta:
        model = ProductImage
        fields = ["id", "url", "thumbnail_url", "width", "height", "alt_text", "position"]

    def to_representation(self, instance: ProductImage) -> dict[str, Any]:
        return image_dict(instance)


def image_dict(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.pk,
        "url": image_url(image.image.name or "") or "",
        "thumbnail_url": image_url(image.thumbnail.name or "") or "",
        "width": image.width,
        "height": image.height,
        "alt_text": image.alt_text,
        "position": image.position,
    }


class VatOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    subject_to_vat = serializers.BooleanField()
    rate_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class LotBriefOut(serializers.ModelSerializer):
    trace_url = serializers.CharField(read_only=True)

    class Meta:
        model = HarvestLot
        fields = ["id", "code", "quantity_available", "harvest_date", "expiry_date", "trace_url"]


def lot_brief(lot: HarvestLot) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "code": lot.code,
        "quantity_available": quantity_text(lot.quantity_available),
        "harvest_date": date_text(lot.harvest_date),
        "expiry_date": date_text(lot.expiry_date),
        "trace_url": selectors.lot_qr_url(lot),
    }


class CertificateBriefOut(WithBadgeLabel):
    class Meta:
        model = Certificate
        fields = ["id", "kind", "number", "issuer", "valid_from", "valid_to", "ocop_stars"]

    def to_representation(self, instance: Certificate) -> dict[str, Any]:
        return certificate_brief(instance)


def certificate_brief(certificate: Certificate) -> dict[str, Any]:
    return {
        "id": certificate.pk,
        "kind": certificate.kind,
        "number": certificate.number,
        "issuer": certificate.issuer,
        "valid_from": date_text(certificate.valid_from),
        "valid_to": date_text(certificate.valid_to),
        "ocop_stars": certificate.ocop_stars,
        "label": certificate.badge_label,
    }


class ProductDetailOut(serializers.ModelSerializer):
    name = serializers.CharField()
    description = serializers.CharField()
    unit_symbol = serializers.CharField()
    currency = serializers.CharField(read_only=True)
    price_tiers = TierOut(many=True, read_only=True)
    cooperative = CooperativeRefOut(read_only=True)
    category = CategoryRefOut(read_only=True)
    vat_category = VatOut(read_only=True)
    origin_province = UnitRefOut(allow_null=True, read_only=True)
    origin_commune = UnitRefOut(allow_null=True, read_only=True)
    images = ImageOut(many=True)
    badges = BadgeOut(many=True, read_only=True)
    certificates = CertificateBriefOut(many=True, read_only=True)
    lots_in_stock = LotBriefOut(many=True, read_only=True)
    stock_available = serializers.DecimalField(max_digits=14, decimal_places=3, read_only=True)
    gtin_issuer = serializers.CharField(read_only=True)
    allowed_actions = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=ALLOWED_ACTIONS_HELP
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "status",
            "sku",
            "name",
            "name_vi",
            "name_en",
            "description",
            "description_vi",
            "description_en",
            "unit",
            "unit_symbol",
            "moq",
            "order_multiple",
            "currency",
            "price_from",
            "price_at_moq",
            "price_per_base_unit",
            "price_tiers",
            "gtin",
            "gtin_issuer",
            "vat_category",
            "packaging",
            "net_content",
            "ingredients",
            "storage_instructions",
            "usage_instructions",
            "shelf_life_days",
            "origin_province",
            "origin_commune",
            "origin_note",
            "cooperative",
            "category",
            "images",
            "badges",
            "certificates",
            "lots_in_stock",
            "stock_available",
            "published_at",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]

    def to_representation(self, instance: Product) -> dict[str, Any]:
        return product_detail(instance, actor=context_actor(self))


def product_detail(product: Product, *, actor: Actor) -> dict[str, Any]:
    """ProductDetailOut's body. `product` comes with its details (selectors.with_details); two more queries
    read its certificates in force (the list and the badges) and its lots in stock (the list and the stock)."""
    certificates = selectors.certificates_in_force_for(product=product)
    lots = selectors.lots_in_stock(product=product)
    vat = product.vat_category
    category = product.category
    return {
        "id": product.pk,
        "status": product.status,
        "sku": product.sku,
        "name": product.name,
        "name_vi": product.name_vi,
        "name_en": product.name_en,
        "description": product.description,
        "description_vi": product.description_vi,
        "description_en": product.description_en,
        "unit": product.unit,
        "unit_symbol": product.unit_symbol,
        "moq": quantity_text(product.moq),
        "order_multiple": quantity_text(product.order_multiple),
        "currency": "VND",
        "price_from": product.price_from,
        "price_at_moq": product.price_at_moq,
        "price_per_base_unit": product.price_per_base_unit,
        "price_tiers": tiers_list(selectors.price_tiers_for(product=product)),
        "gtin": product.gtin,
        "gtin_issuer": gtin_prefix_usage(product.gtin) if product.gtin else "",
        "vat_category": {
            "code": vat.code,
            "name": vat.name,
            "subject_to_vat": vat.subject_to_vat,
            "rate_percent": dec(vat.rate_percent),
        },
        "packaging": product.packaging,
        "net_content": product.net_content,
        "ingredients": product.ingredients,
        "storage_instructions": product.storage_instructions,
        "usage_instructions": product.usage_instructions,
        "shelf_life_days": product.shelf_life_days,
        "origin_province": unit_dict(product.origin_province_code, "province"),
        "origin_commune": unit_dict(product.origin_commune_code, "commune"),
        "origin_note": product.origin_note,
        "cooperative": {"id": product.cooperative.pk, "name": product.cooperative.name},
        "category": {"id": category.pk, "slug": category.slug, "name": category.name},
        "images": [image_dict(image) for image in product.images.all()],
        "badges": badges_list(selectors.badges_of(certificates)),
        "certificates": [certificate_brief(certificate) for certificate in certificates],
        "lots_in_stock": [lot_brief(lot) for lot in lots],
        "stock_available": dec(selectors.stock_of(lots)) or "0",
        "published_at": datetime_text(product.published_at),
        "created_at": datetime_text(product.created_at),
        "updated_at": datetime_text(product.updated_at),
        "allowed_actions": allowed(product_actions(actor=actor, obj=product)),
    }


class PriceQuoteOut(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.ChoiceField(choices=Unit.choices)
    currency = serializers.CharField()
    unit_price = serializers.IntegerField()
    tier_min_quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    total = serializers.IntegerField()


# --- lots ----------------------------------------------------------------------------------------
class LotProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.ChoiceField(choices=Unit.choices)


class LotOut(serializers.ModelSerializer):
    product = LotProductOut(read_only=True)
    origin_province = UnitRefOut(allow_null=True, read_only=True)
    origin_commune = UnitRefOut(allow_null=True, read_only=True)
    certificates: serializers.PrimaryKeyRelatedField[Certificate] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    trace_url = serializers.CharField(read_only=True)
    qr_png_url = serializers.CharField(read_only=True)
    allowed_actions = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=ALLOWED_ACTIONS_HELP
    )

    class Meta:
        model = HarvestLot
        fields = [
            "id",
            "product",
            "code",
            "status",
            "quantity_produced",
            "quantity_available",
            "harvest_date",
            "expiry_date",
            "origin_province",
            "origin_commune",
            "plot",
            "note",
            "certificates",
            "public_id",
            "trace_url",
            "qr_png_url",
            "published_at",
            "created_at",
            "allowed_actions",
        ]

    def to_representation(self, instance: HarvestLot) -> dict[str, Any]:
        return lot_detail(instance, actor=context_actor(self))


def lot_detail(lot: HarvestLot, *, actor: Actor) -> dict[str, Any]:
    """LotOut's body; `lot` comes with its product and certificates (selectors.lot_get_for)."""
    return {
        "id": lot.pk,
        "product": {"id": lot.product_id, "name": lot.product.name, "unit": lot.product.unit},
        "code": lot.code,
        "status": lot.status,
        "quantity_produced": quantity_text(lot.quantity_produced),
        "quantity_available": quantity_text(lot.quantity_available),
        "harvest_date": date_text(lot.harvest_date),
        "expiry_date": date_text(lot.expiry_date),
        "origin_province": unit_dict(lot.origin_province_code, "province"),
        "origin_commune": unit_dict(lot.origin_commune_code, "commune"),
        "plot": lot.plot,
        "note": lot.note,
        "certificates": [certificate.pk for certificate in lot.certificates.all()],
        "public_id": lot.public_id,
        "trace_url": selectors.lot_qr_url(lot),
        "qr_png_url": lot_qr_png_url(lot.public_id),
        "published_at": datetime_text(lot.published_at),
        "created_at": datetime_text(lot.created_at),
        "allowed_actions": allowed(lot_actions(actor=actor, obj=lot)),
    }


def lot_qr_png_url(public_id: str) -> str:
    return settings.SITE_URL + reverse("catalog-lot-qr", kwargs={"public_id": public_id})


class EventOut(serializers.ModelSerializer):
    direction = serializers.ChoiceField(choices=TraceDirection.choices)

    class Meta:
        model = TraceEvent
        fields = [
            "id",
            "lot",
            "kind",
            "direction",
            "occurred_at",
            "description",
            "party",
            "party_reference",
            "quantity",
            "unit",
            "location",
            "document_reference",
            "corrects",
            "created_at",
        ]

    def to_representation(self, instance: TraceEvent) -> dict[str, Any]:
        return event_dict(instance)


def event_dict(event: TraceEvent) -> dict[str, Any]:
    """EventOut's body, built as a dict: the trace reads every event of a lot on each request, and the
    ModelSerializer's fields cost more than the query (tests/catalog/test_trace_reads.py compares the two)."""
    return {
        "id": event.pk,
        "lot": event.lot_id,
        "kind": event.kind,
        "direction": str(event.direction),
        "occurred_at": datetime_text(event.occurred_at),
        "description": event.description,
        "party": event.party,
        "party_reference": event.party_reference,
        "quantity": quantity_text(event.quantity),
        "unit": event.unit,
        "location": event.location,
        "document_reference": event.document_reference,
        "corrects": event.corrects_id,
        "created_at": datetime_text(event.created_at),
    }


# --- certificates --------------------------------------------------------------------------------
class CertificateOut(WithBadgeLabel):
    cooperative = serializers.SerializerMethodField()
    products: serializers.PrimaryKeyRelatedField[Product] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    in_force = serializers.SerializerMethodField()
    scan_url = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text=ALLOWED_ACTIONS_HELP)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "cooperative",
            "kind",
            "number",
            "issuer",
            "valid_from",
            "valid_to",
            "ocop_stars",
            "scope",
            "products",
            "status",
            "review_note",
            "reviewed_at",
            "in_force",
            "scan_url",
            "created_at",
            "allowed_actions",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: Certificate) -> list[str]:
        return allowed(certificate_actions(actor=context_actor(self), obj=obj))

    @extend_schema_field(CooperativeRefOut)
    def get_cooperative(self, obj: Certificate) -> dict[str, Any]:
        return {"id": obj.cooperative_id, "name": obj.cooperative.name}

    def get_in_force(self, obj: Certificate) -> bool:
        return obj.is_in_force()

    def get_scan_url(self, obj: Certificate) -> str | None:
        return reverse("catalog:certificate-scan", kwargs={"certificate_id": obj.pk}) if obj.scan else None


# --- trace ---------------------------------------------------------------------------------------
class TraceCertificateOut(CertificateBriefOut):
    in_force_now = serializers.BooleanField()
    in_force_at_harvest = serializers.BooleanField()

    class Meta(CertificateBriefOut.Meta):
        fields = [*CertificateBriefOut.Meta.fields, "in_force_now", "in_force_at_harvest"]


class ForwardStepOut(serializers.Serializer):
    """A shipment of the lot: when and to which province; `event` (the buyer, the order, the quantity) only
    for the lot's cooperative, that buyer and the alliance's staff, else null."""

    shipped_at = serializers.DateTimeField()
    province = serializers.CharField()
    event = EventOut(allow_null=True)


def forward_step_dict(step: selectors.ForwardStep) -> dict[str, Any]:
    """ForwardStepOut's body."""
    return {
        "shipped_at": datetime_text(step.shipped_at),
        "province": step.province,
        "event": event_dict(step.event) if step.event is not None else None,
    }


class TraceOut(serializers.Serializer):
    lot = serializers.DictField()
    product = serializers.DictField()
    cooperative = serializers.DictField()
    qr_url = serializers.CharField()
    withdrawn = serializers.BooleanField()
    expired = serializers.BooleanField()
    badges = BadgeOut(many=True)
    certificates = TraceCertificateOut(many=True)
    one_step_back = EventOut(many=True)
    at_the_cooperative = EventOut(many=True)
    one_step_forward = ForwardStepOut(many=True)


def trace_body(view: selectors.TraceView) -> dict[str, Any]:
    """TraceOut's body."""
    lot, product = view.lot, view.product
    certificates = [
        {
            **certificate_brief(item.certificate),
            "in_force_now": item.in_force_now,
            "in_force_at_harvest": item.in_force_at_harvest,
        }
        for item in view.certificates
    ]
    return {
        "lot": {
            "code": lot.code,
            "status": lot.status,
            "harvest_date": lot.harvest_date.isoformat(),
            "expiry_date": lot.expiry_date.isoformat() if lot.expiry_date else None,
            "quantity_produced": dec(lot.quantity_produced),
            "unit": product.unit,
            "origin": lot.origin_display,
            "plot": lot.plot,
            "origin_province": unit_dict(lot.origin_province_code, "province"),
            "origin_commune": unit_dict(lot.origin_commune_code, "commune"),
        },
        "product": {"id": product.pk, "name": product.name, "gtin": product.gtin, "category": product.category.name},
        "cooperative": {
            "id": product.cooperative_id,
            "name": product.cooperative.name,
            "province": product.cooperative.province_name,
        },
        "qr_url": view.qr_url,
        "withdrawn": view.withdrawn,
        "expired": view.expired,
        "badges": badges_list(view.badges),
        "certificates": certificates,
        "one_step_back": [event_dict(event) for event in view.back],
        "at_the_cooperative": [event_dict(event) for event in view.internal],
        "one_step_forward": [forward_step_dict(step) for step in view.forward],
    }


# --- import --------------------------------------------------------------------------------------
ImportRowOut = shape(
    "ImportRowOut",
    {
        "row": serializers.IntegerField(),
        "sku": serializers.CharField(),
        "name": serializers.CharField(),
        "action": serializers.ChoiceField(choices=[("create", "create"), ("update", "update")]),
        "errors": serializers.ListField(child=serializers.CharField()),
    },
)


class ImportOut(serializers.Serializer):
    id = serializers.IntegerField()
    file_name = serializers.CharField()
    status = serializers.CharField()
    row_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    ignored_columns = serializers.ListField(
        child=serializers.CharField(), help_text="Headers of the file no column was read from."
    )
    publish_new = serializers.BooleanField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    published_count = serializers.IntegerField()
    publish_refused = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="[product name, why it stayed a draft] for each new product that could not be published.",
    )
    rows = ImportRowOut(many=True, required=False)


class CategoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField()
    depth = serializers.IntegerField()
