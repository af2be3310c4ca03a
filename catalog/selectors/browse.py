"""The public catalogue: search (Vietnamese folding, typo tolerance, ranking), filters, sorts, keyset
pages, badges and facet counts.

Speed by design: a page is one query for the products (cursor/keyset, never COUNT), their price tiers, stock
and certificates (on PostgreSQL, catalog.selectors.page_sql; elsewhere one for the products, one for the tiers
and stock and one for the badges), whatever the page size. Facet counts are cached per filter set, catalogue
version and day.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.cache import single_flight, single_flight_kept, single_flight_key
from catalog.commands import Sort
from catalog.models import (
    Certificate,
    CertificateKind,
    CertificateScope,
    CertificateStatus,
    HarvestLot,
    LotStatus,
    PriceTier,
    Product,
    ProductStatus,
    badge_text,
)
from catalog.selectors.categories import category_descendant_ids, category_subtrees, category_tree
from catalog.selectors.search import SearchPlan, best_rank, can_correct, plan_search, rank_expression, search
from market.core import json_input
from market.core.errors import ValidationFailed
from market.core.parsing import machine_number
from market.organisations import geo
from market.organisations.models import VerificationStatus

SORTS = tuple(sort.value for sort in Sort)
DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
BADGE_ORDER = [kind.value for kind in CertificateKind]
LIST_FIELDS = (
    "id",
    "name_vi",
    "name_en",
    "unit",
    "moq",
    "order_multiple",
    "price_from",
    "price_at_moq",
    "price_per_base_unit",
    "cover_thumbnail",
    "origin_province_code",
    "published_at",
    "status",
    "cooperative_id",
    "category_id",
    "cooperative__id",
    "cooperative__name",
    "cooperative__province_code",
    "cooperative__verification_status",
)


@dataclass(frozen=True)
class ProductQuery:
    """What a buyer asked for: built from request parameters by `catalog.inputs.product_query`, the one
    parser of the catalogue page, GET /products/ and /products/facets/. Prices are per base unit (kg, litre,
    piece)."""

    search: str = ""
    category: int | None = None
    province: int | None = None
    certificate: str | None = None
    ocop_min: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    moq_max: Decimal | None = None
    in_stock: bool = False
    cooperative: int | None = None
    sort: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ProductQuery:
        """From the typed values of `catalog.inputs.ProductQueryInput` (read them with
        `catalog.inputs.product_query`); paging parameters are not part of the query."""
        names = {f.name for f in fields(cls)}
        kept: dict[str, Any] = {name: value for name, value in values.items() if name in names}
        for name in ("certificate", "sort"):
            if name in kept:
                kept[name] = str(kept[name].value) if kept[name] else kept[name]
        return cls(**kept)

    @cached_property
    def search_plan(self) -> SearchPlan:
        return plan_search(self.search)

    @property
    def effective_sort(self) -> str:
        searching = bool(self.search_plan.terms)
        if self.sort == Sort.RELEVANCE and not searching:
            return Sort.NEWEST
        return self.sort or (Sort.RELEVANCE if searching else Sort.NEWEST)

    def as_params(self) -> dict[str, Any]:
        """The non-empty parameters (for links and cache keys)."""
        values = {
            "search": self.search,
            "category": self.category,
            "province": self.province,
            "certificate": self.certificate,
            "ocop_min": self.ocop_min,
            "price_min": self.price_min,
            "price_max": self.price_max,
            "moq_max": machine_number(self.moq_max) if self.moq_max is not None else None,
            "in_stock": "1" if self.in_stock else None,
            "cooperative": self.cooperative,
            "sort": self.sort,
        }
        return {k: v for k, v in values.items() if v not in (None, "", False)}

    def without(self, *names: str) -> ProductQuery:
        blank: dict[str, Any] = {}
        for name in names:
            blank[name] = False if name == "in_stock" else ("" if name in ("search", "sort") else None)
        return replace(self, **blank)


# --- building blocks (shared with product pages and facets) --------------------------------------
def public_products() -> QuerySet[Product]:
    """What anyone may see: published products of verified cooperatives."""
    return Product.objects.filter(
        status=ProductStatus.PUBLISHED, cooperative__verification_status=VerificationStatus.VERIFIED
    )


def certified_q(*, on: date, kind: str | None = None, ocop_min: int | None = None) -> Q:
    """Products covered by a certificate in force on `on` (cooperative-wide or naming the product)."""
    certificates = Certificate.objects.in_force(on)
    if kind:
        certificates = certificates.filter(kind=kind)
    if ocop_min:
        certificates = certificates.filter(kind=CertificateKind.OCOP, ocop_stars__gte=ocop_min)
    cooperative_wide = certificates.filter(
        scope=CertificateScope.COOPERATIVE, cooperative_id=OuterRef("cooperative_id")
    )
    named = certificates.filter(scope=CertificateScope.PRODUCTS, products=OuterRef("pk"))
    return Q(Exists(cooperative_wide)) | Q(Exists(named))


def for_sale(*, on: date) -> Q:
    """Published lots with stock that have not expired on `on`: what "in stock" means everywhere."""
    return Q(status=LotStatus.PUBLISHED, quantity_available__gt=0) & (
        Q(expiry_date__isnull=True) | Q(expiry_date__gte=on)
    )


def lots_for_sale(*, on: date) -> QuerySet[HarvestLot]:
    return HarvestLot.objects.filter(for_sale(on=on))


def in_stock_exists(*, on: date) -> Exists:
    return Exists(lots_for_sale(on=on).filter(product=OuterRef("pk")))


def filtered_products(query: ProductQuery, *, on: date | None = None, corrected: bool = False) -> QuerySet[Product]:
    """Public products matching the search (its typos corrected when `corrected`) and every filter
    (unordered)."""
    day = on or timezone.localdate()
    queryset = public_products()
    if query.category is not None:
        queryset = queryset.filter(category_id__in=category_descendant_ids(query.category))
    if query.province is not None:
        queryset = queryset.filter(origin_province_code=query.province)
    if query.cooperative is not None:
        queryset = queryset.filter(cooperative_id=query.cooperative)
    if query.price_min is not None:
        queryset = queryset.filter(price_per_base_unit__gte=query.price_min)
    if query.price_max is not None:
        queryset = queryset.filter(price_per_base_unit__lte=query.price_max)
    if query.moq_max is not None:
        queryset = queryset.filter(moq__lte=query.moq_max)
    if query.certificate:
        queryset = queryset.filter(certified_q(on=day, kind=query.certificate))
    if query.ocop_min:
        queryset = queryset.filter(certified_q(on=day, ocop_min=query.ocop_min))
    if query.in_stock:
        queryset = queryset.filter(in_stock_exists(on=day))
    return search(queryset, query.search_plan, corrected=corrected)


# --- keyset pages --------------------------------------------------------------------------------
_SORT_KEYS: dict[str, tuple[str, bool]] = {  # sort -> (field, descending)
    Sort.NEWEST: ("published_at", True),
    # Per kg (litre, piece): 15.700.000 ₫/tấn sorts as 15.700 ₫/kg, before 29.000 ₫/kg.
    Sort.PRICE_ASC: ("price_per_base_unit", False),
    Sort.PRICE_DESC: ("price_per_base_unit", True),
    Sort.RELEVANCE: ("rank_key", True),
}


def encode_cursor(sort: str, value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps({"s": sort, "v": value, "id": pk}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    invalid = ValidationFailed(fields={"cursor": [_("This page link is no longer valid; start from the first page.")]})
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json_input.loads(base64.urlsafe_b64decode(padded.encode()))
        value, pk = data["v"], int(data["id"])
        if data.get("s") != sort:
            raise invalid
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise invalid from None
    if sort == Sort.NEWEST:
        try:
            value = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise invalid from None
    elif not isinstance(value, int):
        raise invalid
    return value, pk


def _after(queryset: QuerySet[Product], sort: str, value: Any, pk: int) -> QuerySet[Product]:
    name, descending = _SORT_KEYS[sort]
    if descending:
        return queryset.filter(**{f"{name}__lte": value}).filter(Q(**{f"{name}__lt": value}) | Q(pk__lt=pk))
    return queryset.filter(**{f"{name}__gte": value}).filter(Q(**{f"{name}__gt": value}) | Q(pk__gt=pk))


@dataclass(frozen=True)
class Badge:
    kind: str
    label: str
    ocop_stars: int | None = None


@dataclass
class ProductPage:
    products: list[Product]
    next_cursor: str | None
    badges: dict[int, list[Badge]] = field(default_factory=dict)
    sort: str = Sort.NEWEST
    # The search found nothing as typed, so these are the products its corrected words find.
    corrected: bool = False


def list_queryset(queryset: QuerySet[Product], *, on: date) -> QuerySet[Product]:
    """The columns and the cooperative a product card needs, in one query."""
    return queryset.select_related("cooperative").only(*LIST_FIELDS)


def attach_tiers_and_stock(products: list[Product], *, on: date) -> None:
    """Set `tier_list` [(min_quantity, unit_price), …] and `in_stock` on each product, in one round trip.

    Plain SQL, as `_badge_rows` (the lots' conditions are `for_sale`'s, as in `lots.lots_in_stock`): two ORM
    queries cost ~1.3 ms of CPU per catalogue page to build, and PostgreSQL answers both in ~0.1 ms. A lot
    that is for sale is one row per product (no tier columns); an EXISTS per product in the SELECT list made
    PostgreSQL hash every lot in the table."""
    tiers: dict[int, list[tuple[Decimal, int]]] = {p.pk: [] for p in products}
    stocked: set[int] = set()
    if products:
        tier_of, tier_params = _one_of("t.product_id", list(tiers))
        lot_of, lot_params = _one_of("l.product_id", list(tiers))
        sql = f"""
            SELECT t.product_id, t.min_quantity, t.unit_price FROM {PriceTier._meta.db_table} t
             WHERE {tier_of}
            UNION ALL
            SELECT DISTINCT l.product_id, CAST(NULL AS NUMERIC), CAST(NULL AS BIGINT) FROM {HarvestLot._meta.db_table} l
             WHERE {lot_of} AND l.status = %s AND l.quantity_available > 0
               AND (l.expiry_date IS NULL OR l.expiry_date >= %s)
             ORDER BY 1, 2
        """  # noqa: S608 (table names from the models; every value is a parameter)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*tier_params, *lot_params, LotStatus.PUBLISHED.value, on])
            for product_id, quantity, price in cursor.fetchall():
                if price is None:
                    stocked.add(product_id)
                else:
                    tiers[product_id].append((quantity, price))
    for product in products:
        product.tier_list = tiers[product.pk]
        product.in_stock = product.pk in stocked


# Relevance ranks a search's newest CANDIDATES matches, and no more. Ranking a match (the trigram similarity of the
# search to its name) costs PostgreSQL ~6 µs: "gao" (40 % of the catalogue) cost ~300 ms at 100,000 products ranked in
# full, and a phrase found in nearly every description ("san xuat", "hop tac xa") 0.6–1 s at 100,000 and 4–9 s at
# 1,000,000, growing with the catalogue towards the statement timeout. An older match that ranks higher is left out;
# among the newest, the best-named come first. The other sorts see every match.
CANDIDATES = 1000


def _rows(queryset: QuerySet[Product], sort: str, limit: int, *, on: date) -> list[Product]:
    name, descending = _SORT_KEYS[sort]
    order = [f"-{name}", "-id"] if descending else [name, "id"]
    return list(list_queryset(queryset, on=on).order_by(*order)[:limit])


def _ranked_among_newest(queryset: QuerySet[Product], plan: SearchPlan, limit: int, *, on: date) -> list[Product]:
    """The first `limit` products by relevance among the newest CANDIDATES matches, or the newest `limit` if more
    (the best rank first, then the newest)."""
    candidates = queryset.order_by("-id").values("id")[: max(CANDIDATES, limit)]
    # Only the candidates' ids are filtered (not every filter again: that misled the planner into a
    # nested loop over every cooperative), then ranked.
    ranked = Product.objects.filter(pk__in=candidates).annotate(rank_key=rank_expression(plan))
    return _rows(ranked, Sort.RELEVANCE, limit, on=on)


def _page_rows(
    query: ProductQuery,
    sort: str,
    after: tuple[Any, int] | None,
    limit: int,
    *,
    on: date,
    corrected: bool,
    tiers: bool,
) -> list[Product]:
    if connection.vendor == "postgresql":  # the same rows, without building a QuerySet (page_sql's docstring)
        from catalog.selectors import page_sql  # (it builds on this module's names)

        return page_sql.page_rows(
            query, sort, after, limit, day=on, corrected=corrected, candidates=CANDIDATES,
            best_rank=best_rank(query.search_plan), reading=page_sql.PRODUCTS if tiers else page_sql.PAGE_PRODUCTS,
        )  # fmt: skip
    return _page_rows_orm(query, sort, after, limit, on=on, corrected=corrected)


def _page_rows_orm(
    query: ProductQuery, sort: str, after: tuple[Any, int] | None, limit: int, *, on: date, corrected: bool
) -> list[Product]:
    """The definition of a page's rows (what page_sql.page_rows must return): the filters, the search, the
    cursor and the sort over the ORM."""
    queryset = filtered_products(query, on=on, corrected=corrected)
    if after is not None:
        queryset = _after(queryset, sort, *after)
    if sort == Sort.RELEVANCE:
        return _ranked_among_newest(queryset, query.search_plan, limit, on=on)
    return _rows(queryset, sort, limit, on=on)


Row = TypeVar("Row")


@dataclass(frozen=True)
class Paged(Generic[Row]):
    rows: list[Row]
    next_cursor: str | None
    sort: str
    corrected: bool


def paged(
    query: ProductQuery,
    cursor: str | None,
    page_size: int,
    read: Callable[[str, tuple[Any, int] | None, int, bool], list[Row]],
    key: Callable[[Row, str], tuple[Any, int]],
) -> Paged[Row]:
    """A page of `query`'s products, each row read by `read(sort, after (the cursor's value, id), limit,
    corrected)`, its cursor's (value, id) in a sort given by `key(row, sort)`. A search that finds nothing as typed
    is read again with its typos corrected (the page says so through `corrected`); no separate "does anything
    match" query is run first."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    sort = query.effective_sort
    plan = query.search_plan
    if sort == Sort.RELEVANCE and (plan.unusable or plan.is_empty):
        sort = Sort.NEWEST  # nothing to rank by
    after = decode_cursor(cursor, sort) if cursor else None
    rows = read(sort, after, page_size + 1, False)
    corrected = not rows and can_correct(plan)
    if corrected:
        rows = read(sort, after, page_size + 1, True)
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = encode_cursor(sort, *key(rows[-1], sort))
    return Paged(rows=rows, next_cursor=next_cursor, sort=sort, corrected=corrected)


def _product_key(product: Product, sort: str) -> tuple[Any, int]:
    return getattr(product, _SORT_KEYS[sort][0]), product.pk


def product_page(
    *,
    query: ProductQuery,
    cursor: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    on: date | None = None,
    tiers: bool = True,
) -> ProductPage:
    """One page of products (`paged`), with its cards' stock and badges, and their tiers (`tier_list`) unless not
    `tiers` (on PostgreSQL: the HTML cards do not show them)."""
    day = on or timezone.localdate()

    def read(sort: str, after: tuple[Any, int] | None, limit: int, corrected: bool) -> list[Product]:
        return _page_rows(query, sort, after, limit, on=day, corrected=corrected, tiers=tiers)

    page = paged(query, cursor, page_size, read, _product_key)
    rows, next_cursor, sort, corrected = page.rows, page.next_cursor, page.sort, page.corrected
    if connection.vendor == "postgresql":  # page_sql read each card's stock, tiers and certificates with the rows
        labels = badge_labels()
        # Most products have no certificate: no badges to sort out (`.id`: Model.pk's lookup of the key's name cost
        # ~0.5 µs a product, three times a card).
        badges = {p.id: _badges(_best_stars(p.certified), labels) if p.certified else [] for p in rows}
    else:
        attach_tiers_and_stock(rows, on=day)
        badges = badges_for(rows, on=day)
    return ProductPage(products=rows, next_cursor=next_cursor, badges=badges, sort=sort, corrected=corrected)


def _one_of(column: str, values: list[int]) -> tuple[str, list[Any]]:
    """`column` is one of `values`, as SQL and its parameters. One array parameter on PostgreSQL: the statement
    is the same whatever the page's size, and psycopg parses a statement with more than 50 parameters anew on
    every call (a page's 25 products twice was 52). One value is a plain equality: PostgreSQL estimates an array
    parameter at 10 elements, so the plan it keeps for the statement (the generic plan) looked costlier than one
    made for the value and was made anew on every run (a trace page's badges: 0 generic, 28 custom plans in 30
    requests); with `= $n` both cost the same and the kept one is used. A list of parameters elsewhere (SQLite
    has no arrays)."""
    if connection.vendor == "postgresql":
        if len(values) == 1:
            return f"{column} = %s", list(values)
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _badge_rows(product_ids: list[int], cooperative_ids: list[int], day: date) -> list[tuple]:
    """(kind, stars, scope, cooperative, product or None) of certificates in force: cooperative-wide ones by
    cooperative, product ones through the link table by product; two index-friendly halves, one round trip.
    Plain SQL: this runs on every catalogue page, and building it with the ORM cost more than running it."""
    certificate = Certificate._meta.db_table
    link = Certificate.products.through._meta.db_table
    of_cooperatives, cooperative_params = _one_of("c.cooperative_id", cooperative_ids)
    of_products, product_params = _one_of("l.product_id", product_ids)
    sql = f"""
        SELECT c.kind, c.ocop_stars, c.scope, c.cooperative_id, NULL
          FROM {certificate} c
         WHERE c.scope = %s AND {of_cooperatives}
           AND c.status = %s AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s)
        UNION ALL
        SELECT c.kind, c.ocop_stars, c.scope, c.cooperative_id, l.product_id
          FROM {link} l JOIN {certificate} c ON c.id = l.certificate_id
         WHERE {of_products}
           AND c.status = %s AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s)
    """  # noqa: S608 (table names from the models; every value is a parameter)
    verified = CertificateStatus.VERIFIED.value
    params: list[Any] = [
        CertificateScope.COOPERATIVE.value,
        *cooperative_params,
        verified,
        day,
        day,
        *product_params,
        verified,
        day,
        day,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def badges_for(products: list[Product], *, on: date | None = None) -> dict[int, list[Badge]]:
    """Badges of certificates in force on `on`, per product, in one query. Expired, pending and rejected
    certificates never appear."""
    if not products:
        return {}
    day = on or timezone.localdate()
    ids = [p.pk for p in products]
    cooperatives = {p.cooperative_id for p in products}
    rows = _badge_rows(ids, sorted(cooperatives), day)
    per_product: dict[int, list[tuple[str, int | None]]] = {pk: [] for pk in ids}
    by_cooperative: dict[int, list[int]] = {}
    for product in products:
        by_cooperative.setdefault(product.cooperative_id, []).append(product.pk)
    for kind, stars, scope, cooperative_id, product_id in rows:
        targets = by_cooperative.get(cooperative_id, []) if scope == CertificateScope.COOPERATIVE else [product_id]
        for target in targets:
            if target in per_product:
                per_product[target].append((kind, stars))
    labels = badge_labels()
    return {pk: _badges(_best_stars(certified), labels) for pk, certified in per_product.items()}


def _best_stars(certified: list[tuple[str, int | None]]) -> dict[str, int | None]:
    """Each certificate kind among (kind, OCOP stars) pairs, with its best star rating."""
    kinds: dict[str, int | None] = {}
    for kind, stars in certified:
        if kind not in kinds or (stars or 0) > (kinds[kind] or 0):
            kinds[kind] = stars
    return kinds


def badge_labels() -> dict[str, str]:
    """Each certificate kind's label in the active language (`badge_labels_in`: the enum's `choices` translates
    every label each time it is asked, ~0.3 ms of a catalogue page's CPU). Shared: read it, never change it."""
    return badge_labels_in(translation.get_language())


@functools.cache
def badge_labels_in(language: str) -> dict[str, str]:
    """Each certificate kind's label in `language`, kept per process (a deploy changes translations: a new
    process)."""
    with translation.override(language):
        return {kind: str(label) for kind, label in CertificateKind.choices}


@functools.cache
def scope_labels_in(language: str) -> dict[str, str]:
    """Each certificate scope's label in `language` (`get_scope_display()`, which translates every scope's
    label and hashes them on each call), kept per process."""
    with translation.override(language):
        return {scope: str(label) for scope, label in CertificateScope.choices}


def _badges(kinds: dict[str, int | None], labels: dict[str, str]) -> list[Badge]:
    """One badge per certificate kind (OCOP with its best star rating), in the catalogue's order."""
    badges = []
    for kind in sorted(kinds, key=BADGE_ORDER.index):
        stars = kinds[kind]
        badges.append(Badge(kind=kind, label=badge_text(kind, stars, labels[kind]), ocop_stars=stars))
    return badges


def badges_of(certificates: list[Certificate]) -> list[Badge]:
    """The badges of one product from the certificates in force that cover it (already read for its
    page: no second query)."""
    return badges_from([(c.kind, c.ocop_stars) for c in certificates], badge_labels())


def badges_from(certified: list[tuple[str, int | None]], labels: dict[str, str]) -> list[Badge]:
    """`badges_of` from the (kind, OCOP stars) of those certificates, with the kinds' labels (`badge_labels()`)."""
    return _badges(_best_stars(certified), labels)


# --- facet counts --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    depth: int = 0


@dataclass
class Facets:
    total: int
    category: list[FacetValue]
    province: list[FacetValue]
    certificate: list[FacetValue]
    ocop_min: list[FacetValue]
    in_stock: int


# Each group counts under every filter but its own (choosing a province still shows the other provinces).
_FACET_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("summary", ()),
    ("category", ("category",)),
    ("province", ("province",)),
    ("certificate", ("certificate",)),
    ("stars", ("ocop_min",)),
)


def _facet_sql(base: str, group: str, day: date) -> tuple[str, list[Any]]:
    """The UNION ALL arm(s) counting `group` over the products of the CTE `base`: rows of
    (group, number, text, count). Names in the SQL come from this module and the models; values are
    parameters."""
    if group == "summary":
        # A correlated EXISTS probes the lots index per product; `IN (lots for sale)` hashed every lot.
        stocked, stocked_params = lots_for_sale(on=day).order_by().values("id").query.sql_with_params()
        lot_product = (
            f"{connection.ops.quote_name(HarvestLot._meta.db_table)}.{connection.ops.quote_name('product_id')}"
        )
        sql = (
            f"SELECT 'total', CAST(NULL AS BIGINT), CAST(NULL AS TEXT), COUNT(*) FROM {base} "  # noqa: S608
            f"UNION ALL SELECT 'in_stock', NULL, NULL, COUNT(*) FROM {base} "
            f"WHERE EXISTS ({stocked} AND {lot_product} = {base}.id)"
        )
        return sql, list(stocked_params)
    if group in ("category", "province"):
        column = "category_id" if group == "category" else "origin_province_code"
        return f"SELECT '{group}', {column}, NULL, COUNT(*) FROM {base} GROUP BY {column}", []  # noqa: S608
    # Certificates in force: cooperative-wide ones by the product's cooperative, product ones through the
    # link table; two index-friendly halves.
    certificate = Certificate._meta.db_table
    through = Certificate.products.through._meta.db_table
    in_force = "c.status = %s AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s)"
    force_params: list[Any] = [CertificateStatus.VERIFIED.value, day, day]
    covered = f"""
        SELECT p.id AS pid, c.kind AS kind, c.ocop_stars AS stars
          FROM {base} p JOIN {certificate} c ON c.cooperative_id = p.cooperative_id AND c.scope = %s
         WHERE {in_force}
        UNION ALL
        SELECT p.id, c.kind, c.ocop_stars
          FROM {base} p JOIN {through} cp ON cp.product_id = p.id
          JOIN {certificate} c ON c.id = cp.certificate_id AND c.scope = %s
         WHERE {in_force}
    """  # noqa: S608 (table names come from the models; values are parameters)
    params = [CertificateScope.COOPERATIVE.value, *force_params, CertificateScope.PRODUCTS.value, *force_params]
    if group == "certificate":
        return f"SELECT 'certificate', NULL, kind, COUNT(DISTINCT pid) FROM ({covered}) x GROUP BY kind", params  # noqa: S608
    return (
        f"SELECT 'stars', best, NULL, COUNT(*) FROM (SELECT pid, MAX(stars) AS best FROM ({covered}) x "  # noqa: S608
        "WHERE kind = %s GROUP BY pid) y GROUP BY best",
        [*params, CertificateKind.OCOP.value],
    )


FACET_BASE_COLUMNS = ("id", "cooperative_id", "category_id", "origin_province_code")


def _facet_base(query: ProductQuery, day: date, *, corrected: bool) -> tuple[str, list[Any]] | None:
    """The SQL of `filtered_products` (these columns), or None when it cannot match anything. On PostgreSQL
    written by page_sql (held to filtered_products by tests/catalog/test_public_reads.py): building it with the
    ORM cost ~1.5 ms of CPU per filter set, and a search's facets build three to five."""
    if connection.vendor == "postgresql":
        from catalog.selectors import page_sql  # (it builds on this module's names)

        return page_sql.filtered_sql(query, FACET_BASE_COLUMNS, day=day, corrected=corrected)
    products = filtered_products(query, on=day, corrected=corrected).order_by()
    try:
        return products.values(*FACET_BASE_COLUMNS).query.sql_with_params()
    except EmptyResultSet:
        return None


def _facet_counts(query: ProductQuery, on: date | None, *, corrected: bool) -> dict[str, Any]:
    """Every group's counts on the day `on` (None: today) in one SQL statement: each distinct set of filters is a
    CTE (PostgreSQL computes one used several times once), each group an arm of a UNION ALL over its CTE; but for
    the groups whose counts are kept already (`_kept_groups`)."""
    day = on or timezone.localdate()
    kept = _kept_groups(query, on, corrected=corrected)
    bases: dict[ProductQuery, str | None] = {}
    ctes: list[str] = []
    cte_params: list[Any] = []
    arms: list[str] = []
    arm_params: list[Any] = []
    for group, excluded in _FACET_GROUPS:
        if group in kept:
            continue
        narrowed = query.without("sort", *excluded)
        if narrowed not in bases:
            products = _facet_base(narrowed, day, corrected=corrected)
            if products is None:  # a search that cannot match anything
                bases[narrowed] = None
            else:
                bases[narrowed] = f"facet_base_{len(ctes)}"
                ctes.append(f"{bases[narrowed]} AS ({products[0]})")
                cte_params.extend(products[1])
        base = bases[narrowed]
        if base is not None:
            arm, params_of_arm = _facet_sql(base, group, day)
            arms.append(arm)
            arm_params.extend(params_of_arm)
    counts: dict[str, Any] = {"total": 0, "in_stock": 0, "category": {}, "province": {}, "certificate": {}, "stars": {}}
    counts.update(kept)
    if not arms:
        return counts
    sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(arms)}"
    params: list[Any] | None = [*cte_params, *arm_params]
    if connection.vendor == "postgresql":
        # Planned for its values every time: counted once per filter set and kept, so planning is nothing beside
        # the counting, and the values decide the plan (a province of 3,900 products or of 24,000, a search's
        # words). Sent as parameters, the statement was prepared and kept a plan made for no value in particular.
        from catalog.selectors import page_sql  # (it builds on this module's names)

        sql, params = page_sql.with_values(sql, [*cte_params, *arm_params])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for group, number, text, count in cursor.fetchall():
            if group in ("total", "in_stock"):
                counts[group] = count
            elif group == "certificate":
                counts[group][text] = count
            elif number is not None:  # products with no province, or OCOP certificates without stars
                counts[group][int(number)] = count
    return counts


FACETS = "facets"  # the facet counts' name under catalog.cache.single_flight


def _kept_groups(query: ProductQuery, on: date | None, *, corrected: bool) -> dict[str, Any]:
    """The counts of each group whose own filter is chosen that are kept already, by group. Such a group counts
    the products of the query without its filter, exactly as that query's own counts of it do (the plain
    catalogue's, for a page with one filter): those kept (single_flight) are used, not counted again. Why: each
    value of a filter (a category, a province, a certificate) counted the whole catalogue anew for its first page,
    most of the 0.1–0.3 s such a page's counts took at 100,000 products, and more than a page waits for them at
    1,000,000. Only current counts, and only those kept: computing the others apart would cost a statement each."""
    whole = query.without("sort")
    borrowing = [
        (group, narrowed)
        for group, excluded in _FACET_GROUPS
        if (narrowed := query.without("sort", *excluded)) != whole
    ]
    found = single_flight_kept(FACETS, [_facets_params(narrowed, on, corrected) for _group, narrowed in borrowing])
    return {group: counts[group] for (group, _narrowed), counts in zip(borrowing, found, strict=True) if counts}


def _facets_params(query: ProductQuery, on: date | None, corrected: bool | None) -> dict[str, Any]:
    return {"q": query.without("sort").as_params(), "on": on, "corrected": corrected}


def facet_counts_key(*, query: ProductQuery, on: date | None = None, corrected: bool | None = None) -> str:
    """The cache key of these facet counts (its single flight's claim is this + ":flight")."""
    return single_flight_key(FACETS, _facets_params(query, on, corrected))


def product_facets(*, query: ProductQuery, on: date | None = None, corrected: bool | None = None) -> Facets:
    """Counts for each filter value, under the other filters chosen (so choosing a value in a group
    still shows the other values of that group). `corrected`: whether the search's typos were corrected
    for the page (ProductPage.corrected); None decides the same way the page does (nothing found as typed).
    Cached per filter set, catalogue version and day, all groups under one key, computed by one request at a
    time (catalog.cache.single_flight): this one waits for another's computation as long as it may take."""
    facets = product_facets_within(None, query=query, on=on, corrected=corrected)
    assert facets is not None  # waiting with no deadline ends with the counts
    return facets


def product_facets_within(
    seconds: float | None, *, query: ProductQuery, on: date | None = None, corrected: bool | None = None
) -> Facets | None:
    """`product_facets`, or None when another request is computing these counts for the first time and they
    did not come within `seconds` (a page answers without them rather than wait; with an earlier version's
    counts at hand it shows those at once)."""
    params = _facets_params(query, on, corrected)

    def compute() -> dict[str, Any]:
        counts = _facet_counts(query, on, corrected=bool(corrected))
        if corrected is None and not counts["total"] and can_correct(query.search_plan):
            counts = _facet_counts(query, on, corrected=True)
        return counts

    counts = single_flight(FACETS, params, compute, wait=seconds)
    if counts is None:
        return None
    direct, by_province, kinds, star_counts = (
        counts["category"],
        counts["province"],
        counts["certificate"],
        counts["stars"],
    )
    # Categories count their sub-categories' products too.
    tree = category_tree()
    rolled = {key: sum(direct.get(i, 0) for i in ids) for key, ids in category_subtrees(tree).items()}
    categories = [
        FacetValue(value=str(node.id), label=node.name, count=rolled[node.id], depth=node.depth)
        for node in tree
        if rolled[node.id]
    ]
    provinces = sorted(
        (
            FacetValue(value=str(code), label=unit.name, count=count)
            for code, count in by_province.items()
            if (unit := geo.province(code)) is not None
        ),
        key=lambda f: (-f.count, f.label),
    )
    labels = dict(CertificateKind.choices)
    certificates = [
        FacetValue(value=kind, label=str(labels[kind]), count=kinds[kind]) for kind in BADGE_ORDER if kinds.get(kind)
    ]
    ocop = [
        FacetValue(value=str(n), label=f"{n}★+", count=sum(c for s, c in star_counts.items() if s >= n))
        for n in (3, 4, 5)
        if any(s >= n for s in star_counts)
    ]
    return Facets(
        total=counts["total"],
        category=categories,
        province=provinces,
        certificate=certificates,
        ocop_min=ocop,
        in_stock=counts["in_stock"],
    )
