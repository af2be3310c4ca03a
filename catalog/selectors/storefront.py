"""What a cooperative's public storefront shows from the catalogue: its certificates in force, a page of its
published products and a few of their photos. Public reads (no actor): only what any visitor may see.

Each read is one query, so the storefront runs a fixed number of them whatever the cooperative's size. The
certificates and the photos are plain statements written once per process: the ORM spent ~1 ms of CPU building
each of these queries on every storefront not kept (tests/catalog/test_storefront_reads.py compares them with
the ORM's).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils import timezone

from catalog.models import Certificate, CertificateStatus, Product, ProductImage, ProductStatus
from catalog.selectors.browse import LIST_FIELDS, in_stock_exists, public_products
from market.core import rows

STOREFRONT_PAGE_SIZE = 12
STOREFRONT_PHOTOS = 6
# What the storefront shows of a certificate, of a photo and of the product a photo links to.
CERTIFICATE_FIELDS = ("id", "kind", "number", "issuer", "valid_from", "valid_to", "ocop_stars", "scope", "status")
PHOTO_FIELDS = ("id", "thumbnail", "image", "width", "height", "alt_text", "product_id")
PHOTO_PRODUCT_FIELDS = ("id", "name_vi", "name_en")


@functools.cache
def _certificates_statement() -> str:
    """`Certificate.objects.in_force(on)` of one cooperative, by kind, the longest valid first."""
    return f"""
        SELECT {rows.select_list(Certificate, "c", CERTIFICATE_FIELDS)}
          FROM {Certificate._meta.db_table} c
         WHERE c.cooperative_id = %s AND c.status = %s AND c.valid_from <= %s
           AND (c.valid_to IS NULL OR c.valid_to >= %s)
         ORDER BY c.kind ASC, c.valid_to DESC, c.id ASC
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


@functools.cache
def _photos_statement() -> str:
    """The cover photo of each published product of a cooperative (the image whose thumbnail is the product's
    cover), newest products first, with the product's name."""
    return f"""
        SELECT {rows.select_list(ProductImage, "i", PHOTO_FIELDS)},
               {rows.select_list(Product, "p", PHOTO_PRODUCT_FIELDS)}
          FROM {ProductImage._meta.db_table} i JOIN {Product._meta.db_table} p ON p.id = i.product_id
         WHERE p.cooperative_id = %s AND p.status = %s AND i.thumbnail = p.cover_thumbnail
         ORDER BY p.published_at DESC, i.product_id DESC
         LIMIT %s
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def cooperative_certificates_in_force(*, cooperative_id: int, on: date | None = None) -> list[Certificate]:
    """Verified certificates of the cooperative valid on `on` (today in Vietnam), both the cooperative-wide
    ones and those naming some of its products; an expired one drops out by its date alone."""
    day = on or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(_certificates_statement(), [cooperative_id, CertificateStatus.VERIFIED.value, day, day])
        return rows.instances(Certificate, cursor.fetchall(), CERTIFICATE_FIELDS)


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
    start = (number - 1) * page_size
    rows: list[Product] = list(
        public_products()
        .filter(cooperative_id=cooperative_id)
        .select_related("cooperative", "category")
        .only(*LIST_FIELDS, "category__name_vi", "category__name_en")
        .annotate(has_stock=in_stock_exists(on=on or timezone.localdate()))
        .order_by("name_vi", "id")[start : start + page_size + 1]
    )
    for product in rows:
        product.in_stock = getattr(product, "has_stock")  # noqa: B009 (an annotation)
    return StorefrontPage(products=rows[:page_size], number=number, has_next=len(rows) > page_size)


def cooperative_photos(*, cooperative_id: int, limit: int = STOREFRONT_PHOTOS) -> list[ProductImage]:
    """The cover photo of each of the cooperative's published products (the one its card shows), newest
    products first."""
    with connection.cursor() as cursor:
        cursor.execute(_photos_statement(), [cooperative_id, ProductStatus.PUBLISHED.value, limit])
        found = cursor.fetchall()
    width = rows.width(ProductImage, PHOTO_FIELDS)
    photos = rows.instances(ProductImage, [row[:width] for row in found], PHOTO_FIELDS)
    products = rows.instances(Product, [row[width:] for row in found], PHOTO_PRODUCT_FIELDS)
    for photo, product in zip(photos, products, strict=True):
        photo.product = product
    return photos
