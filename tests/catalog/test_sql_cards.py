"""The list's cards written as JSON by PostgreSQL (catalog.selectors.card_sql) are byte for byte what
serializers.product_card makes of the same page's products, rendered as DRF renders them: for every filter, sort,
cursor and search shape, in both languages, over rows made to be awkward, with the cards' bodies kept
(catalog.models.CardBody) and built."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from catalog import selectors
from catalog.api import serializers as s
from catalog.commands import Sort
from catalog.models import CardBody, Category, PriceTier, Product
from catalog.selectors import browse
from catalog.selectors.browse import ProductQuery
from catalog.selectors.card_sql import BODY_FORMAT
from catalog.services.search_rows import search_rows_rebuild
from market.organisations.models import OrganisationKind, Role
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.catalog.test_kept_plans import kept_plan, page_statements, scans_run
from tests.catalog.test_public_reads import layouts
from tests.factories import OrganisationFactory, member
from tests.module_data import rows_of_the_module

pytestmark = pytest.mark.django_db

AWKWARD = 'Gạo "ST25" \\ C:\\kho\nmới\t🌾 \x01 sạch\u2028hết dòng\u2029 </script>'


@pytest.fixture(scope="module")
def corpus(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Product]]:
    """Products with and without tiers, certificates of every scope, stars, stock, English names, thumbnails, and
    texts, numbers and dates that are awkward to write. Made once for the module (its tests only read them; a
    test's own writes, the kept bodies deleted or changed, roll back to them); the certificates' scans in a
    folder of the module's."""
    with rows_of_the_module(django_db_blocker, media=tmp_path_factory.mktemp("media")):
        yield _corpus()


def _corpus() -> dict[str, Product]:
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
    member(alliance, Role.STAFF)
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    other_cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")
    today = timezone.localdate()
    fish = OrganisationFactory(name='HTX "Nước mắm" Hưng Thịnh \\ 🐟', province_code=91, commune_code=31078)
    rice = make_product(cooperative, name="Gạo ST25 Tân Hiệp", name_en="ST25 fragrant rice")
    half = make_product(
        cooperative, name="Gạo lứt ST25 gói nhỏ", moq="0.5", order_multiple="0.005", sku="HALF",
        tiers=[("0.5", 999_999_999), ("12.345", 59000), ("1000", 58000)],
    )  # fmt: skip
    sauce = make_product(
        fish, name="Nước mắm Phú Quốc 40 độ đạm", name_en="Phu Quoc fish sauce", category="nuoc-mam", unit="chai",
        moq="48", order_multiple="24", tiers=[("48", 98000)],
    )  # fmt: skip
    honey = make_product(
        cooperative, name="Mật ong rừng tràm U Minh", category="mat-ong", unit="hu", moq="1000", order_multiple="1",
        tiers=[("1000", 290000)], sku="MO",
    )  # fmt: skip
    bare = make_product(other_cooperative, name="Gạo ST24 thơm không bậc giá", sku="BARE", tiers=[("100", 27000)])
    odd = make_product(
        other_cooperative, name="Gạo tấm thơm", unit="tan", moq="1", order_multiple="1", sku="ODD",
        tiers=[("1", 15_700_000)],
    )  # fmt: skip
    make_product(cooperative, name="Gạo nháp chưa đăng", publish=False, sku="DRAFT")
    # What the services never write, written underneath them: no tiers, a text of every kind of
    # character, a province the reference data does not know, thumbnails that need quoting or not, whole seconds.
    PriceTier.objects.filter(product=bare).delete()
    Product.objects.filter(pk=odd.pk).update(
        name_vi=AWKWARD, name_en="Broken rice 'A' \\ \"B\"", origin_province_code=999,
        cover_thumbnail="catalog/thumbnails/ảnh đẹp #1?&x=%20+'(1)'.jpg",
        published_at=timezone.now().replace(microsecond=0) - timedelta(hours=1),
    )  # fmt: skip
    Product.objects.filter(pk=rice.pk).update(cover_thumbnail="catalog/thumbnails/0a1b2c3d-t.jpg")
    Category.objects.filter(slug="mat-ong").update(name_en="")  # no English name: the Vietnamese
    make_lot(rice, code="ST25-A")
    make_lot(half, code="HALF-OLD", expiry_date=today - timedelta(days=1), harvest_date=today - timedelta(days=90))
    make_lot(honey, code="MO-DRAFT", publish=False)
    make_lot(sauce, code="NM-1")
    make_certificate(cooperative, kind="vietgap")  # cooperative-wide
    make_certificate(cooperative, kind="ocop", ocop_stars=3, number="OCOP-3")  # cooperative-wide, fewer stars
    make_certificate(cooperative, kind="ocop", ocop_stars=5, products=[honey], number="OCOP-5")
    make_certificate(cooperative, kind="organic", products=[honey, half], number="ORG-1")
    make_certificate(
        other_cooperative, kind="globalgap", products=[odd], number="GG-OLD",
        valid_from=today - timedelta(days=400), valid_to=today - timedelta(days=1),
    )  # fmt: skip
    make_certificate(fish, kind="ocop", ocop_stars=4, number="OCOP-4")
    search_rows_rebuild()  # the search rows and card bodies follow what was written underneath the services
    return {"rice": rice, "half": half, "sauce": sauce, "honey": honey, "bare": bare, "odd": odd}


QUERIES = [
    ProductQuery(),
    ProductQuery(search="gao"),
    ProductQuery(search="gao st25"),
    ProductQuery(search="gạo ST25", province=91),
    ProductQuery(search="st25", certificate="vietgap"),
    ProductQuery(search="nuoc mam phu quoc"),
    ProductQuery(search="hai san"),  # a group word standing for categories
    ProductQuery(search="dac san phu quoc"),  # a group word standing for every product
    ProductQuery(search="xoia"),  # nothing as typed: the corrected search
    ProductQuery(search="!!!"),  # nothing usable
    ProductQuery(certificate="globalgap"),  # expired: nothing
    ProductQuery(certificate="organic"),
    ProductQuery(ocop_min=4),
    ProductQuery(ocop_min=3),
    ProductQuery(in_stock=True),
    ProductQuery(category=1),
    ProductQuery(price_min=30000, price_max=100000),
    ProductQuery(moq_max=Decimal("50")),
    ProductQuery(cooperative=None, province=91),
    ProductQuery(sort=Sort.PRICE_ASC),
    ProductQuery(sort=Sort.PRICE_DESC, search="gao"),
    ProductQuery(sort=Sort.NEWEST, search="gao"),
    ProductQuery(sort=Sort.RELEVANCE, search="gao st25"),
]


def _definition(page: browse.ProductPage, next_url: str | None) -> bytes:
    """The page's body as serializers.product_card and DRF's renderer make it."""
    parts = s.card_parts(selectors.category_tree())
    results = [s.product_card(p, page.badges.get(p.pk, []), parts) for p in page.products]
    return JSONRenderer().render({"next": next_url, "sort": page.sort, "results": results})


def _written(query: ProductQuery, cursor: str | None, page_size: int) -> tuple[bytes, str | None]:
    """The page's body from the cards PostgreSQL wrote, and its next cursor."""
    words = selectors.card_words(media=s.media_url_around())
    page = selectors.product_card_page(query=query, words=words, cursor=cursor, page_size=page_size)
    return s.page_body("next", page.sort, page.cards), page.next_cursor


# The language only changes the cards' words, so English is walked in the default layout and Vietnamese in each.
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q.as_params()))
def test_each_page_of_written_cards_is_the_product_cards_walked_by_cursor(corpus, query, language, monkeypatch):
    with translation.override(language):
        for layout in layouts(query, monkeypatch) if language == "vi" else ["the defaults"]:
            cursor = None
            for _page in range(10):  # two products a page: every cursor of every sort
                page = selectors.product_page(query=query, cursor=cursor, page_size=2)
                expected = _definition(page, "next")
                body, next_cursor = _written(query, cursor, page_size=2)
                assert json.loads(body) == json.loads(expected), (layout, cursor)
                assert body == expected, (layout, cursor)
                assert next_cursor == page.next_cursor, (layout, cursor)
                if next_cursor is None:
                    break
                cursor = next_cursor


@pytest.fixture(params=["kept", "built"])
def bodies(request, corpus) -> str:
    """The cards' bodies kept (as the services keep them), or none kept: the list's statement builds them."""
    if request.param == "built":
        CardBody.objects.all().delete()
    else:
        assert CardBody.objects.filter(format=BODY_FORMAT).count() == 6  # the six listed products
    return request.param


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_awkward_rows_are_written_as_product_card_writes_them(corpus, bodies, language):
    with translation.override(language):
        body, _cursor = _written(ProductQuery(), None, page_size=50)
        page = selectors.product_page(query=ProductQuery(), page_size=50)
        assert body == _definition(page, "next")
    # What the comparison went through, so that it cannot pass by leaving it out:
    cards = {card["id"]: card for card in json.loads(body)["results"]}
    odd, bare, honey, half, rice = (cards[corpus[name].pk] for name in ("odd", "bare", "honey", "half", "rice"))
    assert odd["name_vi"] == AWKWARD
    assert "\u2028".encode() not in body  # escaped, as DRF's renderer escapes it
    assert odd["name"] == (odd["name_en"] if language == "en" else AWKWARD)
    assert honey["name"] == honey["name_vi"]  # no English name
    assert honey["category"]["name"] == Category.objects.get(slug="mat-ong").name_vi
    assert (odd["unit_symbol"], odd["base_unit"], honey["unit_symbol"], honey["base_unit"]) == ("tấn", "kg", "hũ", "hu")
    assert odd["origin_province"] is None  # a code the reference data does not know
    quoted = "/catalog-media/catalog/thumbnails/%E1%BA%A3nh%20%C4%91%E1%BA%B9p%20%231%3F&x=%2520+'(1)'.jpg"
    assert odd["thumbnail_url"] == quoted
    assert rice["thumbnail_url"] == "/catalog-media/catalog/thumbnails/0a1b2c3d-t.jpg"
    assert honey["thumbnail_url"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", odd["published_at"])  # whole seconds
    assert (bare["price_tiers"], bare["badges"]) == ([], [])
    assert [(b["kind"], b["ocop_stars"]) for b in honey["badges"]] == [
        ("vietgap", None), ("organic", None), ("ocop", 5)]  # fmt: skip
    assert honey["badges"][-1]["label"] == "OCOP 5★"  # the best of its cooperative's 3 and its own 5
    assert (honey["moq"], half["moq"]) == ("1000.000", "0.500")
    assert [t["min_quantity"] for t in half["price_tiers"]] == ["0.500", "12.345", "1000.000"]
    assert (half["price_tiers"][0]["unit_price"], half["order_multiple"]) == (999_999_999, "0.005")
    assert (half["in_stock"], rice["in_stock"]) == (False, True)  # an expired lot, a lot for sale


def test_the_list_answers_the_written_cards(corpus, bodies):
    """GET /products/ answers the page whose cards PostgreSQL wrote: what product_card makes of it."""
    for language in ("vi", "en"):
        response = APIClient().get("/api/v1/products/?page_size=3", HTTP_ACCEPT_LANGUAGE=language)
        data = response.json()
        with translation.override(language):
            page = selectors.product_page(query=ProductQuery(), page_size=3)
            assert response.content == _definition(page, data["next"])
        assert data["next"].endswith(f"?cursor={page.next_cursor}&page_size=3")


def test_the_list_reads_a_kept_body_of_its_format_only(corpus):
    """A kept body of the current format is what the card shows (so a service that forgets to keep it shows an old
    card: tests/catalog/test_search_rows.py holds each write to it); one of another format is not read."""
    rice = corpus["rice"]
    CardBody.objects.filter(pk=rice.pk).update(body=',"name_vi":"kept"')
    body, _cursor = _written(ProductQuery(), None, page_size=50)
    card = next(c for c in json.loads(body)["results"] if c["id"] == rice.pk)
    assert card["name_vi"] == "kept"
    assert "price_tiers" not in card
    CardBody.objects.filter(pk=rice.pk).update(format="0123456789abcdef")
    body, _cursor = _written(ProductQuery(), None, page_size=50)
    assert body == _definition(selectors.product_page(query=ProductQuery(), page_size=50), "next")


@pytest.mark.parametrize("bodies", ["kept", "built"], indirect=True)
def test_a_kept_body_spares_the_price_tiers_read(corpus, bodies):
    with page_statements() as seen:
        _written(ProductQuery(), None, page_size=50)
    ((sql, params),) = seen
    plan = kept_plan(sql, params, mode="force_custom_plan", analyze=True)
    assert scans_run(plan, "catalog_pricetier") == (0 if bodies == "kept" else 6)
