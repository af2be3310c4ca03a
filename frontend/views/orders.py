"""Order pages for buyers, cooperatives and alliance staff: cart, checkout (double-click safe), order lists
(the buyer's history with filters, the cooperative's inbox), order detail with its actions, invoice
download, sales summary, requests for quotation with the quotes side by side.

Thin: every read is an orders selector, every write an orders service. What people type is read by the
schemas of orders/inputs.py (`SchemaForm`, or `read_input` in form mode for rows of per-line quantities);
the buttons shown are the policies' answer (orders/policy.py), each carrying `data-action`. A refused
write shows the page again with what was typed and the reason next to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Category
from frontend.charts import bar_chart_svg
from frontend.decorators import actor_required
from frontend.errors import page_message, refusal_messages, say_refused
from frontend.schema_forms import SchemaForm
from frontend.templatetags.market import qty
from market.core.errors import ApplicationError
from market.core.http import generated_file
from market.core.inputs import InputMode, read_input
from market.core.parsing import format_input_decimal
from market.core.quantity import UNIT_SYMBOLS, Unit, convert, is_mass_unit
from market.organisations import geo
from market.organisations.http import MemberRequest
from market.organisations.permissions import Actor
from market.payments.permissions import PAYMENTS_REFUND
from orders import inputs, selectors, services
from orders.models import Order, OrderLine, OrderStatus, Rfq
from orders.permissions import CART_MANAGE, ORDERS_VIEW_ALL, RFQ_CREATE
from orders.policy import (
    OrderAction,
    checkout_actions,
    order_actions,
    quote_actions,
    rfq_actions,
)

A = OrderAction


# --- cart ----------------------------------------------------------------------------------------
@dataclass
class QuantityRow:
    """A quantity input of a row form: its name, what it shows (what was typed, after a refusal) and the
    messages about it."""

    name: str
    value: str
    errors: list[str]
    hint: str = ""


def _row(
    name: str, default: Decimal | None, posted: Mapping[str, Any] | None, errors: Mapping[str, list[str]]
) -> QuantityRow:
    value = str(posted.get(name, "")) if posted is not None else format_input_decimal(default)
    return QuantityRow(name=name, value=value, errors=list(errors.get(name, [])))


def _cart_page(
    request: MemberRequest, *, posted_line: int | None = None, error: ApplicationError | None = None
) -> HttpResponse:
    cart = selectors.cart_view(actor=request.actor)
    groups = []
    for group in cart.groups:
        rows = []
        for row in group.rows:
            mine = row.line.pk == posted_line
            failed = {"quantity": refusal_messages(error)} if mine and error is not None else {}
            rows.append((row, _row("quantity", row.line.quantity, request.POST if mine else None, failed)))
        groups.append((group, rows))
    return render(
        request,
        "frontend/orders/cart.html",
        {"cart": cart, "groups": groups, "actions": checkout_actions(actor=request.actor, cart=cart.state)},
        status=400 if error is not None else 200,
    )


def _back_to_product(request: MemberRequest, target: str) -> HttpResponse:
    """Back to the product page that added, with what the person typed, so it is not lost."""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("frontend:cart")
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}{urlencode({'quantity': request.POST.get('quantity', '')})}")


@actor_required(CART_MANAGE)
@require_http_methods(["GET", "POST"])
def cart(request: MemberRequest) -> HttpResponse:
    if request.method != "POST":
        return _cart_page(request)
    actor = request.actor
    page = read_input(inputs.CartPageInput, request.POST, mode=InputMode.FORM)
    action = page["action"]
    if action == inputs.CartPageAction.ADD:
        try:
            line = inputs.read_cart_line(request.POST, InputMode.FORM)
            services.cart_line_set(
                actor=actor, product_id=line["product"], lot_id=line.get("lot"), quantity=line["quantity"], add=True
            )
        except ApplicationError as error:
            say_refused(request, error)
            return _back_to_product(request, page.get("next", ""))
        messages.success(request, _("Added to your cart."))
        return redirect("frontend:cart")
    line_id = read_input(inputs.CartLineRefInput, request.POST, mode=InputMode.FORM)["line"]
    try:
        if action == inputs.CartPageAction.UPDATE:
            unit = selectors.cart_line_unit(actor=actor, line_id=line_id)
            fields = read_input(inputs.CartQuantityInput, request.POST, mode=InputMode.FORM, context={"unit": unit})
            services.cart_line_update(actor=actor, line_id=line_id, quantity=fields["quantity"])
            messages.success(request, _("Quantity updated."))
        else:
            services.cart_line_remove(actor=actor, line_id=line_id)
            messages.success(request, _("Removed from your cart."))
    except ApplicationError as error:
        if error.status_code != 404:
            return _cart_page(request, posted_line=line_id, error=error)
        # The line is gone: "Remove" pressed twice, or removed in another tab. Removing it again is done; changing
        # it is said so, on the cart as it is now rather than a missing page.
        if action == inputs.CartPageAction.UPDATE:
            messages.error(request, _("This line is no longer in your cart."))
        else:
            messages.success(request, _("Removed from your cart."))
    return redirect("frontend:cart")


@actor_required(CART_MANAGE)
@require_http_methods(["GET", "POST"])
def checkout(request: MemberRequest) -> HttpResponse:
    """The form carries a one-time key made when it is shown: pressing "Place order" twice (or going back
    and pressing it again) returns the checkout already placed instead of a second one."""
    actor = request.actor
    buyer = actor.organisation
    assert buyer is not None
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.CheckoutPageInput,
        initial={
            "delivery_address": buyer.full_address,
            "delivery_province_code": buyer.province_code,
            "invoice_tax_code": buyer.tax_code,
            "invoice_legal_name": buyer.legal_name,
            "invoice_address": buyer.full_address,
            "invoice_email": buyer.email or request.user.email,
        },
        exclude=["key"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            placed, _created = services.checkout_place(
                actor=actor,
                details=inputs.checkout_details(form.cleaned_data),
                idempotency_key=form.cleaned_data.get("key", ""),
            )
            return redirect("frontend:checkout-done", checkout_id=placed.pk)
        except ApplicationError as error:
            form.add_service_errors(error)
    cart_now = selectors.cart_view(actor=actor)
    return render(
        request,
        "frontend/orders/checkout.html",
        {
            "cart": cart_now,
            "form": form,
            "key": form.data.get("key") if form.is_bound else uuid.uuid4().hex,
            "actions": checkout_actions(actor=actor, cart=cart_now.state),
        },
        status=400 if form.errors else 200,
    )


@actor_required(CART_MANAGE)
def checkout_done(request: MemberRequest, checkout_id: int) -> HttpResponse:
    actor = request.actor
    placed = selectors.checkout_get_for(actor=actor, checkout_id=checkout_id)
    rows = []
    for order in selectors.checkout_orders(checkout=placed):
        balance = selectors.order_balance(order=order, payable=selectors.payable_for(order))
        rows.append((order, balance.payable, order_actions(actor=actor, balance=balance)))
    return render(request, "frontend/orders/checkout_done.html", {"checkout": placed, "rows": rows})


# --- lists ---------------------------------------------------------------------------------------
@actor_required()
def order_list(request: MemberRequest) -> HttpResponse:
    """A buyer's order history (filters), a cooperative's inbox (new, to ship, overdue), staff: all."""
    actor = request.actor
    form = SchemaForm(request.GET or None, schema=inputs.OrderFilterInput, exclude=["view", "cooperative", "buyer"])
    fields: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        fields = dict(form.cleaned_data)
    view = fields.get("view") or (inputs.Inbox.NEW if actor.is_seller else inputs.Inbox.ALL)
    orders = (
        list(
            selectors.orders_filtered(actor=actor, fields={**fields, "view": view}).order_by("-created_at", "-id")[:100]
        )
        if not form.errors
        else []
    )
    return render(
        request,
        "frontend/orders/list.html",
        {
            "orders": orders,
            "form": form,
            "is_seller": actor.is_seller,
            "is_buyer": actor.is_buyer,
            # An empty list says "nothing matches" (with a way out) rather than "no order yet".
            "filtered": any(value not in (None, "") for name, value in fields.items() if name != "view"),
            "views": inputs.Inbox.choices,
            "view": view,
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


# --- detail and actions --------------------------------------------------------------------------
@dataclass
class Refusal:
    """A write the service refused: which form, what was posted, why (field messages and the rest)."""

    action: OrderAction
    posted: QueryDict
    error: ApplicationError

    @property
    def fields(self) -> dict[str, list[str]]:
        return self.error.fields


def _line_rows(
    lines: list[OrderLine], *, action: OrderAction, default: Callable[[OrderLine], Decimal], refusal: Refusal | None
) -> list[tuple[OrderLine, QuantityRow]]:
    mine = refusal is not None and refusal.action == action
    posted = refusal.posted if refusal is not None and mine else None
    errors = refusal.fields if refusal is not None and mine else {}
    return [(line, _row(f"quantities.{line.pk}", default(line), posted, errors)) for line in lines]


class RefusedForm(SchemaForm):
    """The form of a refused write, bound to what was posted, showing the refusal's messages: those about
    its own fields next to them, the rest (but the rows' own) at its top."""

    def __init__(self, data: QueryDict, *, error: ApplicationError, **kwargs: Any) -> None:
        self.refusal = error
        super().__init__(data, **kwargs)

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}
        if not self.refusal.fields:
            self.add_error(None, page_message(self.refusal))
            return
        for name, texts in self.refusal.fields.items():
            if name.startswith("quantities."):
                continue  # shown beside its row
            for text in texts:
                self.add_error(name if name in self.fields else None, text)


def _form(schema: type[Any], action: OrderAction, refusal: Refusal | None, *, prefix: str) -> SchemaForm:
    """The form of one action: showing what was posted and why it was refused, when it was."""
    if refusal is not None and refusal.action == action:
        return RefusedForm(refusal.posted, error=refusal.error, schema=schema, exclude=["quantities"], prefix=prefix)
    return SchemaForm(None, schema=schema, exclude=["quantities"], prefix=prefix)


def _detail_page(request: MemberRequest, order_id: int, refusal: Refusal | None = None) -> HttpResponse:
    actor = request.actor
    order = selectors.order_get_for(actor=actor, order_id=order_id)
    balance = selectors.order_balance(order=order, payable=selectors.payable_for(order))
    actions = order_actions(actor=actor, balance=balance)
    if refusal is not None and refusal.action not in actions:
        # Refused because the order moved on (the other party acted, a second click): the action's form, which
        # would show why, is no longer on the page.
        say_refused(request, refusal.error)
    lines = list(order.lines.all())
    left = {line.pk: line.quantity_confirmed - line.quantity_shipped for line in lines}
    return render(
        request,
        "frontend/orders/detail.html",
        {
            "order": order,
            "lines": lines,
            "events": list(order.events.all()),
            "shipments": list(order.shipments.all()),
            "invoices": list(order.invoices.all()),
            "balance": balance,
            "actions": actions,
            "is_seller": actor.organisation_id == order.cooperative_id,
            "refund_by_card": actor.can(PAYMENTS_REFUND),
            "refused": refusal.action if refusal else "",
            "confirm_rows": _line_rows(
                lines, action=A.CONFIRM, default=lambda ln: ln.quantity_ordered, refusal=refusal
            ),
            "ship_rows": [
                (line, replace(row, hint=_("left to ship: %(left)s") % {"left": qty(left[line.pk], line.unit)}))
                for line, row in _line_rows(lines, action=A.SHIP, default=lambda ln: left[ln.pk], refusal=refusal)
                if left[line.pk] > 0
            ],
            "deliver_rows": _line_rows(
                lines, action=A.DELIVER, default=lambda ln: ln.quantity_shipped, refusal=refusal
            ),
            "confirm_form": _form(inputs.ConfirmInput, A.CONFIRM, refusal, prefix="confirm"),
            "ship_form": _form(inputs.ShipInput, A.SHIP, refusal, prefix="ship"),
            "deliver_form": _form(inputs.DeliverInput, A.DELIVER, refusal, prefix="deliver"),
            "cancel_form": _form(inputs.CancelInput, A.CANCEL, refusal, prefix="cancel"),
            "refund_form": _form(inputs.BalanceRefundInput, A.REFUND_BALANCE, refusal, prefix="refund"),
            "credit_form": _form(inputs.BalanceCreditInput, A.CREDIT_BALANCE, refusal, prefix="credit"),
        },
        status=400 if refusal is not None else 200,
    )


@actor_required()
def order_detail(request: MemberRequest, order_id: int) -> HttpResponse:
    return _detail_page(request, order_id)


def _posted(request: MemberRequest, prefix: str) -> QueryDict:
    """A form's fields without its prefix (the per-line quantities carry none)."""
    plain = QueryDict(mutable=True)
    start = f"{prefix}-"
    for key in request.POST:
        name = key[len(start) :] if key.startswith(start) else key
        plain.setlist(name, request.POST.getlist(key))
    return plain


def _confirm(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    fields = read_input(inputs.ConfirmInput, data, mode=InputMode.FORM, context={"line_units": units})
    confirmed = services.order_confirm(
        actor=actor, order_id=order.pk, quantities=fields.get("quantities"), note=fields.get("note", "")
    )
    if confirmed.status == OrderStatus.CHANGES_PROPOSED:  # a quantity was lowered: not confirmed until accepted
        return _("New quantities sent; the order is confirmed once the buyer accepts them.")
    return _("Order confirmed.")


def _accept_changes(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    services.order_accept_changes(actor=actor, order_id=order.pk)
    return _("You accepted the new quantities; the order is confirmed.")


def _ship(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    fields = read_input(inputs.ShipInput, data, mode=InputMode.FORM, context={"line_units": units})
    services.shipment_create(actor=actor, order_id=order.pk, **fields)
    return _("Shipment recorded; the buyer has been told.")


def _deliver(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    fields = read_input(inputs.DeliverInput, data, mode=InputMode.FORM, context={"line_units": units})
    services.order_deliver(
        actor=actor, order_id=order.pk, quantities=fields.get("quantities"), note=fields.get("note", "")
    )
    return _("Delivery recorded and the invoice issued.")


def _complete(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    services.order_complete(actor=actor, order_id=order.pk)
    return _("Order completed.")


def _cancel(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    fields = read_input(inputs.CancelInput, data, mode=InputMode.FORM)
    services.order_cancel(actor=actor, order_id=order.pk, reason=fields.get("reason", ""))
    return _("Order cancelled; the stock is back on sale.")


def _refund_balance(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    fields = read_input(inputs.BalanceRefundInput, data, mode=InputMode.FORM)
    services.order_balance_refund(actor=actor, order_id=order.pk, **fields)
    return _("The balance is on its way back to the buyer, who has been told.")


def _credit_balance(actor: Actor, order: Order, data: QueryDict, units: dict[int, str]) -> str:
    fields = read_input(inputs.BalanceCreditInput, data, mode=InputMode.FORM)
    services.order_balance_credit(actor=actor, order_id=order.pk, **fields)
    return _("The balance is kept as credit for the buyer's next order; the buyer has been told.")


Handler = Callable[[Actor, Order, QueryDict, dict[int, str]], str]
HANDLERS: dict[OrderAction, tuple[str, Handler]] = {
    A.CONFIRM: ("confirm", _confirm),
    A.ACCEPT_CHANGES: ("accept", _accept_changes),
    A.SHIP: ("ship", _ship),
    A.DELIVER: ("deliver", _deliver),
    A.COMPLETE: ("complete", _complete),
    A.CANCEL: ("cancel", _cancel),
    A.REFUND_BALANCE: ("refund", _refund_balance),
    A.CREDIT_BALANCE: ("credit", _credit_balance),
}


@actor_required()
@require_POST
def order_action(request: MemberRequest, order_id: int, action: str) -> HttpResponse:
    actor = request.actor
    try:
        verb = OrderAction(action)
        prefix, handler = HANDLERS[verb]
    except (ValueError, KeyError):
        raise Http404 from None
    order = selectors.order_get_for(actor=actor, order_id=order_id)
    data = _posted(request, prefix)
    try:
        done = handler(actor, order, data, {line.pk: line.unit for line in order.lines.all()})
    except ApplicationError as error:
        if error.status_code == 404:
            raise
        return _detail_page(request, order_id, Refusal(action=verb, posted=request.POST, error=error))
    messages.success(request, done)
    return redirect("frontend:order-detail", order_id=order_id)


@actor_required(CART_MANAGE)
@require_POST
def order_reorder(request: MemberRequest, order_id: int) -> HttpResponse:
    added, problems = services.reorder_to_cart(actor=request.actor, order_id=order_id)
    if added:
        messages.success(request, _("The products of this order are in your cart at today's prices."))
    for problem in problems:
        messages.warning(request, problem)
    return redirect("frontend:cart")


@actor_required()
def invoice_pdf(request: MemberRequest, invoice_id: int) -> HttpResponse:
    from orders.invoice_documents import invoice_pdf as render_pdf

    invoice = selectors.invoice_get_for(actor=request.actor, invoice_id=invoice_id)
    return generated_file(
        request, render_pdf(invoice), content_type="application/pdf", public=False,
        filename=f"{invoice.display_number}.pdf",
    )  # fmt: skip


# --- sales summary -------------------------------------------------------------------------------
@actor_required()
def sales(request: MemberRequest) -> HttpResponse:
    summary = selectors.sales_summary(actor=request.actor)
    months = [(row["month"].strftime("%m/%Y"), row["total"] or 0) for row in summary["by_month"]]
    return render(
        request,
        "frontend/orders/sales.html",
        {
            "summary": summary,
            "chart": bar_chart_svg(months, chart_id="sales-by-month", title=_("Sales by month (before VAT)"))
            if months
            else "",
            "months": months,
        },
    )


# --- quotations ----------------------------------------------------------------------------------
def _rfq_form(data: QueryDict | None) -> SchemaForm:
    categories = [(c.pk, c.name) for c in Category.objects.order_by("position", "name_vi")]
    return SchemaForm(
        data,
        schema=inputs.RfqInput,
        initial={"unit": Unit.KG},
        choices={"category": categories, "unit": Unit.choices},
        exclude=["product", "closes_at"],
    )


@actor_required()
@require_http_methods(["GET", "POST"])
def rfqs(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    form = _rfq_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rfq = services.rfq_create(actor=actor, request=inputs.rfq_request(form.cleaned_data))
            messages.success(request, _("Your request was sent to the cooperatives."))
            return redirect("frontend:rfq", rfq_id=rfq.pk)
        except ApplicationError as error:
            form.add_service_errors(error)
    filters = SchemaForm(request.GET or None, schema=inputs.RfqFilterInput)
    status = filters.cleaned_data.get("status") if filters.is_bound and filters.is_valid() else None
    listed = list(selectors.rfq_list_for(actor=actor, status=status)[:100]) if not filters.errors else []
    return render(
        request,
        "frontend/orders/rfqs.html",
        {
            "rfqs": listed,
            "filters": filters,
            "form": form,
            "can_create": actor.can(RFQ_CREATE),
        },
        status=400 if form.errors or filters.errors else 200,
    )


def _quote_products(actor: Actor) -> list[Any]:
    from catalog.selectors import product_list_for

    return list(product_list_for(actor=actor, status="published")[:200]) if actor.is_seller else []


def _quote_initial(rfq: Rfq, products: list[Any]) -> dict[str, Any]:
    """The request's own product when it is ours, else our first; the request's quantity in its unit."""
    chosen = next((p for p in products if p.pk == rfq.product_id), products[0] if products else None)
    initial: dict[str, Any] = {"valid_until": timezone.localdate() + timedelta(days=7)}
    if chosen is None:
        return initial
    initial["product"] = chosen.pk
    if chosen.unit == rfq.unit or (is_mass_unit(chosen.unit) and is_mass_unit(rfq.unit)):
        initial["quantity"] = convert(rfq.quantity, rfq.unit, chosen.unit)
    return initial


def _quote_form(rfq: Rfq, products: list[Any], posted: QueryDict | None) -> SchemaForm:
    units = {p.unit for p in products}
    unit = next(iter(units)) if len(units) == 1 else None
    product_id = inputs.posted_id(posted, "product") if posted is not None else None
    chosen = next((p.unit for p in products if p.pk == product_id), unit)
    form = SchemaForm(
        posted,
        schema=inputs.QuoteInput,
        initial=_quote_initial(rfq, products),
        context={"unit": chosen},
        choices={"product": [(p.pk, f"{p.name} ({UNIT_SYMBOLS.get(p.unit, p.unit)})") for p in products]},
    )
    if unit is not None:
        symbol = UNIT_SYMBOLS.get(unit, unit)
        form.fields["quantity"].label = _("Quantity (%(unit)s)") % {"unit": symbol}
        form.fields["unit_price"].label = _("Unit price (₫/%(unit)s)") % {"unit": symbol}
    return form


def _rfq_page(request: MemberRequest, rfq_id: int, quote_form: SchemaForm | None = None) -> HttpResponse:
    actor = request.actor
    item = selectors.rfq_get_for(actor=actor, rfq_id=rfq_id)
    quotes = selectors.quotes_for(actor=actor, rfq=item)
    products = _quote_products(actor)
    return render(
        request,
        "frontend/orders/rfq.html",
        {
            "rfq": item,
            "quotes": [(quote, quote_actions(actor=actor, quote=quote)) for quote in quotes],
            "compare": item.buyer_id == actor.organisation_id or actor.can(ORDERS_VIEW_ALL),
            "actions": rfq_actions(actor=actor, rfq=item),
            "form": quote_form or _quote_form(item, products, None),
            "province": geo.province(item.delivery_province_code),
            "kg": convert(item.quantity, item.unit, Unit.KG)
            if is_mass_unit(item.unit) and item.unit != Unit.KG
            else None,
        },
        status=400 if quote_form is not None else 200,
    )


@actor_required()
@require_http_methods(["GET", "POST"])
def rfq(request: MemberRequest, rfq_id: int) -> HttpResponse:
    actor = request.actor
    if request.method != "POST":
        return _rfq_page(request, rfq_id)
    item = selectors.rfq_get_for(actor=actor, rfq_id=rfq_id)
    action = read_input(inputs.RfqPageInput, request.POST, mode=InputMode.FORM)["action"]
    if action == inputs.RfqPageAction.QUOTE:
        products = _quote_products(actor)
        form = _quote_form(item, products, request.POST)
        if not form.is_valid():
            return _rfq_page(request, rfq_id, quote_form=form)
        try:
            fields = form.cleaned_data
            services.quote_submit(
                actor=actor,
                rfq_id=rfq_id,
                product_id=fields["product"],
                quantity=fields["quantity"],
                unit_price=fields["unit_price"],
                valid_until=fields.get("valid_until"),
                note=fields.get("note", ""),
            )
        except ApplicationError as error:
            if error.status_code == 404:
                raise
            form.add_service_errors(error)
            return _rfq_page(request, rfq_id, quote_form=form)
        messages.success(request, _("Your quote was sent to the buyer."))
        return redirect("frontend:rfq", rfq_id=rfq_id)
    try:
        if action == inputs.RfqPageAction.CLOSE:
            services.rfq_close(actor=actor, rfq_id=rfq_id)
            messages.success(request, _("Request closed."))
            return redirect("frontend:rfq", rfq_id=rfq_id)
        quote_id = read_input(inputs.QuoteRefInput, request.POST, mode=InputMode.FORM)["quote"]
        if action == inputs.RfqPageAction.WITHDRAW:
            services.quote_withdraw(actor=actor, quote_id=quote_id)
            messages.success(request, _("Quote withdrawn."))
            return redirect("frontend:rfq", rfq_id=rfq_id)
        order = services.quote_accept(actor=actor, quote_id=quote_id)
    except ApplicationError as error:
        if error.status_code == 404:
            raise
        say_refused(request, error)
        return redirect("frontend:rfq", rfq_id=rfq_id)
    messages.success(request, _("Quote accepted: here is your order."))
    return redirect("frontend:order-detail", order_id=order.pk)
