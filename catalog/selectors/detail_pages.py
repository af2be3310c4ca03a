"""What the public product and trace pages show, from the one-statement reads of catalog.selectors.detail_sql
(PostgreSQL): the model instances the pages' writers (frontend.product_content, frontend.trace_content) read, as
the ORM's reads give them (`product_public_get` with its certificates in force and its lots in stock; `trace_view`
of `lot_public_get` with its origins), which stay the definition (and what SQLite runs). Each page then reads its
subject in one statement instead of three or five; tests/catalog/test_detail_pages.py holds the pages written from
both reads equal, byte for byte.

The instances hold what the pages and the models' rules read (a field left out is read on use, as `.only()`
leaves it: the tests count the queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from catalog.models import Category, Certificate, HarvestLot, PriceTier, Product, ProductImage, TraceEvent, VatCategory
from catalog.selectors.browse import Badge, badge_labels, badges_from
from catalog.selectors.detail_sql import ProductRow, TraceRow, lot_trace_row, moment, product_public_row
from catalog.selectors.lots import (
    CertificateView,
    TraceView,
    lot_public_get,
    lots_in_stock,
    trace_view,
    trace_view_of,
    with_corrections,
)
from catalog.selectors.products import (
    certificates_in_force_for,
    price_tiers_for,
    product_managed_get,
    product_public_get,
)
from catalog.supply.selectors.trace import Origin, intakes_from_json, lot_origins, origins_of
from market.core import rows
from market.core.errors import NotFound
from market.organisations.models import Organisation
from market.organisations.permissions import Actor


@dataclass(frozen=True)
class ProductPage:
    """A public product with its cooperative, category and VAT category, its tiers (by quantity), the certificates
    in force that cover it, its lots in stock (first to expire first) and its images (by position). The tiers and
    images are not left prefetched on the product read in one statement: the page reads them here (and prices with
    `price_among`), and setting a relation's prefetched rows builds its filtered QuerySet (~40 µs of CPU each)."""

    product: Product
    tiers: list[PriceTier]
    certificates: list[Certificate]
    lots: list[HarvestLot]
    images: list[ProductImage]


def product_page_for(*, actor: Actor, product_id: int) -> ProductPage:
    """The product `product_visible_get` lets the actor see (NotFound: none), with its certificates in force and
    its lots in stock today: a public one in one statement on PostgreSQL, unless the actor's cooperative owns it
    (or staff: any status)."""
    product = product_managed_get(actor=actor, product_id=product_id)
    if product is None and connection.vendor == "postgresql":
        page = public_product_page(product_id=product_id)
        if page is None:
            raise NotFound()
        return page
    if product is None:
        product = product_public_get(product_id=product_id)
    return ProductPage(
        product=product,
        tiers=price_tiers_for(product=product),
        certificates=certificates_in_force_for(product=product),
        lots=lots_in_stock(product=product),
        images=list(product.images.all()),
    )


def public_product_page(*, product_id: int, on: date | None = None) -> ProductPage | None:
    """The published product `product_id` of a verified cooperative as its page shows it on `on` (today); None
    when there is none."""
    row = product_public_row(product_id=product_id, on=on or timezone.localdate())
    return None if row is None else _product_page(row)


def _product_page(row: ProductRow) -> ProductPage:
    product = rows.instance_of(
        Product,
        {
            "id": row.id, "status": row.status, "sku": row.sku, "name_vi": row.name_vi, "name_en": row.name_en,
            "description_vi": row.description_vi, "description_en": row.description_en, "unit": row.unit,
            "moq": Decimal(row.moq), "order_multiple": Decimal(row.order_multiple), "price_from": row.price_from,
            "price_at_moq": row.price_at_moq, "price_per_base_unit": row.price_per_base_unit, "gtin": row.gtin,
            "packaging": row.packaging, "net_content": row.net_content, "ingredients": row.ingredients,
            "storage_instructions": row.storage_instructions, "usage_instructions": row.usage_instructions,
            "shelf_life_days": row.shelf_life_days, "origin_province_code": row.origin_province_code,
            "origin_commune_code": row.origin_commune_code, "origin_note": row.origin_note,
            "cooperative_id": row.cooperative_id, "category_id": row.category_id,
            "vat_category_id": row.vat_category_id,
            "published_at": moment(row.published_at), "created_at": moment(row.created_at),
            "updated_at": moment(row.updated_at),
        },
    )  # fmt: skip
    product.cooperative = rows.instance_of(
        Organisation,
        {
            "id": row.cooperative_id, "name": row.cooperative_name, "description": row.cooperative_description,
            "address_line": row.cooperative_address_line, "commune_code": row.cooperative_commune_code,
            "province_code": row.cooperative_province_code, "verification_status": row.cooperative_verification,
        },
    )  # fmt: skip
    product.category = rows.instance_of(
        Category, {"id": row.category_id, "slug": row.category_slug, "name_vi": row.category_name_vi,
                   "name_en": row.category_name_en},
    )  # fmt: skip
    product.vat_category = rows.instance_of(
        VatCategory, {"id": row.vat_category_id, "code": row.vat_code, "name_vi": row.vat_name_vi,
                      "name_en": row.vat_name_en, "subject_to_vat": row.vat_subject_to_vat,
                      "rate_percent": Decimal(row.vat_rate_percent)},
    )  # fmt: skip
    tiers = [
        rows.instance_of(
            PriceTier,
            # The body's tiers carry no id: a quote on the page names its tier by quantity (`tier_id` unread).
            {
                "id": None,
                "product_id": row.id,
                "min_quantity": Decimal(t["min_quantity"]),
                "unit_price": t["unit_price"],
            },
        )
        for t in row.tiers
    ]
    images = [
        rows.instance_of(
            ProductImage,
            {
                "id": image_id,
                "product_id": row.id,
                "image": image,
                "thumbnail": thumbnail,
                "width": width,
                "height": height,
                "alt_text": alt_text,
                "position": position,
            },
        )
        for image_id, image, thumbnail, width, height, alt_text, position in row.images
    ]
    certificates = [
        rows.instance_of(
            Certificate,
            {
                "id": c_id,
                "cooperative_id": row.cooperative_id,
                "kind": kind,
                "number": number,
                "issuer": issuer,
                "valid_from": _day(valid_from),
                "valid_to": _day(valid_to),
                "ocop_stars": stars,
            },
        )
        for c_id, kind, number, issuer, valid_from, valid_to, stars in row.certificates
    ]
    lots = [
        rows.instance_of(
            HarvestLot,
            {
                "id": lot_id,
                "product_id": row.id,
                "code": code,
                "quantity_available": Decimal(available),
                "harvest_date": _day(harvest_date),
                "expiry_date": _day(expiry_date),
                "public_id": public_id,
            },
        )
        for lot_id, code, available, harvest_date, expiry_date, public_id in row.lots
    ]
    for lot in lots:
        lot.product = product
    return ProductPage(product=product, tiers=tiers, certificates=certificates, lots=lots, images=images)


# What a product page's personal parts (the quantity box, the "manage" link), its title and the product's rules
# (catalog.policy) read of the product; its tiers price the box's quantity (`price_among`).
PERSONAL_FIELDS = (
    "id", "cooperative_id", "status", "name_vi", "name_en", "unit", "moq", "order_multiple", "price_from",
)  # fmt: skip
# The values of PERSONAL_FIELDS, and the tiers' (id, min_quantity, unit_price).
PersonalFacts = tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]


def personal_facts(product: Product, tiers: list[PriceTier]) -> PersonalFacts:
    """What `personal_product` and `personal_tiers` rebuild the product and its tiers from: plain values, for a
    page's content kept with them (pickling the product with its relations and its tiers' prefetched QuerySet cost
    ~80 µs of CPU per page kept, and reading it back ~55 µs per kept page served)."""
    values = tuple(getattr(product, name) for name in PERSONAL_FIELDS)
    return values, tuple((tier.pk, tier.min_quantity, tier.unit_price) for tier in tiers)


def personal_product(facts: PersonalFacts) -> Product:
    """The product of `personal_facts` with only PERSONAL_FIELDS (a field left out is read on use: the tests count
    the queries)."""
    return rows.instance_of(Product, dict(zip(PERSONAL_FIELDS, facts[0], strict=True)))


def personal_tiers(facts: PersonalFacts) -> list[PriceTier]:
    """The tiers of `personal_facts`."""
    product_id = facts[0][PERSONAL_FIELDS.index("id")]
    return [
        rows.instance_of(
            PriceTier, {"id": tier_id, "product_id": product_id, "min_quantity": quantity, "unit_price": price}
        )
        for tier_id, quantity, price in facts[1]
    ]


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@dataclass(frozen=True)
class TracePage:
    """A lot's trace as the reader may see it, and its origins (plots and households, one step back)."""

    trace: TraceView
    origins: list[Origin]


def trace_page_for(*, public_id: str, actor: Actor) -> TracePage:
    """The trace page of the lot `lot_public_get` finds by `public_id` (NotFound: none) as `actor` may read it: in
    one statement on PostgreSQL."""
    if connection.vendor == "postgresql":
        page = public_trace_page(public_id=public_id, actor=actor)
        if page is None:
            raise NotFound()
        return page
    return trace_page_of(lot=lot_public_get(public_id=public_id), actor=actor)


def trace_page_of(*, lot: HarvestLot, actor: Actor) -> TracePage:
    """The trace page of a lot already read (with its product and cooperative), from the ORM's reads."""
    return TracePage(trace=trace_view(lot=lot, actor=actor), origins=lot_origins(lot=lot))


def public_trace_page(*, public_id: str, actor: Actor, on: date | None = None) -> TracePage | None:
    """`trace_view` of the lot `lot_public_get` finds by `public_id`, as `actor` may read it on `on` (today), with
    `lot_origins`; None when there is no such lot."""
    day = on or timezone.localdate()
    row = lot_trace_row(public_id=public_id, on=day, intakes=True)
    if row is None:
        return None
    lot = _trace_lot(row)
    certificates = [
        CertificateView(
            certificate=rows.instance_of(
                Certificate,
                {
                    "id": c_id,
                    "kind": kind,
                    "number": number,
                    "issuer": issuer,
                    "valid_from": _day(valid_from),
                    "valid_to": _day(valid_to),
                    "ocop_stars": stars,
                },
            ),
            in_force_now=now,
            in_force_at_harvest=at_harvest,
        )
        for c_id, kind, number, issuer, valid_from, valid_to, stars, now, at_harvest in row.certificates
    ]
    events = with_corrections([_event(item, row.id) for item in row.events], lot)
    # `_shipment_buyers` of the forward events: the statement found each event's order.
    buyers = {item[5]: (item[12], item[13]) for item in row.events if item[12] is not None}
    trace = trace_view_of(
        lot=lot,
        certificates=certificates,
        badges=_badges(row.badges),
        events=events,
        buyers=buyers,
        actor=actor,
        on=day,
    )
    origins = origins_of(intakes_from_json(row.intakes or []), harvest_date=lot.harvest_date)
    return TracePage(trace=trace, origins=origins)


def _badges(certified: list[list[Any]]) -> list[Badge]:
    """`badges_for` of the lot's product from the (kind, OCOP stars) of the certificates in force covering it."""
    return badges_from([(kind, stars) for kind, stars in certified], badge_labels())


def _trace_lot(row: TraceRow) -> HarvestLot:
    """The lot with its product and cooperative, as `lot_public_get` reads them (what the page and the rules read)."""
    lot = rows.instance_of(
        HarvestLot,
        {"id": row.id, "product_id": row.product_id, "code": row.code, "public_id": row.public_id,
         "status": row.status, "quantity_produced": Decimal(row.quantity_produced),
         "harvest_date": date.fromisoformat(row.harvest_date), "expiry_date": _day(row.expiry_date),
         "origin_province_code": row.origin_province_code, "origin_commune_code": row.origin_commune_code,
         "plot": row.plot},
    )  # fmt: skip
    lot.product = rows.instance_of(
        Product,
        {"id": row.product_id, "cooperative_id": row.cooperative_id, "name_vi": row.product_name_vi,
         "name_en": row.product_name_en, "gtin": row.gtin, "unit": row.unit, "status": row.product_status},
    )  # fmt: skip
    lot.product.cooperative = rows.instance_of(
        Organisation,
        {"id": row.cooperative_id, "name": row.cooperative_name, "province_code": row.cooperative_province_code},
    )
    return lot


def _event(item: list[Any], lot_id: int) -> TraceEvent:
    """The event [id, kind, occurred_at, description, party, party_reference, quantity, unit, location,
    document_reference, corrects, created_at, …] of `TraceRow.events`."""
    event_id, kind, occurred_at, description, party, reference, quantity, unit, location, document = item[:10]
    return rows.instance_of(
        TraceEvent,
        {"id": event_id, "lot_id": lot_id, "kind": kind, "occurred_at": moment(occurred_at),
         "description": description, "party": party, "party_reference": reference,
         "quantity": None if quantity is None else Decimal(quantity), "unit": unit, "location": location,
         "document_reference": document, "corrects_id": item[10], "created_at": moment(item[11])},
    )  # fmt: skip
