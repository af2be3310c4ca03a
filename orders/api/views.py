"""The orders API: thin views over orders.selectors and orders.services. Bodies and query parameters are read
by the schemas of orders/inputs.py (JSON canonically, form-encoded bodies as a person types); detail
resources carry `allowed_actions` from orders/policy.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.http import generated_file
from market.core.inputs import InputMode, input_mode, read_input
from market.core.listing import ListEndpoint, list_response
from market.core.schema import idempotency_key_header
from market.organisations.drf import ActorAPIView
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from orders import inputs, selectors, services
from orders.api import serializers as s
from orders.models import Checkout, Order
from orders.permissions import CART_MANAGE, ORDERS_PLACE, QUOTE_SUBMIT, RFQ_CREATE
from orders.policy import checkout_actions, order_actions

TAGS = ["orders"]


def _body(view: ActorAPIView, schema: type[serializers.Serializer], **context: Any) -> dict[str, Any]:
    request = view.request
    return read_input(schema, request.data, mode=input_mode(request), context=context)


def _query(view: ActorAPIView, schema: type[serializers.Serializer]) -> dict[str, Any]:
    """Query parameters are text a person or a program typed: read like a form, the same as the pages."""
    return read_input(schema, view.request.query_params, mode=InputMode.FORM)


def order_body(actor: Actor, order: Order) -> Any:
    balance = selectors.order_balance(order=order, payable=selectors.payable_for(order))
    actions = order_actions(actor=actor, balance=balance)
    return s.OrderOut(order, context={"balance": balance, "actions": actions}).data


def _order_response(view: ActorAPIView, order_id: int, code: int = status.HTTP_200_OK) -> Response:
    order = selectors.order_get_for(actor=view.actor, order_id=order_id)
    return Response(order_body(view.actor, order), status=code)


def _line_units(view: ActorAPIView, order_id: int) -> dict[int, str]:
    """Each line's unit, so that a quantity typed in a form-encoded body reads in it."""
    return selectors.order_line_units(actor=view.actor, order_id=order_id)


# --- cart ----------------------------------------------------------------------------------------
def _cart_body(actor: Actor) -> dict[str, Any]:
    return cart_body(actor, selectors.cart_view(actor=actor))


def cart_body(actor: Actor, cart: selectors.CartView) -> dict[str, Any]:
    """The cart's answer (`s.CartOut`), built by hand: every cart add answers the whole cart."""
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
                        "vat_exempt": r.vat_exempt,
                        "problem": r.problem,
                    }
                    for r in g.rows
                ],
                "subtotal": g.subtotal,
                "vat_total": g.vat_total,
                "total": g.total,
            }
            for g in cart.groups
        ],
        "total": cart.total,
        "allowed_actions": sorted(checkout_actions(actor=actor, cart=cart.state)),
    }


class CartView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORDERS_PLACE, "DELETE": ApiScope.ORDERS_PLACE}
    capabilities = {"GET": CART_MANAGE, "DELETE": CART_MANAGE}

    @extend_schema(responses=s.CartOut, tags=TAGS)
    def get(self, request: Request) -> Response:
        """The caller's organisation's cart: its lines grouped by cooperative, priced as they are now. For buyer
        members who place orders."""
        return Response(_cart_body(self.actor))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request) -> Response:
        """Empty the caller's organisation's cart. For buyer members who place orders."""
        services.cart_clear(actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartLineListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_PLACE}
    capabilities = {"POST": CART_MANAGE}

    @extend_schema(request=inputs.CartLineInput, responses={201: s.CartOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Put a product (or one of its lots) in the cart: `add` adds to a line already there, otherwise the quantity
        replaces it. Answers the whole cart. For buyer members who place orders."""
        data = inputs.read_cart_line(request.data, input_mode(request))
        lines = services.cart_line_set(
            actor=self.actor,
            product_id=data["product"],
            lot_id=data.get("lot"),
            quantity=data["quantity"],
            add=data["add"],
        )
        return Response(cart_body(self.actor, selectors.cart_view_of(lines)), status=status.HTTP_201_CREATED)


class CartLineDetailView(ActorAPIView):
    required_scopes = {"PATCH": ApiScope.ORDERS_PLACE, "DELETE": ApiScope.ORDERS_PLACE}
    capabilities = {"PATCH": CART_MANAGE, "DELETE": CART_MANAGE}

    @extend_schema(request=inputs.CartQuantityInput, responses=s.CartOut, tags=TAGS)
    def patch(self, request: Request, line_id: int) -> Response:
        """Change a cart line's quantity (in the product's unit, typed as a person types it in a form post). Answers
        the whole cart."""
        unit = selectors.cart_line_unit(actor=self.actor, line_id=line_id)
        data = _body(self, inputs.CartQuantityInput, unit=unit)
        services.cart_line_update(actor=self.actor, line_id=line_id, quantity=data["quantity"])
        return Response(_cart_body(self.actor))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request, line_id: int) -> Response:
        """Remove one line from the caller's organisation's cart."""
        services.cart_line_remove(actor=self.actor, line_id=line_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- checkouts -----------------------------------------------------------------------------------
_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()


def _when(field: serializers.Field, value: Any) -> Any:
    return None if value is None else field.to_representation(value)


def checkout_body(checkout: Checkout) -> dict[str, Any]:
    """A checkout's answer (`s.CheckoutOut`, which stays its definition and schema), built by hand: the
    serializers' fields, copied for every answer, were a tenth of a checkout's CPU outside the placement.
    Dates are written by DRF's own fields."""
    placed = checkout.placed_orders
    orders = (
        checkout.orders.select_related("buyer", "cooperative").order_by("cooperative_id")
        if placed is None
        else sorted(placed, key=lambda order: order.cooperative_id)
    )
    return {
        "id": checkout.pk,
        "number": checkout.number,
        "buyer_id": checkout.buyer_id,
        "total": checkout.total,
        "delivery_address": checkout.delivery_address,
        "delivery_from": _when(_DATE, checkout.delivery_from),
        "delivery_to": _when(_DATE, checkout.delivery_to),
        "po_number": checkout.po_number,
        "invoice_tax_code": checkout.invoice_tax_code,
        "invoice_legal_name": checkout.invoice_legal_name,
        "invoice_address": checkout.invoice_address,
        "invoice_email": checkout.invoice_email,
        "created_at": _when(_DATETIME, checkout.created_at),
        "orders": [
            {
                "id": order.pk,
                "number": order.number,
                "checkout_id": order.checkout_id,
                "buyer_id": order.buyer_id,
                "buyer_name": order.buyer.name,
                "cooperative_id": order.cooperative_id,
                "cooperative_name": order.cooperative.name,
                "status": order.status,
                "payment_status": order.payment_status,
                "subtotal": order.subtotal,
                "vat_total": order.vat_total,
                "total": order.total,
                "placed_total": order.placed_total,
                "payment_due_at": _when(_DATETIME, order.payment_due_at),
                "ship_by": _when(_DATE, order.ship_by),
                "created_at": _when(_DATETIME, order.created_at),
                "source": order.source,
            }
            for order in orders
        ],
    }


class CheckoutListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_PLACE}
    capabilities = {"POST": ORDERS_PLACE}

    @extend_schema(
        request=inputs.CheckoutInput,
        parameters=[
            idempotency_key_header("Retrying with the same key returns the same checkout (200); another body → 422.")
        ],
        responses={201: s.CheckoutOut, 200: s.CheckoutOut},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        """Place the buyer's cart as one checkout: one order per cooperative, stock reserved, payment opened."""
        details = inputs.checkout_details(_body(self, inputs.CheckoutInput))
        checkout, created = services.checkout_place(
            actor=self.actor, details=details, idempotency_key=request.headers.get("Idempotency-Key", "")
        )
        return Response(checkout_body(checkout), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CheckoutDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(responses=s.CheckoutOut, tags=TAGS)
    def get(self, request: Request, checkout_id: int) -> Response:
        """One checkout of the buyer's, with its orders and what is due."""
        return Response(s.CheckoutOut(selectors.checkout_get_for(actor=self.actor, checkout_id=checkout_id)).data)


# --- orders --------------------------------------------------------------------------------------
class OrderListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.OrderFilterInput,)
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(
        parameters=[inputs.OrderFilterInput],
        responses=s.OrderSummaryOut(many=True),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """Orders the caller may see: a buyer's own, those a cooperative received; alliance staff all. Filters:
        `status`, `view`, `search`, `cooperative`, `buyer`, `placed_from`, `placed_to`. Newest first, in pages
        (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest change first
        (docs/api-sync.md)."""
        return list_response(
            self,
            selectors.orders_filtered(actor=self.actor, fields=_query(self, inputs.OrderFilterInput)),
            s.OrderSummaryOut,
            context={},
        )


class OrderDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(responses=s.OrderOut, tags=TAGS)
    def get(self, request: Request, order_id: int) -> Response:
        """One order, as its buyer or its cooperative sees it, with its lines, shipments and allowed actions."""
        return _order_response(self, order_id)


class OrderConfirmView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_FULFIL}

    @extend_schema(request=inputs.ConfirmInput, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        """The cooperative confirms an order, with the quantities it can supply when they differ, and a note. Allowed
        when the order's `allowed_actions` include `confirm`."""
        data = _body(self, inputs.ConfirmInput, line_units=_line_units(self, order_id))
        services.order_confirm(
            actor=self.actor, order_id=order_id, quantities=data.get("quantities"), note=data.get("note", "")
        )
        return _order_response(self, order_id)


class OrderAcceptChangesView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_PLACE}

    @extend_schema(request=None, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        """The buyer accepts the quantities the cooperative confirmed when they differ from the order. Allowed when
        the order's `allowed_actions` include `accept_changes`."""
        services.order_accept_changes(actor=self.actor, order_id=order_id)
        return _order_response(self, order_id)


class OrderShipView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_FULFIL}

    @extend_schema(request=inputs.ShipInput, responses={201: s.ShipmentOut}, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        """The cooperative records a shipment of the order's lines (all or part). Allowed when the order's
        `allowed_actions` include `ship`."""
        data = _body(self, inputs.ShipInput, line_units=_line_units(self, order_id))
        shipment = services.shipment_create(actor=self.actor, order_id=order_id, **data)
        return Response(s.ShipmentOut(shipment).data, status=status.HTTP_201_CREATED)


class OrderDeliverView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_FULFIL}

    @extend_schema(request=inputs.DeliverInput, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        """Record the order as delivered, with the quantities received when they differ, and a note. Allowed when the
        order's `allowed_actions` include `deliver`."""
        data = _body(self, inputs.DeliverInput, line_units=_line_units(self, order_id))
        services.order_deliver(
            actor=self.actor, order_id=order_id, quantities=data.get("quantities"), note=data.get("note", "")
        )
        return _order_response(self, order_id)


class OrderCompleteView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_PLACE}

    @extend_schema(request=None, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        """The buyer marks a delivered order complete. Allowed when the order's `allowed_actions` include `complete`."""
        services.order_complete(actor=self.actor, order_id=order_id)
        return _order_response(self, order_id)


class OrderCancelView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_PLACE}

    @extend_schema(request=inputs.CancelInput, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        """Cancel an order, saying why. Allowed when the order's `allowed_actions` include `cancel`."""
        data = _body(self, inputs.CancelInput)
        services.order_cancel(actor=self.actor, order_id=order_id, reason=data.get("reason", ""))
        return _order_response(self, order_id)


class OrderBalanceRefundView(ActorAPIView):
    """Give back what was paid beyond the order's amount, the way it was paid."""

    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}

    @extend_schema(request=inputs.BalanceRefundInput, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        data = _body(self, inputs.BalanceRefundInput)
        services.order_balance_refund(actor=self.actor, order_id=order_id, **data)
        return _order_response(self, order_id)


class OrderBalanceCreditView(ActorAPIView):
    """Keep what was paid beyond the order's amount as credit for the buyer's next order."""

    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}

    @extend_schema(request=inputs.BalanceCreditInput, responses=s.OrderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        data = _body(self, inputs.BalanceCreditInput)
        services.order_balance_credit(actor=self.actor, order_id=order_id, **data)
        return _order_response(self, order_id)


class OrderReorderView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORDERS_PLACE}
    capabilities = {"POST": CART_MANAGE}

    @extend_schema(request=None, responses=s.ReorderOut, tags=TAGS)
    def post(self, request: Request, order_id: int) -> Response:
        """Put an earlier order's products back in the caller's cart; answers what was added and what could not be."""
        added, problems = services.reorder_to_cart(actor=self.actor, order_id=order_id)
        return Response({"added": added, "problems": problems})


class ShipmentListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.ShipmentFilterInput,)
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(parameters=[inputs.ShipmentFilterInput], responses=s.ShipmentOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        """Shipments of the orders the caller may see (a buyer's own, a cooperative's received; alliance staff all).
        Filter: `order`. Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since
        then, oldest change first (docs/api-sync.md)."""
        fields = _query(self, inputs.ShipmentFilterInput)
        return list_response(
            self,
            selectors.shipment_list_for(actor=self.actor, order_id=fields.get("order")),
            s.ShipmentOut,
            context={},
        )


# --- invoices ------------------------------------------------------------------------------------
class InvoiceListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.InvoiceFilterInput,)
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(parameters=[inputs.InvoiceFilterInput], responses=s.InvoiceOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        """Invoices of the orders the caller may see (a buyer's own, a cooperative's received; alliance staff all).
        Filters: `order`, `issued_from`, `issued_to` (issue dates, inclusive). Newest first, in pages (`cursor`,
        `page_size`); with `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        return list_response(
            self,
            selectors.invoices_filtered(actor=self.actor, fields=_query(self, inputs.InvoiceFilterInput)),
            s.InvoiceOut,
            context={},
        )


class InvoiceDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(responses=s.InvoiceOut, tags=TAGS)
    def get(self, request: Request, invoice_id: int) -> Response:
        """One invoice of an order the caller may see (a buyer's own, a cooperative's received; alliance staff any).
        A missing one and one the caller may not see are the same 404."""
        return Response(s.InvoiceOut(selectors.invoice_get_for(actor=self.actor, invoice_id=invoice_id)).data)


class InvoicePdfView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}, tags=TAGS)
    def get(self, request: Request, invoice_id: int) -> HttpResponse:
        """One invoice as a PDF, for whoever may read the invoice (see the invoice). A missing one and one the caller
        may not see are the same 404."""
        from orders.invoice_documents import invoice_pdf

        invoice = selectors.invoice_get_for(actor=self.actor, invoice_id=invoice_id)
        return generated_file(
            request, invoice_pdf(invoice), content_type="application/pdf", public=False,
            filename=f"{invoice.display_number}.pdf",
        )  # fmt: skip


class InvoiceExportView(ActorAPIView):
    """Invoice data for a licensed e-invoice provider: CSV (one row per line) or JSON."""

    required_scopes = {"GET": ApiScope.ORDERS_READ}

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ?format= chooses the export's own format (InvoiceExportInput), not one of DRF's renderers.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=[inputs.InvoiceExportInput],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
        },
        tags=TAGS,
    )
    def get(self, request: Request) -> HttpResponse:
        from orders.invoice_documents import export_csv, export_json

        fields = _query(self, inputs.InvoiceExportInput)
        queryset = selectors.invoices_filtered(actor=self.actor, fields=fields).order_by("issued_at", "id")
        if fields["format"] == inputs.ExportFormat.CSV:
            response = HttpResponse(export_csv(queryset), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="invoices.csv"'
            return response
        return HttpResponse(export_json(queryset), content_type="application/json")


class SalesSummaryView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORDERS_READ}

    @extend_schema(parameters=[inputs.SalesFilterInput], responses=OpenApiTypes.OBJECT, tags=TAGS)
    def get(self, request: Request) -> Response:
        """The caller's sales (orders confirmed onwards, before VAT) by month, by buyer and by product. Filter:
        `since` (orders placed from that date)."""
        fields = _query(self, inputs.SalesFilterInput)
        summary = selectors.sales_summary(actor=self.actor, since=fields.get("since"))
        return Response(
            {
                "by_month": [{**row, "month": row["month"].date().isoformat()[:7]} for row in summary["by_month"]],
                "by_buyer": summary["by_buyer"],
                "by_product": [{**row, "quantity": s.dec(row["quantity"])} for row in summary["by_product"]],
            }
        )


# --- quotations ----------------------------------------------------------------------------------
def rfq_detail_body(actor: Actor, rfq_id: int) -> Any:
    rfq = selectors.rfq_get_for(actor=actor, rfq_id=rfq_id)
    quotes = selectors.quotes_for(actor=actor, rfq=rfq)
    return s.RfqDetailOut(rfq, context={"actor": actor, "quotes": quotes}).data


class RfqListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.RfqFilterInput,)
    required_scopes = {"GET": ApiScope.RFQS, "POST": ApiScope.RFQS}
    capabilities = {"POST": RFQ_CREATE}

    @extend_schema(parameters=[inputs.RfqFilterInput], responses=s.RfqOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        """Requests for quotation: a buyer's own; for a cooperative, the open ones it may quote on and those it quoted;
        alliance staff all. Filter: `status`. Newest first, in pages (`cursor`, `page_size`); with `updated_since`,
        the rows changed since then, oldest change first (docs/api-sync.md)."""
        fields = _query(self, inputs.RfqFilterInput)
        return list_response(
            self, selectors.rfq_list_for(actor=self.actor, status=fields.get("status")), s.RfqOut, context={}
        )

    @extend_schema(request=inputs.RfqInput, responses={201: s.RfqDetailOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """A buyer asks cooperatives for quotes on what it wants to buy. For members who create requests."""
        rfq = services.rfq_create(actor=self.actor, request=inputs.rfq_request(_body(self, inputs.RfqInput)))
        return Response(rfq_detail_body(self.actor, rfq.pk), status=status.HTTP_201_CREATED)


class RfqDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.RFQS}

    @extend_schema(responses=s.RfqDetailOut, tags=TAGS)
    def get(self, request: Request, rfq_id: int) -> Response:
        """One request for quotation with its quotes: for the buyer who made it, cooperatives that may quote on it or
        did, and alliance staff. A missing one and one the caller may not see are the same 404."""
        return Response(rfq_detail_body(self.actor, rfq_id))


class RfqCloseView(ActorAPIView):
    required_scopes = {"POST": ApiScope.RFQS}

    @extend_schema(request=None, responses=s.RfqDetailOut, tags=TAGS)
    def post(self, request: Request, rfq_id: int) -> Response:
        """The buyer closes its request: no more quotes."""
        services.rfq_close(actor=self.actor, rfq_id=rfq_id)
        return Response(rfq_detail_body(self.actor, rfq_id))


class QuoteListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.RFQS}
    capabilities = {"POST": QUOTE_SUBMIT}

    @extend_schema(request=inputs.QuoteInput, responses={201: s.QuoteOut}, tags=TAGS)
    def post(self, request: Request, rfq_id: int) -> Response:
        """A cooperative quotes on an open request: product, quantity, unit price and validity. For members who
        submit quotes."""
        data = inputs.read_quote(request.data, input_mode(request))
        quote = services.quote_submit(
            actor=self.actor,
            rfq_id=rfq_id,
            product_id=data["product"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            valid_until=data.get("valid_until"),
            note=data.get("note", ""),
        )
        return Response(s.QuoteOut(quote, context={"actor": self.actor}).data, status=status.HTTP_201_CREATED)


class QuoteWithdrawView(ActorAPIView):
    required_scopes = {"POST": ApiScope.RFQS}

    @extend_schema(request=None, responses=s.QuoteOut, tags=TAGS)
    def post(self, request: Request, quote_id: int) -> Response:
        """The cooperative withdraws its quote before it is accepted."""
        quote = services.quote_withdraw(actor=self.actor, quote_id=quote_id)
        return Response(s.QuoteOut(quote, context={"actor": self.actor}).data)


class QuoteAcceptView(ActorAPIView):
    required_scopes = {"POST": ApiScope.RFQS}

    @extend_schema(request=inputs.CheckoutInput, responses={201: s.OrderOut}, tags=TAGS)
    def post(self, request: Request, quote_id: int) -> Response:
        """The buyer accepts a quote with its delivery and invoice details: it becomes an order."""
        details = inputs.checkout_details(_body(self, inputs.CheckoutInput))
        order = services.quote_accept(actor=self.actor, quote_id=quote_id, details=details)
        return _order_response(self, order.pk, status.HTTP_201_CREATED)
