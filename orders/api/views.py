"""The orders API: thin views over orders.selectors and orders.services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.errors import ValidationFailed
from market.core.http import generated_file
from market.core.pagination import CursorPagination
from market.organisations.drf import ActorAPIView
from orders import selectors, services
from orders.api import serializers as s
from orders.models import OrderStatus, RfqStatus
from orders.permissions import CART_MANAGE, ORDERS_PLACE, QUOTE_SUBMIT, RFQ_CREATE

TAGS = ["orders"]


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _paginated(view: ActorAPIView, queryset: Any, serializer_class: Any, ordering: str = "-pk") -> Response:
    paginator = CursorPagination()
    paginator.ordering = ordering
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _date_param(request: Request, name: str) -> Any:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    value = parse_date(raw)
    if value is None:
        raise ValidationFailed(fields={name: [_("Enter a date as YYYY-MM-DD.")]})
    return value


def _order_response(view: ActorAPIView, order_id: int, code: int = status.HTTP_200_OK) -> Response:
    order = selectors.order_get_for(actor=view.actor, order_id=order_id)
    return Response(s.OrderOut(order, context={"payable": selectors.payable_for(order)}).data, status=code)


# --- cart ----------------------------------------------------------------------------------------
def _cart_body(actor: Any) -> dict[str, Any]:
    groups = selectors.cart_view(actor=actor)
    return {
        "groups": [
            {
                "cooperative_id": g.cooperative.pk,
                "cooperative_name": g.cooperative.name,
                "lines": [
                    {
                        "id": r.line.pk,
                        "product_id": r.line.product_id,
                        "product_name": r.line.product.name,
                        "lot_id": r.line.lot_id,
                        "quantity": s.dec(r.line.quantity),
                        "unit": r.line.product.unit,
                        "unit_price": r.unit_price,
                        "amount": r.amount,
                        "vat_rate_percent": s.dec(r.vat_rate),
                        "problem": r.problem,
                    }
                    for r in g.rows
                ],
                "subtotal": g.subtotal,
                "vat_total": g.vat_total,
                "total": g.total,
            }
            for g in groups
        ],
        "total": sum(g.total for g in groups),
    }


class CartView(ActorAPIView):
    capabilities = {"GET": CART_MANAGE, "DELETE": CART_MANAGE}

    @extend_schema(responses=s.CartOut, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(_cart_body(self.actor))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request) -> Response:
        services.cart_clear(actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartLineListView(ActorAPIView):
    capabilities = {"POST": CART_MANAGE}

    @extend_schema(request=s.CartLineIn, responses={201: s.CartOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = _valid(s.CartLineIn, request)
        services.cart_line_set(
            actor=self.actor,
            product_id=data["product"],
            lot_id=data.get("lot"),
            quantity=data["quantity"],
            add=data.get("add", False),
        )
        return Response(_cart_body(self.actor), status=status.HTTP_201_CREATED)


class CartLineDetailView(ActorAPIView):
    capabilities = {"PATCH": CART_MANAGE, "DELETE": CART_MANAGE}

    @extend_schema(request=s.CartLineUpdateIn, responses=s.CartOut, tags=TAGS)
    def patch(self, request: Request, line_id: int) -> Response:
        data = _valid(s.CartLineUpdateIn, request)
        services.cart_line_update(actor=self.actor, line_id=line_id, quantity=data["quantity"])
        return Response(_cart_body(self.actor))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request, line_id: int) -> Response:
        services.cart_line_remove(actor=self.actor, line_id=line_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- checkouts -----------------------------------------------------------------------------------
class CheckoutListView(ActorAPIView):
    capabilities = {"POST": ORDERS_PLACE}

    @extend_schema(
        request=s.CheckoutIn,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                description="Retrying with the same key returns the same checkout (200); another body → 422.",
            )
        ],
        responses={201: s.CheckoutOut, 200: s.CheckoutOut},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.CheckoutIn, request)
        checkout, created = services.checkout_place(
            actor=self.actor, data=data, idempotency_key=request.headers.get("Idempotency-Key", "")
        )
        return Response(s.CheckoutOut(checkout).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CheckoutDetailView(ActorAPIView):
    @extend_schema(responses=s.CheckoutOut, tags=TAGS)
    def get(self, request: Request, checkout_id: int) -> Response:
        return Response(s.CheckoutOut(selectors.checkout_get_for(actor=self.actor, checkout_id=checkout_id)).data)


# --- orders --------------------------------------------------------------------------------------
class OrderListView(ActorAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=OrderStatus.values),
            OpenApiParameter("view", str, enum=["new", "to_ship", "overdue"]),
            OpenApiParameter("search", str, description="Order or PO number."),
            OpenApiParameter("cooperative", int),
            OpenApiParameter("buyer", int),
            OpenApiParameter("placed_from", OpenApiTypes.DATE),
            OpenApiParameter("placed_to", OpenApiTypes.DATE),
            OpenApiParameter("cursor", str),
        ],
        responses=s.OrderSummaryOut(many=True),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        if params.get("status") and params["status"] not in OrderStatus.values:
            raise ValidationFailed(fields={"status": [_("Unknown status.")]})

        def number(name: str) -> int | None:
            raw = params.get(name, "")
            if raw and not raw.isdigit():
                raise ValidationFailed(fields={name: [_("Enter a whole number.")]})
            return int(raw) if raw else None

        queryset = selectors.order_list_for(
            actor=self.actor,
            status=params.get("status") or None,
            view=params.get("view") or None,
            search=params.get("search") or None,
            cooperative_id=number("cooperative"),
            buyer_id=number("buyer"),
            placed_from=_date_param(request, "placed_from"),
            placed_to=_date_param(request, "placed_to"),
        )
        return _paginated(self, queryset, s.OrderSummaryOut)


class OrderDetailView(ActorAPIView):
    @extend_schema(responses=s.OrderOut, tags=TAGS)
    def get(self, request: Request, order_id: int) -> Response:
        return _order_response(self, order_id)


class OrderConfirmView(ActorAPIView):
    @extend_schema(request=s.QuantitiesIn, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        data = _valid(s.QuantitiesIn, request)
        services.order_confirm(
            actor=self.actor, order_id=order_id, quantities=data.get("quantities"), note=data["note"]
        )
        return _order_response(self, order_id)


class OrderAcceptChangesView(ActorAPIView):
    @extend_schema(request=None, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        services.order_accept_changes(actor=self.actor, order_id=order_id)
        return _order_response(self, order_id)


class OrderShipView(ActorAPIView):
    @extend_schema(request=s.ShipIn, responses={201: s.ShipmentOut}, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        data = _valid(s.ShipIn, request)
        shipment = services.shipment_create(
            actor=self.actor,
            order_id=order_id,
            quantities=data["quantities"],
            carrier=data["carrier"],
            vehicle=data["vehicle"],
            tracking_note=data["tracking_note"],
        )
        return Response(s.ShipmentOut(shipment).data, status=status.HTTP_201_CREATED)


class OrderDeliverView(ActorAPIView):
    @extend_schema(request=s.QuantitiesIn, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        data = _valid(s.QuantitiesIn, request)
        services.order_deliver(
            actor=self.actor, order_id=order_id, quantities=data.get("quantities"), note=data["note"]
        )
        return _order_response(self, order_id)


class OrderCompleteView(ActorAPIView):
    @extend_schema(request=None, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        services.order_complete(actor=self.actor, order_id=order_id)
        return _order_response(self, order_id)


class OrderCancelView(ActorAPIView):
    @extend_schema(request=s.CancelIn, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        data = _valid(s.CancelIn, request)
        services.order_cancel(actor=self.actor, order_id=order_id, reason=data["reason"])
        return _order_response(self, order_id)


class OrderReorderView(ActorAPIView):
    capabilities = {"POST": CART_MANAGE}

    @extend_schema(request=None, responses=s.ReorderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        added, problems = services.reorder_to_cart(actor=self.actor, order_id=order_id)
        return Response({"added": added, "problems": problems})


class ShipmentListView(ActorAPIView):
    @extend_schema(parameters=[OpenApiParameter("order", int)], responses=s.ShipmentOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("order", "")
        queryset = selectors.shipment_list_for(actor=self.actor, order_id=int(raw) if raw.isdigit() else None)
        return _paginated(self, queryset, s.ShipmentOut)


# --- invoices ------------------------------------------------------------------------------------
class InvoiceListView(ActorAPIView):
    @extend_schema(parameters=[OpenApiParameter("order", int)], responses=s.InvoiceOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("order", "")
        queryset = selectors.invoice_list_for(actor=self.actor, order_id=int(raw) if raw.isdigit() else None)
        return _paginated(self, queryset, s.InvoiceOut)


class InvoiceDetailView(ActorAPIView):
    @extend_schema(responses=s.InvoiceOut, tags=TAGS)
    def get(self, request: Request, invoice_id: int) -> Response:
        return Response(s.InvoiceOut(selectors.invoice_get_for(actor=self.actor, invoice_id=invoice_id)).data)


class InvoicePdfView(ActorAPIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}, tags=TAGS)
    def get(self, request: Request, invoice_id: int) -> HttpResponse:
        from orders.invoice_documents import invoice_pdf

        invoice = selectors.invoice_get_for(actor=self.actor, invoice_id=invoice_id)
        return generated_file(
            request, invoice_pdf(invoice), content_type="application/pdf", public=False,
            filename=f"{invoice.display_number}.pdf",
        )  # fmt: skip


class InvoiceExportView(ActorAPIView):
    """Invoice data for a licensed e-invoice provider: CSV (one row per line) or JSON."""

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["csv", "json"]),
            OpenApiParameter("issued_from", OpenApiTypes.DATE),
            OpenApiParameter("issued_to", OpenApiTypes.DATE),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
        },
        tags=TAGS,
    )
    def get(self, request: Request) -> HttpResponse:
        from orders.invoice_documents import export_csv, export_json

        queryset = selectors.invoice_list_for(actor=self.actor).order_by("issued_at", "id")
        start, end = _date_param(request, "issued_from"), _date_param(request, "issued_to")
        if start:
            queryset = queryset.filter(issued_at__date__gte=start)
        if end:
            queryset = queryset.filter(issued_at__date__lte=end)
        if request.query_params.get("format", "json") == "csv":
            response = HttpResponse(export_csv(queryset), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="invoices.csv"'
            return response
        return HttpResponse(export_json(queryset), content_type="application/json")


class SalesSummaryView(ActorAPIView):
    @extend_schema(parameters=[OpenApiParameter("since", OpenApiTypes.DATE)], responses=OpenApiTypes.OBJECT, tags=TAGS)
    def get(self, request: Request) -> Response:
        summary = selectors.sales_summary(actor=self.actor, since=_date_param(request, "since"))
        for row in summary["by_month"]:
            row["month"] = row["month"].date().isoformat()[:7]
        for row in summary["by_product"]:
            row["quantity"] = s.dec(row["quantity"])
        return Response(summary)


# --- quotations ----------------------------------------------------------------------------------
class RfqListView(ActorAPIView):
    capabilities = {"POST": RFQ_CREATE}

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=RfqStatus.values)], responses=s.RfqOut(many=True), tags=TAGS
    )
    def get(self, request: Request) -> Response:
        status_filter = request.query_params.get("status") or None
        return _paginated(self, selectors.rfq_list_for(actor=self.actor, status=status_filter), s.RfqOut)

    @extend_schema(request=s.RfqIn, responses={201: s.RfqOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = _valid(s.RfqIn, request)
        rfq = services.rfq_create(actor=self.actor, data=data)
        return Response(
            s.RfqOut(selectors.rfq_get_for(actor=self.actor, rfq_id=rfq.pk)).data, status=status.HTTP_201_CREATED
        )


class RfqDetailView(ActorAPIView):
    @extend_schema(responses=s.RfqOut, tags=TAGS)
    def get(self, request: Request, rfq_id: int) -> Response:
        rfq = selectors.rfq_get_for(actor=self.actor, rfq_id=rfq_id)
        body = dict(s.RfqOut(rfq).data)
        body["quotes"] = s.QuoteOut(selectors.quotes_for(actor=self.actor, rfq=rfq), many=True).data
        return Response(body)


class RfqCloseView(ActorAPIView):
    @extend_schema(request=None, responses=s.RfqOut, tags=TAGS)
    def post(self, request: Request, rfq_id: int) -> Response:
        services.rfq_close(actor=self.actor, rfq_id=rfq_id)
        return Response(s.RfqOut(selectors.rfq_get_for(actor=self.actor, rfq_id=rfq_id)).data)


class QuoteListView(ActorAPIView):
    capabilities = {"POST": QUOTE_SUBMIT}

    @extend_schema(request=s.QuoteIn, responses={201: s.QuoteOut}, tags=TAGS)
    def post(self, request: Request, rfq_id: int) -> Response:
        data = _valid(s.QuoteIn, request)
        quote = services.quote_submit(actor=self.actor, rfq_id=rfq_id, data=data)
        return Response(s.QuoteOut(quote).data, status=status.HTTP_201_CREATED)


class QuoteWithdrawView(ActorAPIView):
    @extend_schema(request=None, responses=s.QuoteOut, tags=TAGS)
    def post(self, request: Request, quote_id: int) -> Response:
        return Response(s.QuoteOut(services.quote_withdraw(actor=self.actor, quote_id=quote_id)).data)


class QuoteAcceptView(ActorAPIView):
    @extend_schema(request=s.CheckoutIn, responses={201: s.OrderOut}, tags=TAGS)
    def post(self, request: Request, quote_id: int) -> Response:
        data = _valid(s.CheckoutIn, request)
        order = services.quote_accept(actor=self.actor, quote_id=quote_id, data=data)
        return _order_response(self, order.pk, status.HTTP_201_CREATED)
