"""Public catalogue pages: browse and search, a product, a lot's trace page (reached by its QR code)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from rest_framework import serializers

from catalog import gs1, inputs, selectors
from catalog.cache import DEFAULT_TIMEOUT as FACETS_FRESH_SECONDS
from catalog.cache import Watched, catalog_version, digital_link_ident, one_version, version_keys, versions
from catalog.commands import Sort
from catalog.models import CertificateKind, PriceTier, Product
from catalog.policy import ProductAction, allowed, product_actions
from catalog.pricing import PriceQuote
from catalog.selectors.detail_pages import (
    PersonalFacts,
    TracePage,
    personal_facts,
    personal_product,
    personal_tiers,
    product_page_for,
    trace_page_for,
    trace_page_of,
)
from frontend import shell, trace_content
from frontend.conditional import conditional_page
from frontend.csrf import page_token
from frontend.errors import refusal_messages
from frontend.fragments import fragment_key, fragment_part, kept_parts, product_cards, results_html
from frontend.product_content import ProductContent, cart_box_html, content_html, pricing_box_html, quote_html
from frontend.schema_forms import Choices, SchemaForm
from market.core import inputs as core_inputs
from market.core import read_ahead
from market.core.conditional import deploy_version
from market.core.errors import ApplicationError
from market.core.parsing import format_input_decimal, format_money
from market.organisations import geo
from market.organisations.http import ActorRequest
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_key

# What the filter form shows; paging is the links' business and the search has its own box.
FILTER_EXCLUDED = ("cursor", "page_size", "search")
# How long a catalogue page waits for facet counts another request is computing for the first time (at
# 1,000,000 products the whole catalogue's take seconds) before it answers without them.
FACETS_WAIT_SECONDS = 1.0
TRACE_PARTS_SECONDS = 3600  # stamped with the versions: this only bounds the memory of pages no one reads again
SORT_LABELS = {
    Sort.RELEVANCE: gettext_lazy("Best match"),
    Sort.NEWEST: gettext_lazy("Newest"),
    Sort.PRICE_ASC: gettext_lazy("Price per kg: low to high"),
    Sort.PRICE_DESC: gettext_lazy("Price per kg: high to low"),
}


def _is_htmx(request: ActorRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _link(query: selectors.ProductQuery, **changes: Any) -> str:
    params = query.as_params()
    for name, value in changes.items():
        if value in (None, "", False):
            params.pop(name, None)
        else:
            params[name] = value
    return "?" + urlencode(params) if params else "?"


def filter_form(request: ActorRequest) -> SchemaForm:
    """The filters as a form read by the same schema as GET /api/v1/products/: what was typed stays, with
    its error next to it."""
    choices: dict[str, Choices] = {
        "category": [(str(n.id), "\u2003" * n.depth + n.name) for n in selectors.category_tree()],
        "province": [(str(code), name) for code, name in geo.province_choices()],
        "ocop_min": [(str(n), _("%(n)s★ or more") % {"n": n}) for n in (3, 4, 5)],
        "sort": [(sort.value, label) for sort, label in SORT_LABELS.items()],
    }
    form = SchemaForm(request.GET or None, schema=inputs.ProductQueryInput, choices=choices, exclude=FILTER_EXCLUDED)
    form.fields["cooperative"].widget = form.fields["cooperative"].hidden_widget()
    return form


# What the catalogue's parameters read to, by (the parameters, the language of the errors, the catalogue version:
# a category is found by name or slug in that version's tree). Reading them through the schema cost ~0.4 ms of a
# search's CPU (DRF builds the schema's fields anew for each reading); the same parameters read the same way.
READ_FILTERS_KEPT = 512


@functools.lru_cache(maxsize=READ_FILTERS_KEPT)
def _read_params(
    params: tuple[tuple[str, tuple[str, ...]], ...], _language: str, _version: int
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    query = QueryDict(mutable=True)
    for name, values in params:
        query.setlist(name, list(values))
    return inputs.read_query_leniently(inputs.ProductQueryInput, query)


def _read_filters(request: ActorRequest) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The catalogue's parameters, typed, and the errors of those that are not right (copies: the reading is
    kept for the next request with the same parameters)."""
    params = tuple((name, tuple(values)) for name, values in request.GET.lists())
    values, errors = _read_params(params, get_language(), catalog_version())
    return dict(values), {name: list(messages) for name, messages in errors.items()}


@functools.lru_cache(maxsize=16)
def _category_names(_version: int, _day: str, _language: str) -> dict[int, str]:
    """Each category's name in the language, per catalogue version and day (the tree's own key), kept in the
    process: the cards name their category, and reading the tree from Redis and naming it cost ~0.2 ms a page."""
    return {node.id: node.name for node in selectors.category_tree()}


FILTERS = "catalogue-filters"  # the catalogue page's filter column, kept (frontend.fragments)


def _filters_params(request: ActorRequest, corrected: bool) -> dict[str, Any]:
    """What the filter column shows besides the catalogue: the parameters but the cursor (it only pages the
    products), and whether the search's typos were corrected."""
    asked = sorted((name, values) for name, values in request.GET.lists() if name != "cursor")
    return {"asked": asked, "corrected": corrected}


def _catalogue_reads(request: ActorRequest) -> list[str]:
    """What the catalogue page reads from Redis before it knows its answer: the catalogue version and its filter
    column (as kept for a search that needed no correction: only a corrected one reads its own afterwards)."""
    return [*version_keys(), fragment_key(FILTERS, _filters_params(request, corrected=False))]


@require_safe
@one_version()
@conditional_page(lambda request: versions(), ahead=_catalogue_reads)  # the cards and facets: catalogue-wide writes
def catalogue(request: ActorRequest) -> HttpResponse:
    values, errors = _read_filters(request)
    query = selectors.ProductQuery.from_values(values)
    cursor = values.get("cursor") or None
    day = timezone.localdate()  # asked once: the zone's conversion is ~10 µs of CPU
    try:
        page = selectors.product_page(query=query, cursor=cursor, on=day, tiers=False)  # the cards show no tiers
    except ApplicationError as error:
        errors = {**errors, **error.fields}
        page = selectors.product_page(query=query, on=day, tiers=False)
    category_names = _category_names(catalog_version(), day.isoformat(), get_language())
    status = 400 if errors else 200
    cards = product_cards(
        [(p, page.badges.get(p.id, []), category_names.get(p.category_id, "")) for p in page.products]
    )
    next_link = _link(query, cursor=page.next_cursor) if page.next_cursor else None
    first_link = _link(query) if cursor else None
    if _is_htmx(request):  # more products: the cards and the next link
        results = {"query": query, "next_link": next_link, "first_link": first_link, "cards": cards}
        return render(request, "frontend/catalog/results.html", results, status=status)
    # The filters (the form as typed, with its messages, and the facet counts) are the same for everyone asking
    # with the same parameters until the next catalogue write; the cursor only pages the products.
    filters_part = fragment_part(
        FILTERS,
        _filters_params(request, page.corrected),
        lambda: _render_filters(request, query, page.corrected),
        seconds=FACETS_FRESH_SECONDS,
    )
    (filters,) = kept_parts([filters_part])
    frame_context = {
        "query": query,
        "error_messages": [m for ms in errors.values() for m in ms],
        "active_filters": lambda: _active_filters(query, category_names),
    }
    slots: dict[str, str] = {
        "filters": filters,
        "results": results_html(
            grid="".join(cards),  # the grid as partials/cards.html writes it (its newline is in results_html)
            search=query.search,
            unusable_search=query.search_plan.unusable,
            empty=not cards,
            first_link=first_link,
            next_link=next_link,
        ),
    }
    frame = _catalogue_frame(request, frame_context)
    content: str
    if frame is None:  # parameters that hold a frame's mark: rendered in full
        content = render_to_string(CATALOGUE_CONTENT, {**frame_context, **slots})
    else:
        content = "".join(slots[piece] if i % 2 else piece for i, piece in enumerate(frame))
    # Each piece rendered by a template, which escaped what it wrote.
    return shell.page(request, "frontend/catalog/catalogue.html", {"content": mark_safe(content)}, status=status)  # noqa: S308


# The catalogue page's content around its results (the search box, the filters in use, the messages of the
# parameters not understood): a function of the parameters, the language and the catalogue version (the category
# names, the search's vocabulary), rendered once per process with a mark for each part that is not (the filter
# column, kept with its facet counts by frontend.fragments; the cards and the links to more: the page's results).
# Why: rendering it cost ~1 ms of a search's CPU on every request. Kept in the process: no Redis round trip.
CATALOGUE_CONTENT = "frontend/catalog/catalogue_content.html"
FRAME_SLOTS = ("filters", "results")
_FRAME_MARK = re.compile("\ue000frame_([a-z]+)\ue000")
_frames: dict[tuple[object, ...], tuple[str, ...]] = {}
KEPT_FRAMES = 256  # bounds the memory: start again past this many parameter sets


def _catalogue_frame(request: ActorRequest, context: dict[str, Any]) -> tuple[str, ...] | None:
    """The content split at its marks (text at even places, the marks' names at odd ones); None when what was typed
    holds a mark itself (the marks are private-use characters: nobody types them but on purpose)."""
    key = (
        tuple((name, tuple(values)) for name, values in request.GET.lists()),
        get_language(),
        catalog_version(),
        deploy_version(),
        get_script_prefix(),
        get_urlconf(),
    )
    frame = _frames.get(key)
    if frame is None:
        marks = {name: mark_safe(f"\ue000frame_{name}\ue000") for name in FRAME_SLOTS}  # noqa: S308 (constants)
        frame = tuple(_FRAME_MARK.split(render_to_string(CATALOGUE_CONTENT, {**context, **marks})))
        if frame[1::2] != FRAME_SLOTS:
            return None
        if len(_frames) >= KEPT_FRAMES:
            _frames.clear()
        _frames[key] = frame
    return frame


def _render_filters(request: ActorRequest, query: selectors.ProductQuery, corrected: bool) -> str:
    facets = selectors.product_facets_within(FACETS_WAIT_SECONDS, query=query, corrected=corrected)
    form = filter_form(request)
    if request.GET:
        form.is_valid()  # the same messages next to the filters
    context = {
        "query": query,
        "form": form,
        "facets": facets,
        "facet_links": _facet_links(query, facets) if facets else {},
        "in_stock_link": _link(query, in_stock="1"),
    }
    # Without the request: nothing of the visitor's belongs in a part kept for everyone (and the context
    # processors' reads are the page shell's business).
    return render_to_string("frontend/catalog/partials/filters.html", context)


def _facet_links(query: selectors.ProductQuery, facets: selectors.Facets) -> dict[str, list[tuple[Any, str]]]:
    return {
        "category": [(f, _link(query, category=f.value, cursor=None)) for f in facets.category],
        "province": [(f, _link(query, province=f.value, cursor=None)) for f in facets.province],
        "certificate": [(f, _link(query, certificate=f.value, cursor=None)) for f in facets.certificate],
        "ocop_min": [(f, _link(query, ocop_min=f.value, cursor=None)) for f in facets.ocop_min],
    }


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
        active.append((f"≥ {format_money(query.price_min)}", _link(query, price_min=None)))
    if query.price_max is not None:
        active.append((f"≤ {format_money(query.price_max)}", _link(query, price_max=None)))
    if query.moq_max is not None:
        active.append((_("MOQ ≤ %(q)s") % {"q": format_input_decimal(query.moq_max)}, _link(query, moq_max=None)))
    if query.in_stock:
        active.append((_("In stock"), _link(query, in_stock=None)))
    return active


class PagePart(StrEnum):
    QUOTE = "quote"  # the price of the quantity typed, refreshed as the person types


class ProductPageQuery(serializers.Serializer):
    quantity = core_inputs.QuantityInput(required=False)
    part = core_inputs.ChoiceInput(PagePart, required=False)


def _quote(
    product: Product, tiers: list[PriceTier], params: Any
) -> tuple[PriceQuote | None, str | None, PagePart | None]:
    """(the price of the quantity asked, or why there is none, and which part of the page is asked for)."""
    values, errors = inputs.read_query_leniently(ProductPageQuery, params, context={"unit": product.unit})
    part = values.get("part")
    if errors.get("quantity"):
        return None, "; ".join(errors["quantity"]), part
    # The box starts at the minimum order.
    quote, error = _price(product, tiers, values.get("quantity") or product.moq)
    return quote, error, part


def _price(product: Product, tiers: list[PriceTier], quantity: Decimal) -> tuple[PriceQuote | None, str | None]:
    """(the price of `quantity` among the product's `tiers`, or why there is none)."""
    try:
        return selectors.price_among(product=product, tiers=tiers, quantity=quantity), None
    except ApplicationError as error:
        return None, "; ".join(refusal_messages(error))


def _storefront_of(request: ActorRequest, product_id: int) -> list[str] | None:
    """The key of the product's cooperative's storefront version (None: no such product). Looked up once per
    request: what is read ahead and `_product_versions` share it."""
    if "product_storefront" not in request.__dict__:
        cooperative_id = selectors.product_cooperative_id(product_id)
        request.__dict__["product_storefront"] = None if cooperative_id is None else [storefront_key(cooperative_id)]
    return request.__dict__["product_storefront"]


def _product_versions(request: ActorRequest, product_id: int) -> tuple[object, ...]:
    """What the product page shows, by version: the catalogue's, today, the product's own (its lots' stock) and
    its cooperative's storefront version (its name, address and story are on the page; a profile edit moves
    only that). Read once per request: the ETag and the kept content share it."""
    if "product_versions" not in request.__dict__:
        also = _storefront_of(request, product_id)
        if also is None:  # no such product: the view answers 404
            request.__dict__["product_versions"] = (*versions((Watched.PRODUCT, product_id)), None)
        else:
            request.__dict__["product_versions"] = versions((Watched.PRODUCT, product_id), also=also)
    return request.__dict__["product_versions"]


def _product_kept_key(product_id: int) -> str:
    return f"product:{product_id}:{get_language()}:{deploy_version()}"


def _product_reads(request: ActorRequest, product_id: int) -> list[str]:
    """What the product page reads from Redis before it knows its answer: its versions and its kept content."""
    versions_read = version_keys((Watched.PRODUCT, product_id), also=_storefront_of(request, product_id) or ())
    return [*versions_read, _product_kept_key(product_id)]


@dataclass(frozen=True)
class ProductShown:
    """What the product page shows anyone: its title (the product's name in the content's language), the product
    as the personal parts and the rules read it (`product`) and its tiers (by quantity: the box's price), its stock,
    and the rendered content around the two personal parts (CONTENT_SLOTS); for a public product, also what anyone
    asking with no parameters is given in the quantity box's place (the most asked page: the personal parts are the
    same for every such visitor): an anonymous visitor's box (`pricing_box`: see `anonymous_content`), and the price
    at the minimum order as every box writes it (`moq_quote`).

    Kept with the product and its tiers as plain values (`facts`, catalog.selectors.detail_pages.personal_facts),
    rebuilt into `product` and `tiers` only when a kept page's reader needs them: the anonymous visitor's page reads
    neither. Make one with `of`."""

    title: str
    stock: Decimal
    content: tuple[str, ...]
    facts: PersonalFacts
    pricing_box: str | None = None
    moq_quote: str | None = None

    @classmethod
    def of(
        cls,
        product: Product,
        tiers: list[PriceTier],
        *,
        stock: Decimal,
        content: tuple[str, ...],
        pricing_box: str | None = None,
        moq_quote: str | None = None,
    ) -> ProductShown:
        shown = cls(product.name, stock, content, personal_facts(product, tiers), pricing_box, moq_quote)
        # What was read, for the request that read it: nothing rebuilt.
        shown.__dict__.update(product=product, tiers=tiers)
        return shown

    @functools.cached_property
    def product(self) -> Product:
        """On a kept page, the product with PERSONAL_FIELDS only."""
        return personal_product(self.facts)

    @functools.cached_property
    def tiers(self) -> list[PriceTier]:
        return personal_tiers(self.facts)

    def __getstate__(self) -> dict[str, Any]:
        """Kept without the product and its tiers: the facts say them."""
        return {name: value for name, value in self.__dict__.items() if name not in ("product", "tiers")}

    @property
    def anonymous_content(self) -> str | None:
        """The whole content an anonymous visitor is given when they ask with no parameters (None: not public). Put
        together when asked rather than kept: kept, it doubled the bytes pickled, sent and read back."""
        if self.pricing_box is None:
            return None
        before, middle, after = self.content
        return before + middle + self.pricing_box + after


# The personal parts of the product page, rendered per request into the content kept for everyone: the owner's
# "manage" link, and the quantity box (a buyer's posts to their cart with their CSRF token).
CONTENT_SLOTS = ("<!--product:manage-->", "<!--product:buy-->")
PRODUCT_PARTS_SECONDS = 3600  # stamped with the versions: this only bounds the memory of pages no one reads again
PRODUCT_TEMPLATE = "frontend/catalog/product.html"


def _product_shown(request: ActorRequest, product_id: int) -> ProductShown:
    """The product as `selectors.product_visible_get` lets the actor see it, with its rendered content. A public
    product's is kept in the language, stamped with the page's versions (the ETag's; market.core.read_ahead.kept)
    and served only under those: while they stand it is public (publishing, delisting and a cooperative's
    verification move the catalogue version), so anyone may be served it without the visibility query. A draft
    or delisted product (its cooperative's eyes only) is never kept. The deploy is in the key too: another
    deploy's templates rendered the content differently."""
    key, stamp = _product_kept_key(product_id), _product_versions(request, product_id)
    shown = read_ahead.kept(key, stamp)
    if shown is not None:
        return shown
    # The product, its certificates in force (the list and the badges) and its lots in stock (the table and the
    # stock), read once: one statement for a public product on PostgreSQL.
    content = ProductContent.of(product_page_for(actor=request.actor, product_id=product_id))
    item = content.product
    # Nothing of the visitor's belongs in content kept for everyone: their parts go where the marks are.
    html = content_html(content, manage=CONTENT_SLOTS[0], buy=CONTENT_SLOTS[1])
    before, rest = html.split(CONTENT_SLOTS[0])
    middle, after = rest.split(CONTENT_SLOTS[1])
    if not selectors.product_is_public(item):
        return ProductShown.of(item, content.tiers, stock=content.stock, content=(before, middle, after))
    # An anonymous visitor's parts: no "manage" link (no cooperative's), the box that only prices, at the minimum
    # order (written as the partials render them: tests/frontend/test_product_content.py).
    moq_quote = quote_html(item, *_price(item, content.tiers, item.moq))
    shown = ProductShown.of(
        item,
        content.tiers,
        stock=content.stock,
        content=(before, middle, after),
        pricing_box=pricing_box_html(item, moq_quote),
        moq_quote=moq_quote,
    )
    read_ahead.keep(key, stamp, shown, PRODUCT_PARTS_SECONDS)
    return shown


def _personal_context(shown: ProductShown, actor: Actor, params: QueryDict) -> dict[str, Any]:
    """What the personal parts are rendered from: the visitor's quantity box, its price and their actions."""
    item = shown.product
    quote, quote_error, part = _quote(item, shown.tiers, params)
    return {
        "product": item,
        "stock": shown.stock,
        # The one quantity box (price and cart) keeps what was typed; it starts at the minimum order.
        "quantity_form": SchemaForm(
            params or None,
            schema=ProductPageQuery,
            initial={"quantity": item.moq},
            context={"unit": item.unit},
            exclude=("part",),
        ),
        "quote": quote,
        "quote_error": quote_error,
        "part": part,
        "actor": actor,
        "actions": allowed(product_actions(actor=actor, obj=item)),
    }


def personal_parts(request: ActorRequest | None, context: dict[str, Any]) -> tuple[str, str]:
    """The owner's "manage" link and the quantity box, rendered for the visitor."""
    manage = render_to_string("frontend/catalog/partials/product_manage.html", context, request)
    buy = render_to_string("frontend/catalog/partials/product_buy.html", context, request)
    return manage, buy


def _everyones_content(request: ActorRequest, shown: ProductShown) -> str | None:
    """The content of a public product asked with no parameters by a visitor who does not manage it (None: someone
    else's): the anonymous visitor's, or for a buyer of a product in stock, the same with the cart's box and their
    token. Those personal parts are the same for every such visitor (no "manage" link, the box at the minimum
    order): written without the partials' renders, the quantity form and the query's reading (~1.5 ms of CPU)."""
    actor, anyones = request.actor, shown.anonymous_content
    if anyones is None or shown.moq_quote is None or request.GET:
        return None
    if not actor.is_authenticated:
        return anyones  # the product itself unread (a kept page's: not rebuilt)
    item = shown.product
    if ProductAction.EDIT in product_actions(actor=actor, obj=item):  # the product's cooperative: its "manage" link
        return None
    if not (actor.is_buyer and shown.stock):
        return anyones  # the box that only prices, as partials/product_buy.html writes it for them
    before, middle, after = shown.content
    token, next_path = page_token(request), request.get_full_path()
    return before + middle + cart_box_html(item, shown.moq_quote, csrf_token=token, next_path=next_path) + after


@require_safe
@one_version()
@conditional_page(_product_versions, ahead=_product_reads)
def product(request: ActorRequest, product_id: int) -> HttpResponse:
    shown = _product_shown(request, product_id)
    everyones = _everyones_content(request, shown)
    if everyones is not None:
        content = everyones
    else:
        context = _personal_context(shown, request.actor, request.GET)
        if _is_htmx(request) and context["part"] == PagePart.QUOTE:
            return render(request, "frontend/catalog/partials/quote.html", context)
        before, middle, after = shown.content
        manage, buy = personal_parts(request, context)
        content = before + manage + middle + buy + after
    # Each part rendered by a template, which escaped what it wrote.
    parts = {"title": shown.title, "content": mark_safe(content)}  # noqa: S308
    return shell.page(request, PRODUCT_TEMPLATE, parts)


def _lot_versions(request: ActorRequest, ident: str) -> tuple[object, ...]:
    """What a lot's trace page shows, by version: the catalogue's, today and the lot's own (its trace events).
    Read once per request: the ETag and the kept parts share it."""
    if "lot_versions" not in request.__dict__:
        request.__dict__["lot_versions"] = versions((Watched.LOT, ident))
    return request.__dict__["lot_versions"]


def _trace_kept_key(request: ActorRequest, ident: str) -> str:
    """Where a lot's rendered trace page is kept for those who see the same shipments as the visitor: the alliance's
    staff, each organisation (the lot's cooperative and each buyer see their own: catalog.policy.sees_forward_detail),
    or anyone else; in the visitor's language."""
    actor = request.actor
    audience = "staff" if actor.is_alliance_staff else actor.organisation_id
    return f"trace:{ident}:{audience}:{get_language()}:{deploy_version()}"


def _trace_reads(request: ActorRequest, ident: str | None) -> list[str]:
    """What a lot's trace page reads from Redis before it knows its answer: its versions and its kept parts."""
    return [] if ident is None else [*version_keys((Watched.LOT, ident)), _trace_kept_key(request, ident)]


TRACE_TEMPLATE = "frontend/catalog/trace.html"


def _trace_page(request: ActorRequest, read: Callable[[], TracePage], ident: str | None) -> HttpResponse:
    """A lot's trace page. Its title and content are the same until the lot's version, the catalogue's or the
    day moves, as the ETag says, for everyone who sees the same shipments (`_trace_kept_key`): kept rendered,
    stamped with those versions (market.core.read_ahead.kept). `ident`: the lot's name under its version (None:
    rendered, not kept)."""
    kept_as = None if ident is None else (_trace_kept_key(request, ident), _lot_versions(request, ident))
    if kept_as is not None:
        parts = read_ahead.kept(*kept_as)
        if parts is not None:
            return shell.page(request, TRACE_TEMPLATE, parts)
    page = read()
    # Written as the templates write them (frontend.trace_content): text escaped there, so safe here.
    parts = {
        "title": mark_safe(trace_content.title_text(page.trace)),  # noqa: S308
        "content": mark_safe(trace_content.content_html(page.trace, page.origins)),  # noqa: S308
    }
    if kept_as is not None:
        read_ahead.keep(*kept_as, parts, TRACE_PARTS_SECONDS)
    return shell.page(request, TRACE_TEMPLATE, parts)


@require_safe
@one_version()
@conditional_page(
    lambda request, public_id: _lot_versions(request, public_id),  # + its trace events
    ahead=lambda request, public_id: _trace_reads(request, public_id),
)
def trace(request: ActorRequest, public_id: str) -> HttpResponse:
    """The internal QR path (/trace/<id>/) for lots of products without a GTIN."""
    return _trace_page(request, lambda: trace_page_for(public_id=public_id, actor=request.actor), public_id)


def _digital_link_lot(gtin: str, lot_code: str) -> str | None:
    """The lot's name under its Digital Link (None: not a GTIN; the view answers 404)."""
    try:
        return digital_link_ident(gs1.normalise_gtin(gtin), lot_code)
    except ValidationError:
        return None


def _digital_link_version(request: ActorRequest, gtin: str, lot_code: str) -> tuple[object, ...] | None:
    ident = _digital_link_lot(gtin, lot_code)
    return None if ident is None else _lot_versions(request, ident)


@require_safe
@one_version()
@conditional_page(
    _digital_link_version,
    ahead=lambda request, gtin, lot_code: _trace_reads(request, _digital_link_lot(gtin, lot_code)),
)
def digital_link(request: ActorRequest, gtin: str, lot_code: str) -> HttpResponse:
    """GS1 Digital Link resolver: /01/{gtin14}/10/{lot}[?17=YYMMDD] opens the lot's trace page."""
    ident = _digital_link_lot(gtin, lot_code)  # None: lot_by_digital_link answers 404

    def read() -> TracePage:
        return trace_page_of(lot=selectors.lot_by_digital_link(gtin14=gtin, lot_code=lot_code), actor=request.actor)

    return _trace_page(request, read, ident)
