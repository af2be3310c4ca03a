"""The lots a checkout locks, in one plain SQL statement made once per process on PostgreSQL.

`catalog.services.lots_lock_for_order` stays the definition (and serves other databases): the ORM built its
OR of the chosen lots and the products' lots for sale anew for every checkout, about a tenth of the
placement's CPU. tests/orders/test_checkout_rows.py compares both."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

from django.db import connection

from catalog.models import HarvestLot, LotStatus
from catalog.services import lots_lock_for_order
from market.core import rows
from market.core.errors import NotFound


@functools.cache
def _lock_sql() -> str:
    # The lots for sale are `catalog.selectors.for_sale`'s; FOR UPDATE above ORDER BY takes the locks in id
    # order, as the ORM's query does (two checkouts sharing lots never deadlock).
    return f"""
        SELECT {rows.select_list(HarvestLot, "h")}
          FROM {HarvestLot._meta.db_table} h
         WHERE h.id = ANY(%s::bigint[])
            OR (h.product_id = ANY(%s::bigint[]) AND h.status = %s AND h.quantity_available > 0
                AND (h.expiry_date IS NULL OR h.expiry_date >= %s))
         ORDER BY h.id
           FOR UPDATE
    """  # noqa: S608 (table and column names from the model; every value is a parameter)


def lots_lock_for_checkout(*, lot_ids: Iterable[int], product_ids: Iterable[int], on: date) -> dict[int, HarvestLot]:
    """What `lots_lock_for_order` locks and answers (on the day `on`): the chosen lots and the products' lots
    for sale, by id; NotFound when a chosen lot does not exist."""
    if connection.vendor != "postgresql":
        return lots_lock_for_order(lot_ids=lot_ids, product_ids=product_ids)
    chosen = sorted({int(i) for i in lot_ids})
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(), [chosen, sorted({int(i) for i in product_ids}), LotStatus.PUBLISHED.value, on])
        found = {lot.pk: lot for lot in (rows.instance(HarvestLot, row) for row in cursor.fetchall())}
    if not found.keys() >= set(chosen):
        raise NotFound()
    return found
