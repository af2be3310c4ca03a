"""The payable kind of the test app: what orders/payables.py will look like."""

from __future__ import annotations

from market.core.money import Money
from market.payments.registry import PayableInfo, PayableKind, PaymentUpdate, ReceivingAccount
from tests.payables.models import TestInvoice, TestInvoiceCallback


class TestInvoicePayable(PayableKind):
    name = "test.invoice"
    label = "Test invoice"

    def load(self, object_id: str) -> TestInvoice | None:
        return TestInvoice.objects.select_related("payer", "payee").filter(pk=object_id).first()

    def describe(self, obj: TestInvoice) -> PayableInfo:
        return PayableInfo(
            amount=Money.vnd(obj.amount),
            payer=obj.payer,
            payee=obj.payee,
            description=f"Hóa đơn {obj.number}",
            account=ReceivingAccount.of(obj.payee),
        )

    def _record(self, obj: TestInvoice, update: PaymentUpdate, callback: str) -> None:
        TestInvoice.objects.filter(pk=obj.pk).update(payment_status=update.status)
        TestInvoiceCallback.objects.create(
            invoice=obj,
            callback=callback,
            payment_id=update.payment.pk,
            status=update.status,
            amount_paid=int(update.amount_paid.amount),
        )

    def on_succeeded(self, obj: TestInvoice, update: PaymentUpdate) -> None:
        self._record(obj, update, "succeeded")

    def on_failed(self, obj: TestInvoice, update: PaymentUpdate) -> None:
        self._record(obj, update, "failed")

    def on_refunded(self, obj: TestInvoice, update: PaymentUpdate) -> None:
        self._record(obj, update, "refunded")

    def on_disputed(self, obj: TestInvoice, update: PaymentUpdate) -> None:
        self._record(obj, update, "disputed")
