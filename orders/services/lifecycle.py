"""Every change of an order after placement. Each verb locks the order (`lock_order`), asks the order policy
(`orders.policy.order_authorize`: 403 for the wrong side or role, 409 for the wrong state), moves it through
`common.TRANSITIONS` (`move`), saves with update_fields and records an event with the actor.

Quantities arrive typed: {line id: Decimal} read by the input schemas (orders/inputs.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import pricing
from catalog.services import trace_event_record
from market.core.errors import ValidationFailed
from market.core.parsing import format_decimal
from market.integrations.registry import emit_event
from market.notifications.services import notify
from market.organisations.permissions import Actor
from orders import webhooks
from orders.models import Order, OrderAllocation, OrderLine, Shipment, ShipmentLine
from orders.policy import order_authorize
from orders.services.common import (
    PAYABLE_KIND,
    S,
    line_quantities,
    lock_order,
    move,
    payment_refresh,
    record_event,
    release_stock,
    reprice,
    seller_settings,
)
from orders.transitions import A, OrderAction, statuses_allowing


def _context(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": order.pk,
        "order_number": order.number,
        "buyer_name": order.buyer.name,
        "cooperative_name": order.cooperative.name,
        "total_vnd": order.total,
        **extra,
    }


# --- confirm -------------------------------------------------------------------------------------
@transaction.atomic
def order_confirm(
    *, actor: Actor, order_id: int, quantities: Mapping[int, Decimal] | None = None, note: str = ""
) -> Order:
    """The cooperative confirms. With smaller quantities for some lines (never more than ordered) the order
    waits for the buyer to accept them (`order_accept_changes`); otherwise it is confirmed at once."""
    order = lock_order(actor=actor, order_id=order_id)
    order_authorize(actor=actor, order=order, action=A.CONFIRM)
    changes = line_quantities(order, quantities or {})
    lines = list(order.lines.all())
    errors: dict[str, list[str]] = {}
    changed: dict[str, str] = {}
    for line in lines:
        new = changes.get(line.pk, line.quantity_ordered)
        if new > line.quantity_ordered:
            errors[f"quantities.{line.pk}"] = [
                _("You can confirm at most the %(q)s ordered.")
                % {"q": pricing.fmt_quantity(line.quantity_ordered, line.unit)}
            ]
        elif new != line.quantity_confirmed:
            changed[str(line.pk)] = f"{new.normalize():f}"
            line.quantity_confirmed = new
    if errors:
        raise ValidationFailed(fields=errors)
    if changed and all(line.quantity_confirmed == 0 for line in lines):
        raise ValidationFailed(
            fields={"quantities": [_("You cannot confirm nothing: cancel the order with a reason instead.")]}
        )
    if changed:
        for line in lines:
            line.save(update_fields=["quantity_confirmed"])
        move(
            order,
            S.CHANGES_PROPOSED,
            verb=A.CONFIRM,
            actor=actor,
            action="changes_proposed",
            note=note,
            data={"quantities": changed},
        )
        notify(
            kind="orders.confirmed",
            recipients=[order.buyer],
            context=_context(order, changes_proposed=True, note=note),
            object_ref=order,
            occurrence="changes",
        )
        return order
    move(order, S.CONFIRMED, verb=A.CONFIRM, actor=actor, action="confirmed", note=note)
    notify(
        kind="orders.confirmed",
        recipients=[order.buyer],
        context=_context(order, changes_proposed=False, note=note),
        object_ref=order,
    )
    emit_event(type=webhooks.ORDER_CONFIRMED, obj=order, organisations=[order.buyer, order.cooperative])
    return order


@transaction.atomic
def order_accept_changes(*, actor: Actor, order_id: int) -> Order:
    """The buyer accepts the cooperative's quantities: the difference goes back to stock, the order is
    re-priced and confirmed."""
    order = lock_order(actor=actor, order_id=order_id)
    order_authorize(actor=actor, order=order, action=A.ACCEPT_CHANGES)
    lines = list(order.lines.all())
    release_stock(order, actor=actor, lines=lines, keep={line.pk: line.quantity_confirmed for line in lines})
    old, new = reprice(order)
    move(
        order,
        S.CONFIRMED,
        verb=A.ACCEPT_CHANGES,
        actor=actor,
        action="changes_accepted",
        data={"total_from": old, "total_to": new},
    )
    payment_refresh(order)
    notify(
        kind="orders.confirmed",
        recipients=[order.cooperative],
        context=_context(order, changes_proposed=False, note=""),
        object_ref=order,
        occurrence="accepted",
    )
    emit_event(type=webhooks.ORDER_CONFIRMED, obj=order, organisations=[order.buyer, order.cooperative])
    return order


# --- ship ----------------------------------------------------------------------------------------
@transaction.atomic
def shipment_create(
    *,
    actor: Actor,
    order_id: int,
    quantities: Mapping[int, Decimal],
    carrier: str = "",
    vehicle: str = "",
    tracking_note: str = "",
    shipped_at: datetime | None = None,
) -> Shipment:
    """Ship some or all of what is left: per-line quantities up to the confirmed quantity. The order
    becomes partly shipped, or shipped once every line is."""
    order = lock_order(actor=actor, order_id=order_id)
    order_authorize(actor=actor, order=order, action=A.SHIP)
    wanted = {k: v for k, v in line_quantities(order, quantities).items() if v > 0}
    if not wanted:
        raise ValidationFailed(fields={"quantities": [_("Enter what this shipment carries for at least one line.")]})
    if shipped_at is not None and shipped_at > timezone.now():
        raise ValidationFailed(fields={"shipped_at": [_("A shipment cannot leave in the future.")]})
    # The time goes on the lots' trace (one step forward): goods cannot have left for an order not yet placed.
    if shipped_at is not None and shipped_at < order.created_at:
        raise ValidationFailed(fields={"shipped_at": [_("A shipment cannot leave before the order was placed.")]})
    lines = {line.pk: line for line in OrderLine.objects.select_for_update().filter(order=order)}
    errors: dict[str, list[str]] = {}
    for line_id, quantity in wanted.items():
        line = lines[line_id]
        left = line.quantity_confirmed - line.quantity_shipped
        if quantity > left:
            errors[f"quantities.{line_id}"] = [
                _("Only %(left)s of %(product)s is left to ship.")
                % {"left": pricing.fmt_quantity(left, line.unit), "product": line.product_name}
            ]
    if errors:
        raise ValidationFailed(fields=errors)
    number = (order.shipments.aggregate(n=Max("number"))["n"] or 0) + 1
    shipment = Shipment.objects.create(
        order=order,
        number=number,
        carrier=carrier,
        vehicle=vehicle,
        tracking_note=tracking_note,
        shipped_at=shipped_at or timezone.now(),
        created_by=actor.user,
    )
    for line_id, quantity in wanted.items():
        line = lines[line_id]
        ShipmentLine.objects.create(shipment=shipment, line=line, quantity=quantity)
        line.quantity_shipped += quantity
        line.save(update_fields=["quantity_shipped"])
        _trace_forward(order, line, quantity, shipment)
    complete = all(line.quantity_shipped == line.quantity_confirmed for line in lines.values())
    to = S.SHIPPED if complete else S.PARTLY_SHIPPED
    move(
        order,
        to,
        verb=A.SHIP,
        actor=actor,
        action="shipped" if complete else "partly_shipped",
        data={"shipment": number},
    )
    notify(
        kind="orders.shipped",
        recipients=[order.buyer],
        context=_context(
            order, shipment_number=number, carrier=shipment.carrier, vehicle=shipment.vehicle, complete=complete
        ),
        object_ref=order,
        occurrence=f"shipment-{number}",
    )
    emit_event(
        type=webhooks.ORDER_SHIPPED,
        obj=order,
        organisations=[order.buyer, order.cooperative],
        occurrence=f"shipment-{number}",
    )
    return shipment


def _trace_forward(order: Order, line: OrderLine, quantity: Decimal, shipment: Shipment) -> None:
    """One step forward on the lots' trace: what left for which buyer (Circular 02/2024)."""
    remaining = quantity
    for allocation in OrderAllocation.objects.filter(line=line).select_related("lot").order_by("id"):
        if remaining <= 0:
            break
        part = min(allocation.held, remaining)
        if part <= 0:
            continue
        trace_event_record(
            lot=allocation.lot,
            kind="shipment",
            occurred_at=shipment.shipped_at,
            description=f"Giao theo đơn {order.number}",
            party=order.buyer.legal_name or order.buyer.name,
            party_reference=order.number or "",
            quantity=part,
            unit=line.unit,
            document_reference=f"{order.number}/{shipment.number}",
        )
        remaining -= part


# --- deliver, complete ---------------------------------------------------------------------------
@transaction.atomic
def order_deliver(
    *, actor: Actor, order_id: int, quantities: Mapping[int, Decimal] | None = None, note: str = ""
) -> Order:
    """Record what arrived. Bulk produce is variable weight: a delivered quantity may differ from the
    shipped one within the cooperative's tolerance; the order is re-priced on what was delivered and the
    payment side is told the new amount. A delivery lighter than what was already paid leaves a balance
    owed to the buyer: both sides hear of it and the order page offers to settle it. Outside the
    tolerance: refused."""
    order = lock_order(actor=actor, order_id=order_id)
    order_authorize(actor=actor, order=order, action=A.DELIVER)
    given = line_quantities(order, quantities or {})
    tolerance = seller_settings(order.cooperative_id).weight_tolerance_percent
    lines = list(OrderLine.objects.select_for_update().filter(order=order).order_by("position", "id"))
    errors: dict[str, list[str]] = {}
    for line in lines:
        delivered = given.get(line.pk, line.quantity_shipped)
        allowed = line.quantity_shipped * tolerance / Decimal(100)
        if abs(delivered - line.quantity_shipped) > allowed:
            errors[f"quantities.{line.pk}"] = [
                _(
                    "%(delivered)s differs from the %(shipped)s shipped by more than your tolerance of "
                    "%(tolerance)s%%: check the weighing, or agree a correction with the buyer."
                )
                % {
                    "delivered": pricing.fmt_quantity(delivered, line.unit),
                    "shipped": pricing.fmt_quantity(line.quantity_shipped, line.unit),
                    "tolerance": format_decimal(tolerance),
                }
            ]
        line.quantity_delivered = delivered
    if errors:
        raise ValidationFailed(fields=errors)
    for line in lines:
        line.save(update_fields=["quantity_delivered"])
    return _delivered(order, verb=A.DELIVER, actor=actor, note=note)


def _delivered(order: Order, *, verb: OrderAction, actor: Actor, note: str) -> Order:
    """The delivered quantities (and prices) are on the lines: re-price the order, move it to delivered,
    tell payments the new amount, issue the invoice and tell the buyer."""
    old, new = reprice(order)
    move(
        order,
        S.DELIVERED,
        verb=verb,
        actor=actor,
        action="delivered",
        note=note,
        data={"total_from": old, "total_to": new},
    )
    payable = payment_refresh(order)
    from orders.services.invoices import invoice_issue

    invoice = invoice_issue(order=order, actor=actor)
    notify(
        kind="orders.delivered",
        recipients=[order.buyer],
        context=_context(order, invoice_number=invoice.display_number),
        object_ref=order,
    )
    emit_event(type=webhooks.ORDER_DELIVERED, obj=order, organisations=[order.buyer, order.cooperative])
    if payable is not None and payable.overpaid > 0:
        from orders.services.balances import announce_over_payment

        announce_over_payment(order, payable=payable, actor=actor)
    return order


@transaction.atomic
def order_receive_graded(
    *, actor: Actor, order_id: int, line_id: int, quantity: Decimal, unit_price: int, note: str = ""
) -> Order:
    """A linkage contract's call-off arrives at the buyer's gate: the buyer records the accepted (net) weight
    of a shipped order's line and the unit price its grading gives. The order is re-priced on them, payments
    are told the new amount and the invoice is issued on what was accepted. The contract (linkage) computes
    both numbers and authorises the intake; the order policy says whether this order can be received so."""
    order = lock_order(actor=actor, order_id=order_id)
    order_authorize(actor=actor, order=order, action=A.RECEIVE_GRADED)
    line = OrderLine.objects.select_for_update().filter(order=order, pk=line_id).first()
    if line is None:
        raise ValidationFailed(fields={"line": [_("This line is not part of the order.")]})
    line.quantity_delivered = quantity
    line.unit_price = unit_price
    line.save(update_fields=["quantity_delivered", "unit_price"])
    return _delivered(order, verb=A.RECEIVE_GRADED, actor=actor, note=note)


@transaction.atomic
def order_complete(*, actor: Actor, order_id: int) -> Order:
    """The buyer (or the cooperative) closes a delivered order."""
    order = lock_order(actor=actor, order_id=order_id)
    order_authorize(actor=actor, order=order, action=A.COMPLETE)
    return move(order, S.COMPLETED, verb=A.COMPLETE, actor=actor, action="completed")


# --- cancel --------------------------------------------------------------------------------------
def _cancel(order: Order, *, actor: Actor | None, reason: str, action: str) -> Order:
    release_stock(order, actor=actor)
    order.cancel_reason = reason
    move(order, S.CANCELLED, verb=A.CANCEL, actor=actor, action=action, note=reason, fields=["cancel_reason"])
    from market.payments.services import payable_cancel

    payable_cancel(kind=PAYABLE_KIND, object_id=order.pk)
    notify(
        kind="orders.cancelled",
        recipients=[order.buyer, order.cooperative],
        context=_context(order, reason=reason),
        object_ref=order,
    )
    emit_event(type=webhooks.ORDER_CANCELLED, obj=order, organisations=[order.buyer, order.cooperative])
    return order


@transaction.atomic
def order_cancel(*, actor: Actor, order_id: int, reason: str = "") -> Order:
    """The buyer cancels before the cooperative confirmed; the cooperative (owner or manager) cancels
    until it ships, with a reason. The stock goes back to the lots."""
    order = lock_order(actor=actor, order_id=order_id)
    order_authorize(actor=actor, order=order, action=A.CANCEL)
    if actor.organisation_id == order.buyer_id:
        return _cancel(order, actor=actor, reason=reason or _("Cancelled by the buyer."), action="cancelled_by_buyer")
    if len(reason) < 3:
        raise ValidationFailed(fields={"reason": [_("Tell the buyer why the order is cancelled.")]})
    return _cancel(order, actor=actor, reason=reason, action="cancelled_by_cooperative")


def orders_expire_unpaid(*, now: datetime | None = None, limit: int = 500) -> int:
    """Cancel unpaid orders whose payment window has passed (before shipping), returning their stock.
    Each order in its own transaction, locked and checked again, so a payment arriving meanwhile wins."""
    from orders.models import PaymentStatus

    now = now or timezone.now()
    cancellable = statuses_allowing(A.CANCEL)
    unpaid = {"payment_status": PaymentStatus.UNPAID, "payment_due_at__lt": now}
    ids = list(
        Order.objects.filter(status__in=cancellable, **unpaid)
        .order_by("payment_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for order_id in ids:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(of=("self",))
                .select_related("buyer", "cooperative")
                .filter(pk=order_id, status__in=cancellable, **unpaid)
                .first()
            )
            if order is None:
                continue
            _cancel(order, actor=None, reason=_("The payment window expired."), action="expired")
            done += 1
    return done


# --- payment status (called back by payments) ----------------------------------------------------
@transaction.atomic
def order_payment_status_set(*, order_id: int, status: str, paid: int, refunded: int) -> None:
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or order.payment_status == status:
        return
    previous = order.payment_status
    order.payment_status = status
    order.save(update_fields=["payment_status", "updated_at"])
    record_event(
        order,
        actor=None,
        action="payment",
        note="",
        data={"from": previous, "to": status, "paid": paid, "refunded": refunded},
    )
