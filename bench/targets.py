"""The pages and API reads measured against the bare view (A/B), chosen in the bench database.

A target whose page or endpoint does not exist yet (no URL by that name) is skipped with the reason, so
that the report always lists it and the engineer who adds the page only has to name it here."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse

SEARCH_FILTERS = {"search": "gao st25", "province": "91", "certificate": "vietgap"}
DEEP_PAGE_SIZE = 100  # pages walked to reach the deep cursor (the measured page still has 24)
# A browser revalidating what it kept (frontend.conditional): its CSRF cookie (a page's ETag covers the
# secret) and, per target, the ETag its first visit was given.
KEPT_COOKIE = "csrftoken=" + "k" * 32


@dataclass(frozen=True)
class Target:
    key: str
    title: str
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    cache_column: bool = True  # also measured with the page cache on (a bonus column)
    note: str = ""
    skip: str = ""


@dataclass(frozen=True)
class Subjects:
    """The rows the targets point at: a published, in-stock product of a verified cooperative with an OCOP
    certificate, its newest lot, and that cooperative (one of the larger ones)."""

    product_id: int
    lot_id: int
    lot_public_id: str
    cooperative_id: int


def pick_subjects() -> Subjects:
    from catalog.models import Certificate, HarvestLot, LotStatus, Product, ProductStatus

    stocked = HarvestLot.objects.filter(product=OuterRef("pk"), status=LotStatus.PUBLISHED, quantity_available__gt=0)
    certified = Certificate.objects.filter(products=OuterRef("pk"), status="verified")
    product = (
        Product.objects.filter(status=ProductStatus.PUBLISHED, cooperative__verification_status="verified")
        .filter(Exists(stocked), Exists(certified))
        .order_by("pk")
        .first()
    )
    if product is None:
        raise RuntimeError("the bench catalogue has no published, in-stock, certified product")
    lot = (
        HarvestLot.objects.filter(product=product, status=LotStatus.PUBLISHED, quantity_available__gt=0)
        .order_by("-harvest_date", "-pk")
        .first()
    )
    assert lot is not None
    return Subjects(
        product_id=product.pk, lot_id=lot.pk, lot_public_id=lot.public_id, cooperative_id=product.cooperative_id
    )


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
    *, fetch: Fetch, subjects: Subjects, products: int, lot_token: str, fair_slug: str | None, fair_error: str = ""
) -> list[Target]:
    """Every HTTP target, in report order. `fetch` reads Market Link (the deep cursor, the kept ETags)."""
    s = subjects
    list_query = {"page_size": "24"}
    depth = min(products // 2, 20_000)
    targets = [
        _target("ping", "`/bench/ping` through Market Link's middleware", lambda: "/bench/ping", cache_column=False),
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
        _target("api-product", "API product detail", lambda: _url("catalog:product-detail", s.product_id)),
        _target(
            "api-lot",
            "API lot detail (the cooperative's token)",
            lambda: _url("catalog:lot-detail", s.lot_id),
            headers={"Authorization": f"Bearer {lot_token}"},
            cache_column=False,
        ),
        _target("api-trace", "API public trace of a lot", lambda: _url("catalog:trace", s.lot_public_id)),
        _target("page-catalogue", "`/catalogue/` HTML", lambda: _url("frontend:catalogue")),
        _target(
            "page-catalogue-search",
            "`/catalogue/` HTML, search + filters",
            lambda: _url(
                "frontend:catalogue",
                query=SEARCH_FILTERS,
            ),
        ),
        _target("page-product", "product HTML page", lambda: _url("frontend:product", s.product_id)),
        _target(
            "page-storefront",
            "cooperative storefront",
            lambda: _url("frontend:cooperative", s.cooperative_id),
            note="/cooperatives/<id>/: 12 products, record, certificates, areas, fairs",
        ),
        _target("page-trace", "a lot's trace page", lambda: _url("frontend:trace", s.lot_public_id)),
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
