"""Detail bodies from the one-statement reads of catalog.selectors.detail_sql (PostgreSQL): the same bytes as the
bodies `serializers.product_detail` builds from model instances, which stay the definition (and what SQLite and
a product's own cooperative read)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from catalog import selectors
from catalog.api import serializers as s
from catalog.gs1 import gtin_prefix_usage
from catalog.models import CertificateKind, Product
from catalog.policy import allowed, product_actions
from catalog.selectors.browse import badge_labels, badges_from
from catalog.selectors.detail_sql import ProductRow, moment, product_public_row
from market.core.errors import NotFound
from market.core.quantity import UNIT_SYMBOLS
from market.core import rows
from market.organisations.permissions import Actor


def public_product_detail(*, product_id: int, actor: Actor) -> dict[str, Any]:
    """The detail body of a product as the public sees it (`selectors.product_public_get`), `allowed_actions`
    as `actor` may act on it; NotFound when it is not public."""
    if connection.vendor != "postgresql":
        return s.product_detail(selectors.product_public_get(product_id=product_id), actor=actor)
    row = product_public_row(product_id=product_id, on=timezone.localdate())
    if row is None:
        raise NotFound()
    return product_body(row, actor=actor)


def product_body(row: ProductRow, *, actor: Actor) -> dict[str, Any]:
    """`serializers.product_detail`'s body of the product `row` reads."""
    english = (get_language() or "vi").startswith("en")  # catalog.models.localised, once for every name
    labels = badge_labels()
    gtin = row.gtin
    certificates = [_certificate(item, labels) for item in row.certificates]
    return {
        "id": row.id,
        "status": row.status,
        "sku": row.sku,
        "name": row.name_en if english and row.name_en else row.name_vi,
        "name_vi": row.name_vi,
        "name_en": row.name_en,
        "description": row.description_en if english and row.description_en else row.description_vi,
        "description_vi": row.description_vi,
        "description_en": row.description_en,
        "unit": row.unit,
        "unit_symbol": UNIT_SYMBOLS.get(row.unit, row.unit),
        "moq": row.moq,
        "order_multiple": row.order_multiple,
        "currency": "VND",
        "price_from": row.price_from,
        "price_at_moq": row.price_at_moq,
        "price_per_base_unit": row.price_per_base_unit,
        "price_tiers": row.tiers,
        "gtin": gtin,
        "gtin_issuer": gtin_prefix_usage(gtin) if gtin else "",
        "vat_category": {
            "code": row.vat_code,
            "name": row.vat_name_en if english and row.vat_name_en else row.vat_name_vi,
            "subject_to_vat": row.vat_subject_to_vat,
            "rate_percent": row.vat_rate_percent,
        },
        "packaging": row.packaging,
        "net_content": row.net_content,
        "ingredients": row.ingredients,
        "storage_instructions": row.storage_instructions,
        "usage_instructions": row.usage_instructions,
        "shelf_life_days": row.shelf_life_days,
        "origin_province": s.unit_dict(row.origin_province_code, "province"),
        "origin_commune": s.unit_dict(row.origin_commune_code, "commune"),
        "origin_note": row.origin_note,
        "cooperative": {"id": row.cooperative_id, "name": row.cooperative_name},
        "category": {
            "id": row.category_id,
            "slug": row.category_slug,
            "name": row.category_name_en if english and row.category_name_en else row.category_name_vi,
        },
        "images": [_image(item) for item in row.images],
        "badges": s.badges_list(badges_from([(c["kind"], c["ocop_stars"]) for c in certificates], labels)),
        "certificates": certificates,
        "lots_in_stock": [_lot(item, gtin) for item in row.lots],
        "stock_available": row.stock_available or "0",
        "published_at": s.datetime_text(moment(row.published_at)),
        "created_at": s.datetime_text(moment(row.created_at)),
        "updated_at": s.datetime_text(moment(row.updated_at)),
        "allowed_actions": allowed(product_actions(actor=actor, obj=_policy_subject(row))),
    }


def _image(item: list[Any]) -> dict[str, Any]:
    """`serializers.image_dict` of [id, image, thumbnail, width, height, alt_text, position]."""
    image_id, image, thumbnail, width, height, alt_text, position = item
    return {
        "id": image_id,
        "url": s.image_url(image) or "",
        "thumbnail_url": s.image_url(thumbnail) or "",
        "width": width,
        "height": height,
        "alt_text": alt_text,
        "position": position,
    }


def _certificate(item: list[Any], labels: dict[str, str]) -> dict[str, Any]:
    """`serializers.certificate_brief` of [id, kind, number, issuer, valid_from, valid_to, ocop_stars]
    (`Certificate.badge_label` with the kinds' labels in the active language)."""
    certificate_id, kind, number, issuer, valid_from, valid_to, stars = item
    return {
        "id": certificate_id,
        "kind": kind,
        "number": number,
        "issuer": issuer,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "ocop_stars": stars,
        "label": f"OCOP {stars}★" if kind == CertificateKind.OCOP and stars else labels[kind],
    }


def _lot(item: list[Any], gtin: str) -> dict[str, Any]:
    """`serializers.lot_brief` of [id, code, quantity_available, harvest_date, expiry_date, public_id]."""
    lot_id, code, available, harvest_date, expiry_date, public_id = item
    expiry = date.fromisoformat(expiry_date) if expiry_date else None
    return {
        "id": lot_id,
        "code": code,
        "quantity_available": available,
        "harvest_date": harvest_date,
        "expiry_date": expiry_date,
        "trace_url": selectors.qr_url(gtin=gtin, code=code, expiry_date=expiry, public_id=public_id),
    }


def _policy_subject(row: ProductRow) -> Product:
    """The product as `catalog.policy` reads it (its owner, status and price; any other field is read on use)."""
    values = {"id": row.id, "cooperative_id": row.cooperative_id, "status": row.status, "price_from": row.price_from}
    return rows.instance_of(Product, values)
