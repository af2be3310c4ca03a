"""The webhook event types of orders (registered in OrdersConfig.ready()); each `data` is what the API answers
for that object, read fresh from the database after the change. The services emit them (emit_event) in the
transaction that makes the change."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from market.integrations.registry import WebhookEventType, register_event_type
from market.organisations.permissions import Actor
from orders import selectors
from orders.api import serializers as s
from orders.models import Invoice, Order, Quote, Rfq

ORDER_PLACED = "order.placed"
ORDER_CONFIRMED = "order.confirmed"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_CANCELLED = "order.cancelled"
INVOICE_ISSUED = "invoice.issued"
RFQ_RECEIVED = "rfq.received"
QUOTE_RECEIVED = "quote.received"
QUOTE_ACCEPTED = "quote.accepted"


def order_data(order: Order) -> dict[str, Any]:
    """OrderOut, as GET /api/v1/orders/{id}/ answers it (allowed_actions empty: a webhook has no actor)."""
    fresh = selectors.with_order_details(Order.objects.select_related("buyer", "cooperative", "checkout")).get(
        pk=order.pk
    )
    balance = selectors.order_balance(order=fresh, payable=selectors.payable_for(fresh))
    return dict(s.OrderOut(fresh, context={"balance": balance, "actions": frozenset()}).data)


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    return dict(s.InvoiceOut(invoice).data)


def rfq_data(rfq: Rfq) -> dict[str, Any]:
    return dict(s.RfqOut(Rfq.objects.select_related("buyer").get(pk=rfq.pk)).data)


def quote_data(quote: Quote) -> dict[str, Any]:
    fresh = Quote.objects.select_related("cooperative", "product").get(pk=quote.pk)
    return dict(s.QuoteOut(fresh, context={"actor": Actor.system()}).data)


_ORDER_SAMPLE = {
    "id": 1042,
    "number": "DH-2026-001042",
    "status": "confirmed",
    "buyer_id": 12,
    "cooperative_id": 3,
    "total": 18500000,
    "lines": [{"product_name": "Gạo ST25", "unit": "kg", "quantity_ordered": "1000", "unit_price": 18500}],
}


def register_webhook_event_types() -> None:
    for name, label in (
        (ORDER_PLACED, _("Order placed")),
        (ORDER_CONFIRMED, _("Order confirmed")),
        (ORDER_SHIPPED, _("Order shipped (each shipment)")),
        (ORDER_DELIVERED, _("Order delivered")),
        (ORDER_CANCELLED, _("Order cancelled")),
    ):
        register_event_type(WebhookEventType(name=name, label=label, serialize=order_data, sample=_ORDER_SAMPLE))
    register_event_type(
        WebhookEventType(
            name=INVOICE_ISSUED,
            label=_("Invoice issued"),
            serialize=invoice_data,
            sample={"id": 88, "order_id": 1042, "kind": "invoice", "number": "1C26TAA-0000088", "total": 19980000},
        )
    )
    register_event_type(
        WebhookEventType(
            name=RFQ_RECEIVED,
            label=_("Request for quotation received"),
            serialize=rfq_data,
            sample={"id": 57, "buyer_id": 12, "title": "Gạo ST25 quý I", "quantity": "20", "unit": "tan"},
        )
    )
    for name, label in ((QUOTE_RECEIVED, _("Quote received")), (QUOTE_ACCEPTED, _("Quote accepted"))):
        register_event_type(
            WebhookEventType(
                name=name,
                label=label,
                serialize=quote_data,
                sample={"id": 301, "rfq_id": 57, "cooperative_id": 3, "unit_price": 18200, "status": "submitted"},
            )
        )
