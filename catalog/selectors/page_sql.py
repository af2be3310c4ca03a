"""A catalogue page's products in plain SQL (`browse._page_rows` on PostgreSQL): the same rows as
`browse._page_rows_orm`, without building and compiling a QuerySet per request.

Why: the ORM spent 1.3 ms of CPU building the plain list's query and 2.7 ms a search with a certificate
filter, for statements PostgreSQL answers in a fraction of that. The rules stay where they are defined —
`browse.public_products`, `browse.filtered_products`, `browse.certified_q`, `browse.for_sale`,
`Certificate.objects.in_force`, `search.search` and `search.rank_expression` — and
`tests/catalog/test_public_reads.py` pins that this module returns the same rows in the same order as they do
for every filter, sort, cursor and search shape (the ORM path still serves SQLite, the zero-setup default).

A page's rows are read as a `Reading` says: as Product instances (`PAGE_PRODUCTS`: the catalogue page, whose HTML
cards need them, without their tiers; `PRODUCTS` with them, as serializers.product_card shows them), or, for the
API's list, as each card's JSON text written by PostgreSQL (catalog.selectors.card_sql).
Why the second: with instances, the list spent ~2 ms of a ~3.9 ms request in Python on the page's rows — psycopg
converting ~20 columns a row (its timestamps parsed in Python), a Product and an Organisation built per row, the
card dicts and their rendering — where PostgreSQL writes the same text for ~10 µs of its own time a row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, NamedTuple, TypeVar

from django.db import connection
from django.db.backends.postgresql.psycopg_any import mogrify

from catalog.cache import catalog_version
from catalog.commands import Sort
from catalog.models import (
    SEARCH_ROW_PARTITION_IDS,
    Certificate,
    CertificateKind,
    CertificateScope,
    CertificateStatus,
    HarvestLot,
    LotStatus,
    PriceTier,
    Product,
    ProductStatus,
    SearchRow,
)
from catalog.selectors.browse import LIST_FIELDS
from catalog.selectors.categories import category_descendant_ids
from catalog.selectors.search import RANK_SCALE, SearchPlan, corrections
from market.core import rows
from market.organisations.models import Organisation, VerificationStatus

PRODUCT = Product._meta.db_table
ORGANISATION = Organisation._meta.db_table
CERTIFICATE = Certificate._meta.db_table
CERTIFICATE_PRODUCTS = Certificate.products.through._meta.db_table
PRICE_TIER = PriceTier._meta.db_table
LOT = HarvestLot._meta.db_table
SEARCH_ROWS = SearchRow._meta.db_table
COOPERATIVE = Product._meta.get_field("cooperative")

# What a card reads (browse.LIST_FIELDS): the product's columns, then its cooperative's, each in its model's
# field order (Model.from_db takes the values of a subset of fields in that order).
CARD_PRODUCT_FIELDS = frozenset(name for name in LIST_FIELDS if "__" not in name)
CARD_COOPERATIVE_FIELDS = frozenset(name.split("__", 1)[1] for name in LIST_FIELDS if name.startswith("cooperative__"))
SELECT = ", ".join(
    [rows.select_list(Product, "p", CARD_PRODUCT_FIELDS), rows.select_list(Organisation, "o", CARD_COOPERATIVE_FIELDS)]
)
_PRICE_SORTS = (Sort.PRICE_ASC, Sort.PRICE_DESC)
# The most minimum orders a price sort with `moq_max` reads apart (`_each_part`): each costs an index descent and up to
# a page of rows. Beyond it they are read as one range (the bench catalogue has 7 minimum orders).
MOQ_PARTS_MAX = 32
# browse._SORT_KEYS as SQL: sort -> (expression, descending); relevance's is the rank below.
_SORT_COLUMNS = {
    Sort.NEWEST: ("p.published_at", True),
    Sort.PRICE_ASC: ("p.price_per_base_unit", False),
    Sort.PRICE_DESC: ("p.price_per_base_unit", True),
}
# The largest value of a smallint column (the search rows' province of origin).
SMALLINT_MAX = 2**15 - 1
# search.rank_expression on PostgreSQL, written as Django writes it (the same arithmetic, the same ranks).
RANK = "((WORD_SIMILARITY(%s, p.name_folded) * %s))::integer"


def _like(word: str) -> str:
    """`search_folded__contains=word` as Django writes its parameter."""
    return f"%{connection.ops.prep_for_like_query(word)}%"


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def constant(value: str) -> str:
    """A value the code fixes (an enum's), written into a statement rather than sent as a parameter.

    Why: a statement the connection runs again is prepared (settings.DATABASES), and after five runs PostgreSQL
    keeps a plan made without the parameters' values (a generic plan) when it costs no more than the plans made
    with them. Not knowing that `p.status` is 'published' (nearly every row) nor the page's LIMIT, the list's
    generic plan sorted every product and looked for stock in every lot: 160-180 ms against 0.7 ms, so the planner
    planned the list anew for every request instead (0.7 ms of PostgreSQL's CPU each). Written in, the values are
    known to the generic plan too, and the list is planned once per connection."""
    if not value.isidentifier():
        raise ValueError(f"not a code constant: {value!r}")
    return f"'{value}'"


class Where:
    """Conditions joined by AND, with their parameters in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.parts) or "TRUE"


def in_force(certificate: str) -> str:
    """Certificate.objects.in_force as SQL over `certificate` (its parameters: `in_force_params`)."""
    c = certificate
    return f"{c}.status = %s AND {c}.valid_from <= %s AND ({c}.valid_to IS NULL OR {c}.valid_to >= %s)"


def in_force_params(day: date) -> list[Any]:
    return [CertificateStatus.VERIFIED.value, day, day]


def day_constant(day: date) -> str:
    """A day the code fixes (the day a page is read for), written into a statement rather than sent as a parameter.

    Why: a generic plan (`constant`) guesses that a third of the rows pass a comparison with a parameter; for the
    "in stock" filter, that a third of the lots have not expired where nine in ten have not. With a certificate filter
    too, that guess made the plan that walks the newest products look 2.6 times costlier than the same plan made for
    the day, so PostgreSQL planned the list anew on every request (at 100,000 products 2.6–3.3 ms of its CPU a
    request, 0.7–1.4 with the plan kept). Written in, the statement changes once a day."""
    if type(day) is not date:
        raise ValueError(f"not a day: {day!r}")
    return f"DATE '{day.isoformat()}'"


def for_sale(product: str, day: str) -> str:
    """Whether a lot of the product whose id is `product` is for sale on `day` (browse.for_sale), the day as SQL: a
    parameter ("%s", its value `for_sale_params`) or written in (`day_constant`). The status written in (`constant`):
    the index of lots in stock (catalog migration lot_in_stock_idx) is partial, on published lots, and a generic plan,
    not knowing a parameter's value, could not read it (it read every lot of the product from the table instead: the
    list's cards cost ~0.1 more than the plans made for each request's values, and the "in stock" filter was planned
    anew on every request)."""
    return (
        f"EXISTS (SELECT 1 FROM {LOT} l WHERE l.product_id = {product} AND l.status = {constant(LotStatus.PUBLISHED)}"  # noqa: S608
        f" AND l.quantity_available > 0 AND (l.expiry_date IS NULL OR l.expiry_date >= {day}))"
    )


def for_sale_params(day: date) -> list[Any]:
    return [day]


def _certified(where: Where, day: date, *, kind: str, ocop_min: int | None = None) -> None:
    """browse.certified_q: a certificate in force on `day` (Certificate.objects.in_force) of `kind`,
    cooperative-wide or naming the product.

    First, whether any certificate of the kind is in force at all: a condition of no product's column, which
    PostgreSQL evaluates once, before reading any product (a one-time filter), and which implies the rest. Why: it
    cannot drive the OR of the two EXISTS from the certificates, so it walks the products in the page's order and
    tests each; for a kind nobody holds that walked the whole catalogue for an empty page (at 100,000 products
    ~45 ms of PostgreSQL newest first, ~135 ms by price)."""
    condition = f"{in_force('c')} AND c.kind = %s"
    params: list[Any] = [*in_force_params(day), kind]
    if ocop_min:
        condition += " AND c.ocop_stars >= %s"
        params.append(ocop_min)
    where.add(f"EXISTS (SELECT 1 FROM {CERTIFICATE} c WHERE {condition})", *params)  # noqa: S608
    where.add(
        f"(EXISTS (SELECT 1 FROM {CERTIFICATE} c WHERE {condition} AND c.cooperative_id = p.cooperative_id"  # noqa: S608
        f" AND c.scope = %s)"
        f" OR EXISTS (SELECT 1 FROM {CERTIFICATE} c JOIN {CERTIFICATE_PRODUCTS} cp ON cp.certificate_id = c.id"
        f" WHERE {condition} AND cp.product_id = p.id AND c.scope = %s))",
        *params,
        CertificateScope.COOPERATIVE.value,
        *params,
        CertificateScope.PRODUCTS.value,
    )


def _words(words: Sequence[str]) -> tuple[str, list[Any]]:
    return " AND ".join(["p.search_folded::text LIKE %s"] * len(words)), [_like(w) for w in words]


def _search(where: Where, plan: SearchPlan, *, corrected: bool) -> None:
    """search.search's conditions: each group (its categories, or its words) and each word (as typed, or
    with its corrections when `corrected`)."""
    for group in plan.groups:
        if group.category_ids is None:
            continue
        words, params = _words(group.words)
        where.add(f"(p.category_id IN ({_in(group.category_ids)}) OR ({words}))", *group.category_ids, *params)
    fuzzy = [[w, *corrections(w)] for w in plan.words] if corrected else []
    if any(len(options) > 1 for options in fuzzy):
        for options in fuzzy:
            where.add("(" + " OR ".join(["p.search_folded::text LIKE %s"] * len(options)) + ")",
                      *(_like(o) for o in options))  # fmt: skip
    elif plan.words:
        words, params = _words(plan.words)
        where.add(words, *params)


def filtered(
    query: Any, *, day: date, corrected: bool, over_search_rows: bool = False, categories: bool = True
) -> Where | None:
    """browse.filtered_products as SQL over `p` (product) and `o` (its cooperative), or over `p` alone, the product's
    search row (catalog.models.SearchRow: it has a row when it is public, under the product's column names), when
    `over_search_rows`; None when the search cannot match anything. Without the category filter when not
    `categories` (the caller reads each of its categories apart: `page_rows`)."""
    plan: SearchPlan = query.search_plan
    if plan.unusable:
        return None
    where = Where()
    if not over_search_rows:
        where.add(f"p.status = {constant(ProductStatus.PUBLISHED)}"
                  f" AND o.verification_status = {constant(VerificationStatus.VERIFIED)}")  # fmt: skip
    if query.category is not None and categories:
        ids = list(category_descendant_ids(query.category))
        if not ids:
            return None
        where.add(f"p.category_id IN ({_in(ids)})", *ids)
    if query.province is not None:
        if not over_search_rows:
            where.add("p.origin_province_code = %s", query.province)
        elif 0 <= query.province <= SMALLINT_MAX:
            # Compared as a smallint, the column's type: the search rows' index of province and words (catalog
            # migration 0014) is btree_gin's, whose smallint operators take smallints only. Compared as an integer,
            # the province was read from its btree as a bitmap of its own (23,000 rows for province 91 at 100,000
            # products), to be intersected with the words' bitmap.
            where.add("p.origin_province_code = %s::smallint", query.province)
        else:  # no row holds it (a smallint column), and the cast would fail
            return None
    if query.cooperative is not None:
        where.add("p.cooperative_id = %s", query.cooperative)
    if query.price_min is not None:
        where.add("p.price_per_base_unit >= %s", query.price_min)
    if query.price_max is not None:
        where.add("p.price_per_base_unit <= %s", query.price_max)
    if query.moq_max is not None:
        where.add("p.moq <= %s", query.moq_max)
    if query.certificate:
        _certified(where, day, kind=query.certificate)
    if query.ocop_min:
        _certified(where, day, kind=CertificateKind.OCOP.value, ocop_min=query.ocop_min)
    if query.in_stock:
        where.add(for_sale("p.id", day_constant(day)))
    if not plan.is_empty:
        _search(where, plan, corrected=corrected)
    return where


def filtered_sql(query: Any, columns: Sequence[str], *, day: date, corrected: bool) -> tuple[str, list[Any]] | None:
    """browse.filtered_products' `columns` (of the product) as a statement and its parameters; None when the search
    cannot match anything."""
    where = filtered(query, day=day, corrected=corrected)
    if where is None:
        return None
    select = ", ".join(f"p.{connection.ops.quote_name(column)}" for column in columns)
    sql = f"SELECT {select} FROM {PRODUCT} p JOIN {ORGANISATION} o ON o.id = p.cooperative_id WHERE {where.sql}"  # noqa: S608
    return sql, where.params


def _rank_params(plan: SearchPlan) -> list[Any]:
    from psycopg.types.numeric import Int4  # as Django binds Value(RANK_SCALE): the same arithmetic

    return [" ".join(plan.terms), Int4(RANK_SCALE)]


def _products(found: list[tuple[Any, ...]], *, tiers: bool) -> list[Product]:
    """Cards' products from the rows (product columns, cooperative columns[, rank], then the key
    columns and CARD_COLUMNS of `_with_cards`); with `tiers`, their `tier_list`."""
    product_end = rows.width(Product, CARD_PRODUCT_FIELDS)
    cooperative_end = product_end + rows.width(Organisation, CARD_COOPERATIVE_FIELDS)
    products = rows.instances(Product, [row[:product_end] for row in found], CARD_PRODUCT_FIELDS)
    cooperatives = rows.instances(
        Organisation, [row[product_end:cooperative_end] for row in found], CARD_COOPERATIVE_FIELDS
    )
    for product, cooperative, row in zip(products, cooperatives, found, strict=True):
        # What `product.cooperative = cooperative` leaves (its id is the product's cooperative_id: the join's),
        # without the descriptor's type and router checks: a third of this function's CPU.
        COOPERATIVE.set_cached_value(product, cooperative)
        extra = row[cooperative_end : -(len(KEY_COLUMNS) + CARD_COLUMNS)]
        if extra:
            setattr(product, "rank_key", extra[0])  # noqa: B010 (as the ORM path annotates it)
        in_stock, quantities, prices, kinds, stars = row[-CARD_COLUMNS:]
        product.in_stock = in_stock
        if tiers:
            product.tier_list = list(zip(quantities, prices, strict=True)) if quantities else []
        product.certified = list(zip(kinds, stars, strict=True)) if kinds else []
    return products


# What each card shows besides its product's columns, read with the page's rows by `_with_cards`: whether a lot is
# for sale (browse.for_sale), the price tiers by quantity and the (kind, stars) of each certificate in force that
# covers it (browse.attach_tiers_and_stock and browse.badges_for define them; tests/catalog/test_public_reads.py
# holds this to them). Two statements after the page's cost ~0.7 ms of CPU and two round trips; a LATERAL join per
# page row costs PostgreSQL a few index probes each.
KEY_COLUMNS = ("page_id",)
# Where the page's order is among its columns (1-based, as ORDER BY takes them): the product's id, each sort's key
# (relevance's: the rank, just after the cooperative's columns). By position, not as a key column more: a timestamp
# read twice per row cost ~2 µs more a row.
_PRODUCT_COLUMNS = [attname for attname, _column, _converters in rows.read_fields(Product, CARD_PRODUCT_FIELDS)]
ID_POSITION = 1 + _PRODUCT_COLUMNS.index("id")
KEY_POSITIONS = {
    Sort.NEWEST: 1 + _PRODUCT_COLUMNS.index("published_at"),
    Sort.PRICE_ASC: 1 + _PRODUCT_COLUMNS.index("price_per_base_unit"),
    Sort.PRICE_DESC: 1 + _PRODUCT_COLUMNS.index("price_per_base_unit"),
    Sort.RELEVANCE: 1 + rows.width(Product, CARD_PRODUCT_FIELDS) + rows.width(Organisation, CARD_COOPERATIVE_FIELDS),
}
CARD_COLUMNS = 5


# (kind, ocop_stars) of each certificate in force that covers the page's row `page` (cooperative-wide, or naming
# the product); its parameters: `covering_params`.
COVERING = f"""
    SELECT c.kind, c.ocop_stars FROM {CERTIFICATE} c
     WHERE c.scope = %s AND c.cooperative_id = page.cooperative_id AND {in_force("c")}
    UNION ALL
    SELECT c.kind, c.ocop_stars FROM {CERTIFICATE_PRODUCTS} cp JOIN {CERTIFICATE} c ON c.id = cp.certificate_id
     WHERE cp.product_id = page.page_id AND {in_force("c")}
"""  # noqa: S608 (table names from the models; every value is a parameter)


def covering_params(day: date) -> list[Any]:
    return [CertificateScope.COOPERATIVE.value, *in_force_params(day), *in_force_params(day)]


# Whether a lot of the page's row `page` is for sale; its parameters: `for_sale_params`. The day a parameter: probed
# once per card, the plan does not turn on it.
FOR_SALE = for_sale("page.page_id", "%s")


def _with_cards(
    sql: str, params: list[Any], sort: Sort, descending: bool, day: date, *, tiers: bool
) -> tuple[str, list[Any]]:
    """The page's statement `sql` in `sort` (its SELECT list ends with the product's id as KEY_COLUMNS) wrapped so
    that each of its rows also gets CARD_COLUMNS, in the same order; the tiers' only with `tiers` (NULL without:
    the HTML cards do not show them). Wrapped, not joined inside: the joins run for the page's rows only, after its
    LIMIT."""
    direction = "DESC" if descending else "ASC"
    tier_columns, tier_join = "NULL, NULL", ""
    if tiers:
        tier_columns = "tiers.quantities, tiers.prices"
        tier_join = f"""LEFT JOIN LATERAL (
               SELECT ARRAY_AGG(t.min_quantity ORDER BY t.min_quantity) AS quantities,
                      ARRAY_AGG(t.unit_price ORDER BY t.min_quantity) AS prices
                 FROM {PRICE_TIER} t WHERE t.product_id = page.page_id) tiers ON TRUE"""  # noqa: S608 (model names)
    wrapped = f"""
        SELECT page.*, {FOR_SALE}, {tier_columns}, certified.kinds, certified.stars
          FROM ({sql}) page
          {tier_join}
          LEFT JOIN LATERAL (
               SELECT ARRAY_AGG(c.kind) AS kinds, ARRAY_AGG(c.ocop_stars) AS stars FROM ({COVERING}) c
               ) certified ON TRUE
         ORDER BY {KEY_POSITIONS[sort]} {direction}, {ID_POSITION} {direction}
    """  # noqa: S608 (table names from the models; every value is a parameter)
    return wrapped, [*for_sale_params(day), *params, *covering_params(day)]


Row = TypeVar("Row")


@dataclass(frozen=True)
class Reading(Generic[Row]):
    """What a page's rows are read as: `wrap` gives the page's statement (its rows in a sort, descending or not)
    what each card shows, `rows` makes the page's rows of what the wrapped statement returns."""

    wrap: Callable[[str, list[Any], Sort, bool, date], tuple[str, list[Any]]]
    rows: Callable[[list[tuple[Any, ...]]], list[Row]]


# The cards' products: Product instances with what `_products` sets, with their tiers (what serializers.product_card
# shows) or without (the HTML cards: `PAGE_PRODUCTS`).
PRODUCTS: Reading[Product] = Reading(
    wrap=functools.partial(_with_cards, tiers=True), rows=functools.partial(_products, tiers=True)
)
PAGE_PRODUCTS: Reading[Product] = Reading(
    wrap=functools.partial(_with_cards, tiers=False), rows=functools.partial(_products, tiers=False)
)


def _fetch(sql: str, params: list[Any], *, planned_each_time: bool) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(*(with_values(sql, params) if planned_each_time else (sql, params)))
        return cursor.fetchall()


def with_values(sql: str, params: list[Any]) -> tuple[str, None]:
    """A statement with its values written in (bound here, as Django's default cursor binds them), not sent as
    parameters, for a statement whose best plan turns on the values: a search's words, a range's bounds
    (`_planned_each_time`). With parameters, a statement the connection runs again is prepared (settings.DATABASES),
    and after five runs PostgreSQL may keep a plan made without the values (a generic plan), which must guess what
    the search's LIKE patterns match: the catalogue page searching "gao st25" with a province and a certificate went
    from 9 ms to 14–19 ms of PostgreSQL. Written in, the values are planned for every time."""
    return mogrify(sql, params, connection), None


def _planned_each_time(query: Any) -> bool:
    """Whether the page's statement is planned for its values on every request (`with_values`): a search, or a bound
    of the price or the minimum order. A generic plan guesses that a third of the products pass a bound and walks the
    products in the page's order testing each; a bound that few or none pass then reads the whole catalogue (at
    100,000 products `price_min=1000000`: 159 ms of PostgreSQL with the kept plan; planned for the value, it reads the
    price index's range: 0.26 ms). Planning costs ~1 ms of PostgreSQL's CPU a request, and a price range (both
    bounds) was planned anew every time already: PostgreSQL never kept its plan."""
    plan: SearchPlan = query.search_plan
    bounds = (query.price_min, query.price_max, query.moq_max)
    return not plan.is_empty or any(bound is not None for bound in bounds)


def page_rows(
    query: Any,
    sort: str,
    after: tuple[Any, int] | None,
    limit: int,
    *,
    day: date,
    corrected: bool,
    candidates: int,
    best_rank: int,
    reading: Reading[Row],
) -> list[Row]:
    """browse._page_rows_orm in SQL: the first `limit` products of `sort` after the cursor's (value, id), read as
    `reading` reads them."""
    relevance = sort == Sort.RELEVANCE
    # A sort of the products' own columns reads each category of a category filter apart, and a price sort each
    # minimum order a `moq_max` leaves when nothing else narrows the products (`_each_part`, `_reads_each_moq`).
    category_ids = category_descendant_ids(query.category) if query.category is not None and not relevance else None
    moq_values = _moq_values(query.moq_max) if _reads_each_moq(query, sort) else None
    if category_ids == [] or moq_values == []:
        return []
    where = filtered(query, day=day, corrected=corrected, over_search_rows=relevance, categories=category_ids is None)
    if where is None:
        return []
    plan: SearchPlan = query.search_plan
    searching = not plan.is_empty
    rank_params = _rank_params(plan) if searching else []
    if relevance:
        key, key_params, descending = RANK, rank_params, True
    else:
        key, descending = _SORT_COLUMNS[Sort(sort)]
        key_params = []
    if after is not None:
        value, pk = after
        less, op = ("<", "<=") if descending else (">", ">=")
        where.add(f"{key} {op} %s AND ({key} {less} %s OR p.id {less} %s)", *key_params, value, *key_params,
                  value, pk)  # fmt: skip
    if relevance:
        return _ranked_among_newest(
            where, rank_params, limit, day=day, candidates=candidates, best_rank=best_rank, reading=reading
        )
    direction = "DESC" if descending else "ASC"
    rank_column = f", {RANK} AS rank_key" if searching else ""
    sql = (
        f"SELECT {SELECT}{rank_column}, p.id AS page_id"  # noqa: S608
        f" FROM {PRODUCT} p JOIN {ORGANISATION} o ON o.id = p.cooperative_id WHERE {where.sql}"
    )
    order = f" ORDER BY {key} {direction}, p.id {direction} LIMIT {limit:d}"  # written in: see `constant`
    column, parts = ("p.category_id", category_ids) if category_ids is not None else ("p.moq", moq_values)
    if parts is not None:
        sql, params = _each_part(sql + f" AND {column} = %s" + order, [*rank_params, *where.params], parts,
                                 Sort(sort), direction, limit)  # fmt: skip
    else:
        sql, params = sql + order, [*rank_params, *where.params]
    statement = reading.wrap(sql, params, Sort(sort), descending, day)
    return reading.rows(_fetch(*statement, planned_each_time=_planned_each_time(query)))


def _each_part(
    branch: str, params: list[Any], parts: Sequence[Any], sort: Sort, direction: str, limit: int
) -> tuple[str, list[Any]]:
    """The page of a sort of the products' own columns as the first `limit` of each part's first `limit` (`branch`,
    whose last parameter is the part): each category of a category filter, or in a price sort each minimum order a
    `moq_max` leaves, read from its own range of an index in the sort's order. Why: the sort's index read in
    order, its rows filtered, reads as many rows as come before the page's in the whole catalogue, and prices follow
    the category (rice is cheap, crabs are dear) and the minimum order (honey and crafts sell by the few): honey
    cheapest first read ~40,000 of 100,000 products (260 ms of PostgreSQL) for its 25, `moq_max=5` cheapest first
    ~66,000 (131 ms)."""
    each_params = [value for part in parts for value in (*params, part)]
    if len(parts) == 1:
        return branch, each_params
    union = " UNION ALL ".join([f"({branch})"] * len(parts))
    order = f" ORDER BY {KEY_POSITIONS[sort]} {direction}, {ID_POSITION} {direction} LIMIT {limit:d}"
    return union + order, each_params


def _reads_each_moq(query: Any, sort: str) -> bool:
    """Whether the page reads each minimum order its `moq_max` leaves apart: in price order, when no category, search,
    province or cooperative narrows the products. Those have indexes of their own; a part of the minimum orders,
    tested for them, reads the whole of its range when none of its products pass (at 100,000 products rice with
    `moq_max=20` cheapest first, split both ways: 236 ms)."""
    plan: SearchPlan = query.search_plan
    narrowed = not plan.is_empty or any(f is not None for f in (query.category, query.province, query.cooperative))
    return query.moq_max is not None and sort in _PRICE_SORTS and not narrowed


def _moq_values(moq_max: Decimal) -> list[Decimal] | None:
    """The distinct minimum orders of the published products up to `moq_max`, smallest first, each found by one
    descent of product_moq_idx; None when there are more than MOQ_PARTS_MAX."""
    published = constant(ProductStatus.PUBLISHED)
    sql = f"""
        WITH RECURSIVE m(moq) AS (
            SELECT MIN(moq) FROM {PRODUCT} WHERE status = {published} AND moq <= %s
            UNION ALL
            SELECT (SELECT MIN(p.moq) FROM {PRODUCT} p WHERE p.status = {published} AND p.moq > m.moq AND p.moq <= %s)
            FROM m WHERE m.moq IS NOT NULL
        )
        SELECT moq FROM m WHERE moq IS NOT NULL LIMIT {MOQ_PARTS_MAX + 1:d}
    """  # noqa: S608 (table names from the models, a code constant; the bound is a parameter)
    values = [moq for (moq,) in _fetch(sql, [moq_max, moq_max], planned_each_time=False)]
    return values if len(values) <= MOQ_PARTS_MAX else None


# The ranges of product ids a search's newest matches are looked for in, newest first (`_windows`): one partition of
# the search rows each at first (catalog.models.SearchRow), so that each statement reads one partition's index.
WINDOW_IDS = SEARCH_ROW_PARTITION_IDS
# The newest ids, looked in before the rest of their partition (`_windows`): a range of ids narrows the bitmap of the
# partition's trigram index to the rows in it (PostgreSQL ANDs it with the primary key's), so that only their blocks
# are read. Why: at 100,000 products (one partition) "gao st25" in province 91 with VietGAP read 978 heap blocks for
# the index's 1,128 rows (each match on its own block) to rank the 49 newest of its 551 matches; the newest 16,384
# ids hold ~90 of them, read from ~140 blocks. A search with fewer than a page of best-ranked matches among them pays
# one more statement (the rest of the partition), whose index is read again.
HEAD_IDS = 2**14
# (catalogue version, the highest id among the search rows): where the windows start. A hint read once per catalogue
# version by each process: windows cover every id whatever it says (an old one makes the first window wider).
_highest: tuple[int, int] | None = None


def _highest_id() -> int:
    global _highest
    version = catalog_version()
    if _highest is None or _highest[0] != version:
        highest = _fetch(f"SELECT COALESCE(MAX(id), 0) FROM {SEARCH_ROWS}", [], planned_each_time=False)[0][0]  # noqa: S608
        _highest = (version, highest)
    return _highest[1]


def _windows(highest: int) -> Iterator[tuple[int | None, int | None]]:
    """Ranges [low, high) of product ids (None: unbounded) that together hold every id, newest first: the newest
    HEAD_IDS ids and everything above them, the rest of the range of WINDOW_IDS holding `highest`, the range before,
    then two, four… ranges at a time."""
    high: int | None = None
    low, width = highest // WINDOW_IDS * WINDOW_IDS, WINDOW_IDS
    head = highest - HEAD_IDS
    if head > low:
        yield head, high
        high = head
    while low > 0:
        yield low, high
        high, low, width = low, low - width, width * 2
    yield None, high


class Ranked(NamedTuple):
    """A match of a relevance sort, as its search statement returns it (`_newest_ranked_sql`)."""

    id: int
    rank: int
    # How many of its window's newest matches were ranked; None when the statement returned its window's first
    # best-ranked matches.
    candidates: int | None


def _newest_ranked_sql(where: Where, window: Where) -> str:
    """A relevance sort's page among the newest matches of a window (their number a parameter), as Ranked rows:
    the window's first `limit` best-ranked matches, newest first, when there are that many among them; otherwise
    the first `limit` of them by relevance, each with how many were ranked. Its parameters: `rank_params`, the
    conditions', the window's, how many matches, the best rank, then `limit` four times.

    Why two answers: ranking a match (WORD_SIMILARITY) cost PostgreSQL ~5 µs, more than finding it, and "gao" ranked
    1,000 matches for a page whose 25 products are the newest of its best-ranked ones, found among its 46 newest
    matches. A match's rank is computed as it is read (after the matches are sorted by id: the rank is taken over
    the sorted subquery's rows) and kept (a materialised CTE), so the best-ranked are looked for among the newest
    first and the full ranking reads the same ranks again, never computing one twice. A best-ranked match older
    than the first `limit` best-ranked ones cannot come before them: among equal ranks the newer comes first."""
    newest = (
        f"SELECT p.id, p.name_folded FROM {SEARCH_ROWS} p WHERE {where.sql} AND {window.sql}"  # noqa: S608
        " ORDER BY p.id DESC LIMIT %s"
    )
    return (
        f"WITH matches AS MATERIALIZED (SELECT p.id, {RANK} AS rank_key FROM ({newest}) p),"  # noqa: S608
        " best AS (SELECT m.id, m.rank_key FROM matches m WHERE m.rank_key >= %s LIMIT %s)"
        " SELECT b.id, b.rank_key, NULL::bigint FROM best b WHERE (SELECT COUNT(*) FROM best) = %s"
        " UNION ALL"
        " (SELECT m.id, m.rank_key, COUNT(*) OVER () FROM matches m WHERE (SELECT COUNT(*) FROM best) < %s"
        " ORDER BY m.rank_key DESC, m.id DESC LIMIT %s)"
    )


# The page of a relevance sort from its Ranked rows, bound as two arrays (ids, ranks): the products' and cooperatives'
# columns joined by id (`Reading.wrap` orders them). A statement apart from the search's, with its values bound as
# parameters rather than written in (`_fetch`'s `planned_each_time`), because it is the same for every search: the
# connection prepares it and PostgreSQL keeps its plan, where planning the cards' joins again with each search's
# words cost ~1.5 ms of PostgreSQL time a request (of 6–8 ms). The search's own statement, planned for its words
# every time, is left with the search rows and the certificates; and at 1,000,000 products only the page's rows
# are read as cards, not each window's first `limit`.
RANKED_PAGE = (
    f"SELECT {SELECT}, r.rank_key, p.id AS page_id"  # noqa: S608
    " FROM UNNEST(%s::bigint[], %s::integer[]) AS r(id, rank_key)"
    f" JOIN {PRODUCT} p ON p.id = r.id JOIN {ORGANISATION} o ON o.id = p.cooperative_id"
)


def _array_text(values: Sequence[int]) -> str:
    """An array of integers as PostgreSQL reads it from text ("{1,2}"), for a parameter cast to its array type:
    psycopg's dumping of a list, in Python item by item, cost more CPU than the statement's planning saved."""
    return "{" + ",".join(str(value) for value in values) + "}"


def _ranked_page(ranked: list[Ranked], *, day: date, reading: Reading[Row]) -> list[Row]:
    """The page's rows, read as `reading` reads them, of its Ranked rows."""
    if not ranked:
        return []
    arrays = [_array_text([match.id for match in ranked]), _array_text([match.rank for match in ranked])]
    statement = reading.wrap(RANKED_PAGE, arrays, Sort.RELEVANCE, True, day)
    return reading.rows(_fetch(*statement, planned_each_time=False))


def _best_first(found: list[Ranked], limit: int) -> list[Ranked]:
    """The first `limit` of `found` by relevance (the rank, then the newest)."""
    return sorted(found, key=lambda match: (match.rank, match.id), reverse=True)[:limit]


def _ranked_among_newest(
    where: Where,
    rank_params: list[Any],
    limit: int,
    *,
    day: date,
    candidates: int,
    best_rank: int,
    reading: Reading[Row],
) -> list[Row]:
    """browse._ranked_among_newest: the first `limit` matches by relevance among the newest `candidates` (or `limit`
    if more).

    The newest are looked for window by window (`_windows`), newest first, until there are `candidates` of them: at
    1,000,000 products "gao st25" with a province and a certificate finds them in its newest window, where ranking
    them in one statement over the whole table read 28,000 blocks of it (400 ms). Each window's statement
    (`_newest_ranked_sql`) answers with its first `limit` best-ranked matches when its share of the candidates holds
    that many — they are the page, since earlier windows held fewer — or ranks that share and keeps its first
    `limit`; the page is the first `limit` of those."""
    found: list[Ranked] = []
    wanted = max(candidates, limit)
    for low, high in _windows(_highest_id()):
        window = Where()
        if low is not None:
            window.add("p.id >= %s", low)
        if high is not None:
            window.add("p.id < %s", high)
        params = [*rank_params, *where.params, *window.params, wanted, best_rank, limit, limit, limit, limit]
        rows = [Ranked(*row) for row in _fetch(_newest_ranked_sql(where, window), params, planned_each_time=True)]
        found += rows
        ranked_here = rows[0].candidates if rows else 0
        if ranked_here is None:  # `limit` best-ranked matches, after every earlier window's: the page
            break
        wanted -= ranked_here
        if not wanted:
            break
    return _ranked_page(_best_first(found, limit), day=day, reading=reading)
