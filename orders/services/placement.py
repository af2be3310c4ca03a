"""Placing a checkout: one order per cooperative, stock taken from the lots in one transaction.

Stock is protected twice: the lots are locked in id order (so two checkouts touching the same lots in any
order never deadlock) just before stock is taken, and the catalogue's CHECK (quantity_available >= 0)
makes overselling impossible even for a caller that forgot the lock.

Idempotency: a checkout row carrying (buyer, Idempotency-Key) and a hash of the request body is inserted
first, without reading before: a retry of a placed checkout meets the unique index, and a concurrent request
with the same key waits on it until the first commits; either then finds the checkout (the same key with a
different body is refused, 422). A failed placement (not enough stock) rolls the row back with everything
else, so the key can be tried again.

Cost: a checkout is read and written in a constant number of queries whatever its lines (for one
cooperative, 16 statements of an API request, token included; pinned by tests/orders/test_api.py): the
cart's lines come with their products, tiers and sellers' settings in one statement (`cart_lines`), the
audit events of the orders, stock takes and payables are one INSERT (`audit_batch`), the cache versions
they change are bumped together (`bumps_batched`), and the cart is not locked before it is read: the DELETE
that takes the placed lines out of it checks them as read (`_take_from_cart`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import pricing
from catalog.models import HarvestLot, LotStatus, Product
from catalog.selectors import is_orderable, price_for_quantity, products_for_order
from catalog.services import StockTake, lots_stock_take_locked
from market.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from market.core.parsing import format_decimal
from market.core.row_inserts import insert_rows
from market.core.services import audit_batch, audit_record
from market.core.versions import bumps_batched
from market.integrations.registry import emit_events
from market.notifications.services import Address, Message, notify_all
from market.organisations import geo
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed
from market.organisations.validators import normalise_tax_code
from orders import webhooks
from orders.cart_rows import lines_take_as_read
from orders.checkout_rows import lots_lock_for_checkout
from orders.commands import CheckoutDetails
from orders.models import (
    CartLine,
    Checkout,
    Order,
    OrderAllocation,
    OrderLine,
    OrderSource,
)
from orders.permissions import ORDERS_PLACE
from orders.policy import CHECKOUT_POLICY, CheckoutAction
from orders.selectors import cart_view
from orders.services.common import PAYABLE_KIND, order_event, seller_settings_of, taxed
from orders.totals import totals_of

MAX_KEY_LENGTH = 100
# Placements tried when a new payment reference collides with an existing one (it rolls everything back).
PLACE_ATTEMPTS = 3


class IdempotencyMismatch(ApplicationError):
    status_code = 422
    default_code = "idempotency_key_reused"


@dataclass(frozen=True)
class Item:
    """One thing to order: a product, optionally a lot, a quantity, and (for an accepted quote) the agreed
    unit price instead of the tier price."""

    product_id: int
    quantity: Decimal
    lot_id: int | None = None
    unit_price: int | None = None


def resolve_details(*, actor: Actor, details: CheckoutDetails) -> dict[str, Any]:
    """The checkout row's delivery and invoice fields: blanks default to the buyer's own; ValidationFailed
    lists every problem (the meaning of a value: a province that exists, a window that is not past)."""
    buyer = actor.organisation
    assert buyer is not None
    errors: dict[str, list[str]] = {}
    resolved: dict[str, Any] = {
        "delivery_address": details.delivery_address or buyer.full_address,
        "delivery_province_code": details.delivery_province_code,
        "delivery_from": details.delivery_from,
        "delivery_to": details.delivery_to,
        "po_number": details.po_number,
        "note": details.note,
        "invoice_legal_name": details.invoice_legal_name or buyer.legal_name,
        "invoice_address": details.invoice_address or buyer.full_address,
        "invoice_email": (details.invoice_email or buyer.email or getattr(actor.user, "email", "")).lower(),
    }
    if not resolved["delivery_address"]:
        errors["delivery_address"] = [_("Where should the goods go?")]
    tax_code = details.invoice_tax_code or buyer.tax_code
    # The organisation's own code was checked when it signed up; another one typed here is checked now.
    if tax_code and tax_code != buyer.tax_code:
        try:
            tax_code = normalise_tax_code(tax_code)
        except ValidationError as error:
            errors["invoice_tax_code"] = list(error.messages)
    resolved["invoice_tax_code"] = tax_code
    try:
        validate_email(resolved["invoice_email"])
    except ValidationError:
        errors["invoice_email"] = [_("Enter the e-mail address invoices go to.")]
    if details.delivery_province_code is not None and geo.province(details.delivery_province_code) is None:
        errors["delivery_province_code"] = [_("Choose a province.")]
    start, end = details.delivery_from, details.delivery_to
    if start and end and end < start:
        errors["delivery_to"] = [_("The delivery window must end on or after its first day.")]
    if start and start < timezone.localdate():
        errors["delivery_from"] = [_("The delivery window cannot start in the past.")]
    elif end and end < timezone.localdate():  # "deliver by" alone, e.g. 01/01/1900 typed by slip
        errors["delivery_to"] = [_("The delivery window cannot end in the past.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return resolved


def request_hash(details: CheckoutDetails) -> str:
    canonical = json.dumps(details.canonical(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(*, buyer_id: int, key: str, digest: str) -> Checkout | None:
    existing = Checkout.objects.filter(buyer_id=buyer_id, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_hash != digest:
        raise IdempotencyMismatch(
            _("This Idempotency-Key was already used for a different checkout; use a new key for a new one.")
        )
    return existing


def checkout_place(*, actor: Actor, details: CheckoutDetails, idempotency_key: str = "") -> tuple[Checkout, bool]:
    """Place the acting buyer's cart: (checkout, created). A retry with the same key returns the same
    checkout with created=False."""
    actor.require(ORDERS_PLACE)
    key = idempotency_key.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            fields={"idempotency_key": [_("Write at most %(n)s characters.") % {"n": format_decimal(MAX_KEY_LENGTH)}]}
        )
    digest = request_hash(details)
    buyer_id = actor.organisation_id
    assert buyer_id is not None
    attempts_left = PLACE_ATTEMPTS
    while True:
        attempts_left -= 1
        try:
            with transaction.atomic():
                return _place_cart(actor=actor, details=details, key=key, digest=digest), True
        except ValidationFailed:
            # A retry of a placed checkout is answered with it even when its details would not pass today
            # (a delivery window that has started since).
            existing = _replay(buyer_id=buyer_id, key=key, digest=digest) if key else None
            if existing is None:
                raise
            return existing, False
        except IntegrityError:
            # This key's checkout exists (placed before, or by a concurrent request we waited for): answer
            # with it. Otherwise a new payment reference collided with another's: place again.
            existing = _replay(buyer_id=buyer_id, key=key, digest=digest) if key else None
            if existing is not None:
                return existing, False
            if not attempts_left:
                raise


def _place_cart(*, actor: Actor, details: CheckoutDetails, key: str, digest: str) -> Checkout:
    resolved = resolve_details(actor=actor, details=details)
    assert actor.organisation is not None
    [checkout] = insert_rows(
        [Checkout(buyer=actor.organisation, placed_by=actor.user, idempotency_key=key, request_hash=digest, **resolved)]
    )
    # Read without locking the cart: the lines are taken out of it at the end only as they were read
    # (`_take_from_cart`), which refuses a checkout whose cart changed meanwhile.
    view = cart_view(actor=actor)
    if view.state.problem_count:
        raise ValidationFailed(
            _("Some lines cannot be ordered as they are; correct them in the cart."), fields=view.problems()
        )
    try:
        CHECKOUT_POLICY.authorize(actor=actor, obj=view.state, action=CheckoutAction.PLACE)
    except Conflict as error:  # nothing to place: API clients know this by its code
        raise Conflict(error.message, code="cart_empty") from None
    lines = sorted((row.line for group in view.groups for row in group.rows), key=lambda line: line.pk)
    items = [Item(product_id=line.product_id, lot_id=line.lot_id, quantity=line.quantity) for line in lines]
    # The cart's products were read with their tiers and sellers' settings: no second read.
    products = {line.product_id: line.product for line in lines if is_orderable(line.product)}
    checkout.placed_orders = place_items(
        actor=actor, checkout=checkout, items=items, source=OrderSource.CART, products=products
    )
    _take_from_cart(lines)
    return checkout


def _take_from_cart(lines: Sequence[CartLine]) -> None:
    """Delete the placed lines from the cart, each only as it was read (its quantity and lot): the check that
    the cart's row lock made before, in the statement the checkout needs anyway (one query less). A line
    removed or changed since it was read — the same cart checked out at once elsewhere, an edit in another
    tab — stays, and the whole checkout is refused and rolled back. A line added meanwhile stays in the cart,
    as it did when the edit waited for the lock."""
    if lines_take_as_read(lines) != len(lines):
        raise Conflict(
            _("Your cart changed while the order was being placed: check it and place the order again."),
            code="cart_changed",
        )


def place_items(
    *,
    actor: Actor,
    checkout: Checkout,
    items: Sequence[Item],
    source: str,
    products: Mapping[int, Product] | None = None,
) -> list[Order]:
    """Create the checkout's orders (one per cooperative) from `items` and take their stock. Call inside a
    transaction with the checkout row already created; raises (rolling everything back) when any line
    cannot be ordered. The queries do not grow with the number of lines, only the rows written do.
    `products`: the orderable ones among the items' (as `products_for_order` reads them), when the caller
    has them already."""
    with audit_batch(), bumps_batched():
        return _place_items(
            actor=actor,
            checkout=checkout,
            items=items,
            source=source,
            products=products_for_order(product_ids=[item.product_id for item in items])
            if products is None
            else products,
        )


def _place_items(
    *, actor: Actor, checkout: Checkout, items: Sequence[Item], source: str, products: Mapping[int, Product]
) -> list[Order]:
    priced = []
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        try:
            product = products.get(item.product_id)
            if product is None:
                raise NotFound()
            if item.unit_price is None:
                quote = price_for_quantity(product=product, quantity=item.quantity)
                unit_price, quantity = int(quote.unit_price.amount), quote.quantity
            else:
                unit_price, quantity = item.unit_price, item.quantity
        except ApplicationError as error:
            messages = [m for msgs in error.fields.values() for m in msgs] or [error.message]
            errors[f"lines.{index}"] = messages
            continue
        priced.append((item, product, unit_price, quantity))
    if errors:
        raise ValidationFailed(_("Some lines cannot be ordered as they are; correct them in the cart."), fields=errors)

    # Lock the chosen lots and the lots the other lines may sell from, in one query; a line without a chosen
    # lot takes from its product's lots first to expire first.
    today = timezone.localdate()
    locked = lots_lock_for_checkout(
        lot_ids=[item.lot_id for item, *_rest in priced if item.lot_id is not None],
        product_ids=[product.pk for item, product, *_rest in priced if item.lot_id is None],
        on=today,
    )
    by_expiry = sorted(locked.values(), key=_sell_first)
    candidates = [
        [item.lot_id] if item.lot_id is not None else [lot.pk for lot in by_expiry if lot.product_id == product.pk]
        for item, product, _price, _quantity in priced
    ]

    # Plan the allocations against the locked rows (a line may span lots; several lines may share a lot).
    left = {lot_id: lot.quantity_available for lot_id, lot in locked.items()}
    plans: list[list[tuple[int, Decimal]]] = []
    for index, (_item, product, _price, quantity) in enumerate(priced):
        need = quantity
        plan: list[tuple[int, Decimal]] = []
        for lot_id in candidates[index]:
            lot = locked[lot_id]
            if lot.product_id != product.pk or lot.status != LotStatus.PUBLISHED or lot.is_expired(today):
                continue
            take = min(left[lot_id], need)
            if take > 0:
                plan.append((lot_id, take))
                left[lot_id] -= take
                need -= take
            if need == 0:
                break
        if need > 0:
            available = quantity - need
            raise Conflict(
                _("Not enough stock: %(product)s has only %(available)s left, you asked for %(wanted)s.")
                % {
                    "product": product.name,
                    "available": pricing.fmt_quantity(available, product.unit),
                    "wanted": pricing.fmt_quantity(quantity, product.unit),
                },
                code="insufficient_stock",
            )
        plans.append(plan)

    # One order per cooperative, in cooperative-id order; the stock and the allocations of all of them are
    # written together at the end.
    groups: dict[int, list[int]] = {}
    for index, (_item, product, _price, _quantity) in enumerate(priced):
        groups.setdefault(product.cooperative_id, []).append(index)
    takes: list[StockTake] = []
    allocations: list[OrderAllocation] = []
    now = timezone.now()
    cooperative_ids = sorted(groups)
    sellers = {cooperative_id: priced[groups[cooperative_id][0]][1].cooperative for cooperative_id in cooperative_ids}
    created = orders_create(
        actor=actor,
        checkout=checkout,
        source=source,
        new=[
            NewOrder(
                cooperative=sellers[cooperative_id],
                lines=[
                    PricedLine(product=product, quantity=quantity, unit_price=unit_price, lot_id=item.lot_id)
                    for item, product, unit_price, quantity in (priced[i] for i in groups[cooperative_id])
                ],
                payment_due_at=now + timedelta(hours=seller_settings_of(sellers[cooperative_id]).payment_window_hours),
            )
            for cooperative_id in cooperative_ids
        ],
    )
    orders: list[Order] = []
    for cooperative_id, (order, rows) in zip(cooperative_ids, created, strict=True):
        for line, index in zip(rows, groups[cooperative_id], strict=True):
            for lot_id, take in plans[index]:
                takes.append(StockTake(lot=locked[lot_id], quantity=take, reference=order.number or ""))
                allocations.append(OrderAllocation(line=line, lot_id=lot_id, quantity=take))
        orders.append(order)
    lots_stock_take_locked(takes=takes, actor=actor)
    insert_rows(allocations)
    _checkout_finish(checkout=checkout, placed=[(order, len(groups[order.cooperative_id])) for order in orders])
    return orders


def _sell_first(lot: HarvestLot) -> tuple[bool, date, date, int]:
    """Lots in the order they are sold: first to expire first (those that never expire last), then the
    oldest harvest."""
    return (lot.expiry_date is None, lot.expiry_date or date.min, lot.harvest_date, lot.pk)


@dataclass(frozen=True)
class PricedLine:
    """One line of an order at an agreed unit price: tier-priced cart lines, or a linkage contract's call-off
    (priced by the contract's rule, and taking no stock: the goods are harvested for the contract)."""

    product: Product
    quantity: Decimal
    unit_price: int
    lot_id: int | None = None


@dataclass(frozen=True)
class NewOrder:
    """One order of a checkout to create: its cooperative (read with the products), lines and payment window."""

    cooperative: Organisation
    lines: Sequence[PricedLine]
    payment_due_at: datetime | None


def orders_create(
    *, actor: Actor, checkout: Checkout, source: str, new: Sequence[NewOrder]
) -> list[tuple[Order, list[OrderLine]]]:
    """The orders of `checkout` (one per cooperative), their lines snapshotting the products at the given unit
    prices, their totals and their "placed" events: three INSERTs however many orders. Their numbers are given
    here and written with the checkout's (`_checkout_finish`). Call inside the placement's transaction; stock,
    payables and notifications are the caller's (`place_items`, or `order_place_priced`)."""
    built: list[tuple[Order, list[OrderLine]]] = []
    for spec in new:
        rows = [_line_snapshot(line, position) for position, line in enumerate(spec.lines)]
        # Totals before the INSERT (a total past the bound is refused before anything is written).
        totals = totals_of((taxed(row, row.quantity_ordered) for row in rows), field="lines")
        order = Order(
            checkout=checkout,
            buyer=checkout.buyer,
            cooperative=spec.cooperative,
            source=source,
            payment_due_at=spec.payment_due_at,
            ship_by=checkout.delivery_to or checkout.delivery_from,
            subtotal=totals.subtotal,
            vat_total=totals.vat_total,
            total=totals.total,
            placed_total=totals.total,
        )
        built.append((order, rows))
    insert_rows([order for order, _rows in built])
    year = timezone.localdate().year % 100
    for order, rows in built:
        order.number = f"DH{year:02d}-{order.pk:07d}"
        for row in rows:
            row.order = order
    insert_rows([row for _order, rows in built for row in rows])
    insert_rows(
        [order_event(order, actor=actor, action="placed", data={"total": order.total}) for order, _rows in built]
    )
    for order, _rows in built:
        audit_record(actor=actor, action="order.placed", target=order, data={"total": order.total})
    storefront_changed(order.cooperative_id for order, _rows in built)  # its record counts the order once due
    return built


def _line_snapshot(line: PricedLine, position: int) -> OrderLine:
    vat = line.product.vat_category
    return OrderLine(
        product=line.product,
        lot_id=line.lot_id,
        product_name=line.product.name_vi,
        sku=line.product.sku,
        unit=line.product.unit,
        unit_price=line.unit_price,
        vat_category_code=vat.code,
        vat_exempt=not vat.subject_to_vat,
        vat_rate_percent=vat.rate_percent if vat.subject_to_vat else Decimal(0),
        quantity_ordered=line.quantity,
        quantity_confirmed=line.quantity,
        position=position,
    )


def order_place_priced(*, actor: Actor, checkout: Checkout, cooperative_id: int, lines: Sequence[PricedLine]) -> Order:
    """Place one order with a cooperative at agreed prices, without taking stock: a linkage contract's
    call-off (source CONTRACT). It has no payment window (the contract sets when the buyer pays, so it never
    expires unpaid); its payable opens and both sides are told, as for a checkout. Call inside a transaction
    with the checkout row created; the caller authorises (the contract's policy)."""
    cooperative = Organisation.objects.get(pk=cooperative_id)
    with audit_batch():
        [(order, rows)] = orders_create(
            actor=actor,
            checkout=checkout,
            source=OrderSource.CONTRACT,
            new=[NewOrder(cooperative=cooperative, lines=lines, payment_due_at=None)],
        )
        _checkout_finish(checkout=checkout, placed=[(order, len(rows))])
    return order


def _checkout_finish(*, checkout: Checkout, placed: list[tuple[Order, int]]) -> None:
    """Number the checkout, total its orders (each with its number of lines), open their payables and tell
    both sides."""
    checkout.number = f"CK{timezone.localdate().year % 100:02d}-{checkout.pk:07d}"
    checkout.total = sum(order.total for order, _lines in placed)
    _numbers_write(checkout=checkout, orders=[order for order, _lines in placed])
    _open_payables_and_notify(checkout=checkout, placed=placed)


_NUMBERS_SQL = """
WITH numbered AS (
    UPDATE orders_order AS o SET number = n.number, updated_at = %s
    FROM unnest(%s::bigint[], %s::varchar[]) AS n(id, number) WHERE o.id = n.id
)
UPDATE orders_checkout SET number = %s, total = %s, updated_at = %s WHERE id = %s
"""


def _numbers_write(*, checkout: Checkout, orders: Sequence[Order]) -> None:
    """Write the numbers of the checkout and its orders (made from their ids, known once inserted) and the
    checkout's total: on PostgreSQL one statement (an UPDATE of the orders in a WITH clause), elsewhere one
    UPDATE per table."""
    if connection.vendor != "postgresql":
        Order.objects.bulk_update(orders, ["number"])  # updated_at too (TimeStampedQuerySet)
        checkout.save(update_fields=["number", "total", "updated_at"])
        return
    now = checkout.updated_at = timezone.now()
    numbers = ([order.pk for order in orders], [order.number for order in orders])
    with connection.cursor() as cursor:
        cursor.execute(_NUMBERS_SQL, [now, *numbers, checkout.number, checkout.total, now, checkout.pk])


def _open_payables_and_notify(*, checkout: Checkout, placed: list[tuple[Order, int]]) -> None:
    from market.payments.services import payables_open_new

    payables_open_new(kind=PAYABLE_KIND, objects=[order for order, _lines in placed])
    messages: list[Message] = []
    emit_events(
        type=webhooks.ORDER_PLACED,
        items=[(order, [checkout.buyer, order.cooperative]) for order, _lines in placed],
    )
    for order, line_count in placed:
        context = {
            "order_id": order.pk,
            "order_number": order.number,
            "buyer_name": checkout.buyer.name,
            "cooperative_name": order.cooperative.name,
            "total_vnd": order.total,
            "line_count": line_count,
        }
        # An order from an accepted quote tells the cooperative its quote won (one message, not two).
        received = "orders.quote_accepted" if order.source == OrderSource.QUOTE else "orders.received"
        messages += [
            Message(kind=received, recipients=[order.cooperative], context=context, object_ref=order),
            Message(
                kind="orders.placed",
                recipients=[checkout.buyer, Address(email=checkout.invoice_email)],
                context=context,
                object_ref=order,
            ),
        ]
    notify_all(messages)
