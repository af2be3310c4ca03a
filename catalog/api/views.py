"""The catalogue API: thin views over the selectors and services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors, services
from catalog.api import serializers as s
from catalog.cache import cached_with_version
from catalog.models import CertificateKind, CertificateStatus, LotStatus, ProductStatus
from catalog.permissions import (
    CATALOG_IMPORT,
    CERTIFICATES_MANAGE,
    CERTIFICATES_VERIFY,
    LOTS_MANAGE,
    LOTS_PUBLISH,
    PRODUCTS_MANAGE,
    PRODUCTS_PUBLISH,
)
from catalog.selectors.browse import SORTS
from market.core.errors import NotFound, ValidationFailed
from market.core.pagination import CursorPagination
from market.organisations.drf import ActorAPIView


def _valid(serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _paginated(view: ActorAPIView, queryset: Any, serializer_class: Any, ordering: str = "-pk") -> Response:
    paginator = CursorPagination()
    paginator.ordering = ordering
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(fields={name: [_("Enter a whole number.")]})
    return int(raw)


FILTER_PARAMETERS = [
    OpenApiParameter("search", str, description="Words to find; diacritics and case do not matter."),
    OpenApiParameter("category", str, description="Category id or slug (includes sub-categories)."),
    OpenApiParameter("province", int, description="Province code of origin."),
    OpenApiParameter("certificate", str, enum=CertificateKind.values),
    OpenApiParameter("ocop_min", int, enum=[3, 4, 5]),
    OpenApiParameter("price_min", int, description="Lowest unit price at least this (đồng)."),
    OpenApiParameter("price_max", int, description="Lowest unit price at most this (đồng)."),
    OpenApiParameter("moq_max", str, description="Minimum order at most this quantity."),
    OpenApiParameter("in_stock", bool),
    OpenApiParameter("cooperative", int),
]


# --- reference -----------------------------------------------------------------------------------
class CategoryListView(ActorAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=s.CategoryOut(many=True), tags=["catalogue"])
    def get(self, request: Request) -> Response:
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

    capabilities = {"POST": PRODUCTS_MANAGE}

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return []
        return super().get_permissions()

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("sort", str, enum=list(SORTS)),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int, description="1–100, default 24."),
        ],
        responses=s.ProductPageOut,
        tags=["catalogue"],
        auth=[],
        operation_id="products_list",
    )
    def get(self, request: Request) -> HttpResponse:
        """Public and the same for everyone: the rendered page is cached per query, language, day and
        catalogue version (every catalogue write bumps it), for CATALOG_LIST_CACHE_SECONDS at most."""
        seconds = settings.CATALOG_LIST_CACHE_SECONDS
        if seconds <= 0:
            return Response(self._page(request))
        body, hit = cached_with_version(
            "product-list",
            {"path": request.get_full_path(), "language": get_language(), "host": request.get_host()},
            lambda: JSONRenderer().render(self._page(request)),
            timeout=seconds,
        )
        response = HttpResponse(body, content_type="application/json")
        response["X-Cache"] = "hit" if hit else "miss"
        return response

    def _page(self, request: Request) -> dict[str, Any]:
        query = selectors.ProductQuery.from_params(request.query_params)
        page_size = _int_param(request, "page_size") or selectors.browse.DEFAULT_PAGE_SIZE
        page = selectors.product_page(
            query=query, cursor=request.query_params.get("cursor") or None, page_size=page_size
        )
        categories = {n.id: n for n in selectors.category_tree()}
        next_url = None
        if page.next_cursor:
            params = {**query.as_params(), "cursor": page.next_cursor}
            if page_size != selectors.browse.DEFAULT_PAGE_SIZE:
                params["page_size"] = page_size
            next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
        results = [s.product_card(p, page.badges.get(p.pk, []), categories) for p in page.products]
        return {"next": next_url, "sort": page.sort, "results": results}

    @extend_schema(request=s.ProductIn, responses={201: s.ProductDetailOut}, tags=["catalogue"])
    def post(self, request: Request) -> Response:
        data = _valid(s.ProductIn, request)
        tiers = data.pop("price_tiers", None)
        product = services.product_create(actor=self.actor, data=data, tiers=tiers)
        product = selectors.product_get_for(actor=self.actor, product_id=product.pk)
        return Response(s.ProductDetailOut(product).data, status=status.HTTP_201_CREATED)


class ProductFacetsView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=FILTER_PARAMETERS, responses=s.FacetsOut, tags=["catalogue"], auth=[])
    def get(self, request: Request) -> Response:
        facets = selectors.product_facets(query=selectors.ProductQuery.from_params(request.query_params))
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


class MyProductListView(ActorAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ProductStatus.values), OpenApiParameter("search", str)],
        responses=s.ProductDetailOut(many=True),
        tags=["catalogue"],
    )
    def get(self, request: Request) -> Response:
        queryset = (
            selectors.product_list_for(
                actor=self.actor, status=request.query_params.get("status"), search=request.query_params.get("search")
            )
            .select_related("vat_category", "category__parent")
            .prefetch_related("images")
        )
        return _paginated(self, queryset, s.ProductDetailOut)


class ProductDetailView(ActorAPIView):
    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return []
        return super().get_permissions()

    @extend_schema(responses=s.ProductDetailOut, tags=["catalogue"])
    def get(self, request: Request, product_id: int) -> Response:
        return Response(s.ProductDetailOut(selectors.product_visible_get(actor=self.actor, product_id=product_id)).data)

    @extend_schema(request=s.ProductIn, responses=s.ProductDetailOut, tags=["catalogue"])
    def patch(self, request: Request, product_id: int) -> Response:
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        data = _valid(s.ProductIn, request, partial=True)
        tiers = data.pop("price_tiers", None)
        services.product_update(actor=self.actor, product=product, data=data, tiers=tiers)
        return Response(s.ProductDetailOut(selectors.product_get_for(actor=self.actor, product_id=product_id)).data)


class ProductPublishView(ActorAPIView):
    capabilities = {"POST": PRODUCTS_PUBLISH}

    @extend_schema(request=None, responses=s.ProductDetailOut, tags=["catalogue"])
    def post(self, request: Request, product_id: int) -> Response:
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        services.product_publish(actor=self.actor, product=product)
        return Response(s.ProductDetailOut(selectors.product_get_for(actor=self.actor, product_id=product_id)).data)


class ProductDelistView(ActorAPIView):
    capabilities = {"POST": PRODUCTS_PUBLISH}

    @extend_schema(request=None, responses=s.ProductDetailOut, tags=["catalogue"])
    def post(self, request: Request, product_id: int) -> Response:
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        services.product_delist(actor=self.actor, product=product)
        return Response(s.ProductDetailOut(selectors.product_get_for(actor=self.actor, product_id=product_id)).data)


class PriceTierView(ActorAPIView):
    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return []
        return super().get_permissions()

    @extend_schema(responses=s.TierOut(many=True), tags=["catalogue"])
    def get(self, request: Request, product_id: int) -> Response:
        product = selectors.product_visible_get(actor=self.actor, product_id=product_id)
        return Response(s.tiers_list(selectors.price_tiers_for(product=product)))

    @extend_schema(request=s.TiersIn, responses=s.TierOut(many=True), tags=["catalogue"])
    def put(self, request: Request, product_id: int) -> Response:
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        tiers = _valid(s.TiersIn, request)["price_tiers"]
        return Response(s.tiers_list(services.product_price_tiers_set(actor=self.actor, product=product, tiers=tiers)))


class PriceQuoteView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("quantity", str, required=True)], responses=s.PriceQuoteOut, tags=["catalogue"]
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = selectors.product_visible_get(actor=self.actor, product_id=product_id)
        quote = selectors.price_for_quantity(product=product, quantity=request.query_params.get("quantity", ""))
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
    capabilities = {"POST": PRODUCTS_MANAGE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": s.ImageIn}, responses={201: s.ImageOut}, tags=["catalogue"])
    def post(self, request: Request, product_id: int) -> Response:
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        upload = request.FILES.get("image")
        if upload is None:
            raise ValidationFailed(fields={"image": [_("Attach a photo in the 'image' field.")]})
        image = services.product_image_add(
            actor=self.actor, product=product, upload=upload, alt_text=request.data.get("alt_text", "")
        )
        return Response(s.ImageOut(image).data, status=status.HTTP_201_CREATED)


class ProductImageDetailView(ActorAPIView):
    capabilities = {"DELETE": PRODUCTS_MANAGE}

    @extend_schema(responses={204: None}, tags=["catalogue"])
    def delete(self, request: Request, product_id: int, image_id: int) -> Response:
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        image = product.images.filter(pk=image_id).first()
        if image is None:
            raise NotFound()
        services.product_image_remove(actor=self.actor, image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- lots ----------------------------------------------------------------------------------------
class LotListView(ActorAPIView):
    capabilities = {"GET": LOTS_MANAGE, "POST": LOTS_MANAGE}

    @extend_schema(
        parameters=[OpenApiParameter("product", int), OpenApiParameter("status", str, enum=LotStatus.values)],
        responses=s.LotOut(many=True),
        tags=["lots"],
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.lot_list_for(
            actor=self.actor, product_id=_int_param(request, "product"), status=request.query_params.get("status")
        ).prefetch_related("certificates")
        return _paginated(self, queryset, s.LotOut)

    @extend_schema(request=s.LotIn, responses={201: s.LotOut}, tags=["lots"])
    def post(self, request: Request) -> Response:
        data = _valid(s.LotIn, request)
        product_id = data.pop("product", None)
        if not product_id:
            raise ValidationFailed(fields={"product": [_("Choose the product this lot belongs to.")]})
        product = selectors.product_get_for(actor=self.actor, product_id=product_id)
        certificate_ids = data.pop("certificates", [])
        lot = services.lot_create(actor=self.actor, product=product, data=data, certificate_ids=certificate_ids)
        return Response(s.LotOut(lot).data, status=status.HTTP_201_CREATED)


class LotDetailView(ActorAPIView):
    capabilities = {"GET": LOTS_MANAGE, "PATCH": LOTS_MANAGE}

    @extend_schema(responses=s.LotOut, tags=["lots"])
    def get(self, request: Request, lot_id: int) -> Response:
        return Response(s.LotOut(selectors.lot_get_for(actor=self.actor, lot_id=lot_id)).data)

    @extend_schema(request=s.LotIn, responses=s.LotOut, tags=["lots"])
    def patch(self, request: Request, lot_id: int) -> Response:
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        data = _valid(s.LotIn, request, partial=True)
        data.pop("product", None)
        certificate_ids = data.pop("certificates", None)
        lot = services.lot_update(actor=self.actor, lot=lot, data=data, certificate_ids=certificate_ids)
        return Response(s.LotOut(selectors.lot_get_for(actor=self.actor, lot_id=lot.pk)).data)


class LotPublishView(ActorAPIView):
    capabilities = {"POST": LOTS_PUBLISH}

    @extend_schema(request=None, responses=s.LotOut, tags=["lots"])
    def post(self, request: Request, lot_id: int) -> Response:
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        services.lot_publish(actor=self.actor, lot=lot)
        return Response(s.LotOut(selectors.lot_get_for(actor=self.actor, lot_id=lot_id)).data)


class LotWithdrawView(ActorAPIView):
    capabilities = {"POST": LOTS_PUBLISH}

    @extend_schema(request=s.ReasonIn, responses=s.LotOut, tags=["lots"])
    def post(self, request: Request, lot_id: int) -> Response:
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        services.lot_withdraw(actor=self.actor, lot=lot, reason=_valid(s.ReasonIn, request)["reason"])
        return Response(s.LotOut(selectors.lot_get_for(actor=self.actor, lot_id=lot_id)).data)


class LotEventListView(ActorAPIView):
    capabilities = {"GET": LOTS_MANAGE, "POST": LOTS_MANAGE}

    @extend_schema(responses=s.EventOut(many=True), tags=["lots"])
    def get(self, request: Request, lot_id: int) -> Response:
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        return Response(s.EventOut(selectors.lot_events(lot=lot), many=True).data)

    @extend_schema(request=s.EventIn, responses={201: s.EventOut}, tags=["lots"])
    def post(self, request: Request, lot_id: int) -> Response:
        lot = selectors.lot_get_for(actor=self.actor, lot_id=lot_id)
        event = services.trace_event_add(actor=self.actor, lot=lot, data=_valid(s.EventIn, request))
        return Response(s.EventOut(event).data, status=status.HTTP_201_CREATED)


# --- certificates --------------------------------------------------------------------------------
class CertificateListView(ActorAPIView):
    capabilities = {"POST": CERTIFICATES_MANAGE}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=CertificateStatus.values),
            OpenApiParameter("kind", str, enum=CertificateKind.values),
            OpenApiParameter("cooperative", int, description="Alliance staff only."),
        ],
        responses=s.CertificateOut(many=True),
        tags=["certificates"],
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.certificate_list_for(
            actor=self.actor,
            status=request.query_params.get("status"),
            kind=request.query_params.get("kind"),
            cooperative_id=_int_param(request, "cooperative"),
        )
        return _paginated(self, queryset, s.CertificateOut)

    @extend_schema(
        request={"multipart/form-data": s.CertificateIn}, responses={201: s.CertificateOut}, tags=["certificates"]
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.CertificateIn, request)
        scan = data.pop("scan", None)
        product_ids = data.pop("products", [])
        certificate = services.certificate_create(actor=self.actor, data=data, scan=scan, product_ids=product_ids)
        return Response(s.CertificateOut(certificate).data, status=status.HTTP_201_CREATED)


class CertificateDetailView(ActorAPIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=s.CertificateOut, tags=["certificates"])
    def get(self, request: Request, certificate_id: int) -> Response:
        return Response(
            s.CertificateOut(selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)).data
        )

    @extend_schema(request={"multipart/form-data": s.CertificateIn}, responses=s.CertificateOut, tags=["certificates"])
    def patch(self, request: Request, certificate_id: int) -> Response:
        certificate = selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)
        data = _valid(s.CertificateIn, request, partial=True)
        scan = data.pop("scan", None)
        product_ids = data.pop("products", None)
        certificate = services.certificate_update(
            actor=self.actor, certificate=certificate, data=data, product_ids=product_ids, scan=scan
        )
        return Response(s.CertificateOut(certificate).data)


class CertificateVerifyView(ActorAPIView):
    capabilities = {"POST": CERTIFICATES_VERIFY}

    @extend_schema(request=None, responses=s.CertificateOut, tags=["certificates"])
    def post(self, request: Request, certificate_id: int) -> Response:
        certificate = selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)
        return Response(s.CertificateOut(services.certificate_verify(actor=self.actor, certificate=certificate)).data)


class CertificateRejectView(ActorAPIView):
    capabilities = {"POST": CERTIFICATES_VERIFY}

    @extend_schema(request=s.ReasonIn, responses=s.CertificateOut, tags=["certificates"])
    def post(self, request: Request, certificate_id: int) -> Response:
        certificate = selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)
        reason = _valid(s.ReasonIn, request)["reason"]
        return Response(
            s.CertificateOut(services.certificate_reject(actor=self.actor, certificate=certificate, reason=reason)).data
        )


class CertificateScanView(ActorAPIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, tags=["certificates"])
    def get(self, request: Request, certificate_id: int) -> HttpResponse:
        certificate = selectors.certificate_get_for(actor=self.actor, certificate_id=certificate_id)
        if not certificate.scan:
            raise NotFound()
        response = FileResponse(certificate.scan.open("rb"), content_type=certificate.scan_content_type)
        response["Content-Disposition"] = f'inline; filename="certificate-{certificate.pk}"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- trace ---------------------------------------------------------------------------------------
def trace_payload(view: selectors.TraceView) -> dict[str, Any]:
    lot, product = view.lot, view.product
    certificates = []
    for item in view.certificates:
        data = dict(s.CertificateBriefOut(item.certificate).data)
        data.update(in_force_now=item.in_force_now, in_force_at_harvest=item.in_force_at_harvest)
        certificates.append(data)
    return {
        "lot": {
            "code": lot.code,
            "status": lot.status,
            "harvest_date": lot.harvest_date.isoformat(),
            "expiry_date": lot.expiry_date.isoformat() if lot.expiry_date else None,
            "quantity_produced": s.dec(lot.quantity_produced),
            "unit": product.unit,
            "origin": lot.origin_display,
            "plot": lot.plot,
            "origin_province": s.unit_dict(lot.origin_province_code, "province"),
            "origin_commune": s.unit_dict(lot.origin_commune_code, "commune"),
        },
        "product": {"id": product.pk, "name": product.name, "gtin": product.gtin, "category": product.category.name},
        "cooperative": {
            "id": product.cooperative_id,
            "name": product.cooperative.name,
            "province": product.cooperative.province_name,
        },
        "qr_url": view.qr_url,
        "withdrawn": view.withdrawn,
        "expired": view.expired,
        "badges": s.badges_list(view.badges),
        "certificates": certificates,
        "one_step_back": s.EventOut(view.back, many=True).data,
        "at_the_cooperative": s.EventOut(view.internal, many=True).data,
        "one_step_forward": s.EventOut(view.forward, many=True).data,
    }


class TraceView(ActorAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=s.TraceOut, tags=["trace"], auth=[])
    def get(self, request: Request, public_id: str) -> Response:
        lot = selectors.lot_public_get(public_id=public_id)
        return Response(trace_payload(selectors.trace_view(lot=lot)))


# --- import and export ---------------------------------------------------------------------------
def _import_body(batch: Any, rows: list[Any] | None) -> dict[str, Any]:
    body = {
        "id": batch.pk,
        "file_name": batch.file_name,
        "status": batch.status,
        "row_count": batch.row_count,
        "error_count": batch.error_count,
        "created_count": batch.created_count,
        "updated_count": batch.updated_count,
    }
    if rows is not None:
        body["rows"] = [r.as_dict() for r in rows]
    return body


class ImportListView(ActorAPIView):
    capabilities = {"POST": CATALOG_IMPORT}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.ImportIn},
        responses={201: s.ImportOut},
        tags=["catalogue"],
        description="Checks the file without changing any product (dry run); apply it with .../apply/.",
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(fields={"file": [_("Attach a CSV or XLSX file in the 'file' field.")]})
        batch, rows = services.import_preview(actor=self.actor, upload=upload, file_name=upload.name)
        return Response(_import_body(batch, rows), status=status.HTTP_201_CREATED)


class ImportApplyView(ActorAPIView):
    capabilities = {"POST": CATALOG_IMPORT}

    @extend_schema(request=None, responses={200: s.ImportOut}, tags=["catalogue"])
    def post(self, request: Request, import_id: int) -> Response:
        from catalog.models import ImportBatch

        batch = ImportBatch.objects.filter(pk=import_id, cooperative_id=self.actor.organisation_id).first()
        if batch is None:
            raise NotFound()
        return Response(_import_body(services.import_apply(actor=self.actor, batch=batch), None))


class ExportView(ActorAPIView):
    capabilities = {"GET": PRODUCTS_MANAGE}

    @extend_schema(
        parameters=[OpenApiParameter("type", str, enum=["csv", "xlsx"], description="Spreadsheet type (csv).")],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["catalogue"],
    )
    def get(self, request: Request) -> HttpResponse:
        fmt = request.query_params.get("type", "csv")
        body, content_type, name = selectors.catalogue_export(actor=self.actor, fmt=fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
