"""What a payer may do with a payable now: the pay page, the order and booth-fee pages and the payment
services ask this one policy (docs/edge.md)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule
from market.payments import stripe_gateway
from market.payments.models import Payable, PayableStatus
from market.payments.permissions import PAYMENTS_PAY


class PayableAction(StrEnum):
    PAY_BY_TRANSFER = "pay_by_transfer"
    PAY_BY_CARD = "pay_by_card"


def is_payer(actor: Actor, payable: Payable) -> bool:
    return actor.organisation_id == payable.payer_id


def awaits_payment(payable: Payable) -> bool:
    """Something is still owed and the payable was not called off."""
    return payable.status != PayableStatus.CANCELLED and payable.outstanding > 0


def awaits_card_payment(payable: Payable) -> bool:
    return awaits_payment(payable) and stripe_gateway.enabled()


NOT_PAYABLE = _("Nothing is owed on this, or it was cancelled.")

PAYABLE_POLICY: Policy[PayableAction, Payable] = Policy(
    {
        PayableAction.PAY_BY_TRANSFER: Rule(PAYMENTS_PAY, party=is_payer, when=awaits_payment, conflict=NOT_PAYABLE),
        PayableAction.PAY_BY_CARD: Rule(
            PAYMENTS_PAY,
            party=is_payer,
            when=awaits_card_payment,
            conflict=_("Card payments are not available for this now; pay by bank transfer."),
        ),
    }
)


def payable_actions(*, actor: Actor, payable: Payable) -> frozenset[PayableAction]:
    return PAYABLE_POLICY.actions(actor=actor, obj=payable)
