"""The pages and API reads measured against the bare view (A/B), chosen in the bench database.

A target whose page or endpoint does not exist yet (no URL by that name) is skipped with the reason, so
that the report always lists it and the engineer who adds the page only has to name it here.

The per-object reads come twice. Asked for one product (lot, cooperative) over and over, the product page, the
storefront and the trace page are served from the content they keep in Redis under the object's versions after
the first request: what a popular page costs. Their "-cold" twins ask for a different subject each request
(`Target.rotation`, ROTATION_SUBJECTS of them at most) after the kept content was forgotten (`forget_kept`):
what a visitor to a page nobody asked for recently pays."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse

SEARCH_FILTERS = {"search": "gao st25", "province": "91", "certificate": "vietgap"}
# A category in the order of a column that follows the category: honey is dearer than most products, so the cheapest
# honey comes after most of the catalogue in price order (page_sql._each_part).
CATEGORY_BY_PRICE = {"category": "mat-ong", "sort": "price_asc"}
DEEP_PAGE_SIZE = 100  # pages walked to reach the deep cursor (the measured page still has 24)
# A browser revalidating what it kept (frontend.conditional): its CSRF cookie (a page's ETag covers the
# secret) and, per target, the ETag its first visit was given.
KEPT_COOKIE = "csrftoken=" + "k" * 32
# Subjects a cold target cycles through at most: more than a run asks for at a cold page's rate (a 10 s wrk run
# at 300 req/s asks 3,000), few enough for wrk to hold as a table of paths.
ROTATION_SUBJECTS = 10_000
# The cache keys (Redis patterns) under which each page keeps its rendered content (frontend/views/catalog.py,
# storefront.py): "storefront:<id>:<page>:…", not the cooperative's storefront version "storefront:<id>" (a
# version forgotten would restart at a new number: a write no visitor of a known cooperative pays).
KEPT_PRODUCT, KEPT_STOREFRONT, KEPT_TRACE = "product:*", "storefront:*:*", "trace:*"


@dataclass(frozen=True)
class Target:
    key: str
    title: str
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    cache_column: bool = True  # also measured with the page cache on (a bonus column)
    note: str = ""
    skip: str = ""
    rotation: tuple[str, ...] = ()  # paths asked in turn, `path` first (a cold target); empty: `path` each time
    kept: tuple[str, ...] = ()  # patterns of the cache keys of content the page keeps, forgotten before a run

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths the target asks, in the order it asks them (cycling)."""
        return self.rotation or (self.path,)


@dataclass(frozen=True)
class Subjects:
    """The rows the targets point at: a published, in-stock product of a verified cooperative with an OCOP
    certificate, its newest lot, and that cooperative (one of the larger ones)."""

    product_id: int
    lot_id: int
    lot_public_id: str
    cooperative_id: int


@dataclass(frozen=True)
class Rotation:
    """The subjects of the cold targets: products like Subjects' one (the first of them is it), each one's
    newest lot (in the same order), their cooperatives, each once, and those cooperatives' storefront pages as
    (cooperative, page): every first page, then every second page, and so on. A cold run asks more storefronts
    than there are cooperatives (475 at 100,000 products, ~5,000 requests in 5 s): with first pages only it came
    round to pages it had kept within a second and measured kept content."""

    product_ids: tuple[int, ...]
    lot_public_ids: tuple[str, ...]
    cooperative_ids: tuple[int, ...]
    storefront_pages: tuple[tuple[int, int], ...]


def _subject_products() -> QuerySet[Any]:
    """Published, in-stock products of verified cooperatives with a verified certificate, by id."""
    from catalog.models import Certificate, HarvestLot, LotStatus, Product, ProductStatus

    stocked = HarvestLot.objects.filter(product=OuterRef("pk"), status=LotStatus.PUBLISHED, quantity_available__gt=0)
    certified = Certificate.objects.filter(products=OuterRef("pk"), status="verified")
    return (
        Product.objects.filter(status=ProductStatus.PUBLISHED, cooperative__verification_status="verified")
        .filter(Exists(stocked), Exists(certified))
        .order_by("pk")
    )


def _newest_lots(product_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Each product's newest published lot in stock: product id -> (lot id, public id)."""
    from catalog.models import HarvestLot, LotStatus

    in_stock = HarvestLot.objects.filter(status=LotStatus.PUBLISHED, quantity_available__gt=0)
    lots = (
        in_stock.filter(product_id__in=list(product_ids))
        .order_by("product_id", "-harvest_date", "-pk")
        .distinct("product_id")
        .values_list("product_id", "pk", "public_id")
    )
    return {product_id: (lot_id, public_id) for product_id, lot_id, public_id in lots}


def pick_subjects() -> Subjects:
    product = _subject_products().first()
    if product is None:
        raise RuntimeError("the bench catalogue has no published, in-stock, certified product")
    lot_id, lot_public_id = _newest_lots([product.pk])[product.pk]
    return Subjects(
        product_id=product.pk, lot_id=lot_id, lot_public_id=lot_public_id, cooperative_id=product.cooperative_id
    )


def pick_rotation(limit: int = ROTATION_SUBJECTS) -> Rotation:
    """Up to `limit` products as pick_subjects chooses its one (the same first), their lots and cooperatives."""
    products = list(_subject_products().values_list("pk", "cooperative_id")[:limit])
    lots = _newest_lots(pk for pk, _cooperative in products)
    cooperative_ids = tuple(dict.fromkeys(cooperative for _pk, cooperative in products))
    return Rotation(
        product_ids=tuple(pk for pk, _cooperative in products),
        lot_public_ids=tuple(lots[pk][1] for pk, _cooperative in products),
        cooperative_ids=cooperative_ids,
        storefront_pages=_storefront_pages(cooperative_ids, limit),
    )


def _storefront_pages(cooperative_ids: tuple[int, ...], limit: int) -> tuple[tuple[int, int], ...]:
    """Up to `limit` (cooperative, page) of these cooperatives' storefronts, page by page in their order."""
    from django.db.models import Count

    from catalog.models import Product, ProductStatus
    from catalog.selectors.storefront import STOREFRONT_PAGE_SIZE

    published = dict(
        Product.objects.filter(cooperative_id__in=cooperative_ids, status=ProductStatus.PUBLISHED)
        .values_list("cooperative_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    pages = {pk: max(1, -(-published.get(pk, 0) // STOREFRONT_PAGE_SIZE)) for pk in cooperative_ids}
    ordered = [(pk, page) for page in range(1, max(pages.values(), default=0) + 1) for pk in cooperative_ids]
    return tuple((pk, page) for pk, page in ordered if page <= pages[pk])[:limit]


def start_versions(rotation: Rotation) -> None:
    """Make sure every subject's data versions exist in the cache, as they do for any product, lot or cooperative
    someone read or changed once (versions never expire): a cold request then pays for the content it renders,
    not for starting its versions (one more Redis round trip each, a first visit's alone)."""
    from catalog.cache import Watched, versions
    from market.organisations.storefront import storefront_key

    versions(
        *((Watched.PRODUCT, pk) for pk in rotation.product_ids),
        *((Watched.LOT, public_id) for public_id in rotation.lot_public_ids),
        also=[storefront_key(pk) for pk in rotation.cooperative_ids],
    )


def forget_kept(patterns: Iterable[str]) -> int:
    """Delete what the pages keep under keys matching these patterns from the cache this process shares with the
    servers measured (their Redis), so that the next request for any subject renders it. The number deleted."""
    from django.core.cache import cache

    return sum(cache.delete_matching(pattern) for pattern in patterns)  # type: ignore[attr-defined]


# GET a path with headers: (body, response headers). Over HTTP for the load report (`http_fetch`), through
# the WSGI handler in-process for `python -m bench cpu`.
Fetch = Callable[[str, Mapping[str, str]], tuple[bytes, Mapping[str, str]]]


def http_fetch(base: str) -> Fetch:
    """GET from the running server at `base`."""

    def fetch(path: str, headers: Mapping[str, str]) -> tuple[bytes, Mapping[str, str]]:
        request = urllib.request.Request(base + path, headers=dict(headers))  # noqa: S310 (loopback)
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.read(), response.headers

    return fetch


class NotBuilt(Exception):
    """The target's page or endpoint has no URL yet."""


def _url(name: str, *args: object, query: dict[str, str] | None = None) -> str:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        raise NotBuilt(f"not built yet: no URL named {name}") from None
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


def deep_cursor(fetch: Fetch, depth: int) -> str:
    """Follow the API's `next` links (DEEP_PAGE_SIZE a page) until `depth` products in; the cursor there."""
    path = _url("catalog:product-list", query={"page_size": str(DEEP_PAGE_SIZE)})
    cursor = ""
    for _page in range(max(1, depth // DEEP_PAGE_SIZE)):
        body, _headers = fetch(path, {})
        next_url = json.loads(body).get("next")
        if not next_url:
            break
        parts = urllib.parse.urlsplit(next_url)
        cursor = urllib.parse.parse_qs(parts.query)["cursor"][0]
        path = parts.path + "?" + parts.query
    return cursor


def _target(key: str, title: str, build: Callable[[], str], **options: object) -> Target:
    try:
        return Target(key=key, title=title, path=build(), **options)  # type: ignore[arg-type]
    except NotBuilt as exc:
        return Target(key=key, title=title, skip=str(exc))


def _storefront_url(name: str, cooperative_page: tuple[int, int]) -> str:
    """A cooperative's storefront page as its links write it (the first without `?page=`)."""
    cooperative_id, page = cooperative_page
    return _url(name, cooperative_id, query={"page": str(page)} if page > 1 else None)


def _rotating(
    key: str,
    title: str,
    name: str,
    idents: tuple[Any, ...],
    what: str,
    kept: str = "",
    headers: dict[str, str] | None = None,
    url: Callable[[str, Any], str] = lambda name, ident: _url(name, ident),
) -> Target:
    """A cold target: the page or answer named `name` for a different one of `idents` each request (`url`: its
    path for one of them)."""
    try:
        paths = tuple(url(name, ident) for ident in idents)
    except NotBuilt as exc:
        return Target(key=key, title=title, skip=str(exc))
    if not paths:
        return Target(key=key, title=title, skip=f"no {what} in the bench catalogue")
    forgotten = ", kept content forgotten before each run" if kept else ""
    return Target(
        key=key,
        title=title,
        path=paths[0],
        rotation=paths,
        headers=headers or {},
        kept=(kept,) if kept else (),
        cache_column=False,  # the page cache (CATALOG_LIST_CACHE_SECONDS) is the lists' alone
        note=f"{len(paths):,} {what} in turn{forgotten}",
    )


def revalidating(fetch: Fetch, target: Target) -> Target:
    """`target` asked again by a browser that kept it: 304s, as long as the bench changes nothing."""
    if target.skip:
        return target
    headers = {"Cookie": KEPT_COOKIE}
    _body, answered = fetch(target.path, headers)
    etag = answered.get("ETag")
    title = f"{target.title}, kept: If-None-Match (304)"
    if not etag:
        return replace(target, key=f"{target.key}-304", title=title, skip="no ETag")
    return replace(
        target, key=f"{target.key}-304", title=title, headers={**headers, "If-None-Match": etag}, cache_column=False
    )


def resolve(
    *,
    fetch: Fetch,
    subjects: Subjects,
    rotation: Rotation,
    products: int,
    lot_token: str,
    buyer_cookie: str,
    fair_slug: str | None,
    fair_error: str = "",
) -> list[Target]:
    """Every HTTP target, in report order. `fetch` reads Market Link (the deep cursor, the kept ETags);
    `buyer_cookie` signs a buyer in (bench.fixtures.signed_in_buyer_cookie) for the "-buyer" twins of the pages."""
    s, r = subjects, rotation
    # A signed-in buyer's page: the same page with the personal parts of its shell (their name, organisations, bell)
    # and of its content (the product's cart box). No cache-on column: no page cache keeps a personal page.
    buyer = {"Cookie": buyer_cookie}
    signed_in = "a signed-in buyer"
    same_product, same_lot = "same product each time", "same lot each time"
    other_product, other_lot = "a different product each request", "a different lot each request"
    list_query = {"page_size": "24"}
    depth = min(products // 2, 20_000)
    targets = [
        _target("ping", "`/bench/ping` through Market Link's middleware", lambda: "/bench/ping", cache_column=False),
        _target(
            "floor",
            "`/bench/floor`: the middleware, one Redis round trip and one trivial statement (no view's work)",
            lambda: "/bench/floor",
            cache_column=False,
        ),
        _target(
            "api-list",
            "API list `/api/v1/products/?page_size=24`",
            lambda: _url("catalog:product-list", query=list_query),
        ),
        _target(
            "api-deep",
            f"API list, deep page (cursor {depth:,} products in)",
            lambda: _url("catalog:product-list", query={**list_query, "cursor": deep_cursor(fetch, depth)}),
        ),
        _target(
            "api-search-filters",
            "API search `gao st25` + province + certificate",
            lambda: _url("catalog:product-list", query={**SEARCH_FILTERS, **list_query}),
        ),
        _target(
            "api-search-many",
            "API search `gao` (many matches)",
            lambda: _url("catalog:product-list", query={"search": "gao", **list_query}),
        ),
        _target(
            "api-category-price",
            "API list, a category cheapest first (honey: dearer than most)",
            lambda: _url("catalog:product-list", query={**CATEGORY_BY_PRICE, **list_query}),
        ),
        _target(
            "api-product", f"API product detail, {same_product}", lambda: _url("catalog:product-detail", s.product_id)
        ),
        _rotating(
            "api-product-cold",
            f"API product detail, {other_product}",
            "catalog:product-detail",
            r.product_ids,
            "products",
        ),
        _target(
            "api-lot",
            "API lot detail (the cooperative's token)",
            lambda: _url("catalog:lot-detail", s.lot_id),
            headers={"Authorization": f"Bearer {lot_token}"},
            cache_column=False,
        ),
        _target("api-trace", f"API public trace of a lot, {same_lot}", lambda: _url("catalog:trace", s.lot_public_id)),
        _rotating(
            "api-trace-cold", f"API public trace of a lot, {other_lot}", "catalog:trace", r.lot_public_ids, "lots"
        ),
        _target("page-catalogue", "`/catalogue/` HTML", lambda: _url("frontend:catalogue")),
        _target(
            "page-catalogue-buyer",
            f"`/catalogue/` HTML, {signed_in}",
            lambda: _url("frontend:catalogue"),
            headers=buyer,
            cache_column=False,
        ),
        _target(
            "page-catalogue-search",
            "`/catalogue/` HTML, search + filters",
            lambda: _url(
                "frontend:catalogue",
                query=SEARCH_FILTERS,
            ),
        ),
        _target(
            "page-product",
            f"product HTML page, {same_product} (kept content)",
            lambda: _url("frontend:product", s.product_id),
        ),
        _target(
            "page-product-buyer",
            f"product HTML page, {same_product} (kept content), {signed_in}",
            lambda: _url("frontend:product", s.product_id),
            headers=buyer,
            cache_column=False,
        ),
        _rotating(
            "page-product-cold",
            f"product HTML page, {other_product}",
            "frontend:product",
            r.product_ids,
            "products",
            kept=KEPT_PRODUCT,
        ),
        _rotating(
            "page-product-cold-buyer",
            f"product HTML page, {other_product}, {signed_in}",
            "frontend:product",
            r.product_ids,
            "products",
            kept=KEPT_PRODUCT,
            headers=buyer,
        ),
        _target(
            "page-storefront",
            "cooperative storefront, same cooperative each time (kept content)",
            lambda: _url("frontend:cooperative", s.cooperative_id),
            note="/cooperatives/<id>/: 12 products, record, certificates, areas, fairs",
        ),
        _rotating(
            "page-storefront-cold",
            "cooperative storefront, a different cooperative or page each request",
            "frontend:cooperative",
            r.storefront_pages,
            "storefront pages (every cooperative's first, then second, …)",
            kept=KEPT_STOREFRONT,
            url=_storefront_url,
        ),
        _target(
            "page-trace",
            f"a lot's trace page, {same_lot} (kept content)",
            lambda: _url("frontend:trace", s.lot_public_id),
        ),
        _rotating(
            "page-trace-cold",
            f"a lot's trace page, {other_lot}",
            "frontend:trace",
            r.lot_public_ids,
            "lots",
            kept=KEPT_TRACE,
        ),
    ]
    kept = {"api-product", "page-catalogue-search", "page-product", "page-trace"}
    targets += [revalidating(fetch, target) for target in targets if target.key in kept]
    # The fair's three drawings of its plan: the printable page (names for print and the booth list), the
    # fair's own page (codes only) and the downloaded SVG (names in every booth); the printable page also as
    # a browser asks for it (brotli): its bytes column is what travels.
    fair_pages = (
        ("page-fair-plan", "fair plan, 300 booths", "frontend:fair-plan", {}),
        ("page-fair", "fair page with its plan, 300 booths", "frontend:fair-detail", {}),
        ("fair-plan-svg", "fair plan downloaded as SVG, 300 booths", "frontend:fair-plan-svg", {}),
        ("page-fair-plan-br", "fair plan, 300 booths, brotli", "frontend:fair-plan", {"Accept-Encoding": "br"}),
    )
    for key, title, name, headers in fair_pages:
        if fair_slug:
            build = lambda name=name, slug=fair_slug: _url(name, slug)  # noqa: E731
            targets.append(_target(key, title, build, headers=headers, cache_column=False))
        else:
            targets.append(Target(key=key, title=title, skip=fair_error or "no bench fair"))
    return targets
