"""The order lifecycle as one table: from each status, the verbs possible and the statuses each may lead to.
`orders.services.common.move` checks every status change against it and the order policy (orders/policy.py)
offers exactly these verbs; nothing else decides what an order's status allows."""

from __future__ import annotations

from enum import StrEnum

from orders.models import Order, OrderStatus

S = OrderStatus


class OrderAction(StrEnum):
    """What can be done to an order: the lifecycle verbs (moves in TRANSITIONS) and the rest."""

    CONFIRM = "confirm"  # as ordered, or proposing smaller quantities the buyer then accepts
    ACCEPT_CHANGES = "accept_changes"
    SHIP = "ship"
    DELIVER = "deliver"  # record the weighed delivery
    RECEIVE_GRADED = "receive_graded"  # a contract call-off weighed and graded at the buyer's gate
    COMPLETE = "complete"
    CANCEL = "cancel"
    PAY = "pay"
    REORDER = "reorder"
    REFUND_BALANCE = "refund_balance"  # give back what was paid beyond the delivered amount
    CREDIT_BALANCE = "credit_balance"  # or keep it as credit for the buyer's next order


A = OrderAction

# from -> the verbs possible there and the statuses each may lead to. Every status change goes through
# `move()`, which checks this; the order policy (orders/policy.py) offers exactly these verbs.
TRANSITIONS: dict[str, dict[OrderAction, frozenset[str]]] = {
    S.PLACED: {A.CONFIRM: frozenset({S.CONFIRMED, S.CHANGES_PROPOSED}), A.CANCEL: frozenset({S.CANCELLED})},
    S.CHANGES_PROPOSED: {A.ACCEPT_CHANGES: frozenset({S.CONFIRMED}), A.CANCEL: frozenset({S.CANCELLED})},
    S.CONFIRMED: {A.SHIP: frozenset({S.PARTLY_SHIPPED, S.SHIPPED}), A.CANCEL: frozenset({S.CANCELLED})},
    S.PARTLY_SHIPPED: {A.SHIP: frozenset({S.PARTLY_SHIPPED, S.SHIPPED})},
    S.SHIPPED: {A.DELIVER: frozenset({S.DELIVERED}), A.RECEIVE_GRADED: frozenset({S.DELIVERED})},
    S.DELIVERED: {A.COMPLETE: frozenset({S.COMPLETED})},
    S.COMPLETED: {},
    S.CANCELLED: {},
}

# The buyer may cancel only before the cooperative confirmed; the cooperative until it ships.
BEFORE_CONFIRMATION = frozenset({S.PLACED, S.CHANGES_PROPOSED})


def possible(order: Order, verb: OrderAction) -> bool:
    """Whether the order's status allows `verb` (the transitions table)."""
    return verb in TRANSITIONS[order.status]


def statuses_allowing(verb: OrderAction) -> frozenset[str]:
    return frozenset(status for status, verbs in TRANSITIONS.items() if verb in verbs)
