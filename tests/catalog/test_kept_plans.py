"""The plan PostgreSQL keeps for the product list and the catalogue page's statements reads the page's rows only.

A statement the connection runs again is prepared, and after five runs PostgreSQL may keep a plan made without the
parameters' values (a generic plan). With the products' status and the page's LIMIT sent as parameters, that plan
expected a tenth of the catalogue and sorted it all (160-180 ms at 100,000 products), so PostgreSQL planned every
request anew instead (0.7 ms of its CPU each). page_sql.constant writes them in; these tests ask PostgreSQL for the
generic plan of each shape of the page's statement and hold its estimate to the page's LIMIT."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import mogrify
from django.utils import timezone

from catalog import selectors
from catalog.api import serializers as s
from catalog.commands import Sort
from catalog.models import Category, HarvestLot, Product
from catalog.selectors import page_sql
from catalog.selectors.browse import ProductQuery
from market.organisations.models import Organisation, OrganisationKind
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import OrganisationFactory
from tests.module_data import rows_of_the_module

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]

PAGE_SIZE = 1  # the page reads 2 rows; a generic plan guessing a tenth of 120 products expects more
SHAPES = {
    "newest": {},
    "price ascending": {"sort": "price_asc"},
    "price descending, its category": {"sort": "price_desc", "category": True},
    "its province and cooperative, prices": {"province": True, "cooperative": True, "price_min": 1, "price_max": 10**9},
    "in stock, a certificate": {"in_stock": True, "certificate": "vietgap"},
}


@pytest.fixture(scope="module")
def _catalogue(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    """`catalogue` (its product's id), made once for the module: the tests read it, and what one changes (prices,
    categories, minimum orders, lots, indexes dropped) rolls back. The certificate's scan in a folder of the
    module's."""
    with rows_of_the_module(django_db_blocker, media=tmp_path_factory.mktemp("media")):
        yield _made(OrganisationFactory(kind=OrganisationKind.COOPERATIVE)).pk


@pytest.fixture
def catalogue(_catalogue: int) -> Product:
    """120 published products (copies of one, published a minute apart, a quarter of them from another province), two
    lots and a certificate; analysed, so that the planner estimates from what is there. Analysed again for each test:
    the rows a test changes roll back, the table sizes its ANALYZE wrote (in place) do not."""
    _analyse()
    return Product.objects.get(pk=_catalogue)


def _analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {page_sql.PRODUCT}, {page_sql.ORGANISATION}, {page_sql.LOT}, {page_sql.CERTIFICATE}")


def _made(cooperative: Organisation) -> Product:
    product = make_product(cooperative)
    make_lot(product)
    make_certificate(cooperative, kind="vietgap")
    now = timezone.now()
    copies = []
    for n in range(119):
        copy = Product.objects.get(pk=product.pk)
        copy.pk, copy.sku, copy.gtin = None, f"COPY-{n}", ""
        copy.published_at = now - timedelta(minutes=n + 1)
        copy.origin_province_code += 1 if n % 4 == 3 else 0
        copies.append(copy)
    make_lot(Product.objects.bulk_create(copies)[0], code="COPY-LOT")  # two in stock: a page and a next
    return product


@contextmanager
def page_statements() -> Iterator[list[tuple[str, list[Any]]]]:
    """The page's statements (those wrapping the page's rows) run inside the block."""
    seen: list[tuple[str, list[Any]]] = []

    def keep(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if "FROM (" in sql and "page_id" in sql:
            seen.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        yield seen


def kept_plan(
    sql: str, params: list[Any], *, mode: str = "force_generic_plan", analyze: bool = False
) -> dict[str, Any]:
    """The generic plan of `sql` (its %s placeholders as $1, $2…), as EXPLAIN's JSON; with `mode`
    force_custom_plan, the plan made for the values; with `analyze`, run, with what each node did."""
    numbers = itertools.count(1)
    text = re.sub(r"%s", lambda _: f"${next(numbers)}", sql.replace("%%", "\0")).replace("\0", "%")
    values = ", ".join(mogrify("%s", [value], connection) for value in params)
    with connection.cursor() as cursor:
        cursor.execute(f"PREPARE kept_plan AS {text}")
        try:
            cursor.execute(f"SET plan_cache_mode = {mode}")
            options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
            cursor.execute(f"EXPLAIN ({options}) EXECUTE kept_plan{f'({values})' if values else ''}")
            return cursor.fetchone()[0][0]["Plan"]
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("DEALLOCATE kept_plan")


def kept_plan_rows(sql: str, params: list[Any]) -> float:
    """The rows the generic plan of `sql` expects to return."""
    return kept_plan(sql, params)["Plan Rows"]


def indexes_read(plan: dict[str, Any]) -> set[str]:
    return {plan.get("Index Name", "")} | {name for child in plan.get("Plans", []) for name in indexes_read(child)}


def _scans(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(table, index) of each scan of a table in `plan` (index "" when it reads none)."""
    if "Relation Name" in plan:
        yield plan["Relation Name"], plan.get("Index Name", "")
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _read_of(plan: dict[str, Any], table: str) -> set[str]:
    """The indexes `plan` reads `table` through ("" for a scan of the table itself)."""
    return {index for scanned, index in _scans(plan) if scanned == table}


def scans_run(plan: dict[str, Any], table: str) -> int:
    """How many times the scans of `table` in `plan` (run by EXPLAIN ANALYZE) were started."""
    own = plan.get("Actual Loops", 0) if plan.get("Relation Name") == table else 0
    return own + sum(scans_run(child, table) for child in plan.get("Plans", []))


def index_scans_only() -> None:
    """Plans made from here to the test's end read tables through their indexes where they can: a test's few rows are
    cheaper to read whole, where the bench catalogue's are not."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")


def lots_by_product_from_the_in_stock_index_only() -> None:
    """Drops, until the test's transaction ends, every other index of the lots by product (the index of lots in stock
    is then the only one a plan can read a product's lots from, where it can read it at all): which of them looks
    cheapest turns on their sizes, which the rows earlier tests wrote and rolled back leave."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's rows checked now: no table is altered before
        constraints = connection.introspection.get_constraints(cursor, page_sql.LOT)
        for name, constraint in constraints.items():
            indexed = constraint["index"] or constraint["unique"]
            if indexed and constraint["columns"][:1] == ["product_id"] and name != "lot_in_stock_idx":
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"ALTER TABLE {page_sql.LOT} DROP CONSTRAINT IF EXISTS {quoted}")
                cursor.execute(f"DROP INDEX IF EXISTS {quoted}")


@pytest.fixture
def stocked_catalogue(catalogue) -> Product:
    """The catalogue with thirty more products in stock, each with a lot expiring in a year; analysed."""
    lot = HarvestLot.objects.get(product=catalogue)
    lots = []
    for n, product in enumerate(Product.objects.exclude(lots__isnull=False).order_by("-published_at")[:30]):
        copy = HarvestLot.objects.get(pk=lot.pk)
        copy.pk, copy.product, copy.code, copy.public_id = None, product, f"STOCK-{n}", f"STOCK{n:04d}"
        copy.expiry_date = timezone.localdate() + timedelta(days=365)
        lots.append(copy)
    HarvestLot.objects.bulk_create(lots)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {page_sql.LOT}")
    return catalogue


def _page_statement(shape: dict[str, Any], product: Product, *, reading: str) -> tuple[str, list[Any]]:
    """The page's statement of `shape` read as the API's list (`reading` "api") or the catalogue page reads it."""
    query = _query(shape, product)
    with page_statements() as seen:
        if reading == "api":
            words = selectors.card_words(media=s.media_url_around())
            selectors.product_card_page(query=query, words=words, page_size=PAGE_SIZE)
        else:
            selectors.product_page(query=query, page_size=PAGE_SIZE)
    (statement,) = seen
    return statement


def _query(shape: dict[str, Any], product: Product) -> ProductQuery:
    """The query of `shape`, its True values the product's own (category, province, cooperative)."""
    own = {
        "category": product.category_id,
        "province": product.origin_province_code,
        "cooperative": product.cooperative_id,
    }
    return ProductQuery(**{key: own[key] if value is True and key in own else value for key, value in shape.items()})


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_the_lists_kept_plan_reads_a_page(catalogue, shape):
    words = selectors.card_words(media=s.media_url_around())
    with page_statements() as seen:
        page = selectors.product_card_page(query=_query(shape, catalogue), words=words, page_size=PAGE_SIZE)
    assert len(page.cards) == PAGE_SIZE
    assert page.next_cursor
    (statement,) = seen
    assert kept_plan_rows(*statement) <= PAGE_SIZE + 1


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_the_catalogue_pages_kept_plan_reads_a_page(catalogue, shape):
    with page_statements() as seen:
        page = selectors.product_page(query=_query(shape, catalogue), page_size=PAGE_SIZE)
    assert len(page.products) == PAGE_SIZE
    assert page.next_cursor
    (statement,) = seen
    assert kept_plan_rows(*statement) <= PAGE_SIZE + 1


def test_a_deeper_pages_kept_plan_reads_a_page(catalogue):
    words = selectors.card_words(media=s.media_url_around())
    first = selectors.product_card_page(query=ProductQuery(), words=words, page_size=PAGE_SIZE)
    with page_statements() as seen:
        selectors.product_card_page(query=ProductQuery(), words=words, cursor=first.next_cursor, page_size=PAGE_SIZE)
    (statement,) = seen
    assert kept_plan_rows(*statement) <= PAGE_SIZE + 1


def test_the_lists_kept_plan_reads_the_lots_in_stock_from_their_index(catalogue):
    """The lots' status is written in: the index of lots in stock is partial on it, and a generic plan not knowing the
    status read every lot of a product from the table instead. Where the lots' pages are all-visible (vacuumed), the
    plans made for each request's values read that index alone and looked cheaper, so PostgreSQL planned the list's
    statement anew for every request (~1 ms of its CPU at 100,000 products) rather than keep one. Index scans only
    here: the test's few lots are cheaper to read whole."""
    statement = _page_statement({}, catalogue, reading="api")
    index_scans_only()
    lots_by_product_from_the_in_stock_index_only()
    assert "lot_in_stock_idx" in indexes_read(kept_plan(*statement))


def test_the_in_stock_filters_kept_plan_reads_the_lots_in_stock_from_their_index(catalogue):
    """The filter's lots' status is written in too (page_sql.for_sale): with it a parameter, the kept plan read every
    lot of a product from the table, not the index of lots in stock."""
    statement = _page_statement({"in_stock": True}, catalogue, reading="api")
    index_scans_only()
    lots_by_product_from_the_in_stock_index_only()
    lots_read = [index for table, index in _scans(kept_plan(*statement)) if table == page_sql.LOT]
    assert lots_read
    assert set(lots_read) == {"lot_in_stock_idx"}


@pytest.mark.parametrize("reading", ["api", "page"])
@pytest.mark.parametrize(
    "shape", [{"in_stock": True}, {"in_stock": True, "certificate": "vietgap"}], ids=["in stock", "and a certificate"]
)
def test_the_kept_plan_of_the_in_stock_filter_costs_what_one_made_for_the_day_costs(stocked_catalogue, shape, reading):
    """PostgreSQL keeps a generic plan when it costs no more than the plans made for each request's values. With the
    day a parameter, the generic plan guessed that a third of the lots had not expired (here: all of them; at 100,000
    products nine in ten), so with a certificate filter too the list was planned anew on every request. The day is
    written in (page_sql.day_constant). The certificate's kind stays a parameter, which may be guessed a little
    differently."""
    statement = _page_statement(shape, stocked_catalogue, reading=reading)
    kept = kept_plan(*statement)["Total Cost"]
    made = kept_plan(*statement, mode="force_custom_plan")["Total Cost"]
    assert kept <= made * 1.01


@pytest.mark.parametrize("reading", ["api", "page"])
def test_the_kept_plan_of_a_category_and_a_province_reads_the_page_from_their_index(catalogue, reading):
    """catalog migration 0018: read from the index of (category, province, newest), a page's rows are the only ones
    read whatever the pair; without it the kept plan had to guess how many products the pair holds, and walked the
    newest products or sorted the pair's, each wrong for some pairs, so PostgreSQL planned the list anew on every
    request."""
    statement = _page_statement({"category": True, "province": True}, catalogue, reading=reading)
    index_scans_only()
    products_read = [index for table, index in _scans(kept_plan(*statement)) if table == page_sql.PRODUCT]
    assert products_read == ["product_category_province_idx"]


@pytest.mark.parametrize("reading", ["api", "page"])
@pytest.mark.parametrize(
    "shape",
    [{"certificate": "organic"}, {"certificate": "globalgap", "sort": "price_asc"}, {"ocop_min": 4}],
    ids=["a kind nobody holds", "by price", "ocop stars nobody holds"],
)
def test_a_certificate_nobody_holds_reads_no_product(catalogue, shape, reading):
    """PostgreSQL cannot drive the certificate filter's OR of two EXISTS from the certificates: it walks the products
    in the page's order and tests each, and for a kind nobody holds walked the whole catalogue for an empty page (at
    100,000 products ~45 ms newest first, ~135 ms by price). Whether any certificate of the kind is in force is asked
    first, once (page_sql._certified), in the kept plan too."""
    statement = _page_statement(shape, catalogue, reading=reading)
    assert scans_run(kept_plan(*statement, analyze=True), page_sql.PRODUCT) == 0


def test_only_a_day_is_written_in_as_a_day():
    assert page_sql.day_constant(date(2026, 12, 7)) == "DATE '2026-12-07'"
    with pytest.raises(ValueError, match="not a day"):
        page_sql.day_constant(datetime(2026, 12, 7, 1, 2))


def test_only_code_constants_are_written_in():
    assert page_sql.constant("published") == "'published'"
    for value in ["x' OR '1'='1", "a b", "", "1; DROP TABLE x"]:
        with pytest.raises(ValueError, match="not a code constant"):
            page_sql.constant(value)


@pytest.fixture
def priced_by_category(catalogue: Product) -> Category:
    """The catalogue's products spread over the categories, each category in its own price range (as rice is cheap
    and crabs are dear), analysed again; the rice category returned."""
    categories = list(Category.objects.order_by("pk"))
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    for n, category in enumerate(categories):
        Product.objects.filter(pk__in=ids[n :: len(categories)]).update(
            category=category, price_per_base_unit=1000 * (n + 1)
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {page_sql.PRODUCT}")
    return Category.objects.get(slug="gao")


@pytest.mark.parametrize("sort", [Sort.PRICE_ASC, Sort.PRICE_DESC, Sort.NEWEST])
@pytest.mark.parametrize("reading", ["api", "page"])
def test_a_category_filters_kept_plan_reads_each_categorys_range_of_the_sorts_index(
    catalogue, priced_by_category, sort, reading
):
    """Prices follow the category: the price index read in order, its rows filtered by category, read every cheaper
    (or dearer) product of the catalogue before the category's first (honey cheapest first: ~40,000 of 100,000
    products, 260 ms; 2.5 s at 1,000,000). Each category of the filter (rice and its kinds) is read from its own range
    of an index in the sort's order instead. Ordered index scans only here: the test's few products are cheaper to
    read whole and sort."""
    statement = _page_statement({"category": priced_by_category.pk, "sort": sort}, catalogue, reading=reading)
    index_scans_only()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
    expected = "product_category_idx" if sort == Sort.NEWEST else "product_category_price_idx"
    assert _read_of(kept_plan(*statement), page_sql.PRODUCT) == {expected}


@pytest.mark.parametrize(
    ("bound", "index"),
    [
        ({"price_min": 10**9}, "product_base_price_idx"),
        ({"price_max": 1}, "product_base_price_idx"),
        ({"moq_max": 1}, "product_moq_idx"),
    ],
    ids=["price_min", "price_max", "moq_max"],
)
def test_a_bound_is_planned_for_its_value(catalogue, bound, index):
    """A generic plan guesses that a third of the products pass a bound of the price or the minimum order and walks
    the products in the page's order testing each: a bound that none pass read the whole catalogue (at 100,000
    products `price_min=1000000`: 159 ms; `moq_max=1` 68 ms). The statement carries its values, so that its plan
    reads the range the bound leaves of the bound's index."""
    statement = _page_statement(bound, catalogue, reading="page")
    index_scans_only()
    assert _read_of(kept_plan(*statement), page_sql.PRODUCT) == {index}


@pytest.mark.parametrize("sort", [Sort.PRICE_ASC, Sort.PRICE_DESC])
def test_a_minimum_order_bound_by_price_reads_each_minimum_orders_range(catalogue, sort):
    """The products with a small minimum order are the dear ones (honey and crafts sell by the few, rice by the
    tonne): the price index read in order, its rows tested against `moq_max`, read ~66,000 of 100,000 products for
    `moq_max=5` cheapest first (131 ms). Each minimum order the bound leaves is read from its own range of
    product_moq_idx in price order instead."""
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    for n, moq in enumerate([5, 10, 20, 100]):
        Product.objects.filter(pk__in=ids[n::4]).update(moq=moq, price_per_base_unit=100_000 // moq)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {page_sql.PRODUCT}")
    statement = _page_statement({"moq_max": Decimal(20), "sort": sort}, catalogue, reading="api")
    index_scans_only()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
    assert _read_of(kept_plan(*statement, mode="force_custom_plan"), page_sql.PRODUCT) == {"product_moq_idx"}


@pytest.mark.parametrize(
    "narrowing",
    [{"category": True}, {"search": "gao"}, {"province": True}, {"cooperative": True}],
    ids=["category", "search", "province", "cooperative"],
)
def test_a_minimum_order_bound_narrowed_otherwise_is_read_as_one_range(catalogue, narrowing):
    """A part of the minimum orders tested for a filter with an index of its own reads its whole range when none of its
    products pass (rice with `moq_max=20` cheapest first, split by category and by minimum order: 236 ms)."""
    sql, _params = _page_statement(
        {"moq_max": Decimal(20), "sort": Sort.PRICE_ASC, **narrowing}, catalogue, reading="api"
    )
    assert "p.moq = " not in sql
