"""The storefront's certificates and photos, read by plain statements, are what the ORM's queries read: the same
rows, in the same order, with the same fields loaded (and the photo's product with its names)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F, Model
from django.utils import timezone

from catalog import selectors
from catalog.models import Certificate, Product, ProductImage, ProductStatus
from catalog.selectors.storefront import CERTIFICATE_FIELDS
from tests.catalog.factories import make_certificate, make_product

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _loaded(instance: Model) -> dict[str, Any]:
    """The field values an instance holds (not the ones left to load when asked)."""
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


def test_certificates_in_force_are_the_orms(cooperative, other_cooperative):
    product = make_product(cooperative)
    make_certificate(cooperative, kind="vietgap", number="A", valid_to=TODAY + timedelta(days=10))
    make_certificate(cooperative, kind="vietgap", number="B", valid_to=TODAY + timedelta(days=90))
    no_end = make_certificate(cooperative, kind="vietgap", number="C")
    Certificate.objects.filter(pk=no_end.pk).update(valid_to=None)  # no end date: first of its kind
    make_certificate(cooperative, kind="ocop", number="D", ocop_stars=4, products=[product])
    make_certificate(cooperative, kind="organic", number="E", valid_to=TODAY)  # its last day
    make_certificate(cooperative, kind="organic", number="F", valid_to=TODAY - timedelta(days=1))  # expired
    make_certificate(cooperative, kind="organic", number="G", valid_from=TODAY + timedelta(days=1))  # not yet
    make_certificate(cooperative, kind="organic", number="H", verified=False)
    make_certificate(other_cooperative, number="I")

    for day in (TODAY, TODAY + timedelta(days=30), TODAY - timedelta(days=1)):
        orm = list(
            Certificate.objects.in_force(day)
            .filter(cooperative_id=cooperative.pk)
            .only(*CERTIFICATE_FIELDS)
            .order_by("kind", "-valid_to", "id")
        )
        plain = selectors.cooperative_certificates_in_force(cooperative_id=cooperative.pk, on=day)
        assert [_loaded(c) for c in plain] == [_loaded(c) for c in orm]
    numbers = [c.number for c in selectors.cooperative_certificates_in_force(cooperative_id=cooperative.pk)]
    assert numbers == ["D", "E", "C", "B", "A"]


def _photo(product: Product, name: str, *, cover: bool) -> ProductImage:
    image = ProductImage.objects.create(
        product=product, image=f"p/{name}.jpg", thumbnail=f"t/{name}.jpg", width=800, height=600, alt_text=name
    )
    if cover:
        Product.objects.filter(pk=product.pk).update(cover_thumbnail=image.thumbnail.name)
    return image


def test_photos_are_the_orms(cooperative, other_cooperative):
    products = [make_product(cooperative, name=f"Gạo {n}") for n in range(4)]
    for n, product in enumerate(products):
        _photo(product, f"other-{n}", cover=False)
        _photo(product, f"cover-{n}", cover=True)
    Product.objects.filter(pk=products[1].pk).update(published_at=timezone.now() + timedelta(days=1))
    Product.objects.filter(pk=products[2].pk).update(status=ProductStatus.DELISTED)
    _photo(make_product(other_cooperative), "elsewhere", cover=True)

    for limit in (6, 2):
        orm = list(
            ProductImage.objects.filter(
                product__cooperative_id=cooperative.pk,
                product__status=ProductStatus.PUBLISHED,
                thumbnail=F("product__cover_thumbnail"),
            )
            .select_related("product")
            .only("id", "thumbnail", "image", "width", "height", "alt_text", "product__id", "product__name_vi",
                  "product__name_en")
            .order_by("-product__published_at", "-product_id")[:limit]
        )  # fmt: skip
        plain = selectors.cooperative_photos(cooperative_id=cooperative.pk, limit=limit)
        assert [(_loaded(p), _loaded(p.product)) for p in plain] == [(_loaded(p), _loaded(p.product)) for p in orm]
    assert [p.alt_text for p in selectors.cooperative_photos(cooperative_id=cooperative.pk)] == [
        "cover-1", "cover-3", "cover-0"
    ]  # fmt: skip
