"""A contract's statement: what the processor owes the cooperative and what the cooperative owes back.

The processor owes what the call-offs' invoices charged (credit notes taken off), less what it paid on
them through payments (VietQR or card, refunds taken off). The deposit it paid and the input advances it
supplied on credit are netted at settlement: the balance is what remains owed, and by whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from linkage.models import LinkageContract
from linkage.payables import DEPOSIT_KIND
from market.payments.models import COLLECTED_STATES_LIST, Payable, Payment
from orders.models import Invoice, InvoiceKind
from orders.services.common import PAYABLE_KIND


@dataclass(frozen=True)
class StatementLine:
    day: date
    text: str
    # What the line adds to the processor's debt (an invoice) or takes off it (a payment, an advance).
    charged: int
    settled: int


@dataclass(frozen=True)
class Statement:
    invoiced: int
    paid: int
    deposit_due: int
    deposit_paid: int
    advances: int
    advances_unconfirmed: int
    lines: tuple[StatementLine, ...]

    @property
    def unpaid_invoices(self) -> int:
        return self.invoiced - self.paid

    @property
    def balance(self) -> int:
        """Positive: the processor still owes the cooperative; negative: the cooperative owes it back."""
        return self.invoiced - self.paid - self.deposit_paid - self.advances

    @property
    def owed_by_buyer(self) -> int:
        return max(self.balance, 0)

    @property
    def owed_by_cooperative(self) -> int:
        return max(-self.balance, 0)


def contract_statement(contract: LinkageContract) -> Statement:
    """Three queries (invoices, payables, payments) beside the prefetched call-offs and advances."""
    orders = {c.order_id: c for c in contract.call_offs.all() if c.order_id is not None}
    lines: list[StatementLine] = []
    invoiced = 0
    for invoice in Invoice.objects.filter(order_id__in=orders).order_by("issued_at", "id"):
        sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
        invoiced += sign * invoice.total
        call_off = orders[invoice.order_id]
        text = (
            _("Credit note %(number)s, call-off %(call_off)s")
            if sign < 0
            else _("Invoice %(number)s, call-off %(call_off)s")
        ) % {"number": invoice.display_number, "call_off": call_off.number}
        day = timezone.localtime(invoice.issued_at).date()
        lines.append(StatementLine(day, text, invoice.total if sign > 0 else 0, invoice.total if sign < 0 else 0))
    payables = list(
        Payable.objects.filter(kind=PAYABLE_KIND, object_id__in=[str(pk) for pk in orders])
        | Payable.objects.filter(kind=DEPOSIT_KIND, object_id=str(contract.pk))
    )
    paid = sum(p.amount_paid - p.amount_refunded for p in payables if p.kind == PAYABLE_KIND)
    deposit = next((p for p in payables if p.kind == DEPOSIT_KIND), None)
    payments = Payment.objects.filter(payable__in=payables, state__in=COLLECTED_STATES_LIST).select_related("payable")
    for payment in payments.order_by("succeeded_at", "id"):
        moment = payment.succeeded_at or payment.created_at
        text = (
            _("Deposit paid (%(reference)s)") if payment.payable.kind == DEPOSIT_KIND else _("Payment %(reference)s")
        ) % {"reference": payment.payable.reference}
        lines.append(
            StatementLine(timezone.localtime(moment).date(), text, 0, payment.amount - payment.amount_refunded)
        )
    advances = list(contract.advances.all())
    for advance in advances:
        lines.append(
            StatementLine(
                advance.supplied_on,
                _("Input advance: %(what)s") % {"what": advance.description},
                0,
                advance.value,
            )
        )
    version = contract.version_in_force
    return Statement(
        invoiced=invoiced,
        paid=paid,
        deposit_due=version.deposit if version is not None else 0,
        deposit_paid=(deposit.amount_paid - deposit.amount_refunded) if deposit else 0,
        advances=sum(a.value for a in advances),
        advances_unconfirmed=sum(a.value for a in advances if a.acknowledged_at is None),
        lines=tuple(sorted(lines, key=lambda line: line.day)),
    )


def deposit_payable(contract: LinkageContract) -> Payable | None:
    return Payable.objects.filter(kind=DEPOSIT_KIND, object_id=str(contract.pk)).first()
