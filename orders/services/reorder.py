"""Reorder: put a past order's products back in the cart at today's prices and rules."""

from __future__ import annotations

from django.db import transaction

from market.core.errors import ApplicationError
from market.organisations.permissions import Actor
from orders.policy import ORDER_POLICY
from orders.selectors import order_get_for
from orders.services.cart import cart_line_set
from orders.transitions import A


@transaction.atomic
def reorder_to_cart(*, actor: Actor, order_id: int) -> tuple[int, list[str]]:
    """(lines added, problems): each line of the order goes to the cart with its ordered quantity; a
    product no longer on sale, or without enough stock, is reported instead of failing the rest."""
    order = order_get_for(actor=actor, order_id=order_id)
    ORDER_POLICY.authorize(actor=actor, obj=order, action=A.REORDER)
    added, problems = 0, []
    for line in order.lines.all():
        try:
            with transaction.atomic():
                cart_line_set(actor=actor, product_id=line.product_id, quantity=line.quantity_ordered, add=True)
            added += 1
        except ApplicationError as error:
            detail = "; ".join(m for msgs in error.fields.values() for m in msgs) or error.message
            problems.append(f"{line.product_name}: {detail}")
    return added, problems
