"""The public catalogue: search (Vietnamese folding, typo tolerance, ranking), filters, sorts, keyset
pages, badges and facet counts.

Speed by design: a page is one query for the products (cursor/keyset, never COUNT), one for their price
tiers and one for their badges, whatever the page size. Facet counts are cached per filter set, catalogue
version and day.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import cached
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
)
from catalog.selectors.categories import category_descendant_ids, category_tree
from catalog.selectors.search import SearchPlan, plan_search, search
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

    @property
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


def in_stock_exists(*, on: date) -> Exists:
    return Exists(
        HarvestLot.objects.filter(product=OuterRef("pk"), status=LotStatus.PUBLISHED, quantity_available__gt=0).filter(
            Q(expiry_date__isnull=True) | Q(expiry_date__gte=on)
        )
    )


def filtered_products(query: ProductQuery, *, on: date | None = None) -> QuerySet[Product]:
    """Public products matching the search and every filter (unordered)."""
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
    return search(queryset, query.search)


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


def list_queryset(queryset: QuerySet[Product], *, on: date) -> QuerySet[Product]:
    """The columns and the cooperative a product card needs, in one query."""
    return queryset.select_related("cooperative").only(*LIST_FIELDS)


def attach_tiers(products: list[Product]) -> None:
    """Set `tier_list` [(min_quantity, unit_price), …] on each product with one query."""
    ids = [p.pk for p in products]
    tiers: dict[int, list[tuple[Decimal, int]]] = {pk: [] for pk in ids}
    if ids:
        for product_id, quantity, price in (
            PriceTier.objects.filter(product_id__in=ids)
            .order_by("product_id", "min_quantity")
            .values_list("product_id", "min_quantity", "unit_price")
        ):
            tiers[product_id].append((quantity, price))
    for product in products:
        product.tier_list = tiers[product.pk]


def mark_in_stock(products: list[Product], *, on: date) -> None:
    """Set `in_stock` on each product with one query over the page's lots (an EXISTS per row in the
    SELECT list made PostgreSQL hash every lot in the table)."""
    ids = [p.pk for p in products]
    stocked = (
        set(
            HarvestLot.objects.filter(product_id__in=ids, status=LotStatus.PUBLISHED, quantity_available__gt=0)
            .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gte=on))
            .order_by()
            .values_list("product_id", flat=True)
            .distinct()
        )
        if ids
        else set()
    )
    for product in products:
        product.in_stock = product.pk in stocked


def product_page(
    *, query: ProductQuery, cursor: str | None = None, page_size: int = DEFAULT_PAGE_SIZE, on: date | None = None
) -> ProductPage:
    day = on or timezone.localdate()
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    sort = query.effective_sort
    name, descending = _SORT_KEYS[sort]
    queryset = filtered_products(query, on=day)
    if sort == Sort.RELEVANCE and "rank_key" not in queryset.query.annotations:
        sort, (name, descending) = Sort.NEWEST, _SORT_KEYS[Sort.NEWEST]
    if cursor:
        value, pk = decode_cursor(cursor, sort)
        queryset = _after(queryset, sort, value, pk)
    order = [f"-{name}", "-id"] if descending else [name, "id"]
    rows = list(list_queryset(queryset, on=day).order_by(*order)[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = encode_cursor(sort, getattr(last, name), last.pk)
    mark_in_stock(rows, on=day)
    attach_tiers(rows)
    return ProductPage(products=rows, next_cursor=next_cursor, badges=badges_for(rows, on=day), sort=sort)


def _in_list(values: list[int]) -> str:
    return ", ".join(["%s"] * len(values))


def _badge_rows(product_ids: list[int], cooperative_ids: list[int], day: date) -> list[tuple]:
    """(kind, stars, scope, cooperative, product or None) of certificates in force: cooperative-wide ones by
    cooperative, product ones through the link table by product; two index-friendly halves, one round trip.
    Plain SQL: this runs on every catalogue page, and building it with the ORM cost more than running it."""
    certificate = Certificate._meta.db_table
    link = Certificate.products.through._meta.db_table
    sql = f"""
        SELECT c.kind, c.ocop_stars, c.scope, c.cooperative_id, NULL
          FROM {certificate} c
         WHERE c.scope = %s AND c.cooperative_id IN ({_in_list(cooperative_ids)})
           AND c.status = %s AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s)
        UNION ALL
        SELECT c.kind, c.ocop_stars, c.scope, c.cooperative_id, l.product_id
          FROM {link} l JOIN {certificate} c ON c.id = l.certificate_id
         WHERE l.product_id IN ({_in_list(product_ids)})
           AND c.status = %s AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s)
    """  # noqa: S608 (table names from the models; every value is a parameter)
    verified = CertificateStatus.VERIFIED.value
    params: list[Any] = [
        CertificateScope.COOPERATIVE.value,
        *cooperative_ids,
        verified,
        day,
        day,
        *product_ids,
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
    per_product: dict[int, dict[str, int | None]] = {pk: {} for pk in ids}
    by_cooperative: dict[int, list[int]] = {}
    for product in products:
        by_cooperative.setdefault(product.cooperative_id, []).append(product.pk)
    for kind, stars, scope, cooperative_id, product_id in rows:
        targets = by_cooperative.get(cooperative_id, []) if scope == CertificateScope.COOPERATIVE else [product_id]
        for target in targets:
            if target not in per_product:
                continue
            kinds = per_product[target]
            if kind not in kinds or (stars or 0) > (kinds[kind] or 0):
                kinds[kind] = stars
    labels = dict(CertificateKind.choices)
    result: dict[int, list[Badge]] = {}
    for pk, kinds in per_product.items():
        badges = []
        for kind in sorted(kinds, key=BADGE_ORDER.index):
            stars = kinds[kind]
            label = f"OCOP {stars}★" if kind == CertificateKind.OCOP and stars else str(labels[kind])
            badges.append(Badge(kind=kind, label=label, ocop_stars=stars))
        result[pk] = badges
    return result


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


def _certificate_counts(queryset: QuerySet[Product], day: date) -> tuple[dict[str, int], dict[int, int]]:
    """Products per certificate kind, and products per best OCOP star rating, for the filtered set."""
    try:
        inner_sql, inner_params = queryset.values("id", "cooperative_id").query.sql_with_params()
    except EmptyResultSet:  # a search that cannot match anything
        return {}, {}
    certificate = Certificate._meta.db_table
    through = Certificate.products.through._meta.db_table
    in_force = "c.status = %s AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s)"
    force_params: list[Any] = [CertificateStatus.VERIFIED.value, day, day]
    covered = f"""
        SELECT p.id AS pid, c.kind AS kind, c.ocop_stars AS stars
          FROM ({inner_sql}) p
          JOIN {certificate} c ON c.cooperative_id = p.cooperative_id AND c.scope = %s
         WHERE {in_force}
        UNION ALL
        SELECT p.id, c.kind, c.ocop_stars
          FROM ({inner_sql}) p
          JOIN {through} cp ON cp.product_id = p.id
          JOIN {certificate} c ON c.id = cp.certificate_id AND c.scope = %s
         WHERE {in_force}
    """  # noqa: S608 (table names come from the models; values are parameters)
    params = [
        *inner_params,
        CertificateScope.COOPERATIVE.value,
        *force_params,
        *inner_params,
        CertificateScope.PRODUCTS.value,
        *force_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kind, COUNT(DISTINCT pid) FROM ({covered}) x GROUP BY kind", params)  # noqa: S608
        kinds = {kind: count for kind, count in cursor.fetchall()}
        cursor.execute(
            f"SELECT best, COUNT(*) FROM (SELECT pid, MAX(stars) AS best FROM ({covered}) x "  # noqa: S608
            "WHERE kind = %s GROUP BY pid) y GROUP BY best",
            [*params, CertificateKind.OCOP.value],
        )
        stars = {int(best): count for best, count in cursor.fetchall() if best}
    return kinds, stars


def _grouped(queryset: QuerySet[Product], column: str) -> dict[Any, int]:
    return dict(queryset.order_by().values_list(column).annotate(n=Count("id")).values_list(column, "n"))


def _facet_group(query: ProductQuery, group: str, day: date) -> Any:
    base = filtered_products(query, on=day).order_by()
    if group == "summary":
        return {"total": base.count(), "in_stock": base.filter(in_stock_exists(on=day)).count()}
    if group == "category":
        return _grouped(base, "category_id")
    if group == "province":
        return _grouped(base, "origin_province_code")
    kinds, stars = _certificate_counts(base, day)
    return kinds if group == "certificate" else stars


def _cached_group(query: ProductQuery, group: str, day: date, *excluded: str) -> Any:
    narrowed = query.without("sort", *excluded)
    return cached(f"facet-{group}", {"q": narrowed.as_params(), "day": day}, lambda: _facet_group(narrowed, group, day))


def product_facets(*, query: ProductQuery, on: date | None = None) -> Facets:
    """Counts for each filter value, under the other filters chosen (so choosing a value in a group
    still shows the other values of that group)."""
    day = on or timezone.localdate()
    summary = _cached_group(query, "summary", day)
    direct = _cached_group(query, "category", day, "category")
    by_province = _cached_group(query, "province", day, "province")
    kinds = _cached_group(query, "certificate", day, "certificate")
    star_counts = _cached_group(query, "stars", day, "ocop_min")
    # Categories count their sub-categories' products too.
    tree = category_tree()
    rolled: dict[int, int] = {}
    for node in tree:
        rolled[node.id] = sum(direct.get(i, 0) for i in category_descendant_ids(node.id))
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
        total=summary["total"],
        category=categories,
        province=provinces,
        certificate=certificates,
        ocop_min=ocop,
        in_stock=summary["in_stock"],
    )
