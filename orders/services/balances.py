"""A balance paid beyond what an order now costs (a weighed delivery lighter than what was paid for):
announced to the buyer and the cooperative when it appears, shown on the order page to both sides and to
alliance staff, and settled through payments — refunded the way it was paid (card: a Stripe refund by
alliance managers; bank transfer: the cooperative sends it back and records the transfer) or kept by the
cooperative as credit for the buyer's next order. Reconciliation lists it until it is settled."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from market.core.errors import Conflict
from market.notifications.services import notify
from market.organisations.permissions import Actor
from market.payments.models import Payable, Refund
from market.payments.permissions import PAYMENTS_REFUND
from orders.models import Order
from orders.notifications import BALANCE_CREDITED, BALANCE_DUE
from orders.policy import BALANCE_POLICY, Balance
from orders.selectors import order_balance
from orders.services.common import PAYABLE_KIND, lock_order, record_event
from orders.transitions import A


def _context(order: Order, amount: int, **extra: object) -> dict[str, object]:
    return {
        "order_id": order.pk,
        "order_number": order.number,
        "buyer_name": order.buyer.name,
        "cooperative_name": order.cooperative.name,
        "total_vnd": order.total,
        "balance_vnd": amount,
        **extra,
    }


def announce_over_payment(order: Order, *, payable: Payable, actor: Actor | None) -> None:
    """Inside the transaction that re-priced the order: record the balance and tell both sides."""
    amount = payable.overpaid
    record_event(order, actor=actor, action="over_paid", data={"paid": payable.net_paid, "total": order.total})
    notify(
        kind=BALANCE_DUE,
        recipients=[order.buyer, order.cooperative],
        context=_context(order, amount, paid_vnd=payable.net_paid),
        object_ref=order,
        occurrence=f"total-{order.total}",
    )


def _locked_balance(actor: Actor, order_id: int) -> Balance:
    order = lock_order(actor=actor, order_id=order_id)
    payable = Payable.objects.select_for_update().filter(kind=PAYABLE_KIND, object_id=str(order.pk)).first()
    if payable is None:
        raise Conflict(_("Nothing has been paid on this order."))
    return order_balance(order=order, payable=payable)


def _reason(order: Order, note: str) -> str:
    return note or _("Paid beyond the delivered amount of order %(number)s.") % {"number": order.number}


def order_balance_refund(*, actor: Actor, order_id: int, bank_reference: str = "", note: str = "") -> int:
    """Give the balance back the way it was paid. Alliance managers refund card payments through Stripe
    (claimed and committed first; Stripe is called with no row locked); the cooperative records the bank
    transfer by which it sent back what reached its account. Returns the amount on its way back."""
    refunds: list[Refund] = []
    with transaction.atomic():
        balance = _locked_balance(actor, order_id)
        BALANCE_POLICY.authorize(actor=actor, obj=balance, action=A.REFUND_BALANCE)
        order, payable = balance.order, balance.payable
        assert payable is not None
        from market.payments.services import overpayment_refund_claim, transfer_refund_record

        if actor.can(PAYMENTS_REFUND):
            refunds = overpayment_refund_claim(actor=actor, payable_id=payable.pk, reason=_reason(order, note))
            amount = sum(refund.amount for refund in refunds)
            record_event(order, actor=actor, action="balance_refund_requested", note=note, data={"amount": amount})
        else:
            amount = transfer_refund_record(
                actor=actor, payable_id=payable.pk, bank_reference=bank_reference, reason=_reason(order, note)
            )
            record_event(
                order,
                actor=actor,
                action="balance_refunded",
                note=note,
                data={"amount": amount, "bank_reference": bank_reference},
            )
    from market.payments.services import refund_send

    for refund in refunds:
        refund_send(actor=actor, refund=refund)
    return amount


@transaction.atomic
def order_balance_credit(*, actor: Actor, order_id: int, note: str = "") -> int:
    """The cooperative keeps the balance as credit for the buyer's next order; the buyer is told."""
    balance = _locked_balance(actor, order_id)
    BALANCE_POLICY.authorize(actor=actor, obj=balance, action=A.CREDIT_BALANCE)
    order, payable = balance.order, balance.payable
    assert payable is not None
    from market.payments.services import payable_credit

    amount = payable_credit(actor=actor, payable_id=payable.pk, reason=_reason(order, note))
    record_event(order, actor=actor, action="balance_credited", note=note, data={"amount": amount})
    notify(
        kind=BALANCE_CREDITED,
        recipients=[order.buyer],
        context=_context(order, amount, note=note),
        object_ref=order,
        occurrence=f"credit-{payable.amount_credited + amount}",
    )
    return amount
