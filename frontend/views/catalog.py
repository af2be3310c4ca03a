"""Public catalogue pages: browse and search, a product, a lot's trace page (reached by its QR code)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from catalog import selectors
from catalog.models import CertificateKind
from catalog.selectors.browse import SORTS
from market.core.errors import ApplicationError
from market.organisations import geo


def _query_or_errors(request: HttpRequest) -> tuple[selectors.ProductQuery, dict[str, list[str]]]:
    try:
        return selectors.ProductQuery.from_params(request.GET), {}
    except ApplicationError as error:
        # Keep what is valid; show what is not next to the filters.
        clean = {k: v for k, v in request.GET.items() if k not in error.fields}
        return selectors.ProductQuery.from_params(clean), error.fields


def _link(query: selectors.ProductQuery, **changes: Any) -> str:
    params = query.as_params()
    for name, value in changes.items():
        if value in (None, "", False):
            params.pop(name, None)
        else:
            params[name] = value
    return "?" + urlencode(params) if params else "?"


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    query, errors = _query_or_errors(request)
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.product_page(query=query, cursor=cursor)
    except ApplicationError:
        page = selectors.product_page(query=query)
    facets = selectors.product_facets(query=query)
    category_names = {n.id: n.name for n in selectors.category_tree()}
    context = {
        "query": query,
        "errors": errors,
        "page": page,
        "cards": [(p, page.badges.get(p.pk, []), category_names.get(p.category_id, "")) for p in page.products],
        "facets": facets,
        "next_link": _link(query, cursor=page.next_cursor) if page.next_cursor else None,
        "first_link": _link(query) if cursor else None,
        "category_choices": [(str(n.id), "\u2003" * n.depth + n.name) for n in selectors.category_tree()],
        "province_choices": geo.province_choices(),
        "certificate_choices": CertificateKind.choices,
        "sorts": SORTS,
        "active_filters": _active_filters(query, category_names),
        "facet_links": {
            "category": [(f, _link(query, category=f.value, cursor=None)) for f in facets.category],
            "province": [(f, _link(query, province=f.value, cursor=None)) for f in facets.province],
            "certificate": [(f, _link(query, certificate=f.value, cursor=None)) for f in facets.certificate],
            "ocop_min": [(f, _link(query, ocop_min=f.value, cursor=None)) for f in facets.ocop_min],
        },
        "in_stock_link": _link(query, in_stock="1"),
    }
    template = "frontend/catalog/results.html" if request.htmx else "frontend/catalog/catalogue.html"
    return render(request, template, context, status=400 if errors else 200)


def _active_filters(query: selectors.ProductQuery, category_names: dict[int, str]) -> list[tuple[str, str]]:
    """(label, link that removes it) for each filter in use."""
    labels = dict(CertificateKind.choices)
    active = []
    if query.search:
        active.append((f"“{query.search}”", _link(query, search=None)))
    if query.category:
        active.append((category_names.get(query.category, ""), _link(query, category=None)))
    if query.province:
        unit = geo.province(query.province)
        active.append((unit.name if unit else str(query.province), _link(query, province=None)))
    if query.certificate:
        active.append((str(labels.get(query.certificate, query.certificate)), _link(query, certificate=None)))
    if query.ocop_min:
        active.append((f"OCOP {query.ocop_min}★+", _link(query, ocop_min=None)))
    if query.price_min is not None:
        active.append((f"≥ {query.price_min:,} ₫".replace(",", "."), _link(query, price_min=None)))
    if query.price_max is not None:
        active.append((f"≤ {query.price_max:,} ₫".replace(",", "."), _link(query, price_max=None)))
    if query.moq_max is not None:
        active.append((f"MOQ ≤ {query.moq_max.normalize():f}", _link(query, moq_max=None)))
    if query.in_stock:
        active.append(("✓", _link(query, in_stock=None)))
    return active


@require_GET
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    item = selectors.product_visible_get(actor=actor, product_id=product_id)
    quote, quote_error = None, None
    quantity = request.GET.get("quantity", "").strip()
    if quantity:
        try:
            quote = selectors.price_for_quantity(product=item, quantity=quantity.replace(",", "."))
        except ApplicationError as error:
            quote_error = "; ".join(m for ms in error.fields.values() for m in ms) or error.message
    tiers = selectors.price_tiers_for(product=item)
    context = {
        "product": item,
        "tiers": tiers,
        # (tier, where the next tier starts or None): a table of ranges people read at a glance.
        "tier_rows": [
            (tier, tiers[i + 1].min_quantity if i + 1 < len(tiers) else None) for i, tier in enumerate(tiers)
        ],
        "badges": selectors.badges_for([item]).get(item.pk, []),
        "certificates": selectors.certificates_in_force_for(product=item),
        "lots": selectors.lots_in_stock(product=item),
        "stock": selectors.product_stock_available(product=item),
        "images": list(item.images.all()),
        "path": selectors.category_path(item.category_id),
        "quantity": quantity,
        "quote": quote,
        "quote_error": quote_error,
        "is_owner": actor.organisation_id == item.cooperative_id,
    }
    if request.htmx and request.GET.get("partial") == "quote":
        return render(request, "frontend/catalog/partials/quote.html", context)
    return render(request, "frontend/catalog/product.html", context)


def _trace_page(request: HttpRequest, lot: Any) -> HttpResponse:
    return render(request, "frontend/catalog/trace.html", {"trace": selectors.trace_view(lot=lot)})


@require_GET
def trace(request: HttpRequest, public_id: str) -> HttpResponse:
    """The internal QR path (/trace/<id>/) for lots of products without a GTIN."""
    return _trace_page(request, selectors.lot_public_get(public_id=public_id))


@require_GET
def digital_link(request: HttpRequest, gtin: str, lot_code: str) -> HttpResponse:
    """GS1 Digital Link resolver: /01/{gtin14}/10/{lot}[?17=YYMMDD] opens the lot's trace page."""
    return _trace_page(request, selectors.lot_by_digital_link(gtin14=gtin, lot_code=lot_code))
