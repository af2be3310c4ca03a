"""Helpers the orders services share: the transitions table, locking an order for its buyer or seller,
recording events, recomputing totals and keeping the payments side in step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound, PermissionDenied
from market.core.services import audit_record
from market.organisations.permissions import Actor, Capability
from orders.models import Order, OrderAllocation, OrderEvent, OrderLine, OrderStatus, SellerSettings
from orders.permissions import ORDERS_VIEW_ALL
from orders.totals import Totals, totals_of

S = OrderStatus

# from -> the statuses an order may move to. Every status change goes through `move()`, which checks this.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.CONFIRMED, S.CHANGES_PROPOSED, S.CANCELLED}),
    S.CHANGES_PROPOSED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PARTLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.PARTLY_SHIPPED: frozenset({S.PARTLY_SHIPPED, S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# When each status is reached, this timestamp is set.
STAMPS: dict[str, str] = {
    S.CONFIRMED: "confirmed_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
}

PAYABLE_KIND = "orders.order"


def can_move(order: Order, to: str) -> bool:
    return to in TRANSITIONS.get(order.status, frozenset())


def illegal(order: Order, to: str) -> Conflict:
    return Conflict(
        _("Order %(number)s is %(status)s and cannot become %(target)s.")
        % {"number": order.number, "status": order.get_status_display().lower(), "target": S(to).label.lower()},
        code="illegal_transition",
    )


def lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id"))


def lock_order(*, actor: Actor, order_id: int, side: str, capability: Capability) -> Order:
    """The order row locked for update, when `actor` is its buyer (side='buyer') or its cooperative
    (side='seller'). Others get NotFound, alliance staff (who may read it) PermissionDenied; the capability
    is checked after scoping, so a foreign order is never told apart from a missing one."""
    order = Order.objects.select_for_update(of=("self",)).select_related("checkout", "buyer", "cooperative")
    order = order.filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    own = order.buyer_id if side == "buyer" else order.cooperative_id
    if actor.organisation_id != own:
        if actor.can(ORDERS_VIEW_ALL) or actor.organisation_id in (order.buyer_id, order.cooperative_id):
            raise PermissionDenied()
        raise NotFound()
    actor.require(capability)
    return order


def record_event(
    order: Order, *, actor: Actor | None, action: str, from_status: str = "", note: str = "", data: Any = None
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        action=action,
        from_status=from_status,
        to_status=order.status if from_status else "",
        actor_user=actor.user if actor and actor.user is not None and actor.user.pk else None,
        actor_organisation=actor.organisation if actor else None,
        note=note[:1000],
        data=data or {},
    )


def move(
    order: Order,
    to: str,
    *,
    actor: Actor | None,
    action: str,
    note: str = "",
    data: Any = None,
    fields: Iterable[str] = (),
) -> Order:
    """Change the status of a locked order: validate against TRANSITIONS, stamp, save, record the event."""
    if not can_move(order, to):
        raise illegal(order, to)
    previous = order.status
    order.status = to
    update = {"status", "updated_at", *fields}
    stamp = STAMPS.get(to)
    if stamp and getattr(order, stamp) is None:
        setattr(order, stamp, timezone.now())
        update.add(stamp)
    order.save(update_fields=sorted(update))
    record_event(order, actor=actor, action=action, from_status=previous, note=note, data=data)
    audit_record(actor=actor, action=f"order.{action}", target=order, data={"from": previous, "to": to, **(data or {})})
    return order


def order_totals(lines: Iterable[OrderLine]) -> Totals:
    return totals_of((line.unit_price, line.billed_quantity, line.vat_rate_percent) for line in lines)


def reprice(order: Order) -> tuple[int, int]:
    """Recompute the order's totals from its lines' billed quantities; returns (old total, new total)."""
    totals = order_totals(order.lines.all())
    old = order.total
    order.subtotal, order.vat_total, order.total = totals.subtotal, totals.vat_total, totals.total
    order.save(update_fields=["subtotal", "vat_total", "total", "updated_at"])
    return old, order.total


def payment_refresh(order: Order) -> None:
    """Tell payments what is due now, and mirror its status on the order."""
    from market.payments.services import payable_amount_refresh

    payable = payable_amount_refresh(kind=PAYABLE_KIND, object_id=order.pk)
    if payable is not None and payable.status != order.payment_status:
        order.payment_status = payable.status
        order.save(update_fields=["payment_status", "updated_at"])


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
