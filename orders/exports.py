"""What orders exports (registered in OrdersConfig.ready()): orders, their lines and invoices, read through
the selectors the API lists them with, so the files hold the API's rows and figures."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from market.exports.registry import Column, ExportKind, choice, register_export
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from orders import selectors
from orders.models import Invoice, InvoiceKind, Order, OrderLine, OrderStatus, PaymentStatus


def _orders(actor: Actor, status: str | None) -> QuerySet[Order]:
    return selectors.order_list_for(actor=actor, status=status).select_related("checkout")


def _lines(actor: Actor, status: str | None) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order__in=selectors.order_list_for(actor=actor, status=status)).select_related(
        "order", "order__buyer", "order__cooperative"
    )


def _invoices(actor: Actor, status: str | None) -> QuerySet[Invoice]:
    invoices = selectors.invoice_list_for(actor=actor).select_related("corrects")
    return invoices.filter(kind=status) if status else invoices


ORDER_COLUMNS = [
    Column(_("Order number"), lambda o: o.number),
    Column(_("Placed at"), lambda o: o.created_at),
    Column(_("Status"), choice(OrderStatus, "status")),
    Column(_("Payment status"), choice(PaymentStatus, "payment_status")),
    Column(_("Buyer"), lambda o: o.buyer.name),
    Column(_("Buyer tax code"), lambda o: o.buyer.tax_code),
    Column(_("Cooperative"), lambda o: o.cooperative.name),
    Column(_("Cooperative tax code"), lambda o: o.cooperative.tax_code),
    Column(_("PO number"), lambda o: o.checkout.po_number),
    Column(_("Subtotal before VAT (VND)"), lambda o: o.subtotal),
    Column(_("VAT (VND)"), lambda o: o.vat_total),
    Column(_("Total (VND)"), lambda o: o.total),
    Column(_("Total when placed (VND)"), lambda o: o.placed_total),
    Column(_("Ship by"), lambda o: o.ship_by),
    Column(_("Delivered at"), lambda o: o.delivered_at),
    Column(_("Cancelled at"), lambda o: o.cancelled_at),
]

LINE_COLUMNS = [
    Column(_("Order number"), lambda line: line.order.number),
    Column(_("Placed at"), lambda line: line.order.created_at),
    Column(_("Order status"), choice(OrderStatus, "order.status")),
    Column(_("Buyer"), lambda line: line.order.buyer.name),
    Column(_("Cooperative"), lambda line: line.order.cooperative.name),
    Column(_("Product"), lambda line: line.product_name),
    Column(_("SKU"), lambda line: line.sku),
    Column(_("Unit"), lambda line: line.unit_symbol),
    Column(_("Unit price (VND)"), lambda line: line.unit_price),
    Column(_("VAT rate"), lambda line: line.vat_rate_label),
    Column(_("Ordered"), lambda line: line.quantity_ordered),
    Column(_("Confirmed"), lambda line: line.quantity_confirmed),
    Column(_("Shipped"), lambda line: line.quantity_shipped),
    Column(_("Delivered"), lambda line: line.quantity_delivered),
    Column(_("Billed quantity"), lambda line: line.billed_quantity),
]

INVOICE_COLUMNS = [
    Column(_("Kind"), choice(InvoiceKind, "kind")),
    Column(_("Symbol"), lambda i: i.symbol),
    Column(_("Number"), lambda i: i.number),
    Column(_("Issued at"), lambda i: i.issued_at),
    Column(_("Order number"), lambda i: i.order.number),
    Column(_("Corrects invoice"), lambda i: i.corrects.display_number if i.corrects else ""),
    Column(_("Seller tax code"), lambda i: i.seller.get("tax_code", "")),
    Column(_("Seller"), lambda i: i.seller.get("legal_name", "")),
    Column(_("Buyer tax code"), lambda i: i.buyer.get("tax_code", "")),
    Column(_("Buyer"), lambda i: i.buyer.get("legal_name", "")),
    Column(_("Subtotal before VAT (VND)"), lambda i: i.subtotal),
    Column(_("VAT (VND)"), lambda i: i.vat_total),
    Column(_("Total (VND)"), lambda i: i.total),
    Column(_("Reason"), lambda i: i.reason),
]


def register_exports() -> None:
    register_export(
        ExportKind(
            name="orders", label=_("Orders"), scope=ApiScope.ORDERS_READ, source=_orders,
            date_field="created_at", statuses=OrderStatus, columns=ORDER_COLUMNS,
        )
    )  # fmt: skip
    register_export(
        ExportKind(
            name="order_lines", label=_("Order lines"), scope=ApiScope.ORDERS_READ, source=_lines,
            date_field="order__created_at", statuses=OrderStatus, columns=LINE_COLUMNS,
        )
    )  # fmt: skip
    register_export(
        ExportKind(
            name="invoices", label=_("Invoices"), scope=ApiScope.ORDERS_READ, source=_invoices,
            date_field="issued_at", statuses=InvoiceKind, columns=INVOICE_COLUMNS,
        )
    )  # fmt: skip
