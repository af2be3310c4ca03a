"""The catalogue API: thin views over the selectors and services. Bodies and query parameters are read by
the schemas of `catalog.inputs` (the same ones the pages use); detail resources carry `allowed_actions`."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import get_script_prefix
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import inputs, selectors, services
from catalog.api import detail_bodies, public
from catalog.api import query as query_parameters
from catalog.api import serializers as s
from catalog.cache import (
    Watched,
    cached_with_version,
    cached_with_version_key,
    catalog_version,
    one_version,
    versions,
)
from catalog.commands import CertificateDetails, LotDetails, ProductDetails
from catalog.permissions import (
    CATALOG_IMPORT,
    CERTIFICATES_MANAGE,
    CERTIFICATES_VERIFY,
    LOTS_MANAGE,
    LOTS_PUBLISH,
    PRODUCTS_MANAGE,
    PRODUCTS_PUBLISH,
)
from catalog.uploads import SCAN_TYPES
from market.core.errors import NotFound, ValidationFailed
from market.core.exports import XLSX_MEDIA_TYPE
from market.core.inputs import IdInput, input_mode, read_input
from market.core.json_input import JSONParser
from market.core.json_output import JSONRenderer
from market.core.listing import UPDATED_SINCE, ListEndpoint, list_response, wants_sync
from market.core.storage import private_file_response
from market.organisations.drf import NO_SCOPE, ActorAPIView, conditional_read
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


def _body(view: ActorAPIView, schema: type[serializers.Serializer], **options: Any) -> dict[str, Any]:
    """The request body read by the command's schema (JSON canonically, a form post as typed)."""
    return read_input(schema, view.request.data, mode=input_mode(view.request), **options)


def _out(view: ActorAPIView) -> dict[str, Any]:
    """Serializer context: whose `allowed_actions` the resources show."""
    return {"actor": view.actor}


def _query_parameters(schema: type[serializers.Serializer]) -> list[OpenApiParameter]:
    """The list's query parameters, documented from the schema that reads them."""
    parameters = []
    for name, field in schema().fields.items():
        kind: Any = int if isinstance(field, serializers.IntegerField) else (
            bool if isinstance(field, serializers.BooleanField) else str)  # fmt: skip
        enum = list(field.choices) if isinstance(field, serializers.ChoiceField) else None
        # The lazy text itself: the schema is rendered in its own language, not the one active at import.
        parameters.append(OpenApiParameter(name, kind, enum=enum, description=field.help_text or ""))
    return parameters


PRODUCT_QUERY_PARAMETERS = _query_parameters(inputs.ProductQueryInput)


# --- reference -----------------------------------------------------------------------------------
class CategoryListView(ActorAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=s.CategoryOut(many=True), tags=["catalogue"])
    @one_version()
    def get(self, request: Request) -> Response:
        """The product category tree with names in Vietnamese and English and each node's depth. Public; no filters;
        parents before their children (depth-first, by position)."""
        return Response(
            [
                {
                    "id": n.id,
                    "slug": n.slug,
                    "parent_id": n.parent_id,
                    "name": n.name,
                    "name_vi": n.name_vi,
                    "name_en": n.name_en,
                    "depth": n.depth,
                }
                for n in selectors.category_tree()
            ]
        )


class VatCategoryListView(ActorAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=s.VatOut(many=True), tags=["catalogue"])
    def get(self, request: Request) -> Response:
        """The VAT categories a product may have (code, name, whether subject to VAT, rate). Public; no filters; in
        their set order."""
        return Response(
            [
                {
                    "code": v.code,
                    "name": v.name,
                    "subject_to_vat": v.subject_to_vat,
                    "rate_percent": s.dec(v.rate_percent),
                }
                for v in selectors.vat_categories()
            ]
        )


# --- products ------------------------------------------------------------------------------------
class ProductListView(ActorAPIView):
    """The public catalogue (GET, anyone) and a cooperative creating a product (POST)."""

    required_scopes = {"GET": NO_SCOPE, "POST": ApiScope.CATALOGUE_WRITE}  # GET: public, the same for everyone
    capabilities = {"POST": PRODUCTS_MANAGE}

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return []
        return super().get_permissions()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return public.with_public_get(super().as_view(**initkwargs), _PUBLIC_PRODUCT_LIST, personal=False)

    @extend_schema(
        parameters=PRODUCT_QUERY_PARAMETERS,
        responses=s.ProductPageOut,
        tags=["catalogue"],
        auth=[],
        operation_id="products_list",
    )
    @one_version()
    @conditional_read(lambda view, request: versions(), personal=False)
    def get(self, request: Request) -> HttpResponseBase:
        """Public and the same for everyone: the rendered page is cached per query, language, day and
        catalogue version (every catalogue write bumps it), for CATALOG_LIST_CACHE_SECONDS at most."""
        return product_list_answer(request)

    @extend_schema(request=inputs.ProductInput, responses={201: s.ProductDetailOut}, tags=["catalogue"])
    def post(self, request: Request) -> Response:
        fields = _body(self, inputs.ProductInput)
        product = services.product_create(
            actor=self.actor, details=inputs.product_details(fields), tiers=inputs.product_tiers(fields)
        )
        product = selectors.product_get_for(actor=self.actor, product_id=product.pk)
        return Response(s.ProductDetailOut(product, context=_out(self)).data, status=status.HTTP_201_CREATED)


LIST_CACHE = "product-list"  # the rendered pages of GET /products/ (catalog.cache.cached_with_version)


def _list_cache_params(request: HttpRequest | Request) -> dict[str, Any]:
    return {"path": request.get_full_path(), "language": get_language(), "host": request.get_host()}


def product_list_answer(request: HttpRequest | Request) -> HttpResponseBase:
    """GET /products/'s answer, on DRF's path and on the public fast path (catalog.api.public)."""
    if wants_sync(request):
        # Its pages follow the search's ranking, not (updated_at, id): say so rather than ignore the ask.
        raise ValidationFailed(
            _("The public catalogue does not sync; a cooperative syncs its own products with /my-products/."),
            fields={UPDATED_SINCE: [_("Not available on this list.")]},
        )
    seconds = settings.CATALOG_LIST_CACHE_SECONDS
    if seconds <= 0:
        return HttpResponse(_product_page(request), content_type=JSONRenderer.media_type)
    body, hit = cached_with_version(
        LIST_CACHE, _list_cache_params(request), lambda: _product_page(request), timeout=seconds
    )
    response = HttpResponse(body, content_type=JSONRenderer.media_type)
    response["X-Cache"] = "hit" if hit else "miss"
    return response


def _product_page(request: HttpRequest | Request) -> bytes:
    """The list's body: on PostgreSQL its cards are the JSON texts the database wrote (selectors.card_sql), joined;
    elsewhere s.product_card's dicts, rendered."""
    values = query_parameters.read_product_query(request.GET)
    query = selectors.ProductQuery.from_values(values)
    page_size = values.get("page_size") or selectors.browse.DEFAULT_PAGE_SIZE
    cursor = values.get("cursor") or None
    if selectors.writes_cards():
        written = selectors.product_card_page(query=query, words=_card_words(), cursor=cursor, page_size=page_size)
        return s.page_body(_next_url(request, query, page_size, written.next_cursor), written.sort, written.cards)
    page = selectors.product_page(query=query, cursor=cursor, page_size=page_size)
    parts = _card_parts()
    results = [s.product_card(p, page.badges.get(p.pk, []), parts) for p in page.products]
    next_url = _next_url(request, query, page_size, page.next_cursor)
    return JSONRenderer().render({"next": next_url, "sort": page.sort, "results": results})


def _next_url(
    request: HttpRequest | Request, query: selectors.ProductQuery, page_size: int, cursor: str | None
) -> str | None:
    if not cursor:
        return None
    params = {**query.as_params(), "cursor": cursor}
    if page_size != selectors.browse.DEFAULT_PAGE_SIZE:
        params["page_size"] = page_size
    return request.build_absolute_uri(request.path) + "?" + urlencode(params)


# The cards' shared parts by (catalogue version, language), in this process: the category tree changes only
# with a catalogue write, which moves the version, so a process reads it (a Redis round trip and an unpickling)
# once per version instead of once per request. Versions seen last only: an old one is never asked again.
_CARD_PARTS: dict[tuple[int, str], s.CardParts] = {}
_CARD_PARTS_KEPT = 8


def _card_parts() -> s.CardParts:
    key = (catalog_version(), get_language() or "")
    parts = _CARD_PARTS.get(key)
    if parts is None:
        parts = s.card_parts(selectors.category_tree())
        if len(_CARD_PARTS) >= _CARD_PARTS_KEPT:
            _CARD_PARTS.clear()
        _CARD_PARTS[key] = parts
    return parts


def _card_words() -> selectors.CardWords:
    return _card_words_in(get_language() or "", get_script_prefix())


@functools.lru_cache(maxsize=16)
def _card_words_in(_language: str, _prefix: str) -> selectors.CardWords:
    """The SQL cards' words per language and script prefix (translations are fixed for the life of a process)."""
    return selectors.card_words(media=s.media_url_around())


def _list_kept(request: HttpRequest) -> list[str]:
    """The rendered page this request's answer reads, when the page cache is on."""
    if settings.CATALOG_LIST_CACHE_SECONDS <= 0:
        return []
    return [cached_with_version_key(LIST_CACHE, _list_cache_params(request))]


_PUBLIC_PRODUCT_LIST = public.PublicRead(watched=lambda: (), answer=product_list_answer, kept=_list_kept)


class ProductFacetsView(ActorAPIView):
    required_scopes = {"GET": NO_SCOPE}  # public, the same for everyone
    permission_classes = [AllowAny]

    @extend_schema(parameters=PRODUCT_QUERY_PARAMETERS, responses=s.FacetsOut, tags=["catalogue"], auth=[])
    @one_version()
    def get(self, request: Request) -> Response:
        """How many published products match the catalogue's search parameters, in total and by category, province,
        certificate and OCOP rating. Public, the same for everyone."""
        facets = selectors.product_facets(query=inputs.product_query(request.query_params))
        as_list = lambda values: [vars(v) for v in values]  # noqa: E731
        return Response(
            {
                "total": facets.total,
                "in_stock": facets.in_stock,
                "category": as_list(facets.category),
                "province": as_list(facets.province),
                "certificate": as_list(facets.certificate),
                "ocop_min": as_list(facets.ocop_min),
            }
        )


class MyProductListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.MyProductQueryInput,)
    required_scopes = {"GET": ApiScope.CATALOGUE_READ}

    @extend_schema(
        parameters=_query_parameters(inputs.MyProductQueryInput),
        responses=s.ProductDetailOut(many=True),
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        """The caller's cooperative's products in every status (alliance staff: every cooperative's). Filters: `status`,
        `search` (words of the name). Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows
        changed since then, oldest change first (docs/api-sync.md)."""
        values = inputs.read_query(inputs.MyProductQueryInput, request.query_params)
        queryset = (
            selectors.product_list_for(actor=self.actor, status=values.get("status"), search=values.get("search"))
            .select_related("vat_category", "category__parent")
            .prefetch_related("images")
        )
        return list_response(self, queryset, s.ProductDetailOut, context=_out(self))


class ProductDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CATALOGUE_READ, "PATCH": ApiScope.CATALOGUE_WRITE}

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return []
        return super().get_permissions()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return public.with_public_get(super().as_view(**initkwargs), _PUBLIC_PRODUCT_DETAIL, personal=True)

    @extend_schema(responses=s.ProductDetailOut, tags=["catalogue"])
    @one_version()
    @conditional_read(lambda view, request, product_id: versions((Watched.PRODUCT, product_id)), personal=True)
    def get(self, request: Request, product_id: int) -> HttpResponseBase:
        """One product: public once published; its cooperative and alliance staff see it in any status. A missing one
        and one the caller may not see are the same 404."""
        return Response(product_detail_body(self.actor, product_id))

    @extend_schema(request=inputs.ProductInput, responses=s.ProductDetailOut, tags=["catalogue"])
    def patch(self, request: Request, product_id: int) -> Response:
        """Only the fields sent change; `price_tiers`, when sent, replaces every tier."""
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        fields = _body(self, inputs.ProductInput, partial=True, context={"unit": product.unit})
        services.product_update(
            actor=self.actor,
            product_id=product.pk,
            details=inputs.product_details(fields, base=ProductDetails.of(product)),
            tiers=inputs.product_tiers(fields),
        )
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        return Response(s.ProductDetailOut(product, context=_out(self)).data)


class ProductPublishView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": PRODUCTS_PUBLISH}

    @extend_schema(request=None, responses=s.ProductDetailOut, tags=["catalogue"])
    def post(self, request: Request, product_id: int) -> Response:
        """Publish a product in the catalogue. Allowed when the product's `allowed_actions` include `publish`."""
        services.product_publish(actor=self.actor, product_id=product_id)
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        return Response(s.ProductDetailOut(product, context=_out(self)).data)


class ProductDelistView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": PRODUCTS_PUBLISH}

    @extend_schema(request=None, responses=s.ProductDetailOut, tags=["catalogue"])
    def post(self, request: Request, product_id: int) -> Response:
        """Take a published product off the catalogue. Allowed when the product's `allowed_actions` include `delist`."""
        services.product_delist(actor=self.actor, product_id=product_id)
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        return Response(s.ProductDetailOut(product, context=_out(self)).data)


def product_detail_body(actor: Actor, product_id: int) -> dict[str, Any]:
    """GET /products/{id}/'s body, on DRF's path and (anonymous) on the public fast path: the product its
    cooperative (or staff) manages in any status, else the public one (read in one statement)."""
    managed = selectors.product_managed_get(actor=actor, product_id=product_id)
    if managed is not None:
        return s.product_detail(managed, actor=actor)
    return detail_bodies.public_product_detail(product_id=product_id, actor=actor)


_PUBLIC_PRODUCT_DETAIL = public.PublicRead(
    watched=lambda product_id: ((Watched.PRODUCT, product_id),),
    answer=lambda request, product_id: public.json_answer(product_detail_body(Actor.anonymous(), product_id)),
    remembers=True,
)


class PriceTierView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CATALOGUE_READ, "PUT": ApiScope.CATALOGUE_WRITE}

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return []
        return super().get_permissions()

    @extend_schema(responses=s.TierOut(many=True), tags=["catalogue"])
    def get(self, request: Request, product_id: int) -> Response:
        """The price tiers of a product the caller may see (public once published): a unit price from each quantity on.
        No filters; smallest quantity first; not paged."""
        product = selectors.product_visible_get(actor=self.actor, product_id=product_id)
        return Response(s.tiers_list(selectors.price_tiers_for(product=product)))

    @extend_schema(request=inputs.TiersInput, responses=s.TierOut(many=True), tags=["catalogue"])
    def put(self, request: Request, product_id: int) -> Response:
        """Replace a product's price tiers (a unit price from each quantity on). For members who manage the
        cooperative's products."""
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        fields = _body(self, inputs.TiersInput, context={"unit": product.unit})
        tiers = services.product_price_tiers_set(
            actor=self.actor, product_id=product.pk, tiers=inputs.tier_specs(fields["price_tiers"])
        )
        return Response(s.tiers_list(tiers))


class PriceQuoteView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CATALOGUE_READ}
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("quantity", str, required=True, description="In the product's unit.")],
        responses=s.PriceQuoteOut,
        tags=["catalogue"],
    )
    def get(self, request: Request, product_id: int) -> Response:
        """What `quantity` of a product the caller may see costs: the unit price of the tier it falls in and the
        total."""
        product = selectors.product_visible_get(actor=self.actor, product_id=product_id)
        quantity = inputs.read_query(inputs.QuantityQuery, request.query_params, context={"unit": product.unit})
        quote = selectors.price_for_quantity(product=product, quantity=quantity["quantity"])
        return Response(
            {
                "quantity": s.dec(quote.quantity),
                "unit": quote.unit,
                "currency": quote.unit_price.currency,
                "unit_price": int(quote.unit_price.amount),
                "tier_min_quantity": s.dec(quote.tier_min_quantity),
                "total": int(quote.total.amount),
            }
        )


class ProductImageListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": PRODUCTS_MANAGE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": inputs.ImageInput}, responses={201: s.ImageOut}, tags=["catalogue"])
    def post(self, request: Request, product_id: int) -> Response:
        """Add an image to a product of the caller's cooperative, with its alternative text. For members who manage
        products."""
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        fields = _body(self, inputs.ImageInput)
        image = services.product_image_add(
            actor=self.actor, product_id=product.pk, upload=fields["image"], alt_text=fields.get("alt_text", "")
        )
        return Response(s.ImageOut(image).data, status=status.HTTP_201_CREATED)


class ProductImageDetailView(ActorAPIView):
    required_scopes = {"DELETE": ApiScope.CATALOGUE_WRITE}
    capabilities = {"DELETE": PRODUCTS_MANAGE}

    @extend_schema(responses={204: None}, tags=["catalogue"])
    def delete(self, request: Request, product_id: int, image_id: int) -> Response:
        """Remove an image from a product of the caller's cooperative. For members who manage products."""
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        services.product_image_remove(actor=self.actor, product_id=product.pk, image_id=image_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- lots ----------------------------------------------------------------------------------------
class LotListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.LotQueryInput,)
    required_scopes = {"GET": ApiScope.LOTS, "POST": ApiScope.LOTS}
    capabilities = {"GET": LOTS_MANAGE, "POST": LOTS_MANAGE}

    @extend_schema(parameters=_query_parameters(inputs.LotQueryInput), responses=s.LotOut(many=True), tags=["lots"])
    def get(self, request: Request) -> Response:
        """Harvest lots of the caller's cooperative (alliance staff: every cooperative's). Filters: `product`, `status`.
        Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest
        change first (docs/api-sync.md)."""
        values = inputs.read_query(inputs.LotQueryInput, request.query_params)
        queryset = selectors.lot_list_for(
            actor=self.actor, product_id=values.get("product"), status=values.get("status")
        ).prefetch_related("certificates")
        return list_response(self, queryset, s.LotOut, context=_out(self))

    @extend_schema(request=inputs.LotInput, responses={201: s.LotOut}, tags=["lots"])
    def post(self, request: Request) -> Response:
        """Record a harvest lot of one of the caller's cooperative's products, with its certificates. For members who
        manage lots."""
        product_id = _body(self, _ProductRef)["product"]
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        fields = _body(self, inputs.LotInput, context={"unit": product.unit})
        lot = services.lot_create(
            actor=self.actor,
            product_id=product.pk,
            details=inputs.lot_details(fields),
            certificate_ids=fields.get("certificates", []),
        )
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot.pk)
        return Response(s.LotOut(lot, context=_out(self)).data, status=status.HTTP_201_CREATED)


class _ProductRef(serializers.Serializer):
    product = IdInput(help_text="The product the lot belongs to.")


class LotDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.LOTS, "PATCH": ApiScope.LOTS}
    capabilities = {"GET": LOTS_MANAGE, "PATCH": LOTS_MANAGE}

    @extend_schema(responses=s.LotOut, tags=["lots"])
    def get(self, request: Request, lot_id: int) -> Response:
        """One harvest lot of the caller's cooperative (alliance staff: any), with its certificates. A missing one
        and one the caller may not see are the same 404."""
        return Response(detail_bodies.lot_detail_for(actor=self.actor, lot_id=lot_id))

    @extend_schema(request=inputs.LotInput, responses=s.LotOut, tags=["lots"])
    def patch(self, request: Request, lot_id: int) -> Response:
        """Change a lot of the caller's cooperative (only the fields sent). Allowed when the lot's `allowed_actions`
        include `edit`."""
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        fields = _body(self, inputs.LotInput, partial=True, context={"unit": lot.product.unit})
        services.lot_update(
            actor=self.actor,
            lot_id=lot.pk,
            details=inputs.lot_details(fields, base=LotDetails.of(lot)),
            certificate_ids=fields.get("certificates"),
        )
        return Response(s.LotOut(selectors.lot_get_for(actor=self.actor, lot_id=lot_id), context=_out(self)).data)


class LotPublishView(ActorAPIView):
    required_scopes = {"POST": ApiScope.LOTS}
    capabilities = {"POST": LOTS_PUBLISH}

    @extend_schema(request=None, responses=s.LotOut, tags=["lots"])
    def post(self, request: Request, lot_id: int) -> Response:
        """Publish a lot: on sale and traceable by its QR code. Allowed when the lot's `allowed_actions` include
        `publish`."""
        selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        services.lot_publish(actor=self.actor, lot_id=lot_id)
        return Response(s.LotOut(selectors.lot_get_for(actor=self.actor, lot_id=lot_id), context=_out(self)).data)


class LotWithdrawView(ActorAPIView):
    required_scopes = {"POST": ApiScope.LOTS}
    capabilities = {"POST": LOTS_PUBLISH}

    @extend_schema(request=inputs.ReasonInput, responses=s.LotOut, tags=["lots"])
    def post(self, request: Request, lot_id: int) -> Response:
        """Withdraw a published lot, saying why (its trace page stays, marked withdrawn). Allowed when the lot's
        `allowed_actions` include `withdraw`."""
        selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        services.lot_withdraw(actor=self.actor, lot_id=lot_id, reason=_body(self, inputs.ReasonInput)["reason"])
        return Response(s.LotOut(selectors.lot_get_for(actor=self.actor, lot_id=lot_id), context=_out(self)).data)


class LotEventListView(ActorAPIView):
    required_scopes = {"GET": ApiScope.LOTS, "POST": ApiScope.LOTS}
    capabilities = {"GET": LOTS_MANAGE, "POST": LOTS_MANAGE}

    @extend_schema(responses=s.EventOut(many=True), tags=["lots"])
    def get(self, request: Request, lot_id: int) -> Response:
        """A lot's traceability events, corrections included, for its cooperative (alliance staff: any lot). No filters;
        oldest first (when they happened); not paged."""
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        return Response(s.EventOut(selectors.lot_events(lot=lot), many=True).data)

    @extend_schema(request=inputs.EventInput, responses={201: s.EventOut}, tags=["lots"])
    def post(self, request: Request, lot_id: int) -> Response:
        """Add a traceability event to a lot (or correct an earlier one). For members who manage lots."""
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        fields = _body(self, inputs.EventInput, context={"unit": lot.product.unit})
        event = services.trace_event_add(actor=self.actor, lot_id=lot.pk, **inputs.event_values(fields))
        return Response(s.EventOut(event).data, status=status.HTTP_201_CREATED)


class LotEventFeedView(ListEndpoint, ActorAPIView):
    """The traceability events of your lots, one lot's with `?lot=`: append-only, so sync hands out each new
    event once (a correction is a new event naming the one it corrects)."""

    list_filters = (inputs.LotEventQueryInput,)
    required_scopes = {"GET": ApiScope.LOTS}
    capabilities = {"GET": LOTS_MANAGE}

    @extend_schema(
        parameters=_query_parameters(inputs.LotEventQueryInput), responses=s.EventOut(many=True), tags=["lots"]
    )
    def get(self, request: Request) -> Response:
        values = inputs.read_query(inputs.LotEventQueryInput, request.query_params)
        events = selectors.lot_events_for(actor=self.actor, lot_id=values.get("lot"))
        return list_response(self, events, s.EventOut, context=_out(self))


# --- certificates --------------------------------------------------------------------------------
class CertificateListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.CertificateQueryInput,)
    required_scopes = {"GET": ApiScope.CATALOGUE_READ, "POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": CERTIFICATES_MANAGE}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        parameters=_query_parameters(inputs.CertificateQueryInput),
        responses=s.CertificateOut(many=True),
        tags=["certificates"],
    )
    def get(self, request: Request) -> Response:
        """Quality certificates: a cooperative's own; alliance staff see every cooperative's and may narrow to one with
        `cooperative`. Filters: `status`, `kind`. Newest first, in pages (`cursor`, `page_size`); with
        `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        values = inputs.read_query(inputs.CertificateQueryInput, request.query_params)
        queryset = selectors.certificate_list_for(
            actor=self.actor,
            status=values.get("status"),
            kind=values.get("kind"),
            cooperative_id=values.get("cooperative"),
        )
        return list_response(self, queryset, s.CertificateOut, context=_out(self))

    @extend_schema(
        request={"multipart/form-data": inputs.CertificateInput},
        responses={201: s.CertificateOut},
        tags=["certificates"],
    )
    def post(self, request: Request) -> Response:
        """Add a certificate of the caller's cooperative, with its scan and the products it covers; alliance staff
        verify it before it counts. For members who manage certificates."""
        fields = _body(self, inputs.CertificateInput)
        certificate = services.certificate_create(
            actor=self.actor,
            details=inputs.certificate_details(fields),
            scan=fields.get("scan"),
            product_ids=fields.get("products", []),
        )
        return Response(s.CertificateOut(certificate, context=_out(self)).data, status=status.HTTP_201_CREATED)


class CertificateDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CATALOGUE_READ, "PATCH": ApiScope.CATALOGUE_WRITE}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=s.CertificateOut, tags=["certificates"])
    def get(self, request: Request, certificate_id: int) -> Response:
        """One certificate of the caller's cooperative (alliance staff: any). A missing one and one the caller may
        not see are the same 404."""
        certificate = selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)
        return Response(s.CertificateOut(certificate, context=_out(self)).data)

    @extend_schema(
        request={"multipart/form-data": inputs.CertificateInput}, responses=s.CertificateOut, tags=["certificates"]
    )
    def patch(self, request: Request, certificate_id: int) -> Response:
        """Change a certificate of the caller's cooperative (only the fields sent). Allowed when the certificate's
        `allowed_actions` include `edit`."""
        certificate = selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)
        fields = _body(self, inputs.CertificateInput, partial=True)
        certificate = services.certificate_update(
            actor=self.actor,
            certificate_id=certificate.pk,
            details=inputs.certificate_details(fields, base=CertificateDetails.of(certificate)),
            product_ids=fields.get("products"),
            scan=fields.get("scan"),
        )
        return Response(s.CertificateOut(certificate, context=_out(self)).data)


def _certificate_verb(view: ActorAPIView, certificate_id: int, verb: Any, **values: Any) -> Response:
    selectors.certificate_get_for(actor=view.actor, certificate_id=certificate_id)
    certificate = verb(actor=view.actor, certificate_id=certificate_id, **values)
    return Response(s.CertificateOut(certificate, context=_out(view)).data)


class CertificateSubmitView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": CERTIFICATES_MANAGE}

    @extend_schema(request=None, responses=s.CertificateOut, tags=["certificates"])
    def post(self, request: Request, certificate_id: int) -> Response:
        """Send a rejected certificate back for review, unchanged."""
        return _certificate_verb(self, certificate_id, services.certificate_submit)


class CertificateVerifyView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": CERTIFICATES_VERIFY}

    @extend_schema(request=None, responses=s.CertificateOut, tags=["certificates"])
    def post(self, request: Request, certificate_id: int) -> Response:
        """Alliance staff verify a submitted certificate: from now on it counts for the products it covers."""
        return _certificate_verb(self, certificate_id, services.certificate_verify)


class CertificateRejectView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": CERTIFICATES_VERIFY}

    @extend_schema(request=inputs.ReasonInput, responses=s.CertificateOut, tags=["certificates"])
    def post(self, request: Request, certificate_id: int) -> Response:
        """Alliance staff reject a submitted certificate, saying why."""
        reason = _body(self, inputs.ReasonInput)["reason"]
        return _certificate_verb(self, certificate_id, services.certificate_reject, reason=reason)


class CertificateRevokeView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": CERTIFICATES_VERIFY}

    @extend_schema(request=inputs.ReasonInput, responses=s.CertificateOut, tags=["certificates"])
    def post(self, request: Request, certificate_id: int) -> Response:
        """Withdraw a verified certificate; its badge goes at once."""
        reason = _body(self, inputs.ReasonInput)["reason"]
        return _certificate_verb(self, certificate_id, services.certificate_revoke, reason=reason)


class CertificateScanView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CATALOGUE_READ}

    @extend_schema(
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY) for media_type in SCAN_TYPES},
        tags=["certificates"],
        description="The scan as it was uploaded and checked: a PDF, JPEG or PNG.",
    )
    def get(self, request: Request, certificate_id: int) -> HttpResponseBase:
        certificate = selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)
        if not certificate.scan:
            raise NotFound()
        response = private_file_response(
            certificate.scan, content_type=certificate.scan_content_type, filename=f"certificate-{certificate.pk}"
        )
        response["Cache-Control"] = "private, no-store"
        return response


# --- trace ---------------------------------------------------------------------------------------
class TraceView(ActorAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return public.with_public_get(super().as_view(**initkwargs), _PUBLIC_TRACE, personal=False)

    @extend_schema(responses=s.TraceOut, tags=["trace"], auth=[])
    @one_version()
    @conditional_read(lambda view, request, public_id: _trace_versions(public_id), personal=False)
    def get(self, request: Request, public_id: str) -> Response:
        """A published (or withdrawn) lot's public trace by the id on its QR code: product, cooperative, certificates
        and events. Public."""
        return Response(detail_bodies.public_trace(public_id=public_id, actor=self.actor))


def _trace_watched(public_id: str) -> tuple[tuple[Watched, object], ...]:
    """What a trace is made of: the objects its trace page's ETag covers (frontend.views.catalog.trace), the same
    facts in the same words."""
    return ((Watched.LOT, public_id),)


def _trace_versions(public_id: str) -> tuple[object, ...]:
    return versions(*_trace_watched(public_id))


# No one is signed in on this view anyway (it has no authentication): every path answers the anonymous trace.
_PUBLIC_TRACE = public.PublicRead(
    watched=_trace_watched,
    answer=lambda request, public_id: public.json_answer(
        detail_bodies.public_trace(public_id=public_id, actor=Actor.anonymous())
    ),
    remembers=True,
)


# --- import and export ---------------------------------------------------------------------------
def import_body(batch: Any, rows: list[Any] | None) -> dict[str, Any]:
    body = {
        "id": batch.pk,
        "file_name": batch.file_name,
        "status": batch.status,
        "row_count": batch.row_count,
        "error_count": batch.error_count,
        "ignored_columns": batch.ignored_columns,
        "publish_new": batch.publish_new,
        "created_count": batch.created_count,
        "updated_count": batch.updated_count,
        "published_count": batch.published_count,
        "publish_refused": batch.publish_refused,
    }
    if rows is not None:
        body["rows"] = [r.as_dict() for r in rows]
    return body


class ImportListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": CATALOG_IMPORT}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": inputs.ImportInput},
        responses={201: s.ImportOut},
        tags=["catalogue"],
        description="Checks the file without changing any product (dry run); apply it with .../apply/.",
    )
    def post(self, request: Request) -> Response:
        fields = _body(self, inputs.ImportInput)
        upload = fields["file"]
        batch, rows = services.import_preview(
            actor=self.actor,
            upload=upload,
            file_name=upload.name,
            default_vat_category_id=fields.get("default_vat_category") or None,
            publish=fields.get("publish", False),
        )
        return Response(import_body(batch, rows), status=status.HTTP_201_CREATED)


class ImportApplyView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CATALOGUE_WRITE}
    capabilities = {"POST": CATALOG_IMPORT}

    @extend_schema(request=None, responses={200: s.ImportOut}, tags=["catalogue"])
    def post(self, request: Request, import_id: int) -> Response:
        """Apply a catalogue import checked before (its dry run): every row or none, checked again against the
        catalogue as it is now. For members who import."""
        return Response(import_body(services.import_apply(actor=self.actor, batch_id=import_id), None))


class ExportView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CATALOGUE_READ}
    capabilities = {"GET": PRODUCTS_MANAGE}

    @extend_schema(
        parameters=_query_parameters(inputs.ExportQuery),
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="`type=csv` (the default)."),
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="`type=xlsx`."),
        },
        tags=["catalogue"],
    )
    def get(self, request: Request) -> HttpResponse:
        """The caller's cooperative's catalogue as a spreadsheet file (`type`: CSV by default). For members who
        manage products."""
        values = inputs.read_query(inputs.ExportQuery, request.query_params)
        body, content_type, name = selectors.catalogue_export(
            actor=self.actor, fmt=values.get("type") or selectors.ExportType.CSV
        )
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
