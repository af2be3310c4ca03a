"""What a public catalogue read costs: SQL queries and Redis round trips per request, pinned so that an N+1
(or a cache read per category: 62 Redis round trips per catalogue page before) cannot creep back in."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import selectors
from catalog.models import HarvestLot, Product
from catalog.selectors import browse
from catalog.selectors.browse import ProductQuery
from tests.catalog.factories import make_lot, make_product
from tests.catalog.test_kept_plans import kept_plan, page_statements, scans_run
from tests.factories import member

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8
MAX_REDIS_WARM = 4  # the catalogue version, the category tree, the rendered filters; a typo: the vocabulary
# The same missed and written, the vocabulary of a corrected search, the facet counts' claim taken and released
# (catalog.cache.single_flight: one request computes them, the others wait or show the previous ones), and the
# rendered filters missed and kept (frontend.fragments).
MAX_REDIS_COLD = 14


def _paths(shop) -> dict[str, str]:
    return {
        "catalogue": "/catalogue/",
        "search and filters": "/catalogue/?search=gao+st25&province=91&certificate=vietgap&in_stock=1&ocop_min=3",
        "a typo corrected": "/catalogue/?search=mat+onggg",
        "cooperative storefront": f"/catalogue/?cooperative={shop['cooperative'].pk}",
        "cooperative card": f"/cooperatives/{shop['cooperative'].pk}/",
        "product": f"/products/{shop['rice'].pk}/",
        "trace": f"/trace/{shop['lot'].public_id}/",
    }


def _cost(client: Client, path: str, redis_calls: list[bytes]) -> tuple[int, int]:
    redis_calls.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries.captured_queries), len(redis_calls)


PAGES = [
    "catalogue",
    "search and filters",
    "a typo corrected",
    "cooperative storefront",
    "cooperative card",
    "product",
    "trace",
]


@pytest.mark.parametrize("page", PAGES)
def test_public_pages_read_little_cold_or_warm(shop, redis_calls, page):
    path = _paths(shop)[page]
    client = Client()
    cache.clear()
    cold_queries, cold_redis = _cost(client, path, redis_calls)
    warm_queries, warm_redis = _cost(client, path, redis_calls)
    assert cold_queries <= MAX_QUERIES, (page, cold_queries)
    assert warm_queries <= MAX_QUERIES, (page, warm_queries)
    assert cold_redis <= MAX_REDIS_COLD, (page, cold_redis)
    assert warm_redis <= MAX_REDIS_WARM, (page, warm_redis)


def test_a_warm_catalogue_page_reads_the_products_only(shop, redis_calls):
    """Once the tree and the facet counts are cached, a page is one statement: its products with their stock, tiers
    and certificates (catalog.selectors.page_sql)."""
    client = Client()
    _cost(client, "/catalogue/", redis_calls)
    queries, _redis = _cost(client, "/catalogue/", redis_calls)
    assert queries == 1


def test_a_warm_product_page_reads_no_sql(shop, redis_calls):
    """Its content is kept under its versions (frontend.views.catalog._product_shown): the versions, the kept
    content and nothing from PostgreSQL for anyone who is not signed in."""
    client = Client()
    path = f"/products/{shop['rice'].pk}/"
    _cost(client, path, redis_calls)
    queries, redis = _cost(client, path, redis_calls)
    assert queries == 0
    assert redis == 1  # the catalogue's, the product's and its cooperative's versions with the kept content


PERSONAL_QUERIES = 2  # the session; the user with their organisations and unread bell (frontend.visitor)


def _cold_then_warm(client: Client, path: str, redis_calls: list[bytes]) -> tuple[int, int]:
    cache.clear()
    cold, _redis = _cost(client, path, redis_calls)
    warm, _redis = _cost(client, path, redis_calls)
    return cold, warm


@pytest.mark.parametrize("page", PAGES)
def test_a_buyer_pays_only_for_the_personal_parts(shop, buyer, redis_calls, page):
    """Signed in, cold or warm: what anyone pays, plus the session and one read of the user with their
    organisations (the actor and the switcher share it) and their unread bell; within the same ceiling."""
    path = _paths(shop)[page]
    signed_in = Client()
    signed_in.force_login(member(buyer))
    anonymous = _cold_then_warm(Client(), path, redis_calls)
    buyer_cost = _cold_then_warm(signed_in, path, redis_calls)
    for state, queries, anyone in zip(("cold", "warm"), buyer_cost, anonymous, strict=True):
        assert queries <= MAX_QUERIES, (page, state, queries)
        assert queries - anyone <= PERSONAL_QUERIES, (page, state, queries, anyone)


@pytest.fixture
def rice_shelf(cooperative, alliance):
    """Eight products: five whose names hold "gạo thơm" as typed, three that only mention rice."""
    names = ["Gạo thơm Hòn Đất", "Gạo thơm Jasmine", "Cám gạo", "Gạo thơm ST24", "Bánh tráng gạo", "Gạo thơm lài"]
    names += ["Bột gạo", "Gạo thơm Nàng Hoa"]
    return [make_product(cooperative, name=name) for name in names]


def _walked_by_relevance(query: ProductQuery, candidates: int, page_size: int) -> list[int]:
    """What walking a relevance search page by page must show, worked out here from every match's rank: each page is
    the best-ranked (then newest) of the newest `candidates` matches ranked below the cursor (of the newest
    `page_size + 1` if more: a page reads one more than it shows, to know whether another follows)."""
    matches = list(browse.filtered_products(query).values_list("rank_key", "id"))
    seen: list[int] = []
    cursor: tuple[int, int] | None = None
    while True:
        below = [match for match in matches if cursor is None or match < cursor]
        newest = sorted(below, key=lambda match: match[1], reverse=True)[: max(candidates, page_size + 1)]
        page = sorted(newest, reverse=True)[:page_size]
        if not page:
            return seen
        seen += [pk for _rank, pk in page]
        cursor = page[-1]


def _walked(query: ProductQuery, page_size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = selectors.product_page(query=query, cursor=cursor, page_size=page_size)
        seen += [p.pk for p in page.products]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("candidates", [2, 3, 5, 100])
@pytest.mark.parametrize("page_size", [1, 2, 3, 5])
def test_relevance_pages_rank_the_newest_candidates_below_the_cursor(rice_shelf, monkeypatch, candidates, page_size):
    """A relevance search ranks at most CANDIDATES matches a page: a phrase found in nearly every product cost 0.6 s
    at 100,000 products and 5.7 s at 1,000,000 when every match was ranked."""
    monkeypatch.setattr(browse, "CANDIDATES", candidates)
    for text in ["gao thom", "gao"]:
        query = ProductQuery(search=text)
        assert _walked(query, page_size) == _walked_by_relevance(query, candidates, page_size), (text, candidates)


def test_an_older_better_named_match_is_left_out_of_the_newest_candidates(rice_shelf, monkeypatch):
    """The four newest matches of "gao thom" are ranked, not the best-named older ones; with the window holding every
    match, the pages are the full ranking."""
    query = ProductQuery(search="gao thom")
    full = list(browse.filtered_products(query).order_by("-rank_key", "-id").values_list("id", flat=True))
    newest_four = sorted(full, reverse=True)[:4]
    monkeypatch.setattr(browse, "CANDIDATES", 4)
    first_page = [p.pk for p in selectors.product_page(query=query, page_size=3).products]
    assert first_page == [pk for pk in full if pk in newest_four][:3]
    assert first_page != full[:3]  # "Gạo thơm ST24", older than the four, is best-named
    monkeypatch.setattr(browse, "CANDIDATES", len(full))
    assert _walked(query, 2) == full


def test_a_search_found_as_typed_is_one_query_for_its_products(rice_shelf, django_assert_max_num_queries):
    """No "does anything match" query before the page: the page's own query answers that."""
    selectors.product_page(query=ProductQuery(search="gao thom"))  # the category tree, cached
    with django_assert_max_num_queries(3):  # products, tiers and stock, badges
        page = selectors.product_page(query=ProductQuery(search="gao thom"))
    assert not page.corrected
    # "Gạo thơm" is also a category: every product in it matches, the names holding the words first.
    assert all(p.name_vi.startswith("Gạo thơm") for p in page.products[:5])
    assert len(page.products) == 8


def test_cards_read_their_tiers_in_order_and_stock_for_sale_only(cooperative, alliance, django_assert_num_queries):
    """One statement gives every card its tiers (smallest quantity first) and whether a lot is for sale now:
    published, with stock, not expired. A draft lot, a sold-out one and an expired one are not."""
    yesterday = timezone.localdate() - timedelta(days=1)
    stocked = make_product(cooperative, name="Gạo ST25", tiers=[("1000", 29000), ("100", 32000), ("500", 30500)])
    make_lot(stocked, code="L-OK")
    make_lot(stocked, code="L-TWO")  # two lots for sale: still one stock row
    drafts_only = make_product(cooperative, name="Gạo tám", tiers=[("50", 40000)])
    make_lot(drafts_only, code="L-DRAFT", publish=False)
    sold_out = make_product(cooperative, name="Gạo nếp", tiers=[("50", 41000)])
    HarvestLot.objects.filter(pk=make_lot(sold_out, code="L-GONE").pk).update(quantity_available=0)
    expired = make_product(cooperative, name="Gạo lứt", tiers=[("50", 42000)])
    HarvestLot.objects.filter(pk=make_lot(expired, code="L-OLD").pk).update(expiry_date=yesterday)
    products = list(Product.objects.filter(pk__in=[stocked.pk, drafts_only.pk, sold_out.pk, expired.pk]))

    with django_assert_num_queries(1):
        browse.attach_tiers_and_stock(products, on=timezone.localdate())

    by_id = {product.pk: product for product in products}
    assert by_id[stocked.pk].tier_list == [(Decimal("100"), 32000), (Decimal("500"), 30500), (Decimal("1000"), 29000)]
    assert by_id[drafts_only.pk].tier_list == [(Decimal("50"), 40000)]
    assert [by_id[p.pk].in_stock for p in (stocked, drafts_only, sold_out, expired)] == [True, False, False, False]
    browse.attach_tiers_and_stock([], on=timezone.localdate())  # an empty page asks nothing


def test_the_catalogue_pages_cards_are_read_without_their_tiers(cooperative):
    """The HTML cards show a product's lowest price, not its tiers: the catalogue page's statement reads no price tier,
    and its products are the API's (the same stock and badges), without `tier_list`."""
    rice = make_product(cooperative, name="Gạo ST25", tiers=[("100", 32000), ("1000", 29000)])
    make_lot(rice, code="L-OK")
    make_product(cooperative, name="Gạo tám", tiers=[("50", 40000)])
    with page_statements() as seen:
        Client().get("/catalogue/")
    ((sql, params),) = seen
    assert scans_run(kept_plan(sql, params, mode="force_custom_plan", analyze=True), "catalog_pricetier") == 0
    shown = selectors.product_page(query=ProductQuery(), tiers=False)
    full = selectors.product_page(query=ProductQuery())
    assert [(p.pk, p.in_stock, shown.badges[p.pk]) for p in shown.products] == [
        (p.pk, p.in_stock, full.badges[p.pk]) for p in full.products
    ]
    assert [p.tier_list for p in full.products][-1] == [(Decimal("100"), 32000), (Decimal("1000"), 29000)]
    assert not any(hasattr(p, "tier_list") for p in shown.products)
