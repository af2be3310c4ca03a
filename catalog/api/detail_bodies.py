"""Detail bodies from the one-statement reads of catalog.selectors.detail_sql (PostgreSQL): the same bytes as the
bodies `serializers.product_detail`, `serializers.trace_body` and `serializers.lot_detail` build from model
instances, which stay the definition (and what SQLite and a product's own cooperative read). The models' own
rules (the policies, a lot's QR code and origin) read small instances holding just what they look at."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from catalog import selectors
from catalog.api import serializers as s
from catalog.gs1 import gtin_prefix_usage
from catalog.models import EVENT_DIRECTIONS, HarvestLot, LotStatus, Product, TraceDirection, badge_text
from catalog.policy import allowed, lot_actions, product_actions, sees_forward_detail
from catalog.selectors.browse import badge_labels_in, badges_from
from catalog.selectors.detail_sql import (
    LotRow,
    ProductRow,
    TraceRow,
    lot_row_for,
    lot_trace_row,
    moment,
    product_public_row,
)
from market.core import rows
from market.core.errors import NotFound
from market.core.quantity import UNIT_SYMBOLS
from market.organisations import geo
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
    language = get_language() or "vi"
    english = language.startswith("en")  # catalog.models.localised, once for every name
    labels = badge_labels_in(language)
    zone = timezone.get_current_timezone()
    gtin = row.gtin
    certificates = [_certificate(item, labels) for item in row.certificates]
    return {
        "id": row.id,
        "status": row.status,
        "sku": row.sku,
        "name": _localised(english, row.name_vi, row.name_en),
        "name_vi": row.name_vi,
        "name_en": row.name_en,
        "description": _localised(english, row.description_vi, row.description_en),
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
            "name": _localised(english, row.vat_name_vi, row.vat_name_en),
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
            "name": _localised(english, row.category_name_vi, row.category_name_en),
        },
        "images": [_image(item) for item in row.images],
        "badges": s.badges_list(badges_from([(c["kind"], c["ocop_stars"]) for c in certificates], labels)),
        "certificates": certificates,
        "lots_in_stock": [_lot(item, gtin) for item in row.lots],
        "stock_available": row.stock_available or "0",
        "published_at": s.datetime_text(moment(row.published_at), zone),
        "created_at": s.datetime_text(moment(row.created_at), zone),
        "updated_at": s.datetime_text(moment(row.updated_at), zone),
        "allowed_actions": allowed(product_actions(actor=actor, obj=_policy_subject(row))),
    }


def _localised(english: bool, vi: str, en: str) -> str:
    """`catalog.models.localised` of a row's two texts: the English when English is active and it is filled in."""
    return en if english and en else vi


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
        "label": badge_text(kind, stars, labels[kind]),
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


def public_trace(*, public_id: str, actor: Actor) -> dict[str, Any]:
    """The public trace body of the lot `public_id` as `actor` may read it (`serializers.trace_body` of
    `selectors.trace_view`); NotFound when it has no public trace."""
    day = timezone.localdate()
    if connection.vendor != "postgresql":
        lot = selectors.lot_public_get(public_id=public_id)
        return s.trace_body(selectors.trace_view(lot=lot, actor=actor, on=day))
    row = lot_trace_row(public_id=public_id, on=day)
    if row is None:
        raise NotFound()
    return trace_body(row, actor=actor, on=day)


def trace_body(row: TraceRow, *, actor: Actor, on: date) -> dict[str, Any]:
    """`serializers.trace_body` of the lot `row` reads, on the day `on`."""
    language = get_language() or "vi"
    english = language.startswith("en")
    labels = badge_labels_in(language)
    zone = timezone.get_current_timezone()
    lot = _trace_lot(row)
    events: dict[str, list[dict[str, Any]]] = {direction: [] for direction in TraceDirection}
    forward = []
    for item in row.events:
        event = _event(item, row.id, zone)
        events[event["direction"]].append(event)
        if event["direction"] == TraceDirection.FORWARD:
            province = geo.province(item[13])
            sees = sees_forward_detail(actor=actor, lot=lot, buyer_id=item[12])
            shipped = {"shipped_at": event["occurred_at"], "province": province.name if province else ""}
            forward.append({**shipped, "event": event if sees else None})
    province = geo.province(row.cooperative_province_code)
    return {
        "lot": {
            "code": row.code,
            "status": row.status,
            "harvest_date": row.harvest_date,
            "expiry_date": row.expiry_date,
            "quantity_produced": row.quantity_produced,
            "unit": row.unit,
            "origin": lot.origin_display,
            "plot": row.plot,
            "origin_province": s.unit_dict(row.origin_province_code, "province"),
            "origin_commune": s.unit_dict(row.origin_commune_code, "commune"),
        },
        "product": {
            "id": row.product_id,
            "name": _localised(english, row.product_name_vi, row.product_name_en),
            "gtin": row.gtin,
            "category": _localised(english, row.category_name_vi, row.category_name_en),
        },
        "cooperative": {
            "id": row.cooperative_id,
            "name": row.cooperative_name,
            "province": province.name if province else "",  # Organisation.province_name
        },
        "qr_url": selectors.lot_qr_url(lot),
        "withdrawn": row.status == LotStatus.WITHDRAWN,
        "expired": lot.is_expired(on),
        "badges": s.badges_list(badges_from([(kind, stars) for kind, stars in row.badges], labels)),
        "certificates": [
            {**_certificate(item[:7], labels), "in_force_now": item[7], "in_force_at_harvest": item[8]}
            for item in row.certificates
        ],
        "one_step_back": events[TraceDirection.BACK],
        "at_the_cooperative": events[TraceDirection.INTERNAL],
        "one_step_forward": forward,
    }


def _trace_lot(row: TraceRow) -> HarvestLot:
    """The lot (and its product) as the models' own rules read it: its origin, expiry, QR code and owner."""
    lot = _lot_instance(
        row,
        origin_province_code=row.origin_province_code,
        origin_commune_code=row.origin_commune_code,
        plot=row.plot,
    )
    values = {"id": row.product_id, "cooperative_id": row.cooperative_id, "gtin": row.gtin}
    lot.product = rows.instance_of(Product, values)
    return lot


def _lot_instance(row: TraceRow | LotRow, **more: Any) -> HarvestLot:
    """A lot of the columns both statements read (and `more`), for the rules the model defines on them."""
    expiry = date.fromisoformat(row.expiry_date) if row.expiry_date else None
    values = {"id": row.id, "product_id": row.product_id, "code": row.code, "public_id": row.public_id,
              "status": row.status, "expiry_date": expiry}  # fmt: skip
    return rows.instance_of(HarvestLot, {**values, **more})


def _event(item: list[Any], lot_id: int, zone: tzinfo) -> dict[str, Any]:
    """`serializers.event_dict` of [id, kind, occurred_at, description, party, party_reference, quantity, unit,
    location, document_reference, corrects, created_at, …]."""
    event_id, kind, occurred_at, description, party, reference, quantity, unit, location, document = item[:10]
    return {
        "id": event_id,
        "lot": lot_id,
        "kind": kind,
        "direction": str(EVENT_DIRECTIONS.get(kind, TraceDirection.INTERNAL)),  # TraceEvent.direction
        "occurred_at": s.datetime_text(moment(occurred_at), zone),
        "description": description,
        "party": party,
        "party_reference": reference,
        "quantity": quantity,
        "unit": unit,
        "location": location,
        "document_reference": document,
        "corrects": item[10],
        "created_at": s.datetime_text(moment(item[11]), zone),
    }


def lot_detail_for(*, actor: Actor, lot_id: int) -> dict[str, Any]:
    """GET /lots/{id}/'s body: the lot `selectors.lot_get_for` gives the actor (NotFound when none)."""
    if connection.vendor != "postgresql":
        return s.lot_detail(selectors.lot_get_for(actor=actor, lot_id=lot_id), actor=actor)
    row = lot_row_for(actor=actor, lot_id=lot_id)
    if row is None:
        raise NotFound()
    return lot_body(row, actor=actor)


def lot_body(row: LotRow, *, actor: Actor) -> dict[str, Any]:
    """`serializers.lot_detail`'s body of the lot `row` reads."""
    english = (get_language() or "vi").startswith("en")
    zone = timezone.get_current_timezone()
    lot = _lot_instance(row)
    product = {"id": row.product_id, "cooperative_id": row.cooperative_id, "status": row.product_status}
    lot.product = rows.instance_of(Product, {**product, "gtin": row.gtin})
    return {
        "id": row.id,
        "product": {
            "id": row.product_id,
            "name": _localised(english, row.product_name_vi, row.product_name_en),
            "unit": row.unit,
        },
        "code": row.code,
        "status": row.status,
        "quantity_produced": row.quantity_produced,
        "quantity_available": row.quantity_available,
        "harvest_date": row.harvest_date,
        "expiry_date": row.expiry_date,
        "origin_province": s.unit_dict(row.origin_province_code, "province"),
        "origin_commune": s.unit_dict(row.origin_commune_code, "commune"),
        "plot": row.plot,
        "note": row.note,
        "certificates": row.certificates,
        "public_id": row.public_id,
        "trace_url": selectors.lot_qr_url(lot),
        "qr_png_url": s.lot_qr_png_url(row.public_id),
        "published_at": s.datetime_text(moment(row.published_at), zone),
        "created_at": s.datetime_text(moment(row.created_at), zone),
        "allowed_actions": allowed(lot_actions(actor=actor, obj=lot)),
    }
