"""The storefront's products, certificates and photos, read by plain statements, are what the ORM's queries read:
the same rows, in the same order, with the same fields loaded (and the related rows a card or a photo shows); the
certificates and the photos also as the storefront reads them, as values of the cooperative's own row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F, Model
from django.utils import timezone

from catalog import selectors
from catalog.models import Certificate, HarvestLot, Product, ProductImage, ProductStatus
from catalog.selectors.browse import LIST_FIELDS, in_stock_exists, public_products
from catalog.selectors.storefront import CERTIFICATE_FIELDS
from market.organisations.models import Organisation
from tests.catalog.factories import make_certificate, make_lot, make_product

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _loaded(instance: Model, besides: str = "") -> dict[str, Any]:
    """The field values an instance holds (not the ones left to load when asked), but `besides`."""
    return {name: value for name, value in vars(instance).items() if not name.startswith("_") and name != besides}


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
        # As the storefront reads them: a value of the cooperative's own row, then instances.
        values = selectors.certificates_in_force_values(on=day)
        read_with = Organisation.objects.annotate(**values).get(pk=cooperative.pk)
        listed = selectors.certificates_in_force_of(read_with, on=day)
        assert [_loaded(c) for c in listed] == [_loaded(c) for c in orm]
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
        expected = [(_loaded(p), _loaded(p.product)) for p in orm]
        assert [(_loaded(p), _loaded(p.product)) for p in plain] == expected
        # As the storefront reads them: a value of the cooperative's own row, then instances.
        read_with = Organisation.objects.annotate(**selectors.photos_values(limit=limit)).get(pk=cooperative.pk)
        listed = selectors.photos_of(read_with, limit=limit)
        assert [(_loaded(p), _loaded(p.product)) for p in listed] == expected
    assert [p.alt_text for p in selectors.cooperative_photos(cooperative_id=cooperative.pk)] == [
        "cover-1", "cover-3", "cover-0"
    ]  # fmt: skip


def test_a_page_of_products_is_the_orms(cooperative, other_cooperative):
    products = [make_product(cooperative, name=f"Gạo {name}") for name in ("b", "a", "c", "a", "d")]
    make_lot(products[0])  # in stock
    make_lot(products[1], expiry_date=TODAY + timedelta(days=3))  # in stock until then
    make_lot(products[2], quantity="10")
    HarvestLot.objects.filter(product=products[2]).update(quantity_available=0)  # sold out
    Product.objects.filter(pk=products[4].pk).update(status=ProductStatus.DELISTED)
    make_lot(make_product(other_cooperative, name="Gạo e"))

    for day in (TODAY, TODAY + timedelta(days=4)):
        for page, size in ((1, 12), (1, 2), (2, 2), (3, 2), (9, 2)):
            start = (page - 1) * size
            orm = list(
                public_products()
                .filter(cooperative_id=cooperative.pk)
                .select_related("cooperative", "category")
                .only(*LIST_FIELDS, "category__name_vi", "category__name_en")
                .annotate(has_stock=in_stock_exists(on=day))
                .order_by("name_vi", "id")[start : start + size + 1]
            )
            found = selectors.storefront_products(cooperative_id=cooperative.pk, page=page, page_size=size, on=day)
            assert found.has_next == (len(orm) > size)
            assert [
                (_loaded(p, "in_stock"), p.in_stock, _loaded(p.cooperative), _loaded(p.category))
                for p in found.products
            ] == [
                (_loaded(p, "has_stock"), p.has_stock, _loaded(p.cooperative), _loaded(p.category)) for p in orm[:size]
            ]
    in_stock = {p.pk: p.in_stock for p in selectors.storefront_products(cooperative_id=cooperative.pk).products}
    assert in_stock == {products[0].pk: True, products[1].pk: True, products[2].pk: False, products[3].pk: False}
