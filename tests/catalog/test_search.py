"""Search, filters, sorts, keyset pages and facets on PostgreSQL (unaccent + pg_trgm)."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from catalog import selectors
from catalog.inputs import product_query
from catalog.models import Product
from catalog.selectors import ProductQuery
from market.core.errors import ValidationFailed
from market.organisations.models import Organisation, OrganisationKind
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import OrganisationFactory
from tests.module_data import rows_of_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def catalogue(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Product]]:
    """Nine products of four cooperatives, made once for the module: its tests search them, and what a test adds
    (lots, certificates, more products) rolls back. The cooperative of the rice is `cooperative` below."""
    with rows_of_the_module(django_db_blocker):
        yield _catalogue()


@pytest.fixture
def cooperative(catalogue: dict[str, Product]) -> Organisation:
    """The catalogue's cooperative (the rice's), read afresh."""
    return Organisation.objects.get(pk=catalogue["st25"].cooperative_id)


def _catalogue() -> dict[str, Product]:
    OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    weavers = OrganisationFactory(
        kind="cooperative_group", name="Tổ hợp tác Đan lục bình Tịnh Biên", province_code=91, commune_code=30520
    )
    fish = OrganisationFactory(name="HTX Nước mắm Hưng Thịnh", province_code=91, commune_code=31078)
    pepper = OrganisationFactory(name="HTX Hồ tiêu Khu Tượng", province_code=91, commune_code=31078)
    products = {
        "st25": make_product(cooperative, name="Gạo ST25 Tân Hiệp", name_en="ST25 fragrant rice"),
        "st25_brown": make_product(cooperative, name="Gạo lứt ST25", tiers=[("100", 45000)]),
        "st24": make_product(cooperative, name="Gạo ST24", tiers=[("100", 27000)]),
        "fish_sauce": make_product(
            fish,
            name="Nước mắm Phú Quốc 40 độ đạm",
            category="nuoc-mam",
            unit="chai",
            moq="48",
            order_multiple="24",
            tiers=[("48", 98000)],
            origin_note="Dương Đông, Phú Quốc",
        ),
        "pepper": make_product(
            pepper,
            name="Tiêu đen Phú Quốc",
            category="ho-tieu",
            moq="20",
            order_multiple="1",
            tiers=[("20", 185000)],
        ),
        "honey": make_product(
            cooperative,
            name="Mật ong rừng tràm U Minh",
            category="mat-ong",
            moq="10",
            order_multiple="1",
            tiers=[("10", 290000)],
        ),
        "sugar": make_product(
            cooperative,
            name="Đường thốt nốt Bảy Núi",
            category="thuc-pham-che-bien",
            moq="10",
            order_multiple="1",
            tiers=[("10", 60000)],
        ),
        "basket": make_product(
            weavers,
            name="Giỏ lục bình đan tay",
            category="dan-lat",
            unit="cai",
            moq="20",
            order_multiple="10",
            tiers=[("20", 145000)],
        ),
        "draft": make_product(cooperative, name="Gạo ST25 chưa đăng", publish=False),
    }
    return products


def found(text: str, **filters) -> list[int]:
    page = selectors.product_page(query=ProductQuery(search=text, **filters), page_size=100)
    return [p.pk for p in page.products]


@pytest.mark.parametrize(
    ("query", "must_find", "must_not_find"),
    [
        ("gao st25", ["st25", "st25_brown"], ["fish_sauce", "honey", "draft"]),
        ("GẠO ST25", ["st25", "st25_brown"], ["fish_sauce"]),
        ("Gạo ST25", ["st25"], ["honey"]),
        ("nuoc mam phu quoc", ["fish_sauce"], ["pepper", "st25"]),
        ("Nước Mắm", ["fish_sauce"], ["pepper"]),
        ("phu quoc", ["fish_sauce", "pepper"], ["basket"]),
        ("duong thot not", ["sugar"], ["st25"]),
        ("đường thốt nốt", ["sugar"], []),
        ("Duong Thot Not", ["sugar"], []),
        ("mat ong u minh", ["honey"], ["sugar"]),
        ("tinh bien", ["basket"], ["st25"]),  # the cooperative's name
        ("rice", ["st25"], ["fish_sauce"]),  # English name and category
        ("nuoc mam phu quok", ["fish_sauce"], ["pepper"]),  # typo
        ("tieu den phu quocc", ["pepper"], ["fish_sauce"]),  # typo
        ("gio luc binh", ["basket"], []),
        ("xe máy", [], ["st25", "fish_sauce", "basket"]),
    ],
)
def test_vietnamese_queries(catalogue, query, must_find, must_not_find):
    result = found(query)
    for key in must_find:
        assert catalogue[key].pk in result, f"{query!r} should find {key}"
    for key in must_not_find:
        assert catalogue[key].pk not in result, f"{query!r} should not find {key}"


def test_relevance_puts_the_closest_name_first(catalogue):
    result = found("gao st25")
    assert result.index(catalogue["st25"].pk) < result.index(catalogue["st25_brown"].pk)
    if catalogue["st24"].pk in result:  # 'st24' is one typo away from 'st25'
        assert result.index(catalogue["st25"].pk) < result.index(catalogue["st24"].pk)


def test_filters(catalogue, cooperative):
    rice_ids = {catalogue[k].pk for k in ("st25", "st25_brown", "st24")}
    # A parent category includes its children (gạo -> gạo thơm).
    assert set(found("", category=selectors.category_by_key("gao").id)) == rice_ids
    assert set(found("", cooperative=cooperative.pk, price_max=30000)) == {
        catalogue["st25"].pk,
        catalogue["st24"].pk,
    }
    assert set(found("", price_min=100000)) == {catalogue[k].pk for k in ("pepper", "honey", "basket")}
    assert set(found("", moq_max=Decimal("10"))) == {catalogue["honey"].pk, catalogue["sugar"].pk}
    assert found("", province=1) == []


def test_in_stock_counts_published_unexpired_lots_with_stock(catalogue):
    make_lot(catalogue["st25"], code="A1")
    make_lot(
        catalogue["honey"],
        code="OLD",
        harvest_date=timezone.localdate() - timedelta(days=400),
        expiry_date=timezone.localdate() - timedelta(days=1),
    )
    make_lot(catalogue["sugar"], code="DRAFT", publish=False)
    assert found("", in_stock=True) == [catalogue["st25"].pk]


def test_certificate_and_ocop_filters(catalogue, cooperative):
    make_certificate(cooperative, kind="vietgap")  # the whole cooperative
    make_certificate(cooperative, kind="ocop", ocop_stars=4, products=[catalogue["honey"]], number="OCOP-1")
    make_certificate(
        cooperative, kind="ocop", ocop_stars=5, products=[catalogue["st25"]], verified=False, number="OCOP-2"
    )
    vietgap = set(found("", certificate="vietgap"))
    assert vietgap == {catalogue[k].pk for k in ("st25", "st25_brown", "st24", "honey", "sugar")}
    assert found("", ocop_min=4) == [catalogue["honey"].pk]
    assert found("", ocop_min=5) == []  # the 5-star one is not verified


def test_facet_counts_follow_the_other_filters(catalogue, cooperative):
    make_certificate(cooperative, kind="ocop", ocop_stars=4, products=[catalogue["honey"]], number="OCOP-1")
    make_certificate(cooperative, kind="ocop", ocop_stars=3, products=[catalogue["st25"]], number="OCOP-3")
    make_certificate(
        cooperative,
        kind="vietgap",
        number="OLD",
        valid_from=timezone.localdate() - timedelta(days=800),
        valid_to=timezone.localdate() - timedelta(days=1),
    )
    facets = selectors.product_facets(query=ProductQuery())
    assert facets.total == 8
    assert {f.value: f.count for f in facets.certificate} == {"ocop": 2}  # the expired VietGAP never counts
    assert {f.value: f.count for f in facets.ocop_min} == {"3": 2, "4": 1}
    categories = {f.label: f.count for f in facets.category}
    assert categories["Gạo"] == 3
    assert categories["Gạo thơm"] == 3
    # Choosing a category narrows the other groups but keeps the category list whole.
    narrowed = selectors.product_facets(query=ProductQuery(category=selectors.category_by_key("gao").id))
    assert narrowed.total == 3
    assert {f.value: f.count for f in narrowed.ocop_min} == {"3": 1}
    assert sum(f.count for f in narrowed.category if f.depth == 0) == 8


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "relevance"])
def test_keyset_pages_walk_every_product_once(sort):
    """23 more rices beside the module's catalogue's: walked by pages of 7, every one once, as one page lists them."""
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    made = [
        make_product(cooperative, name=f"Gạo thơm lô {n}", tiers=[("100", 20000 + (n % 5) * 1000)]).pk
        for n in range(23)
    ]
    query = ProductQuery(search="gao", sort=sort)
    seen: list[int] = []
    cursor = None
    while True:
        page = selectors.product_page(query=query, cursor=cursor, page_size=7)
        seen += [p.pk for p in page.products]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert seen == [p.pk for p in selectors.product_page(query=query, page_size=100).products]
    assert set(made) <= set(seen)
    if sort == "price_asc":
        prices = [selectors.product_public_get(product_id=pk).price_from for pk in seen]
        assert prices == sorted(prices)


def test_a_tampered_cursor_is_refused(catalogue):
    with pytest.raises(ValidationFailed):
        selectors.product_page(query=ProductQuery(), cursor="not-a-cursor")
    cursor = selectors.product_page(query=ProductQuery(sort="price_asc"), page_size=2).next_cursor
    with pytest.raises(ValidationFailed):  # a cursor of another sort
        selectors.product_page(query=ProductQuery(sort="newest"), cursor=cursor)


def test_query_parameters_are_checked():
    query = product_query({"search": "gao", "category": "gao-thom", "ocop_min": "4", "in_stock": "1"})
    assert query.category == selectors.category_by_key("gao-thom").id
    assert query.in_stock
    with pytest.raises(ValidationFailed) as error:
        product_query({"certificate": "gold", "ocop_min": "7", "sort": "random", "province": "999", "order": "abc"})
    assert set(error.value.fields) == {"certificate", "ocop_min", "sort", "province", "order"}


@pytest.fixture
def more(catalogue, cooperative):
    """A mango, shrimp and dried squid, for typo, category and group-word searches."""
    return {
        "mango": make_product(
            cooperative, name="Xoài cát Hòa Lộc", category="xoai", moq="50", order_multiple="1",
            tiers=[("50", 45000)],
        ),
        "shrimp": make_product(
            cooperative, name="Tôm càng xanh", category="tom", moq="20", order_multiple="1", tiers=[("20", 280000)]
        ),
        "squid": make_product(
            cooperative, name="Mực một nắng", category="hai-san-kho", moq="5", order_multiple="1",
            tiers=[("5", 520000)],
        ),
    }  # fmt: skip


def everything(catalogue, more):
    return {**catalogue, **more}


@pytest.mark.parametrize(
    ("query", "must_find", "must_not_find"),
    [
        ("xoia cat", ["mango"], ["st25"]),  # two letters swapped
        ("xaoi", ["mango"], ["st25"]),
        ("dung thot not", ["sugar"], ["st25"]),  # a letter missing (duong)
        ("gio luc binj", ["basket"], ["sugar"]),  # a letter wrong (binh)
        ("mat ongg", ["honey"], ["st25"]),  # a letter too many
        ("tomm cang xanh", ["shrimp"], ["honey"]),
    ],
)
def test_one_typo_in_a_word_of_four_letters_or_more_is_forgiven(catalogue, more, query, must_find, must_not_find):
    """Before: a one-letter typo found nothing (SQLite had no fuzzy path; PostgreSQL's threshold of 0.6 missed
    short words)."""
    result = found(query)
    products = everything(catalogue, more)
    for key in must_find:
        assert products[key].pk in result, f"{query!r} should find {key}"
    for key in must_not_find:
        assert products[key].pk not in result, f"{query!r} should not find {key}"


def test_digits_are_never_corrected(catalogue):
    assert found("gao st26") == []


@pytest.mark.parametrize(
    ("query", "must_find", "must_not_find"),
    [
        ("trái cây", ["mango"], ["st25", "shrimp"]),  # a category's name
        ("Fruit", ["mango"], ["st25"]),  # in English
        ("hải sản", ["shrimp", "squid"], ["mango", "fish_sauce"]),  # what people call the seafood category
        ("hoa quả", ["mango"], ["st25"]),  # fruit, as said in the north
        ("đặc sản Phú Quốc", ["fish_sauce", "pepper"], ["basket"]),  # a region's specialities
        ("đặc sản", ["st25", "mango", "fish_sauce"], []),
        ("thủy sản tôm", ["shrimp"], ["squid"]),
    ],
)
def test_a_category_or_a_group_word_finds_the_products_in_it(catalogue, more, query, must_find, must_not_find):
    result = found(query)
    products = everything(catalogue, more)
    for key in must_find:
        assert products[key].pk in result, f"{query!r} should find {key}"
    for key in must_not_find:
        assert products[key].pk not in result, f"{query!r} should not find {key}"


def test_full_width_letters_are_folded(catalogue):
    assert set(found("ＧＡＯ ＳＴ２５")) == set(found("gao st25")) != set()


@pytest.mark.parametrize("query", ["!!!", "🙂🙂", "…", "★ ★"])
def test_a_search_with_no_letter_or_digit_finds_nothing_and_says_so(catalogue, query, client):
    """Before: punctuation or emoji alone showed the whole catalogue, with no "no results"."""
    assert found(query) == []
    body = client.get("/api/v1/products/", {"search": query}).json()
    assert body["results"] == []
    page = client.get("/catalogue/", {"search": query}).content.decode()
    assert "không có chữ hay số nào để tìm" in page
    assert 'class="product-card"' not in page


def test_within_one_typo_rules():
    from catalog.search import within_one_typo

    assert within_one_typo("xoia", "xoai")
    assert within_one_typo("quocc", "quoc")
    assert within_one_typo("phuquok", "phuquoc")
    assert not within_one_typo("gau", "gao")  # three letters: too short to guess
    assert not within_one_typo("st26", "st25")  # digits: another product
    assert not within_one_typo("xoai", "xoai")  # the same word is no correction
    assert within_one_typo("thotnottt", "thotnot")  # eight letters or more: two typos
