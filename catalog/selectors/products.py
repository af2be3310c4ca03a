"""Reads of products: a cooperative's own list, one product as its owner or the public sees it, prices
of quantities and order-quantity rules (what orders reuse)."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import pricing
from catalog.models import (
    Category,
    Certificate,
    CertificateScope,
    CertificateStatus,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    VatCategory,
)
from catalog.permissions import CATALOG_VIEW_ALL
from catalog.search import query_terms
from catalog.selectors.browse import public_products
from market.core import rows
from market.core.errors import NotFound, ValidationFailed
from market.core.money import Money
from market.core.parsing import format_decimal
from market.core.quantity import MAX_QUANTITY
from market.organisations.models import Organisation, VerificationStatus
from market.organisations.permissions import Actor

_TIERS = Prefetch("price_tiers", queryset=PriceTier.objects.order_by("min_quantity"))
_IMAGES = Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))


def product_list_for(
    *, actor: Actor, status: str | None = None, search: str | None = None, cooperative_id: int | None = None
) -> QuerySet[Product]:
    """The actor's cooperative's products in every status (alliance staff: any cooperative's)."""
    if actor.can(CATALOG_VIEW_ALL):
        queryset = Product.objects.all()
        if cooperative_id:
            queryset = queryset.filter(cooperative_id=cooperative_id)
    elif actor.is_seller:
        queryset = Product.objects.filter(cooperative_id=actor.organisation_id)
    else:
        return Product.objects.none()
    if status:
        queryset = queryset.filter(status=status)
    terms = query_terms(search or "")
    if terms:
        for term in terms:
            queryset = queryset.filter(search_folded__contains=term)
    return queryset.select_related("category", "cooperative")


def with_details(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """What a product page or the detail API needs, in a constant number of queries."""
    return queryset.select_related("cooperative", "category", "vat_category").prefetch_related(_TIERS, _IMAGES)


def product_get_for(*, actor: Actor, product_id: int) -> Product:
    """A product its cooperative (or alliance staff) may edit; NotFound for anyone else."""
    product = with_details(product_list_for(actor=actor)).filter(pk=product_id).first()
    if product is None:
        raise NotFound()
    return product


def product_public_get(*, product_id: int) -> Product:
    """A published product of a verified cooperative."""
    if connection.vendor == "postgresql":
        return _product_public_get_sql(product_id)
    product = with_details(public_products()).filter(pk=product_id).first()
    if product is None:
        raise NotFound()
    return product


@functools.cache
def _product_public_statement() -> str:
    """`_product_public_get_sql`'s statement, written once per process (writing it took ~0.3 ms a request)."""
    return f"""
        SELECT {rows.select_list(Product, "p")}, {rows.select_list(Organisation, "o")},
               {rows.select_list(Category, "c")}, {rows.select_list(VatCategory, "v")},
               (SELECT json_agg(json_build_object('id', t.id, 'min_quantity', t.min_quantity::text,
                                                  'unit_price', t.unit_price) ORDER BY t.min_quantity)::text
                  FROM {PriceTier._meta.db_table} t WHERE t.product_id = p.id),
               (SELECT json_agg(json_build_object('id', i.id, 'image', i.image, 'thumbnail', i.thumbnail,
                                                  'width', i.width, 'height', i.height, 'alt_text', i.alt_text,
                                                  'position', i.position) ORDER BY i.position, i.id)::text
                  FROM {ProductImage._meta.db_table} i WHERE i.product_id = p.id)
          FROM {Product._meta.db_table} p JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id
          JOIN {Category._meta.db_table} c ON c.id = p.category_id
          JOIN {VatCategory._meta.db_table} v ON v.id = p.vat_category_id
         WHERE p.id = %s AND p.status = %s AND o.verification_status = %s
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


@functools.cache
def _detail_ends() -> list[int]:
    """Where each model's columns end in a row of `_product_public_statement`."""
    return list(accumulate(rows.width(model) for model in (Product, Organisation, Category, VatCategory)))


def _product_public_get_sql(product_id: int) -> Product:
    """`with_details(public_products())` of one product in one plain statement: the product, its cooperative,
    category and VAT category, its tiers and its images (as `_TIERS` and `_IMAGES` order them). The ORM spent
    ~3 ms of CPU per request building the query and its two prefetches; the rule (published, of a verified
    cooperative) is `public_products()`'s, and tests/catalog/test_public_reads.py compares the two reads."""
    with connection.cursor() as cursor:
        cursor.execute(
            _product_public_statement(), [product_id, ProductStatus.PUBLISHED.value, VerificationStatus.VERIFIED.value]
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    ends = _detail_ends()
    product = rows.instance(Product, row[: ends[0]])
    product.cooperative = rows.instance(Organisation, row[ends[0] : ends[1]])
    product.category = rows.instance(Category, row[ends[1] : ends[2]])
    product.vat_category = rows.instance(VatCategory, row[ends[2] : ends[3]])
    tiers, images = (json.loads(column) if column else [] for column in row[ends[3] :])
    for tier in tiers:
        tier.update(product_id=product.pk, min_quantity=Decimal(tier["min_quantity"]))
    rows.prefetched(product, "price_tiers", [rows.instance_of(PriceTier, tier) for tier in tiers])
    rows.prefetched(
        product, "images", [rows.instance_of(ProductImage, {**i, "product_id": product.pk}) for i in images]
    )
    return product


def product_visible_get(*, actor: Actor, product_id: int) -> Product:
    """What GET /products/{id}/ answers: the owner (or staff) sees every status, others the public one."""
    return product_managed_get(actor=actor, product_id=product_id) or product_public_get(product_id=product_id)


def product_managed_get(*, actor: Actor, product_id: int) -> Product | None:
    """The product in whatever status when the actor's cooperative owns it (alliance staff: any), else None."""
    if actor.is_seller or actor.can(CATALOG_VIEW_ALL):
        return with_details(product_list_for(actor=actor)).filter(pk=product_id).first()
    return None


def price_tiers_for(*, product: Product) -> list[PriceTier]:
    return sorted(product.price_tiers.all(), key=lambda t: t.min_quantity)


def certificates_in_force_for(*, product: Product, on: date | None = None) -> list[Certificate]:
    """Verified certificates valid on `on` (today) that cover the product (cooperative-wide or naming it),
    by kind, the longest valid first.

    Two halves, each on its own index, joined by UNION ALL (a certificate has one scope, so none is
    repeated): an OR across the link table with DISTINCT read every certificate and link (5–7 ms at
    100,000 products against 0.1 ms). Plain SQL, as `browse._badge_rows` (the same conditions as
    `Certificate.objects.in_force`): the product page and the detail API read it on every request, and the
    ORM took 1.5 ms of CPU to build the union that PostgreSQL answers in 0.05 ms."""
    day = on or timezone.localdate()
    params = in_force_params(day, cooperative=[product.cooperative_id], product=[product.pk])
    # Read with a cursor into instances (market.core.rows): a RawQuerySet worked out its columns and the
    # model's init order again on every call.
    with connection.cursor() as cursor:
        cursor.execute(_certificates_in_force_statement(), params)
        return [rows.instance(Certificate, row) for row in cursor.fetchall()]


@functools.cache
def _certificates_in_force_statement() -> str:
    union = in_force_union(rows.select_list(Certificate, "c"), cooperative="%s", product="%s")
    return f"{union} ORDER BY kind, valid_to DESC, id"


def in_force_union(columns: str, *, cooperative: str, product: str) -> str:
    """The certificates in force covering a product, as `certificates_in_force_for` reads them: `columns` (of
    alias `c`) of the cooperative-wide ones of `cooperative` and those naming `product` (each a placeholder or
    a column of an enclosing statement); its parameters are `in_force_params`'."""
    certificate = Certificate._meta.db_table
    link = Certificate.products.through._meta.db_table
    in_force = in_force_on("%s")
    return f"""
        SELECT {columns} FROM {certificate} c
         WHERE c.scope = %s AND c.cooperative_id = {cooperative} AND {in_force}
        UNION ALL
        SELECT {columns} FROM {link} l JOIN {certificate} c ON c.id = l.certificate_id
         WHERE l.product_id = {product} AND c.scope = %s AND {in_force}
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def in_force_on(day: str) -> str:
    """SQL: whether certificate `c` is in force on `day` (a placeholder or a column), as `Certificate.is_in_force`
    says; then the parameters: the verified status, and the day twice when it is a placeholder."""
    return f"c.status = %s AND c.valid_from <= {day} AND (c.valid_to IS NULL OR c.valid_to >= {day})"


def in_force_params(day: date, *, cooperative: list[int], product: list[int]) -> list[Any]:
    """`in_force_union`'s parameters on `day`, with the cooperative's and the product's ids when they are
    placeholders ([] when they are columns)."""
    verified = CertificateStatus.VERIFIED.value
    return [
        *(CertificateScope.COOPERATIVE.value, *cooperative, verified, day, day),
        *(*product, CertificateScope.PRODUCTS.value, verified, day, day),
    ]


# --- prices and quantities (the orders app calls these) ------------------------------------------
def quantity_validate(*, product: Product, quantity: Decimal) -> Decimal:
    """The quantity as a Decimal when a buyer may order it (≥ MOQ, a multiple of the order multiple),
    else ValidationFailed on field 'quantity' with a message that suggests valid quantities."""
    number = pricing.as_quantity(quantity)
    if number is None and not quantity.is_nan() and quantity > MAX_QUANTITY:
        bound = format_decimal(MAX_QUANTITY)  # said as the quantity inputs say it
        raise ValidationFailed(fields={"quantity": [_("Enter at most %(bound)s.") % {"bound": bound}]})
    if number is None:
        raise ValidationFailed(fields={"quantity": [_("Enter a number with at most 3 decimals, zero or more.")]})
    problems = pricing.quantity_errors(
        quantity=number, moq=product.moq, order_multiple=product.order_multiple, unit=product.unit
    )
    if problems:
        raise ValidationFailed(fields={"quantity": problems})
    return number


def price_for_quantity(*, product: Product, quantity: Decimal) -> pricing.PriceQuote:
    """What `quantity` (in the product's unit) costs: the unit price of the tier holding it and the
    line total rounded half-up to whole đồng. Validates the quantity first."""
    return price_among(product=product, tiers=price_tiers_for(product=product), quantity=quantity)


def price_among(*, product: Product, tiers: Sequence[PriceTier], quantity: Decimal) -> pricing.PriceQuote:
    """`price_for_quantity` with the product's tiers (`price_tiers_for`) read already: the product page reads them
    with the product, where setting them as its prefetched rows cost ~40 µs of CPU."""
    number = quantity_validate(product=product, quantity=quantity)
    specs = [pricing.TierSpec(t.min_quantity, t.unit_price) for t in tiers]
    spec = pricing.tier_for(specs, number)
    if spec is None:
        raise ValidationFailed(fields={"quantity": [_("This product has no price yet.")]})
    tier = next(t for t in tiers if t.min_quantity == spec.min_quantity)
    unit_price = Money.vnd(spec.unit_price)
    return pricing.PriceQuote(
        quantity=number,
        unit=product.unit,
        unit_price=unit_price,
        tier_min_quantity=spec.min_quantity,
        tier_id=tier.pk,
        total=unit_price * number,
    )


def product_for_order(*, product_id: int) -> Product:
    """A product a buyer can order now (published, verified cooperative), with its tiers, row not locked."""
    product = products_for_order(product_ids=[product_id]).get(product_id)
    if product is None:
        raise NotFound()
    return product


def products_for_order(*, product_ids: Collection[int]) -> dict[int, Product]:
    """The orderable products among `product_ids` by id, with cooperative, VAT category and tiers, in two
    queries whatever their number (a checkout's lines); an id missing from the answer cannot be ordered."""
    products = (
        public_products()
        .select_related("cooperative", "vat_category")
        .prefetch_related(_TIERS)
        .filter(pk__in=set(product_ids))
    )
    return {product.pk: product for product in products}


@functools.cache
def _cooperative_of_statement() -> str:
    cooperative_id = Product._meta.get_field("cooperative").column
    return f"SELECT {cooperative_id} FROM {Product._meta.db_table} WHERE id = %s"  # noqa: S608 (names from the model)


COOPERATIVE_OF_LIMIT = 200_000
_COOPERATIVE_OF: dict[int, int] = {}  # product id -> cooperative id, in this process


def product_cooperative_id(product_id: int) -> int | None:
    """The cooperative a product belongs to (None: no such product), whoever asks: it says nothing else about
    the product. Kept per process once found: a product never changes hands, so a public page can name its
    cooperative's versions before it reads the product itself."""
    if product_id not in _COOPERATIVE_OF:
        # A plain statement: the ORM spent ~0.4 ms of CPU building `.values_list(…).first()` on every product page
        # not kept (tests/catalog/test_public_reads.py compares the two).
        with connection.cursor() as cursor:
            cursor.execute(_cooperative_of_statement(), [product_id])
            row = cursor.fetchone()
        if row is None:
            return None
        found = row[0]
        if len(_COOPERATIVE_OF) >= COOPERATIVE_OF_LIMIT:
            _COOPERATIVE_OF.clear()  # bounds the memory; each is read again once
        _COOPERATIVE_OF[product_id] = found
    return _COOPERATIVE_OF[product_id]


def product_is_public(product: Product) -> bool:
    """Whether anyone may see the product: `browse.public_products()` for a row already read."""
    return product.status == ProductStatus.PUBLISHED and product.cooperative.is_verified


def is_orderable(product: Product) -> bool:
    return product_is_public(product)  # a buyer may order what anyone may see
