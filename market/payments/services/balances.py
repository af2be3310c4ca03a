"""Settling an over-payment: what a payer paid beyond what a payable now costs (a weighed delivery lighter
than what was paid for, a cancelled order already paid). It goes back by the way it came, or the payee keeps
it as credit for the payer:

- card payments: a Stripe refund (`overpayment_refund_claim`, then `refund_send` once committed);
- bank transfers: they reached the payee's own account, so the payee sends the money back by transfer and
  records it here (`transfer_refund_record`);
- credit: the payee keeps the balance for the payer's next purchase (`payable_credit`).

Each locks the payable first and settles at most what is over-paid, so two presses never give it back
twice. Reconciliation lists every over-payment still unsettled (`DiscrepancyKind.OVERPAID`).
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict, PermissionDenied, ValidationFailed
from market.core.services import audit_record
from market.organisations.permissions import MANAGING_ROLES, Actor
from market.payments.models import EventSource, Payable, Payment, PaymentState, Provider, Refund, RefundState
from market.payments.permissions import PAYMENTS_REFUND
from market.payments.registry import PayableEvent
from market.payments.services.transitions import payment_transition

REFUNDABLE_STATES = (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED)


def _pending_refunds(payable: Payable) -> int:
    pending = Refund.objects.filter(payment__payable=payable, state=RefundState.PENDING).aggregate(t=Sum("amount"))
    return int(pending["t"] or 0)


def unsettled_overpayment(payable: Payable) -> int:
    """What is over-paid on the (locked) payable and not yet on its way back."""
    return max(0, payable.overpaid - _pending_refunds(payable))


def _refundable(payable: Payable, provider: str) -> list[tuple[Payment, int]]:
    """The payable's payments by `provider` that can still go back, newest first, with what each can give."""
    payments = Payment.objects.select_for_update().filter(
        payable=payable, provider=provider, state__in=REFUNDABLE_STATES
    )
    pending = {
        row["payment_id"]: int(row["total"])
        for row in Refund.objects.filter(payment__payable=payable, state=RefundState.PENDING)
        .values("payment_id")
        .annotate(total=Sum("amount"))
    }
    rows = [(p, p.amount - p.amount_refunded - pending.get(p.pk, 0)) for p in payments.order_by("-created_at", "-id")]
    return [(payment, left) for payment, left in rows if left > 0]


def _spread(amount: int, payments: list[tuple[Payment, int]]) -> list[tuple[Payment, int]]:
    parts = []
    for payment, available in payments:
        if amount <= 0:
            break
        part = min(amount, available)
        parts.append((payment, part))
        amount -= part
    return parts


def _require_payee_manager(actor: Actor, payable: Payable) -> None:
    """The payee's owner or manager (the money reached its account), or alliance managers."""
    if actor.can(PAYMENTS_REFUND):
        return
    if actor.organisation_id != payable.payee_id or actor.role not in MANAGING_ROLES:
        raise PermissionDenied()


def overpayment_refund_claim(*, actor: Actor, payable_id: int, reason: str) -> list[Refund]:
    """Claim the card refunds of the over-payment (pending Refund rows); call inside a transaction that
    locked the owner, commit, then `refund_send` each. Alliance managers only (the platform holds the money)."""
    actor.require(PAYMENTS_REFUND)
    payable = Payable.objects.select_for_update().get(pk=payable_id)
    due = unsettled_overpayment(payable)
    parts = _spread(due, _refundable(payable, Provider.STRIPE))
    if not parts:
        raise Conflict(_("Nothing paid by card is owed back."))
    refunds = [
        Refund.objects.create(payment=payment, amount=part, reason=reason, requested_by=actor.user)
        for payment, part in parts
    ]
    audit_record(actor=actor, action="payments.overpayment_refund_requested", target=payable, data={"amount": due})
    return refunds


def transfer_refund_record(*, actor: Actor, payable_id: int, bank_reference: str, reason: str) -> int:
    """The payee sent the over-paid amount back by bank transfer: record it against the transfers it came
    by (refunded, forward only) and tell the payable's kind. Returns the amount recorded."""
    payable = Payable.objects.select_for_update().get(pk=payable_id)
    _require_payee_manager(actor, payable)
    if not bank_reference:
        raise ValidationFailed(fields={"bank_reference": [_("Give the reference of the transfer you sent back.")]})
    due = unsettled_overpayment(payable)
    parts = _spread(due, _refundable(payable, Provider.BANK_TRANSFER))
    if not parts:
        raise Conflict(_("Nothing paid by bank transfer is owed back."))
    reference = f"bank:{bank_reference}"
    if Refund.objects.filter(provider_reference__startswith=reference).exists():
        raise ValidationFailed(fields={"bank_reference": [_("A refund with this transfer reference is recorded.")]})
    for index, (payment, part) in enumerate(parts):
        Refund.objects.create(
            payment=payment,
            amount=part,
            reason=reason,
            requested_by=actor.user,
            state=RefundState.SUCCEEDED,
            provider_reference=reference if index == 0 else f"{reference}#{index + 1}",
            succeeded_at=timezone.now(),
        )
        refunded = payment.amount_refunded + part
        payment_transition(
            payment_id=payment.pk,
            to_state=PaymentState.REFUNDED if refunded >= payment.amount else PaymentState.PARTIALLY_REFUNDED,
            source=EventSource.STAFF if actor.can(PAYMENTS_REFUND) else EventSource.PAYEE,
            actor=actor,
            fields={"amount_refunded": refunded},
            event=PayableEvent.REFUNDED,
            note=reason,
        )
    recorded = sum(part for _payment, part in parts)
    audit_record(
        actor=actor,
        action="payments.transfer_refund_recorded",
        target=payable,
        data={"amount": recorded, "bank_reference": bank_reference},
    )
    return recorded


def payable_credit(*, actor: Actor, payable_id: int, reason: str) -> int:
    """The payee keeps the over-paid amount as credit for the payer. Returns the amount credited."""
    payable = Payable.objects.select_for_update().get(pk=payable_id)
    _require_payee_manager(actor, payable)
    due = unsettled_overpayment(payable)
    if due <= 0:
        raise Conflict(_("Nothing is owed back to the payer."))
    payable.amount_credited += due
    payable.save(update_fields=["amount_credited", "updated_at"])
    audit_record(
        actor=actor, action="payments.overpayment_credited", target=payable, data={"amount": due, "note": reason}
    )
    return due
