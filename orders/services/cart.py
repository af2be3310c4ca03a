"""The buyer's cart: lines checked (orderable product, MOQ, order multiple, stock, the bound on an order's
worth) when added or changed. A cart line holds no stock; checkout checks everything again and takes it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import pricing
from catalog.models import HarvestLot, LotStatus, Product
from catalog.selectors import is_orderable, price_for_quantity
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.parsing import format_decimal
from market.core.row_inserts import insert_rows
from market.core.services import audit_record
from market.organisations.permissions import Actor
from orders.cart_rows import ProductToAdd, cart_lines, product_to_add
from orders.models import Cart, CartLine
from orders.permissions import CART_MANAGE
from orders.totals import TaxedAmount, totals_of

MAX_CART_LINES = 100


def cart_for_update(*, actor: Actor) -> Cart:
    """The acting buyer's cart row, created when missing, locked for update and marked changed (every caller
    changes its lines), in one statement: an upsert whose ON CONFLICT DO UPDATE takes the row lock as SELECT
    … FOR UPDATE would. Two first adds at once make one cart: the second waits for the first's row, then
    locks it."""
    actor.require(CART_MANAGE)
    now = timezone.now()
    table = Cart._meta.db_table
    upsert = (
        f'INSERT INTO "{table}" ("created_at", "updated_at", "buyer_id") VALUES (%s, %s, %s) '  # noqa: S608 (our table)
        'ON CONFLICT ("buyer_id") DO UPDATE SET "updated_at" = EXCLUDED."updated_at" RETURNING *'
    )
    return next(iter(Cart.objects.raw(upsert, [now, now, actor.organisation_id])))


def _orderable_lot(found: ProductToAdd, lot_id: int | None) -> HarvestLot | None:
    if lot_id is None:
        return None
    lot = found.lot
    if lot is None or lot.status != LotStatus.PUBLISHED:
        raise ValidationFailed(fields={"lot": [_("This lot is not on sale for this product.")]})
    if lot.is_expired():
        raise ValidationFailed(fields={"lot": [_("Lot %(code)s has expired.") % {"code": lot.code}]})
    return lot


def check_line(*, product_id: int, lot_id: int | None, quantity: Decimal) -> tuple[Product, HarvestLot | None, Decimal]:
    """(product, lot, quantity) when a buyer may order it now; ValidationFailed/Conflict/NotFound otherwise.
    The product, its tiers, the lot and the stock are one read (`product_to_add`)."""
    found = product_to_add(product_id=product_id, lot_id=lot_id, on=timezone.localdate())
    if found is None or not is_orderable(found.product):
        raise NotFound()
    product = found.product
    lot = _orderable_lot(found, lot_id)
    quote = price_for_quantity(product=product, quantity=quantity)
    vat = product.vat_category
    totals_of([TaxedAmount(int(quote.unit_price.amount), quote.quantity, vat.rate_percent, not vat.subject_to_vat)])
    available = lot.quantity_available if lot is not None else found.stock
    if quote.quantity > available:
        if available <= 0:
            raise Conflict(_("%(product)s is out of stock.") % {"product": product.name}, code="insufficient_stock")
        raise Conflict(
            _("Only %(available)s of %(product)s is in stock.")
            % {"available": pricing.fmt_quantity(available, product.unit), "product": product.name},
            code="insufficient_stock",
        )
    return product, lot, quote.quantity


@transaction.atomic
def cart_line_set(
    *, actor: Actor, product_id: int, quantity: Decimal, lot_id: int | None = None, add: bool = False
) -> list[CartLine]:
    """Put `quantity` of a product (from a lot, if chosen) in the cart; with add=True, add it to what the
    line already holds. Checks the product, MOQ, order multiple and stock. Answers the cart's lines after the
    change as `cart_lines` reads them (the API answers the whole cart with them)."""
    cart = cart_for_update(actor=actor)
    # The cart's lines with their products in one read (at most MAX_CART_LINES), once the cart is locked: the
    # one this call changes, how many there are, and with the change the cart as it now is — no second read.
    lines = cart_lines(buyer_id=cart.buyer_id)
    line = next((row for row in lines if row.product_id == product_id and row.lot_id == lot_id), None)
    wanted = quantity + line.quantity if add and line is not None else quantity
    product, lot, number = check_line(product_id=product_id, lot_id=lot_id, quantity=wanted)
    if line is None:
        if len(lines) >= MAX_CART_LINES:
            raise Conflict(
                _("A cart holds at most %(n)s lines; place an order first.") % {"n": format_decimal(MAX_CART_LINES)}
            )
        # The product as `check_line` read it: its cooperative, VAT category and tiers come with it.
        [line] = insert_rows([CartLine(cart=cart, product=product, lot=lot, quantity=number)])
        lines = sorted([*lines, line], key=lambda row: (row.product.cooperative_id, row.pk))
    else:
        line.quantity = number
        line.save(update_fields=["quantity", "updated_at"])
    audit_record(
        actor=actor, action="cart.line_set", target=cart, data={"product": product.pk, "quantity": str(number)}
    )
    return lines


@transaction.atomic
def cart_line_update(*, actor: Actor, line_id: int, quantity: Decimal) -> CartLine:
    cart = cart_for_update(actor=actor)
    line = CartLine.objects.filter(cart=cart, pk=line_id).first()
    if line is None:
        raise NotFound()
    _product, _lot, number = check_line(product_id=line.product_id, lot_id=line.lot_id, quantity=quantity)
    line.quantity = number
    line.save(update_fields=["quantity", "updated_at"])
    return line


@transaction.atomic
def cart_line_remove(*, actor: Actor, line_id: int) -> None:
    cart = cart_for_update(actor=actor)
    deleted, _rows = CartLine.objects.filter(cart=cart, pk=line_id).delete()
    if not deleted:
        raise NotFound()


@transaction.atomic
def cart_clear(*, actor: Actor) -> None:
    cart = cart_for_update(actor=actor)
    cart.lines.all().delete()
