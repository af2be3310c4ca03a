"""What orders exports (registered in OrdersConfig.ready()): orders, their lines and invoices, read through
the selectors the API lists them with, so the files hold the API's rows and figures."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from market.core.quantity import UNIT_SYMBOLS
from market.exports.registry import ExportKind, Labels, field, lookup, register_export
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from orders import selectors
from orders.models import Invoice, InvoiceKind, Order, OrderLine, OrderStatus, PaymentStatus
from orders.totals import vat_rate_label


def _orders(actor: Actor, status: str | None) -> QuerySet[Order]:
    return selectors.order_list_for(actor=actor, status=status)


def _lines(actor: Actor, status: str | None) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order__in=selectors.order_list_for(actor=actor, status=status))


def _invoices(actor: Actor, status: str | None) -> QuerySet[Invoice]:
    invoices = selectors.invoice_list_for(actor=actor)
    return invoices.filter(kind=status) if status else invoices


def _vat_rate(exempt: bool, rate_percent: Decimal) -> str:
    return vat_rate_label(exempt=exempt, rate_percent=rate_percent)


def _billed(delivered: Decimal | None, confirmed: Decimal) -> Decimal:
    """OrderLine.billed_quantity: delivered once known, else confirmed."""
    return delivered if delivered is not None else confirmed


def _invoice_number(symbol: str | None, number: int | None) -> str:
    """Invoice.display_number of the invoice a credit note corrects (blank for an invoice)."""
    return "" if number is None else f"{symbol}-{number:07d}"


ORDER_COLUMNS = [
    field(_("Order number"), "number"),
    field(_("Placed at"), "created_at"),
    field(_("Status"), "status", show=Labels(OrderStatus)),
    field(_("Payment status"), "payment_status", show=Labels(PaymentStatus)),
    field(_("Buyer"), "buyer__name"),
    field(_("Buyer tax code"), "buyer__tax_code"),
    field(_("Cooperative"), "cooperative__name"),
    field(_("Cooperative tax code"), "cooperative__tax_code"),
    field(_("PO number"), "checkout__po_number"),
    field(_("Subtotal before VAT (VND)"), "subtotal"),
    field(_("VAT (VND)"), "vat_total"),
    field(_("Total (VND)"), "total"),
    field(_("Total when placed (VND)"), "placed_total"),
    field(_("Ship by"), "ship_by"),
    field(_("Delivered at"), "delivered_at"),
    field(_("Cancelled at"), "cancelled_at"),
]

LINE_COLUMNS = [
    field(_("Order number"), "order__number"),
    field(_("Placed at"), "order__created_at"),
    field(_("Order status"), "order__status", show=Labels(OrderStatus)),
    field(_("Buyer"), "order__buyer__name"),
    field(_("Cooperative"), "order__cooperative__name"),
    field(_("Product"), "product_name"),
    field(_("SKU"), "sku"),
    field(_("Unit"), "unit", show=lookup(UNIT_SYMBOLS)),
    field(_("Unit price (VND)"), "unit_price"),
    field(_("VAT rate"), "vat_exempt", "vat_rate_percent", show=_vat_rate),
    field(_("Ordered"), "quantity_ordered"),
    field(_("Confirmed"), "quantity_confirmed"),
    field(_("Shipped"), "quantity_shipped"),
    field(_("Delivered"), "quantity_delivered"),
    field(_("Billed quantity"), "quantity_delivered", "quantity_confirmed", show=_billed),
]

INVOICE_COLUMNS = [
    field(_("Kind"), "kind", show=Labels(InvoiceKind)),
    field(_("Symbol"), "symbol"),
    field(_("Number"), "number"),
    field(_("Issued at"), "issued_at"),
    field(_("Order number"), "order__number"),
    field(_("Corrects invoice"), "corrects__symbol", "corrects__number", show=_invoice_number),
    field(_("Seller tax code"), "seller__tax_code"),
    field(_("Seller"), "seller__legal_name"),
    field(_("Buyer tax code"), "buyer__tax_code"),
    field(_("Buyer"), "buyer__legal_name"),
    field(_("Subtotal before VAT (VND)"), "subtotal"),
    field(_("VAT (VND)"), "vat_total"),
    field(_("Total (VND)"), "total"),
    field(_("Reason"), "reason"),
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
