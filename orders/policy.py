"""One answer to "what may this actor do now?" for orders, checkouts, requests for quotation and quotes
(docs/edge.md). Services authorise with these policies; pages show exactly the actions they list (every
control carries `data-action`); the API returns them as `allowed_actions`.

The order's lifecycle verbs come from the transitions table (`orders.transitions.TRANSITIONS`); paying
is the payments policy's answer for the order's payable (`market.payments.policy.payable_actions`); settling
a balance paid beyond what was delivered depends on how it was paid (`Balance`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.core.errors import Conflict
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule
from market.payments.models import Payable
from market.payments.permissions import PAYMENTS_REFUND
from market.payments.policy import PayableAction, payable_actions
from orders.models import Order, OrderSource, Quote, QuoteStatus, Rfq, RfqStatus
from orders.permissions import (
    CART_MANAGE,
    ORDERS_BUY,
    ORDERS_FULFIL,
    ORDERS_PLACE,
    ORDERS_SELLER_CANCEL,
    ORDERS_SETTLE_BALANCE,
    QUOTE_SUBMIT,
    RFQ_CREATE,
)
from orders.transitions import BEFORE_CONFIRMATION, OrderAction, possible

A = OrderAction


# --- orders --------------------------------------------------------------------------------------
def is_buyer(actor: Actor, order: Order) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == order.buyer_id


def is_seller(actor: Actor, order: Order) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == order.cooperative_id


def allows(verb: OrderAction) -> Callable[[Order], bool]:
    return lambda order: possible(order, verb)


def from_contract(order: Order) -> bool:
    """A linkage contract's call-off: weighed and graded at the buyer's gate, not recorded by the seller."""
    return order.source == OrderSource.CONTRACT


def seller_records_delivery(order: Order) -> bool:
    return possible(order, A.DELIVER) and not from_contract(order)


def graded_at_the_gate(order: Order) -> bool:
    return possible(order, A.RECEIVE_GRADED) and from_contract(order)


def _delivery_refusal(order: Order) -> str:
    if from_contract(order):
        return str(_("This contract call-off is weighed and graded at the buyer's intake, which records it."))
    return str(_("The delivery is recorded once the whole order has been shipped."))


def buyer_may_cancel(order: Order) -> bool:
    return possible(order, A.CANCEL) and order.status in BEFORE_CONFIRMATION


ORDER_POLICY: Policy[OrderAction, Order] = Policy(
    {
        A.CONFIRM: Rule(
            ORDERS_FULFIL, party=is_seller, when=allows(A.CONFIRM), conflict=_("Only a new order can be confirmed.")
        ),
        A.ACCEPT_CHANGES: Rule(
            ORDERS_BUY,
            party=is_buyer,
            when=allows(A.ACCEPT_CHANGES),
            conflict=_("The cooperative has proposed no change to accept."),
        ),
        A.SHIP: Rule(
            ORDERS_FULFIL,
            party=is_seller,
            when=allows(A.SHIP),
            conflict=_("Only a confirmed order not yet fully shipped can be shipped."),
        ),
        A.DELIVER: Rule(ORDERS_FULFIL, party=is_seller, when=seller_records_delivery, conflict=_delivery_refusal),
        A.RECEIVE_GRADED: Rule(
            ORDERS_BUY,
            party=is_buyer,
            when=graded_at_the_gate,
            conflict=_("Only a shipped contract call-off is weighed and graded at the buyer's intake."),
        ),
        A.COMPLETE: (
            Rule(
                ORDERS_BUY, party=is_buyer, when=allows(A.COMPLETE), conflict=_("Only a delivered order is completed.")
            ),
            Rule(
                ORDERS_FULFIL,
                party=is_seller,
                when=allows(A.COMPLETE),
                conflict=_("Only a delivered order is completed."),
            ),
        ),
        A.CANCEL: (
            Rule(
                ORDERS_BUY,
                party=is_buyer,
                when=buyer_may_cancel,
                conflict=_("The cooperative has confirmed this order: ask them to cancel it."),
            ),
            Rule(
                ORDERS_SELLER_CANCEL,
                party=is_seller,
                when=allows(A.CANCEL),
                conflict=_("An order that has been shipped, completed or cancelled cannot be cancelled."),
            ),
        ),
        A.REORDER: Rule(CART_MANAGE, party=is_buyer),
    },
    scopes={
        **dict.fromkeys((A.CONFIRM, A.SHIP, A.DELIVER), ApiScope.ORDERS_FULFIL),
        **dict.fromkeys((A.ACCEPT_CHANGES, A.COMPLETE, A.CANCEL, A.REORDER), ApiScope.ORDERS_PLACE),
        A.RECEIVE_GRADED: ApiScope.CONTRACTS,
    },
)


def order_authorize(*, actor: Actor, order: Order, action: OrderAction) -> None:
    """The service's check: 403 (side or role), or 409 coded 'illegal_transition' (state)."""
    try:
        ORDER_POLICY.authorize(actor=actor, obj=order, action=action)
    except Conflict as error:
        raise Conflict(error.message, code="illegal_transition") from None


@dataclass(frozen=True, slots=True)
class Balance:
    """Where an order's payment stands against what it now costs."""

    order: Order
    payable: Payable | None
    over_paid: int = 0  # paid beyond what is owed, not yet refunded or kept as credit
    refundable_by_card: int = 0  # of the payments, what can still go back by card (Stripe)
    refundable_by_transfer: int = 0  # and what came by bank transfer into the cooperative's account

    @property
    def outstanding(self) -> int:
        return self.payable.outstanding if self.payable is not None else 0


def _seller_of(actor: Actor, balance: Balance) -> bool:
    return is_seller(actor, balance.order)


BALANCE_POLICY: Policy[OrderAction, Balance] = Policy(
    {
        A.REFUND_BALANCE: (
            # Card money sits with the platform: alliance managers refund it through Stripe.
            Rule(
                PAYMENTS_REFUND,
                when=lambda b: b.over_paid > 0 and b.refundable_by_card > 0,
                conflict=_("Nothing paid by card is owed back to the buyer."),
            ),
            # A transfer went to the cooperative's own account: it sends the money back and records it.
            Rule(
                ORDERS_SETTLE_BALANCE,
                party=_seller_of,
                when=lambda b: b.over_paid > 0 and b.refundable_by_transfer > 0,
                conflict=_("Nothing paid by bank transfer is owed back to the buyer."),
            ),
        ),
        A.CREDIT_BALANCE: Rule(
            ORDERS_SETTLE_BALANCE,
            party=_seller_of,
            when=lambda b: b.over_paid > 0,
            conflict=_("Nothing is owed back to the buyer."),
        ),
    },
    scopes=dict.fromkeys((A.REFUND_BALANCE, A.CREDIT_BALANCE), ApiScope.PAYMENTS_WRITE),
)


def order_actions(*, actor: Actor, balance: Balance) -> frozenset[OrderAction]:
    """Everything `actor` may do to the order now: its lifecycle, paying, settling its balance."""
    actions = set(ORDER_POLICY.actions(actor=actor, obj=balance.order))
    actions |= BALANCE_POLICY.actions(actor=actor, obj=balance)
    if balance.payable is not None and PayableAction.PAY_BY_TRANSFER in payable_actions(
        actor=actor, payable=balance.payable
    ):
        actions.add(A.PAY)
    return frozenset(actions)


# --- cart and checkout ---------------------------------------------------------------------------
class CheckoutAction(StrEnum):
    UPDATE_LINE = "update_line"
    REMOVE_LINE = "remove_line"
    PLACE = "place"


@dataclass(frozen=True, slots=True)
class CartState:
    line_count: int
    problem_count: int


CHECKOUT_POLICY: Policy[CheckoutAction, CartState] = Policy(
    {
        CheckoutAction.UPDATE_LINE: Rule(CART_MANAGE, when=lambda cart: cart.line_count > 0),
        CheckoutAction.REMOVE_LINE: Rule(CART_MANAGE, when=lambda cart: cart.line_count > 0),
        CheckoutAction.PLACE: Rule(
            ORDERS_PLACE,
            when=lambda cart: cart.line_count > 0 and cart.problem_count == 0,
            conflict=_("Your cart is empty or has lines to correct: see the cart."),
        ),
    },
    scopes=dict.fromkeys(CheckoutAction, ApiScope.ORDERS_PLACE),
)


def checkout_actions(*, actor: Actor, cart: CartState) -> frozenset[CheckoutAction]:
    return CHECKOUT_POLICY.actions(actor=actor, obj=cart)


# --- requests for quotation and quotes -----------------------------------------------------------
class RfqAction(StrEnum):
    QUOTE = "quote"
    CLOSE = "close"


def is_rfq_buyer(actor: Actor, rfq: Rfq) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == rfq.buyer_id


def may_quote(actor: Actor, rfq: Rfq) -> bool:
    """A cooperative other than the buyer with no open quote of its own on the request."""
    if actor.organisation_id is None or actor.organisation_id == rfq.buyer_id:
        return False
    return not Quote.objects.filter(
        rfq_id=rfq.pk, cooperative_id=actor.organisation_id, status=QuoteStatus.SUBMITTED
    ).exists()


def takes_quotes(rfq: Rfq) -> bool:
    return rfq.status == RfqStatus.OPEN and rfq.closes_at >= timezone.now()


RFQ_POLICY: Policy[RfqAction, Rfq] = Policy(
    {
        RfqAction.QUOTE: Rule(
            QUOTE_SUBMIT, party=may_quote, when=takes_quotes, conflict=_("This request no longer takes quotes.")
        ),
        RfqAction.CLOSE: Rule(
            RFQ_CREATE,
            party=is_rfq_buyer,
            when=lambda rfq: rfq.status == RfqStatus.OPEN,
            conflict=_("This request is no longer open."),
        ),
    },
    scopes=dict.fromkeys(RfqAction, ApiScope.RFQS),
)


def rfq_actions(*, actor: Actor, rfq: Rfq) -> frozenset[RfqAction]:
    return RFQ_POLICY.actions(actor=actor, obj=rfq)


class QuoteAction(StrEnum):
    ACCEPT = "accept"
    WITHDRAW = "withdraw"


def is_quote_buyer(actor: Actor, quote: Quote) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == quote.rfq.buyer_id


def is_quoting(actor: Actor, quote: Quote) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == quote.cooperative_id


def acceptable(quote: Quote) -> bool:
    return (
        quote.status == QuoteStatus.SUBMITTED
        and quote.rfq.status == RfqStatus.OPEN
        and quote.valid_until >= timezone.now()
    )


QUOTE_POLICY: Policy[QuoteAction, Quote] = Policy(
    {
        QuoteAction.ACCEPT: Rule(
            ORDERS_PLACE,
            party=is_quote_buyer,
            when=acceptable,
            conflict=_("This quote can no longer be accepted (withdrawn, expired, or the request is closed)."),
        ),
        QuoteAction.WITHDRAW: Rule(
            QUOTE_SUBMIT,
            party=is_quoting,
            when=lambda quote: quote.status == QuoteStatus.SUBMITTED,
            conflict=_("Only an open quote can be withdrawn."),
        ),
    },
    scopes=dict.fromkeys(QuoteAction, ApiScope.RFQS),
)


def quote_actions(*, actor: Actor, quote: Quote) -> frozenset[QuoteAction]:
    return QUOTE_POLICY.actions(actor=actor, obj=quote)
