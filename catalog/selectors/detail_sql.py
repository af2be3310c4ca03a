"""The detail reads in one PostgreSQL statement each, read as JSON: a published product with everything its
detail body shows, a lot with everything its public trace shows, a cooperative's lot as its detail shows it
(catalog.api.detail_bodies builds the bodies).

The ORM's reads stay the definition (and what SQLite runs): `product_public_get` with its certificates in force
and its lots in stock; `lot_public_get` with `trace_view`; `lot_get_for`. Here PostgreSQL does the joins and
the aggregation and writes what it can in the body's own form (quantities with their three decimals, dates in
ISO 8601, the tiers as the body lists them), so that a request pays for one statement, one JSON text to decode
(by orjson: a quarter of `json.loads`'s CPU; the text holds no floats, whose reading could differ) and (nearly)
no model instances: the product's three statements, their instances and text timestamps took
~0.6 ms of CPU per request, the trace's four more. Timestamps come as microseconds since the epoch (`moment`):
their text depends on the active time zone, which is Python's to apply.
tests/catalog/test_detail_sql.py holds each body to the one built from the ORM's reads, byte for byte."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from django.apps import apps
from django.db import connection

from catalog.models import (
    Category,
    Certificate,
    CertificateStatus,
    HarvestLot,
    LotStatus,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    TraceEvent,
    VatCategory,
)
from catalog.permissions import CATALOG_VIEW_ALL
from catalog.selectors.lots import IN_STOCK_ORDER, PUBLIC_STATUSES, in_stock_condition
from catalog.selectors.products import in_force_on, in_force_params, in_force_union
from catalog.supply.selectors.trace import intakes_json
from market.organisations.models import Organisation, VerificationStatus
from market.organisations.permissions import Actor

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_micros(column: str) -> str:
    """SQL: a timestamp column as whole microseconds since the epoch (exact: `extract` answers a numeric)."""
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


def moment(micros: int | None) -> datetime | None:
    """The aware datetime `epoch_micros` wrote."""
    return None if micros is None else EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True, slots=True)
class ProductRow:
    """A published product of a verified cooperative as its detail body shows it, in the statement's order.
    The lists hold JSON arrays: images [id, image, thumbnail, width, height, alt_text, position] by position;
    certificates in force [id, kind, number, issuer, valid_from, valid_to, ocop_stars] by kind, the longest valid
    first; lots in stock [id, code, quantity_available, harvest_date, expiry_date, public_id], first to expire
    first. `tiers` are the body's own objects."""

    id: int
    status: str
    sku: str
    name_vi: str
    name_en: str
    description_vi: str
    description_en: str
    unit: str
    moq: str
    order_multiple: str
    price_from: int
    price_at_moq: int | None
    price_per_base_unit: int | None
    gtin: str
    vat_code: str
    vat_name_vi: str
    vat_name_en: str
    vat_subject_to_vat: bool
    vat_rate_percent: str
    packaging: str
    net_content: str
    ingredients: str
    storage_instructions: str
    usage_instructions: str
    shelf_life_days: int | None
    origin_province_code: int
    origin_commune_code: int | None
    origin_note: str
    cooperative_id: int
    cooperative_name: str
    category_id: int
    category_slug: str
    category_name_vi: str
    category_name_en: str
    published_at: int | None
    created_at: int
    updated_at: int
    tiers: list[dict[str, Any]]
    images: list[list[Any]]
    certificates: list[list[Any]]
    lots: list[list[Any]]
    stock_available: str | None
    # What the page shows of the cooperative besides its name (catalog.selectors.detail_pages).
    cooperative_description: str
    cooperative_address_line: str
    cooperative_commune_code: int | None
    cooperative_province_code: int | None
    cooperative_verification: str
    vat_category_id: int


def product_public_row(*, product_id: int, on: date) -> ProductRow | None:
    """The published product `product_id` of a verified cooperative (None: there is none) with its tiers,
    images, the certificates in force on `on` that cover it and its lots in stock on `on`."""
    params = [
        *in_force_params(on, cooperative=[], product=[]),
        LotStatus.PUBLISHED.value,
        on,
        product_id,
        ProductStatus.PUBLISHED.value,
        VerificationStatus.VERIFIED.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_product_statement(), params)
        row = cursor.fetchone()
    return None if row is None else ProductRow(*orjson.loads(row[0]))


@functools.cache
def _product_statement() -> str:
    """`product_public_row`'s statement, written once per process."""
    certificate = "c.id, c.kind, c.number, c.issuer, c.valid_from, c.valid_to, c.ocop_stars"
    return f"""
        SELECT json_build_array(
                 p.id, p.status, p.sku, p.name_vi, p.name_en, p.description_vi, p.description_en, p.unit,
                 p.moq::text, p.order_multiple::text, p.price_from, p.price_at_moq, p.price_per_base_unit, p.gtin,
                 v.code, v.name_vi, v.name_en, v.subject_to_vat, v.rate_percent::text,
                 p.packaging, p.net_content, p.ingredients, p.storage_instructions, p.usage_instructions,
                 p.shelf_life_days, p.origin_province_code, p.origin_commune_code, p.origin_note,
                 o.id, o.name, g.id, g.slug, g.name_vi, g.name_en,
                 {epoch_micros("p.published_at")}, {epoch_micros("p.created_at")}, {epoch_micros("p.updated_at")},
                 COALESCE((SELECT json_agg(json_build_object('min_quantity', t.min_quantity::text,
                                                            'unit_price', t.unit_price) ORDER BY t.min_quantity)
                             FROM {PriceTier._meta.db_table} t WHERE t.product_id = p.id), '[]'),
                 COALESCE((SELECT json_agg(json_build_array(i.id, i.image, i.thumbnail, i.width, i.height,
                                                            i.alt_text, i.position) ORDER BY i.position, i.id)
                             FROM {ProductImage._meta.db_table} i WHERE i.product_id = p.id), '[]'),
                 COALESCE((SELECT json_agg(json_build_array({certificate}) ORDER BY c.kind, c.valid_to DESC, c.id)
                             FROM ({in_force_union(certificate, cooperative="p.cooperative_id", product="p.id")}) c),
                          '[]'),
                 s.lots, s.stock, o.description, o.address_line, o.commune_code, o.province_code,
                 o.verification_status, p.vat_category_id
               )::text
          FROM {Product._meta.db_table} p JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id
          JOIN {Category._meta.db_table} g ON g.id = p.category_id
          JOIN {VatCategory._meta.db_table} v ON v.id = p.vat_category_id
          CROSS JOIN LATERAL (
                SELECT COALESCE(json_agg(json_build_array(l.id, l.code, l.quantity_available::text, l.harvest_date,
                                                          l.expiry_date, l.public_id) ORDER BY {IN_STOCK_ORDER}),
                                '[]') AS lots,
                       sum(l.quantity_available)::text AS stock
                  FROM {HarvestLot._meta.db_table} l WHERE {in_stock_condition("p.id")}
          ) s
         WHERE p.id = %s AND p.status = %s AND o.verification_status = %s
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


@dataclass(frozen=True, slots=True)
class TraceRow:
    """A published or withdrawn lot with what its public trace shows, in the statement's order. The lists hold
    JSON arrays: `badges` the (kind, OCOP stars) of the certificates in force on the day covering its product;
    certificates of the lot [id, kind, number, issuer, valid_from, valid_to, ocop_stars, in force on the day,
    in force at harvest] by kind, the longest valid first; events [id, kind, occurred_at, description, party,
    party_reference, quantity, unit, location, document_reference, corrects, created_at, buyer, province code]
    oldest first, where buyer and province are those of the cooperative's order the event names (none: null);
    `intakes` what the page shows one step back to plots and households (None: not read, as for the API;
    catalog.supply.selectors.trace.intakes_json)."""

    id: int
    code: str
    public_id: str
    status: str
    quantity_produced: str
    harvest_date: str
    expiry_date: str | None
    origin_province_code: int
    origin_commune_code: int | None
    plot: str
    product_id: int
    product_name_vi: str
    product_name_en: str
    gtin: str
    unit: str
    category_name_vi: str
    category_name_en: str
    cooperative_id: int
    cooperative_name: str
    cooperative_province_code: int
    badges: list[list[Any]]
    certificates: list[list[Any]]
    events: list[list[Any]]
    product_status: str
    intakes: list[list[Any]] | None


def lot_trace_row(*, public_id: str, on: date, intakes: bool = False) -> TraceRow | None:
    """The lot `lot_public_get` finds by `public_id` (None: none) with its trace as of `on`, and its intakes when
    asked (the page shows them; the API does not)."""
    verified = CertificateStatus.VERIFIED.value
    params = [
        *in_force_params(on, cooperative=[], product=[]),
        verified,
        on,
        on,
        verified,
        public_id,
        [status.value for status in PUBLIC_STATUSES],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_trace_statement(intakes), params)
        row = cursor.fetchone()
    return None if row is None else TraceRow(*orjson.loads(row[0]))


@functools.cache
def _trace_statement(intakes: bool) -> str:
    """`lot_trace_row`'s statement, with or without the intakes, written once per process. The orders app builds
    on the catalogue: its tables are named through the app registry, as `lots._shipment_buyers` reads them."""
    order_model = apps.get_model("orders", "Order")
    checkout_model = order_model._meta.get_field("checkout").related_model
    link = HarvestLot.certificates.through._meta.db_table
    field = HarvestLot._meta.get_field("certificates")
    certificate = "c.id, c.kind, c.number, c.issuer, c.valid_from, c.valid_to, c.ocop_stars"
    return f"""
        SELECT json_build_array(
                 l.id, l.code, l.public_id, l.status, l.quantity_produced::text, l.harvest_date, l.expiry_date,
                 l.origin_province_code, l.origin_commune_code, l.plot,
                 p.id, p.name_vi, p.name_en, p.gtin, p.unit, g.name_vi, g.name_en, o.id, o.name, o.province_code,
                 COALESCE((SELECT json_agg(json_build_array(c.kind, c.ocop_stars))
                             FROM ({
        in_force_union("c.kind, c.ocop_stars", cooperative="p.cooperative_id", product="p.id")
    }) c), '[]'),
                 COALESCE((SELECT json_agg(json_build_array({certificate}, {in_force_on("%s")},
                                                            {in_force_on("l.harvest_date")})
                                           ORDER BY c.kind, c.valid_to DESC, c.id)
                             FROM {link} lc JOIN {Certificate._meta.db_table} c
                                  ON c.id = lc.{field.m2m_reverse_name()}
                            WHERE lc.{field.m2m_column_name()} = l.id), '[]'),
                 COALESCE((SELECT json_agg(json_build_array(
                                    e.id, e.kind, {epoch_micros("e.occurred_at")}, e.description, e.party,
                                    e.party_reference, e.quantity::text, e.unit, e.location, e.document_reference,
                                    e.corrects_id, {epoch_micros("e.created_at")}, b.buyer_id, b.province_code)
                                  ORDER BY e.occurred_at, e.id)
                             FROM {TraceEvent._meta.db_table} e
                             LEFT JOIN LATERAL (
                                  SELECT r.buyer_id, COALESCE(k.delivery_province_code, u.province_code) province_code
                                    FROM {order_model._meta.db_table} r
                                    JOIN {checkout_model._meta.db_table} k ON k.id = r.checkout_id
                                    JOIN {Organisation._meta.db_table} u ON u.id = r.buyer_id
                                   WHERE r.number = e.party_reference AND r.cooperative_id = p.cooperative_id
                             ) b ON e.party_reference <> ''
                            WHERE e.lot_id = l.id), '[]'),
                 p.status, {intakes_json("l.id") if intakes else "NULL"}
               )::text
          FROM {HarvestLot._meta.db_table} l JOIN {Product._meta.db_table} p ON p.id = l.product_id
          JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id
          JOIN {Category._meta.db_table} g ON g.id = p.category_id
         WHERE l.public_id = %s AND l.status = ANY(%s)
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


@dataclass(frozen=True, slots=True)
class LotRow:
    """A lot as GET /lots/{id}/ shows it, in the statement's order; `certificates` are its certificates' ids in
    `Certificate.Meta.ordering`."""

    id: int
    product_id: int
    product_name_vi: str
    product_name_en: str
    unit: str
    product_status: str
    gtin: str
    cooperative_id: int
    code: str
    status: str
    quantity_produced: str
    quantity_available: str
    harvest_date: str
    expiry_date: str | None
    origin_province_code: int
    origin_commune_code: int | None
    plot: str
    note: str
    certificates: list[int]
    public_id: str
    published_at: int | None
    created_at: int


def lot_row_for(*, actor: Actor, lot_id: int) -> LotRow | None:
    """The lot `lots.lot_get_for` gives the actor (the same scope: `lot_list_for`'s), None when it gives none."""
    if actor.can(CATALOG_VIEW_ALL):
        scope, params = "TRUE", []
    elif actor.is_seller:
        scope, params = "p.cooperative_id = %s", [actor.organisation_id]
    else:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_lot_statement(scope), [lot_id, *params])
        row = cursor.fetchone()
    return None if row is None else LotRow(*orjson.loads(row[0]))


@functools.cache
def _lot_statement(scope: str) -> str:
    """`lot_row_for`'s statement under `scope` (one of its two), written once per process."""
    link = HarvestLot.certificates.through._meta.db_table
    field = HarvestLot._meta.get_field("certificates")
    return f"""
        SELECT json_build_array(
                 l.id, p.id, p.name_vi, p.name_en, p.unit, p.status, p.gtin, p.cooperative_id, l.code, l.status,
                 l.quantity_produced::text, l.quantity_available::text, l.harvest_date, l.expiry_date,
                 l.origin_province_code, l.origin_commune_code, l.plot, l.note,
                 COALESCE((SELECT json_agg(c.id ORDER BY c.valid_to DESC, c.id DESC)  -- Certificate.Meta.ordering
                             FROM {link} lc JOIN {Certificate._meta.db_table} c ON c.id = lc.{field.m2m_reverse_name()}
                            WHERE lc.{field.m2m_column_name()} = l.id), '[]'),
                 l.public_id, {epoch_micros("l.published_at")}, {epoch_micros("l.created_at")}
               )::text
          FROM {HarvestLot._meta.db_table} l JOIN {Product._meta.db_table} p ON p.id = l.product_id
         WHERE l.id = %s AND {scope}
    """  # noqa: S608 (table and column names from the models; every value is a parameter)
