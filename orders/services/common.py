"""Helpers the orders services share: moving an order through the transitions table (orders/transitions.py),
locking an order for a party, recording events, recomputing totals and keeping the payments side in step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import pricing
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.locking import bounded_lock_wait
from market.core.services import audit_record
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed
from market.payments.models import Payable
from orders.followers import status_moved
from orders.models import Order, OrderAllocation, OrderEvent, OrderLine, OrderStatus, SellerSettings
from orders.permissions import ORDERS_VIEW_ALL
from orders.totals import TaxedAmount, Totals, totals_of
from orders.transitions import TRANSITIONS, OrderAction

S = OrderStatus


# When each status is reached, this timestamp is set.
STAMPS: dict[str, str] = {
    S.CONFIRMED: "confirmed_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
}

PAYABLE_KIND = "orders.order"


def illegal(order: Order, to: str) -> Conflict:
    return Conflict(
        _("Order %(number)s is %(status)s and cannot become %(target)s.")
        % {"number": order.number, "status": order.get_status_display().lower(), "target": S(to).label.lower()},
        code="illegal_transition",
    )


def lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id"))


def lock_order(*, actor: Actor, order_id: int) -> Order:
    """The order row locked for update, when `actor` may read it (its buyer, its cooperative, alliance
    staff); anyone else gets NotFound, so a foreign order is never told apart from a missing one. What the
    actor may do to it is the order policy's answer (orders/policy.py)."""
    with bounded_lock_wait():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("checkout", "buyer", "cooperative")
            .filter(pk=order_id)
            .first()
        )
    if order is None or not (
        actor.organisation_id in (order.buyer_id, order.cooperative_id) or actor.can(ORDERS_VIEW_ALL)
    ):
        raise NotFound()
    return order


def record_event(
    order: Order, *, actor: Actor | None, action: str, from_status: str = "", note: str = "", data: Any = None
) -> OrderEvent:
    event = order_event(order, actor=actor, action=action, from_status=from_status, note=note, data=data)
    event.save(force_insert=True)
    return event


def order_event(
    order: Order, *, actor: Actor | None, action: str, from_status: str = "", note: str = "", data: Any = None
) -> OrderEvent:
    """An event of `order`'s timeline, not yet saved (a checkout writes its orders' events in one INSERT)."""
    return OrderEvent(
        order=order,
        action=action,
        from_status=from_status,
        to_status=order.status if from_status else "",
        actor_user=actor.user if actor and actor.user is not None and actor.user.pk else None,
        actor_organisation=actor.organisation if actor else None,
        note=note,
        data=data or {},
    )


def move(
    order: Order,
    to: str,
    *,
    verb: OrderAction,
    actor: Actor | None,
    action: str,
    note: str = "",
    data: Any = None,
    fields: Iterable[str] = (),
) -> Order:
    """Change the status of a locked order by `verb`: validate against TRANSITIONS, stamp, save, record the
    event (`action` names it on the timeline)."""
    if to not in TRANSITIONS[order.status].get(verb, frozenset()):
        raise illegal(order, to)
    previous = order.status
    order.status = to
    update = {"status", "updated_at", *fields}
    stamp = STAMPS.get(to)
    if stamp and getattr(order, stamp) is None:
        setattr(order, stamp, timezone.now())
        update.add(stamp)
    order.save(update_fields=sorted(update))
    status_moved(order)
    record_event(order, actor=actor, action=action, from_status=previous, note=note, data=data)
    audit_record(actor=actor, action=f"order.{action}", target=order, data={"from": previous, "to": to, **(data or {})})
    storefront_changed([order.cooperative_id])  # its record: answered, delivered on time, cancelled
    return order


def taxed(line: OrderLine, quantity: Decimal) -> TaxedAmount:
    return TaxedAmount(line.unit_price, quantity, line.vat_rate_percent, exempt=line.vat_exempt)


def order_totals(lines: Iterable[OrderLine], *, field: str = "quantities") -> Totals:
    return totals_of((taxed(line, line.billed_quantity) for line in lines), field=field)


def line_quantities(order: Order, given: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """`given` {line id: quantity} checked against the order: every id one of its lines, pieces whole."""
    lines = {line.pk: line for line in order.lines.all()}
    errors: dict[str, list[str]] = {}
    for line_id, number in given.items():
        if line_id not in lines:
            errors[f"quantities.{line_id}"] = [_("This line is not part of the order.")]
        elif number < 0:
            errors[f"quantities.{line_id}"] = [_("Enter a number of zero or more.")]
        elif lines[line_id].unit in pricing.WHOLE_UNITS and number != number.to_integral_value():
            errors[f"quantities.{line_id}"] = [_("This unit is counted in whole pieces: use a whole number.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return dict(given)


def reprice(order: Order) -> tuple[int, int]:
    """Recompute the order's totals from its lines' billed quantities; returns (old total, new total)."""
    totals = order_totals(order.lines.all())
    old = order.total
    order.subtotal, order.vat_total, order.total = totals.subtotal, totals.vat_total, totals.total
    order.save(update_fields=["subtotal", "vat_total", "total", "updated_at"])
    return old, order.total


def payment_refresh(order: Order) -> Payable | None:
    """Tell payments what is due now, and mirror its status on the order. Returns the payable (locked)."""
    from market.payments.services import payable_amount_refresh

    payable = payable_amount_refresh(kind=PAYABLE_KIND, object_id=order.pk)
    if payable is not None and payable.status != order.payment_status:
        order.payment_status = payable.status
        order.save(update_fields=["payment_status", "updated_at"])
    return payable


def release_stock(
    order: Order, *, actor: Actor | None, lines: Iterable[OrderLine] | None = None, keep: dict[int, Any] | None = None
) -> None:
    """Return stock still held by the order's allocations to the lots, in lot-id order (no deadlocks).

    `keep` maps a line id to the quantity that line must go on holding (confirm with smaller quantities);
    lines not in it release everything."""
    from catalog.services import lot_stock_return, lots_lock

    line_ids = [line.pk for line in (lines if lines is not None else order.lines.all())]
    allocations = list(OrderAllocation.objects.filter(line_id__in=line_ids).order_by("line_id", "-id"))
    to_return: dict[int, list[tuple[OrderAllocation, Any]]] = {}
    remaining_keep = dict(keep or {})
    # Keep the oldest allocations of a line, release from the newest.
    by_line: dict[int, list[OrderAllocation]] = {}
    for allocation in allocations:
        by_line.setdefault(allocation.line_id, []).append(allocation)
    for line_id, items in by_line.items():
        keep_quantity = remaining_keep.get(line_id, 0)
        held_total = sum(a.held for a in items)
        release = held_total - keep_quantity
        for allocation in items:  # newest first
            if release <= 0:
                break
            amount = min(allocation.held, release)
            if amount > 0:
                to_return.setdefault(allocation.lot_id, []).append((allocation, amount))
                release -= amount
    if not to_return:
        return
    lots = lots_lock(lot_ids=to_return.keys())
    for lot_id in sorted(to_return):
        for allocation, amount in to_return[lot_id]:
            lot_stock_return(lot=lots[lot_id], quantity=amount, actor=actor, reference=order.number or "")
            allocation.released += amount
            allocation.save(update_fields=["released"])


def seller_settings(cooperative_id: int) -> SellerSettings:
    settings_row, _created = SellerSettings.objects.get_or_create(cooperative_id=cooperative_id)
    return settings_row


def seller_settings_of(cooperative: Organisation) -> SellerSettings:
    """The cooperative's settings as read with it when the caller's query followed `order_settings`
    (select_related), for reading only: a cooperative that has none sells on the defaults, and its row is made
    when something is written to it (`seller_settings`) — a checkout reading a payment window writes nothing
    (making the row took four statements on a cooperative's first order)."""
    try:
        return cooperative.order_settings
    except SellerSettings.DoesNotExist:
        return SellerSettings(cooperative=cooperative)
