"""The payable kind of orders, registered in OrdersConfig.ready().

One payable per *order*, not per checkout: a checkout spans cooperatives, and each cooperative is paid
into its own bank account (the VietQR transfer goes straight to it) and issues its own invoice; payments'
PayableInfo has one payee. The checkout page lists the orders with their pay links.
"""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.core.money import Money
from market.payments.registry import PayableInfo, PayableKind, PaymentUpdate, ReceivingAccount
from orders.models import Invoice, InvoiceKind, Order
from orders.services.common import PAYABLE_KIND


class OrderPayable(PayableKind):
    name = PAYABLE_KIND
    label = _("Order")
    owner_model = Order

    def load(self, object_id: str) -> Order | None:
        if not object_id.isdigit():
            return None
        return Order.objects.select_related("buyer", "cooperative").filter(pk=int(object_id)).first()

    def describe(self, obj: Order) -> PayableInfo:
        return PayableInfo(
            amount=Money.vnd(obj.total),
            payer=obj.buyer,
            payee=obj.cooperative,
            description=f"Đơn hàng {obj.number} · {obj.cooperative.name}",
            account=ReceivingAccount.of(obj.cooperative),
            return_url=reverse("frontend:order-detail", args=[obj.pk]),
        )

    def _sync(self, obj: Order, update: PaymentUpdate) -> None:
        from orders.services.lifecycle import order_payment_status_set

        order_payment_status_set(
            order_id=obj.pk,
            status=update.status,
            paid=int(update.amount_paid.amount),
            refunded=int(update.amount_refunded.amount),
        )

    def on_succeeded(self, obj: Order, update: PaymentUpdate) -> None:
        self._sync(obj, update)

    def on_failed(self, obj: Order, update: PaymentUpdate) -> None:
        self._sync(obj, update)

    def on_disputed(self, obj: Order, update: PaymentUpdate) -> None:
        self._sync(obj, update)

    def on_refunded(self, obj: Order, update: PaymentUpdate) -> None:
        """A refund went through: mirror the status and, once the order is invoiced, issue a credit note for
        what was refunded of the invoiced amount. A refund of what was paid beyond the invoice (a weighed
        delivery lighter than paid for) corrects no invoice: it gives back money that was never owed."""
        from orders.services.invoices import credit_note_issue

        self._sync(obj, update)
        invoice = Invoice.objects.filter(order=obj, kind=InvoiceKind.INVOICE).first()
        if invoice is None:
            return
        credited = Invoice.objects.filter(corrects=invoice).aggregate(total=Sum("total"))["total"] or 0
        paid, refunded = int(update.amount_paid.amount), int(update.amount_refunded.amount)
        beyond_invoice = max(0, paid - invoice.total)
        due = min(refunded - beyond_invoice, invoice.total) - credited
        if due > 0:
            credit_note_issue(order=obj, amount=due, reason="Hoàn tiền cho người mua")
