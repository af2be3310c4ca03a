"""Order pages for buyers and cooperatives: cart, checkout, confirmation, order lists and detail with the
lifecycle actions, shipments, invoices, sales summary. Thin: every read is an orders selector, every write
an orders service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from frontend.decorators import actor_required
from orders import selectors


@actor_required()
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get_for(actor=request.actor, order_id=order_id)  # type: ignore[attr-defined]
    return render(request, "frontend/orders/detail.html", {"order": order})
