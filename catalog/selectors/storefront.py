"""What a cooperative's public storefront shows from the catalogue: its certificates in force, a page of its
published products and a few of their photos. Public reads (no actor): only what any visitor may see.

Each read is one query, so the storefront runs a fixed number of them whatever the cooperative's size. The
products, the certificates and the photos are plain statements written once per process: the ORM spent 1–2.5 ms
of CPU building each of these queries on every storefront not kept (tests/catalog/test_storefront_reads.py
compares them with the ORM's queries).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from catalog.models import (
    Category,
    Certificate,
    CertificateStatus,
    Product,
    ProductImage,
    ProductStatus,
)
from catalog.selectors.page_sql import CARD_COOPERATIVE_FIELDS, CARD_PRODUCT_FIELDS, constant, for_sale
from catalog.selectors.page_sql import SELECT as CARD_SELECT
from market.core import rows
from market.organisations.models import Organisation, VerificationStatus
from market.organisations.selectors import json_value

STOREFRONT_PAGE_SIZE = 12
STOREFRONT_PHOTOS = 6
# What the storefront shows of a certificate, of a photo and of the product a photo links to.
CERTIFICATE_FIELDS = ("id", "kind", "number", "issuer", "valid_from", "valid_to", "ocop_stars", "scope", "status")
PHOTO_FIELDS = ("id", "thumbnail", "image", "width", "height", "alt_text", "product_id")
PHOTO_PRODUCT_FIELDS = ("id", "name_vi", "name_en")
CATEGORY_FIELDS = ("id", "name_vi", "name_en")  # a card names its product's category
# The certificates' and the photos' values on the cooperative read with them (`certificates_in_force_values`,
# `photos_values`), and the column of that row they are read for.
CERTIFICATES_IN_FORCE, PHOTOS = "certificates_in_force", "storefront_photos"
_COOPERATIVE_ROW = f'"{Organisation._meta.db_table}"."id"'


# The relations a product's card and a photo are given the rows read with them by, as select_related gives them
# (the field's cache): `product.cooperative = …` checked the instance's class and set the id the row already has
# (~10 µs of CPU a product, two a product).
_PRODUCT_COOPERATIVE = Product.cooperative.field
_PRODUCT_CATEGORY = Product.category.field
_PHOTO_PRODUCT = ProductImage.product.field

# Where the page's order is among the products statement's columns (1-based, as ORDER BY takes them).
_PRODUCT_COLUMNS = [attname for attname, _column, _converters in rows.read_fields(Product, CARD_PRODUCT_FIELDS)]
_NAME_POSITION = 1 + _PRODUCT_COLUMNS.index("name_vi")


# The storefront's first pages are the ones asked again and again; a deeper page's statement is written anew.
KEPT_PAGE_STATEMENTS = 64


@functools.lru_cache(maxsize=KEPT_PAGE_STATEMENTS)
def _products_statement(limit: int, offset: int) -> str:
    """A page of a cooperative's public products (`browse.public_products`) by name, each with whether a lot of
    it is for sale (`page_sql.for_sale`), with its cooperative and category as a card shows them, and the product's
    id last (`page_id`).

    The page is read in product_storefront_idx's order (catalog.models.Product), so PostgreSQL reads the page's rows
    only, not every published product of the cooperative to sort them; the lots are looked at for the page's rows
    only, after its LIMIT: with the EXISTS beside the LIMIT, PostgreSQL expected to test every published product of
    the cooperative, and for the largest (2,053 of them in the bench) hashed every lot in stock instead (150 ms).
    The statuses, the LIMIT and the OFFSET are written in, not sent: a statement the connection runs again is
    prepared, and a plan kept for any lot status could not read the index of lots in stock (it is partial), nor did
    one kept for any OFFSET (PostgreSQL guesses a tenth of the rows skipped) look as cheap as one made for the
    values, so PostgreSQL planned every storefront page anew (~0.3 ms of its CPU each, at 100,000 products as at
    1,000,000). A page number is at most 1,000 (frontend StorefrontQuery): so are the statements of one limit."""
    published, verified = constant(ProductStatus.PUBLISHED), constant(VerificationStatus.VERIFIED)
    return f"""
        SELECT page.*, {for_sale("page.page_id", "%s")}
          FROM (SELECT {CARD_SELECT}, {rows.select_list(Category, "c", CATEGORY_FIELDS)}, p.id AS page_id
                  FROM {Product._meta.db_table} p JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id
                  JOIN {Category._meta.db_table} c ON c.id = p.category_id
                 WHERE p.status = {published} AND o.verification_status = {verified} AND p.cooperative_id = %s
                 ORDER BY p.name_vi ASC, p.id ASC
                 LIMIT {limit:d} OFFSET {offset:d}) page
         ORDER BY {_NAME_POSITION} ASC, page_id ASC
    """  # noqa: S608 (table and column names from the models, code constants and numbers; every other value is a parameter)


@functools.cache
def _certificates_statement(selected: str, cooperative: str) -> str:
    """`Certificate.objects.in_force(on)` of one cooperative (`cooperative`: a parameter, or the column of the
    row it is read with), by kind, the longest valid first: `selected` of each."""
    return f"""
        SELECT {selected}
          FROM {Certificate._meta.db_table} c
         WHERE c.cooperative_id = {cooperative} AND c.status = %s AND c.valid_from <= %s
           AND (c.valid_to IS NULL OR c.valid_to >= %s)
         ORDER BY c.kind ASC, c.valid_to DESC, c.id ASC
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


@functools.cache
def _photos_statement(selected: str, cooperative: str) -> str:
    """The cover photo of each published product of a cooperative (the image whose thumbnail is the product's
    cover; `cooperative`: a parameter, or the column of the row it is read with), newest products first: `selected`
    of the photo and of its product (its name)."""
    return f"""
        SELECT {selected}
          FROM {ProductImage._meta.db_table} i JOIN {Product._meta.db_table} p ON p.id = i.product_id
         WHERE p.cooperative_id = {cooperative} AND p.status = %s AND i.thumbnail = p.cover_thumbnail
         ORDER BY p.published_at DESC, i.product_id DESC
         LIMIT %s
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def cooperative_certificates_in_force(*, cooperative_id: int, on: date | None = None) -> list[Certificate]:
    """Verified certificates of the cooperative valid on `on` (today in Vietnam), both the cooperative-wide
    ones and those naming some of its products; an expired one drops out by its date alone."""
    day = on or timezone.localdate()
    statement = _certificates_statement(rows.select_list(Certificate, "c", CERTIFICATE_FIELDS), "%s")
    with connection.cursor() as cursor:
        cursor.execute(statement, [cooperative_id, CertificateStatus.VERIFIED.value, day, day])
        return rows.instances(Certificate, cursor.fetchall(), CERTIFICATE_FIELDS)


def certificates_in_force_values(*, on: date | None = None) -> dict[str, RawSQL]:
    """`cooperative_certificates_in_force` as a value read with the cooperative's own row (`seller_public_get(
    values=…)`, as the storefront reads its record): one statement fewer. A JSON list, on PostgreSQL; none
    elsewhere (`certificates_in_force_of` then reads them in a statement of their own)."""
    if connection.vendor != "postgresql":
        return {}
    day = on or timezone.localdate()
    listed = _certificates_statement(rows.json_row(Certificate, "c", CERTIFICATE_FIELDS), _COOPERATIVE_ROW)
    params = [CertificateStatus.VERIFIED.value, day, day]
    # The statement is written from the models' names; every value is a parameter.
    return {CERTIFICATES_IN_FORCE: json_value(f"to_jsonb(ARRAY({listed}))", params)}


def certificates_in_force_of(cooperative: Organisation, *, on: date | None = None) -> list[Certificate]:
    """The cooperative's certificates in force, from the value read with it (`certificates_in_force_values`, on
    the same day) where it was, else read now."""
    listed = getattr(cooperative, CERTIFICATES_IN_FORCE, None)
    if listed is None:
        return cooperative_certificates_in_force(cooperative_id=cooperative.pk, on=on)
    return rows.instances_from_json(Certificate, listed, CERTIFICATE_FIELDS)


@dataclass(frozen=True)
class StorefrontPage:
    products: list[Product]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def storefront_products(
    *, cooperative_id: int, page: int = 1, page_size: int = STOREFRONT_PAGE_SIZE, on: date | None = None
) -> StorefrontPage:
    """One page of the cooperative's published products by name, each with `in_stock` set. One row more than
    the page is read to know whether a next page exists: no COUNT over the catalogue."""
    number = max(1, page)
    day = on or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(_products_statement(page_size + 1, (number - 1) * page_size), [day, cooperative_id])
        found = cursor.fetchall()
    product_end = rows.width(Product, CARD_PRODUCT_FIELDS)
    cooperative_end = product_end + rows.width(Organisation, CARD_COOPERATIVE_FIELDS)
    products = rows.instances(Product, [row[:product_end] for row in found], CARD_PRODUCT_FIELDS)
    # Every product of the page is the cooperative's own: its row, read with each, is built once for all of them.
    cooperative = (
        rows.instance(Organisation, found[0][product_end:cooperative_end], CARD_COOPERATIVE_FIELDS) if found else None
    )
    categories = rows.instances(Category, [row[cooperative_end:-2] for row in found], CATEGORY_FIELDS)
    for product, category, row in zip(products, categories, found, strict=True):
        _PRODUCT_COOPERATIVE.set_cached_value(product, cooperative)
        _PRODUCT_CATEGORY.set_cached_value(product, category)
        product.in_stock = row[-1]
    return StorefrontPage(products=products[:page_size], number=number, has_next=len(products) > page_size)


def cooperative_photos(*, cooperative_id: int, limit: int = STOREFRONT_PHOTOS) -> list[ProductImage]:
    """The cover photo of each of the cooperative's published products (the one its card shows), newest
    products first."""
    selected = (
        f"{rows.select_list(ProductImage, 'i', PHOTO_FIELDS)}, {rows.select_list(Product, 'p', PHOTO_PRODUCT_FIELDS)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(_photos_statement(selected, "%s"), [cooperative_id, ProductStatus.PUBLISHED.value, limit])
        found = cursor.fetchall()
    width = rows.width(ProductImage, PHOTO_FIELDS)
    photos = rows.instances(ProductImage, [row[:width] for row in found], PHOTO_FIELDS)
    return _with_products(photos, rows.instances(Product, [row[width:] for row in found], PHOTO_PRODUCT_FIELDS))


def photos_values(*, limit: int = STOREFRONT_PHOTOS) -> dict[str, RawSQL]:
    """`cooperative_photos` as a value read with the cooperative's own row (`seller_public_get(values=…)`): one
    statement fewer. A JSON list of [photo, product] pairs, on PostgreSQL; none elsewhere (`photos_of` then reads
    them in a statement of their own)."""
    if connection.vendor != "postgresql":
        return {}
    photo, product = rows.json_row(ProductImage, "i", PHOTO_FIELDS), rows.json_row(Product, "p", PHOTO_PRODUCT_FIELDS)
    pair = f"json_build_array({photo}, {product})"
    listed = _photos_statement(pair, _COOPERATIVE_ROW)
    params = [ProductStatus.PUBLISHED.value, limit]
    # The statement is written from the models' names; every value is a parameter.
    return {PHOTOS: json_value(f"to_jsonb(ARRAY({listed}))", params)}


def photos_of(cooperative: Organisation, *, limit: int = STOREFRONT_PHOTOS) -> list[ProductImage]:
    """The cooperative's photos, from the value read with it (`photos_values`) where it was, else read now."""
    listed = getattr(cooperative, PHOTOS, None)
    if listed is None:
        return cooperative_photos(cooperative_id=cooperative.pk, limit=limit)
    photos = rows.instances_from_json(ProductImage, [photo for photo, _product in listed], PHOTO_FIELDS)
    return _with_products(photos, rows.instances_from_json(Product, [p for _photo, p in listed], PHOTO_PRODUCT_FIELDS))


def _with_products(photos: list[ProductImage], products: list[Product]) -> list[ProductImage]:
    """The photos, each given its product (read with it)."""
    for photo, product in zip(photos, products, strict=True):
        _PHOTO_PRODUCT.set_cached_value(photo, product)
    return photos
