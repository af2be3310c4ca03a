"""Model instances from rows read with plain SQL, converted as the ORM's compiler converts them.

For the hot reads that are written in SQL once instead of built by the ORM on every request (the API token,
a catalogue page, a lot): they still hand the rest of the code the model instances it expects. A subset of a
model's fields gives an instance whose other fields are deferred (read on access, as `.only()` does)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import DateField, DateTimeField, DecimalField, JSONField, Model, TimeField
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)
# (attname, column expression, converters) of each field read, in the model's field order.
Fields = tuple[tuple[str, Any, tuple[Any, ...]], ...]


@functools.cache
def read_fields(model: type[Model], names: frozenset[str] | None = None) -> Fields:
    """The fields of `model` named by attname (every concrete field when None), with what the compiler
    applies to each value read (JSON parsed, …)."""
    fields = []
    for field in model._meta.concrete_fields:
        if names is not None and field.attname not in names:
            continue
        column = field.get_col(model._meta.db_table)
        converters = (*connection.ops.get_db_converters(column), *field.get_db_converters(connection))
        fields.append((field.attname, column, converters))
    return tuple(fields)


@dataclass(frozen=True)
class _Reader:
    """How `instance` builds one model from a subset of its fields, worked out once per (model, fields)."""

    attnames: tuple[str, ...]
    converted: tuple[tuple[int, Any, tuple[Any, ...]], ...]  # (position, column, converters): those with any
    # Whether an instance may be made without Model.__init__: the model builds its instances as Model does.
    # One that overrides __init__ or from_db (to set up state, to record what was loaded) must get its call.
    bare: bool


def builds_like_model(model: type[Model]) -> bool:
    """Whether `model` makes its instances with Model's own __init__ and from_db (neither overridden)."""
    own_from_db = getattr(vars(Model)["from_db"], "__func__", None)
    return model.__init__ is Model.__init__ and getattr(model.from_db, "__func__", None) is own_from_db


@functools.cache
def _reader(model: type[Model], names: frozenset[str] | None) -> _Reader:
    fields = read_fields(model, names)
    converted = tuple((i, column, converters) for i, (_, column, converters) in enumerate(fields) if converters)
    return _Reader(tuple(attname for attname, _, _ in fields), converted, builds_like_model(model))


def select_list(model: type[Model], alias: str, names: Collection[str] | None = None) -> str:
    """`alias.column, …` of the fields `instance` reads, in their order."""
    chosen = read_fields(model, frozenset(names) if names is not None else None)
    return ", ".join(f"{alias}.{connection.ops.quote_name(column.target.column)}" for _, column, _ in chosen)


def width(model: type[Model], names: Collection[str] | None = None) -> int:
    return len(read_fields(model, frozenset(names) if names is not None else None))


def instance(model: type[M], values: Sequence[Any], names: Collection[str] | None = None) -> M:
    """An instance of `model` from the values of `select_list(model, …, names)`."""
    return instances(model, [values], names)[0]


def instances(model: type[M], rows: Iterable[Sequence[Any]], names: Collection[str] | None = None) -> list[M]:
    """An instance of `model` from each row of values of `select_list(model, …, names)` (what is the same for
    every row — the fields, the signals listening — is looked at once)."""
    reader = _reader(model, frozenset(names) if names is not None else None)
    bare = reader.bare and not (pre_init.has_listeners(model) or post_init.has_listeners(model))
    return [_build(model, reader, values, bare) for values in rows]


def _build(model: type[M], reader: _Reader, values: Sequence[Any], bare: bool) -> M:
    if len(values) != len(reader.attnames):
        raise ValueError(f"{model.__name__}: {len(values)} values for {len(reader.attnames)} fields")
    if reader.converted:
        values = list(values)
        database = connections[DEFAULT_DB_ALIAS]
        for index, column, converters in reader.converted:
            value = values[index]
            for convert in converters:
                value = convert(value, column, database)
            values[index] = value
    if not bare:
        return model.from_db(DEFAULT_DB_ALIAS, list(reader.attnames), list(values))
    # What Model.from_db makes, without Model.__init__'s walk over every field and its signals (none listen
    # for this model): a page built 50 instances, and __init__ was a fifth of the list's CPU. The values' number is
    # checked above (a strict zip checked it again), the state put straight into the instance's dict: ~0.3 µs less
    # an instance, of ~1.7.
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = DEFAULT_DB_ALIAS
    attributes = obj.__dict__
    attributes.update(zip(reader.attnames, values))  # noqa: B905 (the lengths are checked above)
    attributes["_state"] = state
    return obj


def json_row(model: type[Model], alias: str, names: Collection[str]) -> str:
    """`json_build_array(alias.column, …)` of the fields `instances_from_json` reads, in their order: one row
    as a JSON array, for a list of rows read as one value of another statement (decimals as text: JSON would
    carry them as floats; JSON as its text, which the field's converter parses as it parses the column)."""
    return _json_row(model, alias, frozenset(names))


@functools.cache
def _json_row(model: type[Model], alias: str, names: frozenset[str]) -> str:
    """`json_row`, written once per process: the storefront asks for six on each request not kept (~0.1 ms of CPU
    to write them anew)."""
    chosen = read_fields(model, names)
    columns = []
    for _, column, _ in chosen:
        name = f"{alias}.{connection.ops.quote_name(column.target.column)}"
        columns.append(f"{name}::text" if isinstance(column.target, DecimalField | JSONField) else name)
    return f"json_build_array({', '.join(columns)})"


def instances_from_json(model: type[M], rows: Iterable[Sequence[Any]], names: Collection[str]) -> list[M]:
    """`instances` from the JSON arrays of `json_row`: days and decimals read back from their text, JSON from its
    text by the field's converter (as `instances` converts the column), the other values as JSON has them (numbers,
    text, null). Only fields of those kinds."""
    parsers = _json_parsers(model, frozenset(names))
    values = (
        [value if parse is None or value is None else parse(value) for parse, value in zip(parsers, row, strict=True)]
        for row in rows
    )
    return instances(model, values, names)


@functools.cache
def _json_parsers(model: type[Model], names: frozenset[str]) -> tuple[Callable[[str], Any] | None, ...]:
    """What `instances_from_json` applies to each value of a JSON row (None: the value as JSON has it), worked out
    once per (model, fields)."""
    parsers: list[Callable[[str], Any] | None] = []
    for _, column, _ in read_fields(model, names):
        field = column.target
        if isinstance(field, DecimalField):
            parsers.append(Decimal)
        elif isinstance(field, DateTimeField | TimeField):  # no JSON text of theirs is read yet
            raise TypeError(f"{model.__name__}.{field.name}: not read from JSON")
        else:
            parsers.append(date.fromisoformat if isinstance(field, DateField) else None)
    return tuple(parsers)


def instance_of(model: type[M], values: dict[str, Any]) -> M:
    """An instance of `model` from {attname: value} (a JSON object built by the database: its values must
    already be what the fields hold)."""
    names = frozenset(values)
    return instance(model, [values[attname] for attname in _reader(model, names).attnames], names)


def prefetched(obj: Model, relation: str, related: list[Any]) -> None:
    """`obj.<relation>.all()` answers `related` without a query, as prefetch_related leaves it."""
    manager = getattr(obj, relation)
    queryset = manager.get_queryset()
    queryset._result_cache = related
    queryset._prefetch_done = True
    # Both kinds of related manager (a reverse foreign key, a many-to-many) look their prefetch up under the
    # accessor's name when it is the relation's own (not a Prefetch(to_attr=…)).
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset
