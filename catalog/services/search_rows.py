"""The catalogue's search rows (catalog.models.SearchRow): what the public search filters and ranks on, one row per
product the catalogue shows (published, of a verified cooperative), copied from the product.

Every service that changes what a row holds calls `search_rows_sync` in its own transaction: a product's details,
prices and status (catalog.services.products), its cooperative's name (the search text) and verification (the
hooks of catalog.apps). Explicit calls, not signals (DESIGN.md): a save outside a service moves nothing.

On PostgreSQL the table is partitioned by ranges of PARTITION_IDS product ids (catalog.models); a row's partition
is made here when its range has none yet (a new range every PARTITION_IDS products). The products' card bodies
(catalog.models.CardBody) are kept here too, on PostgreSQL: they show what the same writes change (names, unit,
minimum order, prices and tiers, the cooperative's name), so the same calls keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from catalog.models import SEARCH_ROW_PARTITION_IDS as PARTITION_IDS
from catalog.models import Product, ProductStatus, SearchRow
from catalog.selectors import card_sql
from market.organisations.models import Organisation, VerificationStatus

TABLE = SearchRow._meta.db_table
CARD_BODIES = card_sql.CARD_BODY
COLUMNS = ("id", "cooperative_id", "category_id", "origin_province_code", "price_per_base_unit", "moq",
           "name_folded", "search_folded")  # fmt: skip
# The partitions this process saw committed (numbers k of the ranges [k, k + 1) * PARTITION_IDS).
_made: set[int] = set()


# What makes a product's row: it is published and its cooperative verified (browse.public_products).
LISTED = (
    f"{Product._meta.db_table} p JOIN {Organisation._meta.db_table} o ON o.id = p.cooperative_id"
    " WHERE p.status = %s AND o.verification_status = %s"
)
LISTED_PARAMS = (ProductStatus.PUBLISHED.value, VerificationStatus.VERIFIED.value)


def _partition_name(k: int) -> str:
    return f"{TABLE}_{k}"


def _ensure_partitions(keys: set[int]) -> None:
    """Make the partitions [k, k + 1) * PARTITION_IDS that are missing. Attached rather than created as
    partitions: ATTACH takes a SHARE UPDATE EXCLUSIVE lock on the table (searches and writes go on), CREATE TABLE
    … PARTITION OF an ACCESS EXCLUSIVE one."""
    missing = keys - _made
    if not missing:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])  # one maker at a time
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        existing = {name for (name,) in cursor.fetchall()}
        for k in sorted(missing):
            name = _partition_name(k)
            if name in existing:
                continue
            cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            cursor.execute(
                f"ALTER TABLE {TABLE} ATTACH PARTITION {name}"
                f" FOR VALUES FROM ({k * PARTITION_IDS}) TO ({(k + 1) * PARTITION_IDS})"
            )
    transaction.on_commit(lambda: _made.update(missing))


def _sync(scope: str, params: Sequence[Any]) -> None:
    """Make the search rows (and, on PostgreSQL, the card bodies) of the products in `scope` what the products say.
    `scope` is SQL over the columns of `{t}` (a product or its row: the same names) with `params`."""
    listed_params = [*LISTED_PARAMS, *params]
    listed = f"{LISTED} AND {scope.format(t='p')}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE {scope.format(t=TABLE)}"  # noqa: S608 (names from the models)
            f" AND NOT EXISTS (SELECT 1 FROM {listed} AND p.id = {TABLE}.id)",
            [*params, *listed_params],
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT DISTINCT p.id / %s FROM {listed}", [PARTITION_IDS, *listed_params])  # noqa: S608
            _ensure_partitions({k for (k,) in cursor.fetchall()})
        columns = ", ".join(COLUMNS)
        updates = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[1:])
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}) SELECT {', '.join(f'p.{c}' for c in COLUMNS)} FROM {listed}"  # noqa: S608
            f" ON CONFLICT (id) DO UPDATE SET {updates}",
            listed_params,
        )
        if connection.vendor == "postgresql":
            # The card bodies likewise: one of the current format for each listed product, none for the others.
            cursor.execute(
                f"DELETE FROM {CARD_BODIES} k USING {Product._meta.db_table} p"  # noqa: S608 (names from the models)
                f" WHERE p.id = k.id AND {scope.format(t='p')} AND NOT EXISTS (SELECT 1 FROM {listed} AND p.id = k.id)",
                [*params, *listed_params],
            )
            cursor.execute(*card_bodies_statement(listed, listed_params))


def card_bodies_built(listed: str, listed_params: Sequence[Any]) -> tuple[str, list[Any]]:
    """(id, body, format) of the products `listed` (SQL over `p`, a product, and `o`, its cooperative), their bodies
    built from the products now, as the list's statement builds a card's without a kept one."""
    return (
        f"SELECT page.page_id, {card_sql.BODY}, %s"  # noqa: S608 (names from the models; values are parameters)
        " FROM (SELECT %s::jsonb AS units) w"
        " CROSS JOIN (SELECT p.id AS page_id, p.name_vi, p.name_en, p.unit, p.moq, p.order_multiple, p.price_from,"
        f" p.price_at_moq, p.price_per_base_unit, p.cooperative_id, o.name FROM {listed}) page",
        [card_sql.BODY_FORMAT, card_sql.units_json(), *listed_params],
    )


def card_bodies_statement(
    listed: str, listed_params: Sequence[Any], *, current_kept: bool = False
) -> tuple[str, list[Any]]:
    """An upsert of the card bodies of the products `listed` (as `card_bodies_built`'s); with `current_kept`, a body
    already of the current format is left as it is: the beat job's bodies are built from what its statement saw, and a
    service that wrote one since (in its transaction, under the product's lock) wrote what the product says now."""
    built, params = card_bodies_built(listed, listed_params)
    upsert = f"INSERT INTO {CARD_BODIES} (id, body, format) {built}"
    update = " ON CONFLICT (id) DO UPDATE SET body = excluded.body, format = excluded.format"
    return upsert + update + (f" WHERE {CARD_BODIES}.format <> excluded.format" if current_kept else ""), params


def search_rows_sync(*, product_ids: Sequence[int] = (), cooperative_id: int | None = None) -> None:
    """Make the search rows of these products, and of every product of `cooperative_id`, what the products say:
    a row for each one the catalogue shows, none for the others."""
    if product_ids:
        _sync(f"{{t}}.id IN ({', '.join(['%s'] * len(product_ids))})", list(product_ids))
    if cooperative_id is not None:
        _sync("{t}.cooperative_id = %s", [cooperative_id])


def search_rows_rebuild() -> None:
    """Every product's search row, from the products (after a bulk load of products: the bench catalogue)."""
    _sync("TRUE", [])


def card_bodies_complete() -> bool:
    """Whether every listed product has a card body of the current format: as many as there are search rows (the
    services keep both for the same products), counted from two indexes (~0.1 s at 1,000,000 products, where looking
    for the missing ones read every product: 2-9 s)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {TABLE}) = (SELECT COUNT(*) FROM {CARD_BODIES} WHERE format = %s)",  # noqa: S608
            [card_sql.BODY_FORMAT],
        )
        return bool(cursor.fetchone()[0])


def card_bodies_fill(*, batch: int = 5000) -> int:
    """Keep a card body of the current format for up to `batch` listed products that have none (a deploy changed
    the card, or the products were listed before bodies were kept); how many were written. On PostgreSQL only."""
    if connection.vendor != "postgresql":
        return 0
    missing = f"NOT EXISTS (SELECT 1 FROM {CARD_BODIES} k WHERE k.id = p.id AND k.format = %s)"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM {LISTED} AND {missing} ORDER BY p.id DESC LIMIT %s",  # noqa: S608 (names from models)
            [*LISTED_PARAMS, card_sql.BODY_FORMAT, batch],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        if ids:
            listed = f"{LISTED} AND p.id = ANY(%s)"
            cursor.execute(*card_bodies_statement(listed, [*LISTED_PARAMS, ids], current_kept=True))
    return len(ids)
