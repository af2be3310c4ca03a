"""A buyer's cart lines with everything the cart's answer and its checkout need — each line's product, the
product's cooperative (with its order settings), VAT category and price tiers, the chosen lot — in one plain
SQL statement on PostgreSQL.

Every cart add answers the whole cart, and every checkout reads it: the ORM's two queries (the lines with
four joins, then the tiers) cost about a third of a cart add's CPU to build, where PostgreSQL answers the
statement below in a fraction of a millisecond. `cart_lines_queryset` stays the definition (and serves
other databases); tests/orders/test_cart_rows.py compares both."""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db import connection
from django.db.models import Model, Prefetch, Q, QuerySet

from catalog.models import HarvestLot, LotStatus, PriceTier, Product, VatCategory
from catalog.selectors import product_stock_available
from market.core import rows
from market.organisations.models import Organisation
from orders.models import Cart, CartLine, SellerSettings

_TIERS = Prefetch("product__price_tiers", queryset=PriceTier.objects.order_by("min_quantity"))


def cart_lines_queryset(*, buyer_id: int) -> QuerySet[CartLine]:
    """The definition: the buyer's cart lines by cooperative, then as added."""
    return (
        CartLine.objects.filter(cart__buyer_id=buyer_id)
        # The sellers' settings ride along for the checkout that places the cart (their payment windows).
        .select_related("product__cooperative__order_settings", "product__vat_category", "lot")
        .prefetch_related(_TIERS)
        .order_by("product__cooperative_id", "id")
    )


# (model, alias) of each model read whole, in the order of a SELECT list.
Parts = tuple[tuple[type[Model], str], ...]
_LINE_PARTS: Parts = (
    (CartLine, "l"),
    (Product, "p"),
    (Organisation, "o"),
    (SellerSettings, "s"),
    (VatCategory, "v"),
    (HarvestLot, "h"),
)
_PRODUCT_PARTS: Parts = ((Product, "p"), (Organisation, "o"), (VatCategory, "v"), (HarvestLot, "h"))

# Product p's tiers by quantity, as three arrays (exact numbers, where JSON would make floats).
_TIERS_JOIN = f"""
    LEFT JOIN LATERAL (
        SELECT array_agg(pt.id ORDER BY pt.min_quantity) AS ids,
               array_agg(pt.min_quantity ORDER BY pt.min_quantity) AS quantities,
               array_agg(pt.unit_price ORDER BY pt.min_quantity) AS prices
          FROM {PriceTier._meta.db_table} pt WHERE pt.product_id = p.id
    ) t ON TRUE
"""  # noqa: S608 (a table name from the model)


def _columns(parts: Parts) -> str:
    return ", ".join(rows.select_list(model, alias) for model, alias in parts)


# The statements' texts are the same for every call (table and column names): made once per process, where
# building their select lists was a tenth of a cart add's CPU. PostgreSQL plans them anew on every call, most
# of their cost there: the buyer's cart is a subquery (one id), not one more table for the planner to order
# the joins with (about a quarter less planning).
@functools.cache
def _lines_sql() -> str:
    return f"""
        SELECT {_columns(_LINE_PARTS)}, t.ids, t.quantities, t.prices
          FROM {CartLine._meta.db_table} l
          JOIN {Product._meta.db_table} p ON p.id = l.product_id
          JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id
          JOIN {VatCategory._meta.db_table} v ON v.id = p.vat_category_id
          LEFT JOIN {SellerSettings._meta.db_table} s ON s.cooperative_id = o.id
          LEFT JOIN {HarvestLot._meta.db_table} h ON h.id = l.lot_id
          {_TIERS_JOIN}
         WHERE l.cart_id = (SELECT c.id FROM {Cart._meta.db_table} c WHERE c.buyer_id = %s)
         ORDER BY p.cooperative_id, l.id
    """  # noqa: S608 (table and column names from the models; the value is a parameter)


@functools.cache
def _product_sql() -> str:
    # The stock is `product_stock_available`'s: the lots `browse.for_sale` counts.
    lots = HarvestLot._meta.db_table
    return f"""
        SELECT {_columns(_PRODUCT_PARTS)}, t.ids, t.quantities, t.prices,
               (SELECT COALESCE(SUM(sl.quantity_available), 0) FROM {lots} sl
                 WHERE sl.product_id = p.id AND sl.status = %s AND sl.quantity_available > 0
                   AND (sl.expiry_date IS NULL OR sl.expiry_date >= %s))
          FROM {Product._meta.db_table} p
          JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id
          JOIN {VatCategory._meta.db_table} v ON v.id = p.vat_category_id
          LEFT JOIN {lots} h ON h.id = %s AND h.product_id = p.id
          {_TIERS_JOIN}
         WHERE p.id = %s
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def _split(row: Sequence[Any], parts: Parts) -> list[Any]:
    """The instances of `parts` in a row (None for a LEFT JOIN that found nothing)."""
    found: list[Any] = []
    start = 0
    for model, _alias in parts:
        end = start + rows.width(model)
        values = row[start:end]
        found.append(None if values[0] is None else rows.instance(model, values))
        start = end
    return found


def _with_relations(product: Product, cooperative: Organisation, vat: VatCategory, tiers: Sequence[Any]) -> None:
    """Cache the product's cooperative and VAT category and prefetch its tiers, as the ORM's read leaves them."""
    ids, quantities, prices = tiers
    Product.cooperative.field.set_cached_value(product, cooperative)
    Product.vat_category.field.set_cached_value(product, vat)
    listed = [
        rows.instance_of(PriceTier, {"id": pk, "product_id": product.pk, "min_quantity": quantity, "unit_price": price})
        for pk, quantity, price in zip(ids or [], quantities or [], prices or [], strict=True)
    ]
    rows.prefetched(product, "price_tiers", listed)


def cart_lines(*, buyer_id: int) -> list[CartLine]:
    """What `cart_lines_queryset` answers, as instances with the same relations cached and tiers prefetched."""
    if connection.vendor != "postgresql":
        return list(cart_lines_queryset(buyer_id=buyer_id))
    with connection.cursor() as cursor:
        cursor.execute(_lines_sql(), [buyer_id])
        fetched = cursor.fetchall()
    lines: list[CartLine] = []
    for row in fetched:
        line, product, cooperative, settings, vat, lot = _split(row, _LINE_PARTS)
        _with_relations(product, cooperative, vat, row[-3:])
        # As select_related leaves it: a cooperative without settings answers DoesNotExist without a query.
        Organisation.order_settings.related.set_cached_value(cooperative, settings)
        if settings is not None:
            SellerSettings.cooperative.field.set_cached_value(settings, cooperative)
        CartLine.product.field.set_cached_value(line, product)
        CartLine.lot.field.set_cached_value(line, lot)
        lines.append(line)
    return lines


@dataclass(frozen=True)
class ProductToAdd:
    """A product as a cart add checks it: with its cooperative, VAT category and tiers; the lot asked for
    when it belongs to the product (any status); what the product's lots for sale hold together."""

    product: Product
    lot: HarvestLot | None
    stock: Decimal


def product_to_add(*, product_id: int, lot_id: int | None, on: date) -> ProductToAdd | None:
    """None when there is no such product. The caller decides whether it may be ordered (`is_orderable`)."""
    if connection.vendor != "postgresql":
        product = Product.objects.select_related("cooperative", "vat_category").filter(pk=product_id).first()
        if product is None:
            return None
        lot = HarvestLot.objects.filter(pk=lot_id, product_id=product_id).first() if lot_id is not None else None
        stock = product_stock_available(product=product, on=on)
        return ProductToAdd(product=product, lot=lot, stock=stock)
    with connection.cursor() as cursor:
        cursor.execute(_product_sql(), [LotStatus.PUBLISHED.value, on, lot_id, product_id])
        row = cursor.fetchone()
    if row is None:
        return None
    product, cooperative, vat, lot = _split(row, _PRODUCT_PARTS)
    _with_relations(product, cooperative, vat, row[-4:-1])
    return ProductToAdd(product=product, lot=lot, stock=row[-1])


def lines_as_read_queryset(lines: Sequence[CartLine]) -> QuerySet[CartLine]:
    """The definition: the cart lines still as they were read (the same id, quantity and lot)."""
    as_read = reduce(operator.or_, (Q(pk=line.pk, quantity=line.quantity, lot_id=line.lot_id) for line in lines))
    return CartLine.objects.filter(as_read)


@functools.cache
def _take_sql() -> str:
    return f"""
        DELETE FROM {CartLine._meta.db_table} l
         USING unnest(%s::bigint[], %s::numeric[], %s::bigint[]) AS r(id, quantity, lot_id)
         WHERE l.id = r.id AND l.quantity = r.quantity AND l.lot_id IS NOT DISTINCT FROM r.lot_id
    """  # noqa: S608 (a table name from the model; the values are parameters)


def lines_take_as_read(lines: Sequence[CartLine]) -> int:
    """Delete the lines of `lines_as_read_queryset` (at least one line): how many were. One DELETE, as the
    ORM's; written out, it skips building an OR of a condition per line on every checkout."""
    if connection.vendor != "postgresql":
        deleted, _rows = lines_as_read_queryset(lines).delete()
        return deleted
    with connection.cursor() as cursor:
        cursor.execute(
            _take_sql(),
            [[line.pk for line in lines], [line.quantity for line in lines], [line.lot_id for line in lines]],
        )
        return cursor.rowcount
