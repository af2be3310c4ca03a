"""New rows written with a statement made once per model, as `bulk_create` writes them.

A checkout inserts its checkout, orders, lines, events, allocations and payables, one statement each.
`bulk_create` builds each statement anew (an insert query, its compiler, every column's name and type) before
the values are even converted; on PostgreSQL this module builds the same `INSERT … SELECT * FROM UNNEST(…)
RETURNING` once per model (a VALUES row for one row) and only converts the values, the way the compiler does
(`pre_save`, then `get_db_prep_save`). Elsewhere it is `bulk_create`. tests/orders/test_row_inserts.py
compares the rows both write for every model the checkout inserts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@functools.cache
def _statement(model: type[Model], *, several: bool, ignore_conflicts: bool) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """The INSERT of `model`'s rows (every concrete column but the generated id) and its fields: one row's
    values as they are, several rows' as arrays, one per column, typed as the compiler types them (without a
    length: a value is never cut short)."""
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if field is not meta.pk and not field.generated)
    assert meta.pk is not None

    def quote(name: str | None) -> str:
        assert name is not None  # a concrete field's column
        return str(connection.ops.quote_name(name))

    columns = ", ".join(quote(field.column) for field in fields)
    if several:
        arrays = ", ".join(f"(%s)::{_array_type(field)}" for field in fields)
        values = f"SELECT * FROM UNNEST({arrays})"  # noqa: S608 (model names only)
    else:  # as the compiler writes one row: plain parameters cost less to send than arrays of one
        values = f"VALUES ({', '.join('%s' for _field in fields)})"
    # As bulk_create(ignore_conflicts=True): a row meeting a unique constraint is skipped, and no id is given.
    end = "ON CONFLICT DO NOTHING" if ignore_conflicts else f"RETURNING {quote(meta.pk.column)}"
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) {values} {end}", fields


# A field's plain values: their exact type and what the compiler makes of them (None: they are sent as they are).
Plain = tuple[type, Callable[[Any], Any] | None] | None


@functools.cache
def _plain_types(model: type[Model]) -> tuple[Plain, ...]:
    """Per field of `_statement`, the values `get_db_prep_save` only hands back (text, booleans, the ids of
    relations, aware datetimes) or wraps for the driver (integers, sized by column), and how: most of an
    order's or a notification's values are these, and converting them was most of the time spent on the
    values. None for the others (decimals, dates, JSON…), converted by the field."""
    return tuple(_plain_type(field) for field in _statement(model, several=False, ignore_conflicts=False)[1])


def _plain_type(field: Field[Any, Any]) -> Plain:
    target: Field[Any, Any] = getattr(field, "target_field", field) if field.is_relation else field
    if not all(type(f).__module__.startswith("django.db.models.fields") for f in (field, target)):
        return None  # a field class of our own (or a library's) may convert in its own way
    kind = target.get_internal_type()
    if kind in {"CharField", "TextField", "EmailField", "SlugField", "URLField"}:
        return str, None
    if kind == "BooleanField":
        return bool, None
    if kind in {"AutoField", "BigAutoField", "SmallAutoField"}:
        return int, None
    if kind in {
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
    }:
        return int, functools.partial(connection.ops.adapt_integerfield_value, internal_type=kind)
    if kind == "DateTimeField":  # a notification has seven, every row two (created_at, updated_at)
        return datetime, functools.partial(_aware, field=field)
    return None


def _aware(value: datetime, *, field: Field[Any, Any]) -> Any:
    """An aware datetime as PostgreSQL's operations send it (as it is); a naive one as the field makes it
    (aware, with Django's warning)."""
    return value if value.tzinfo is not None else field.get_db_prep_save(value, connection=connection)


@functools.cache
def _unnests(model: type[Model]) -> bool:
    """Whether UNNEST can carry the model's columns: an array column's values would be flattened (bulk_create
    then writes them, as Django's own UNNEST path declines them too)."""
    return not any(
        _array_type(field).endswith("][]") for field in _statement(model, several=True, ignore_conflicts=False)[1]
    )


def _array_type(field: Field[Any, Any]) -> str:
    return f"{str(field.db_type(connection)).split('(')[0]}[]"


def insert_rows(objs: Sequence[M], *, ignore_conflicts: bool = False) -> Sequence[M]:
    """Insert new instances of one model (their ids unset) in one statement and give them their ids, as
    `Model.objects.bulk_create(objs, ignore_conflicts=…)` does (no signals, auto_now fields set, related ids
    taken from the related instances assigned; with ignore_conflicts, no ids)."""
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql" or not _unnests(model):
        return model._default_manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    several = len(objs) > 1
    sql, fields = _statement(model, several=several, ignore_conflicts=ignore_conflicts)
    plain = _plain_types(model)
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        row = []
        for field, kind in zip(fields, plain, strict=True):
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):  # an expression (Now(), F()…): the compiler's to write
                return model._default_manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
            if kind is None or not (value is None or type(value) is kind[0]):
                value = field.get_db_prep_save(value, connection=connection)
            elif kind[1] is not None and value is not None:
                value = kind[1](value)
            row.append(value)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)] if several else rows[0])
        if ignore_conflicts:
            return objs
        ids = [row[0] for row in cursor.fetchall()]
    # RETURNING answers in the order of the arrays, as bulk_create counts on.
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
