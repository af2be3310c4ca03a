"""What a cooperative's public storefront shows from the catalogue: its certificates in force, a page of its
published products and a few of their photos. Public reads (no actor): only what any visitor may see.

Each read is one query, so the storefront runs a fixed number of them whatever the cooperative's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F
from django.utils import timezone

from catalog.models import Certificate, Product, ProductImage, ProductStatus
from catalog.selectors.browse import LIST_FIELDS, in_stock_exists, public_products

STOREFRONT_PAGE_SIZE = 12
STOREFRONT_PHOTOS = 6
PHOTO_FIELDS = (
    "id",
    "thumbnail",
    "image",
    "width",
    "height",
    "alt_text",
    "product__id",
    "product__name_vi",
    "product__name_en",
)


def cooperative_certificates_in_force(*, cooperative_id: int, on: date | None = None) -> list[Certificate]:
    """Verified certificates of the cooperative valid on `on` (today in Vietnam), both the cooperative-wide
    ones and those naming some of its products; an expired one drops out by its date alone."""
    return list(
        Certificate.objects.in_force(on)
        .filter(cooperative_id=cooperative_id)
        .only("id", "kind", "number", "issuer", "valid_from", "valid_to", "ocop_stars", "scope", "status")
        .order_by("kind", "-valid_to", "id")
    )


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
    return list(
        ProductImage.objects.filter(
            product__cooperative_id=cooperative_id,
            product__status=ProductStatus.PUBLISHED,
            thumbnail=F("product__cover_thumbnail"),
        )
        .select_related("product")
        .only(*PHOTO_FIELDS)
        .order_by("-product__published_at", "-product_id")[:limit]
    )
