"""Order pages for buyers and cooperatives: cart, checkout (double-click safe), confirmation, order lists
(the buyer's history with filters, the cooperative's inbox), order detail with the lifecycle actions and
shipment form, invoice download, sales summary, requests for quotation. Thin: every read is an orders
selector, every write an orders service."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Category
from frontend.decorators import actor_required
from frontend.order_charts import bar_chart_svg
from market.core.errors import ApplicationError
from market.core.quantity import Unit
from market.organisations import geo
from orders import selectors, services
from orders.models import OrderSource, OrderStatus, RfqStatus
from orders.permissions import CART_MANAGE, RFQ_CREATE
from orders.services.common import TRANSITIONS


def _messages_of(error: ApplicationError) -> list[str]:
    return [m for msgs in error.fields.values() for m in msgs] or [error.message]


def _fail(request: HttpRequest, error: ApplicationError) -> None:
    for text in _messages_of(error):
        messages.error(request, text)


def _quantities(request: HttpRequest, prefix: str = "quantity-") -> dict[str, str]:
    return {
        key[len(prefix) :]: value.strip().replace(",", ".")
        for key, value in request.POST.items()
        if key.startswith(prefix) and value.strip() != ""
    }


# --- cart ----------------------------------------------------------------------------------------
@actor_required(CART_MANAGE)
@require_http_methods(["GET", "POST"])
def cart(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        action = request.POST.get("action", "add")
        try:
            if action == "add":
                lot = request.POST.get("lot") or None
                services.cart_line_set(
                    actor=actor,
                    product_id=int(request.POST.get("product") or 0),
                    lot_id=int(lot) if lot else None,
                    quantity=request.POST.get("quantity", "").replace(",", "."),
                    add=True,
                )
                messages.success(request, _("Added to your cart."))
            elif action == "update":
                services.cart_line_update(
                    actor=actor,
                    line_id=int(request.POST.get("line") or 0),
                    quantity=request.POST.get("quantity", "").replace(",", "."),
                )
                messages.success(request, _("Quantity updated."))
            elif action == "remove":
                services.cart_line_remove(actor=actor, line_id=int(request.POST.get("line") or 0))
                messages.success(request, _("Removed from your cart."))
        except ApplicationError as error:
            _fail(request, error)
            back = request.POST.get("next", "")
            if action == "add" and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
        return redirect("frontend:cart")
    groups = selectors.cart_view(actor=actor)
    return render(
        request,
        "frontend/orders/cart.html",
        {
            "groups": groups,
            "total": sum(g.total for g in groups),
            "has_problems": any(r.problem for g in groups for r in g.rows),
        },
    )


@actor_required(CART_MANAGE)
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """The form carries a one-time key made when it is shown: pressing "Place order" twice (or going back
    and pressing it again) returns the checkout already placed instead of a second one."""
    actor = request.actor  # type: ignore[attr-defined]
    groups = selectors.cart_view(actor=actor)
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "").strip() for k in request.POST if k not in ("csrfmiddlewaretoken", "key")}
        key = request.POST.get("key", "")[:100]
        try:
            placed, _created = services.checkout_place(actor=actor, data=data, idempotency_key=key)
            return redirect("frontend:checkout-done", checkout_id=placed.pk)
        except ApplicationError as error:
            errors = error.fields
            messages.error(request, error.message)
    buyer = actor.organisation
    initial = {
        "delivery_address": buyer.full_address,
        "invoice_tax_code": buyer.tax_code,
        "invoice_legal_name": buyer.legal_name,
        "invoice_address": buyer.full_address,
        "invoice_email": buyer.email or actor.user.email,
        **data,
    }
    return render(
        request,
        "frontend/orders/checkout.html",
        {
            "groups": groups,
            "total": sum(g.total for g in groups),
            "form": initial,
            "errors": errors,
            "key": uuid.uuid4().hex,
            "province_choices": geo.province_choices(),
        },
        status=400 if errors else 200,
    )


@actor_required(CART_MANAGE)
def checkout_done(request: HttpRequest, checkout_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    placed = selectors.checkout_get_for(actor=actor, checkout_id=checkout_id)
    orders = selectors.checkout_orders(checkout=placed)
    return render(
        request,
        "frontend/orders/checkout_done.html",
        {"checkout": placed, "rows": [(order, selectors.payable_for(order)) for order in orders]},
    )


# --- lists ---------------------------------------------------------------------------------------
INBOX_VIEWS = [("new", _("New")), ("to_ship", _("To ship")), ("overdue", _("Overdue")), ("all", _("All"))]


@actor_required()
def order_list(request: HttpRequest) -> HttpResponse:
    """A buyer's order history (filters), a cooperative's inbox (new, to ship, overdue), staff: all."""
    actor = request.actor  # type: ignore[attr-defined]
    params = request.GET
    status = params.get("status") if params.get("status") in OrderStatus.values else None
    view = params.get("view", "new" if actor.is_seller else "all")
    placed_from, placed_to = parse_date(params.get("from", "") or ""), parse_date(params.get("to", "") or "")
    cooperative = params.get("cooperative", "")
    queryset = selectors.order_list_for(
        actor=actor,
        status=status,
        view=view if view != "all" else None,
        search=params.get("q") or None,
        cooperative_id=int(cooperative) if cooperative.isdigit() else None,
        placed_from=placed_from,
        placed_to=placed_to,
    ).order_by("-created_at", "-id")
    orders = list(queryset[:100])
    return render(
        request,
        "frontend/orders/list.html",
        {
            "orders": orders,
            "is_seller": actor.is_seller,
            "views": INBOX_VIEWS,
            "view": view,
            "status": status or "",
            "statuses": OrderStatus.choices,
            "q": params.get("q", ""),
            "from": params.get("from", ""),
            "to": params.get("to", ""),
            "today": timezone.localdate(),
        },
    )


# --- detail and actions --------------------------------------------------------------------------
@actor_required()
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    order = selectors.order_get_for(actor=actor, order_id=order_id)
    lines = list(order.lines.all())
    is_seller = actor.organisation_id == order.cooperative_id
    is_buyer = actor.organisation_id == order.buyer_id
    allowed = TRANSITIONS[order.status]
    return render(
        request,
        "frontend/orders/detail.html",
        {
            "order": order,
            "lines": lines,
            "events": list(order.events.all()),
            "shipments": list(order.shipments.all()),
            "invoices": list(order.invoices.all()),
            "payable": selectors.payable_for(order),
            "is_seller": is_seller,
            "is_buyer": is_buyer,
            "can_confirm": is_seller and order.status == OrderStatus.PLACED,
            "can_accept": is_buyer and order.status == OrderStatus.CHANGES_PROPOSED,
            "can_ship": is_seller and OrderStatus.SHIPPED in allowed,
            # A contract call-off is weighed and graded at the buyer's intake (linkage), not recorded here.
            "can_deliver": is_seller and order.status == OrderStatus.SHIPPED and order.source != OrderSource.CONTRACT,
            "can_complete": (is_seller or is_buyer) and order.status == OrderStatus.DELIVERED,
            "can_cancel": (is_seller and OrderStatus.CANCELLED in allowed)
            or (is_buyer and order.status in (OrderStatus.PLACED, OrderStatus.CHANGES_PROPOSED)),
            "left_to_ship": [(line, line.quantity_confirmed - line.quantity_shipped) for line in lines],
        },
    )


ACTIONS = {
    "confirm": lambda actor, order_id, request: services.order_confirm(
        actor=actor, order_id=order_id, quantities=_quantities(request), note=request.POST.get("note", "")
    ),
    "accept": lambda actor, order_id, request: services.order_accept_changes(actor=actor, order_id=order_id),
    "ship": lambda actor, order_id, request: services.shipment_create(
        actor=actor,
        order_id=order_id,
        quantities=_quantities(request),
        carrier=request.POST.get("carrier", ""),
        vehicle=request.POST.get("vehicle", ""),
        tracking_note=request.POST.get("tracking_note", ""),
    ),
    "deliver": lambda actor, order_id, request: services.order_deliver(
        actor=actor, order_id=order_id, quantities=_quantities(request), note=request.POST.get("note", "")
    ),
    "complete": lambda actor, order_id, request: services.order_complete(actor=actor, order_id=order_id),
    "cancel": lambda actor, order_id, request: services.order_cancel(
        actor=actor, order_id=order_id, reason=request.POST.get("reason", "")
    ),
}
DONE = {
    "confirm": _("Order confirmed."),
    "accept": _("You accepted the new quantities; the order is confirmed."),
    "ship": _("Shipment recorded; the buyer has been told."),
    "deliver": _("Delivery recorded and the invoice issued."),
    "complete": _("Order completed."),
    "cancel": _("Order cancelled; the stock is back on sale."),
}


@actor_required()
@require_POST
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if action not in ACTIONS:
        return redirect("frontend:order-detail", order_id=order_id)
    try:
        ACTIONS[action](actor, order_id, request)
        messages.success(request, DONE[action])
    except ApplicationError as error:
        if error.status_code == 404:
            raise
        _fail(request, error)
    return redirect("frontend:order-detail", order_id=order_id)


@actor_required(CART_MANAGE)
@require_POST
def order_reorder(request: HttpRequest, order_id: int) -> HttpResponse:
    added, problems = services.reorder_to_cart(actor=request.actor, order_id=order_id)  # type: ignore[attr-defined]
    if added:
        messages.success(request, _("The products of this order are in your cart at today's prices."))
    for problem in problems:
        messages.warning(request, problem)
    return redirect("frontend:cart")


@actor_required()
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    from orders.invoice_documents import invoice_pdf as render_pdf

    invoice = selectors.invoice_get_for(actor=request.actor, invoice_id=invoice_id)  # type: ignore[attr-defined]
    response = HttpResponse(render_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.display_number}.pdf"'
    return response


# --- sales summary -------------------------------------------------------------------------------
@actor_required()
def sales(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    summary = selectors.sales_summary(actor=actor)
    months = [(row["month"].strftime("%m/%Y"), row["total"] or 0) for row in summary["by_month"]]
    return render(
        request,
        "frontend/orders/sales.html",
        {
            "summary": summary,
            "chart": bar_chart_svg(months, title=_("Sales by month (before VAT)")) if months else "",
            "months": months,
        },
    )


# --- quotations ----------------------------------------------------------------------------------
@actor_required()
@require_http_methods(["GET", "POST"])
def rfqs(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in request.POST if k != "csrfmiddlewaretoken"}
        try:
            rfq = services.rfq_create(actor=actor, data=form)
            messages.success(request, _("Your request was sent to the cooperatives."))
            return redirect("frontend:rfq", rfq_id=rfq.pk)
        except ApplicationError as error:
            errors = error.fields
            messages.error(request, error.message)
    return render(
        request,
        "frontend/orders/rfqs.html",
        {
            "rfqs": list(selectors.rfq_list_for(actor=actor)[:100]),
            "can_create": actor.can(RFQ_CREATE),
            "form": form,
            "errors": errors,
            "categories": Category.objects.order_by("position", "name_vi"),
            "units": Unit.choices,
            "province_choices": geo.province_choices(),
        },
        status=400 if errors else 200,
    )


@actor_required()
@require_http_methods(["GET", "POST"])
def rfq(request: HttpRequest, rfq_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    item = selectors.rfq_get_for(actor=actor, rfq_id=rfq_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "quote":
                services.quote_submit(
                    actor=actor,
                    rfq_id=rfq_id,
                    data={
                        k: request.POST.get(k, "") for k in ("product", "quantity", "unit_price", "valid_until", "note")
                    },
                )
                messages.success(request, _("Your quote was sent to the buyer."))
            elif action == "withdraw":
                services.quote_withdraw(actor=actor, quote_id=int(request.POST.get("quote") or 0))
                messages.success(request, _("Quote withdrawn."))
            elif action == "accept":
                order = services.quote_accept(actor=actor, quote_id=int(request.POST.get("quote") or 0), data={})
                messages.success(request, _("Quote accepted: here is your order."))
                return redirect("frontend:order-detail", order_id=order.pk)
            elif action == "close":
                services.rfq_close(actor=actor, rfq_id=rfq_id)
                messages.success(request, _("Request closed."))
        except ApplicationError as error:
            _fail(request, error)
        return redirect("frontend:rfq", rfq_id=rfq_id)
    from catalog.selectors import product_list_for

    return render(
        request,
        "frontend/orders/rfq.html",
        {
            "rfq": item,
            "quotes": selectors.quotes_for(actor=actor, rfq=item),
            "is_owner": item.buyer_id == actor.organisation_id,
            "can_quote": actor.is_seller and item.status == RfqStatus.OPEN,
            "my_products": list(product_list_for(actor=actor, status="published")[:200]) if actor.is_seller else [],
            "now": timezone.now(),
            "province": geo.province(item.delivery_province_code),
        },
    )
