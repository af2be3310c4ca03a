"""Payment template tags for any page: `{% payable_status "orders.order" order.pk %}` (the compact status of a
payable, with a Pay button when the actor may pay) and `{% payable_actions payable as actions %}` (what the
page's actor may do with a payable now: the payable policy)."""

from __future__ import annotations

from typing import Any

from django import template

from market.payments import selectors
from market.payments.models import Payable
from market.payments.policy import PayableAction
from market.payments.policy import payable_actions as policy_actions

register = template.Library()


@register.inclusion_tag("frontend/payments/_status.html", takes_context=True)
def payable_status(context: template.Context, kind: str, object_id: Any) -> dict[str, Any]:
    actor = getattr(context.get("request"), "actor", None)
    payable = selectors.payable_for_object(actor=actor, kind=kind, object_id=object_id) if actor else None
    return {"payable": payable, "actor": actor, "compact": True}


@register.simple_tag(takes_context=True)
def payable_actions(context: template.Context, payable: Payable) -> frozenset[PayableAction]:
    actor = context.get("actor")
    return policy_actions(actor=actor, payable=payable) if actor is not None else frozenset()
