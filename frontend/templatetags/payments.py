"""`{% payable_status "orders.order" order.pk %}`: the payment status of any payable, for order pages."""

from __future__ import annotations

from typing import Any

from django import template

from market.payments import selectors

register = template.Library()


@register.inclusion_tag("frontend/payments/_status.html", takes_context=True)
def payable_status(context: dict[str, Any], kind: str, object_id: Any) -> dict[str, Any]:
    actor = getattr(context.get("request"), "actor", None)
    payable = selectors.payable_for_object(actor=actor, kind=kind, object_id=object_id) if actor else None
    return {"payable": payable, "actor": actor, "compact": True}
