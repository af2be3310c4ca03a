"""The registry of export kinds. Each app declares what it exports in its AppConfig.ready() (orders in
orders/exports.py, payments in market/payments/exports.py, …), so this app at the bottom of the house knows
none of them:

    register_export(ExportKind(
        name="orders",                                   # in URLs, the API and job rows
        label=_("Orders"),                               # the page's choice
        scope=ApiScope.ORDERS_READ,                      # what an API token needs to export it
        source=lambda actor, status: order_list_for(actor=actor, status=status),  # the API's own selector
        date_field="created_at",                         # what the date range filters
        statuses=OrderStatus,                            # the status filter's choices (None: no status)
        columns=[field(_("Order number"), "number"), field(_("Buyer"), "buyer__name"),
                 field(_("Status"), "status", show=Labels(OrderStatus)), …],
    ))

A kind's columns are declared once: the header is a lazy translation (Vietnamese or English, whichever the
export asks for) and the database fields its cell is made of; CSV and XLSX write the same columns. The rows
are read as tuples of those fields (`ExportKind.read`), never as model instances: that is what keeps a
million-row export fast.
`source` is the selector the API lists with, so an export holds exactly the rows, and figures, the API shows
the same organisation: a cooperative its own, a buyer its own, staff everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Choices, QuerySet
from django.utils.functional import Promise

from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


class Labels:
    """A column's `show` for a choice: its label in the export's language. The writer asks for the labels of a
    language once per file (`in_language`), so a cell costs a dict lookup: a model's get_FOO_display() hashes
    every lazy label on each call, which made it most of an export's time (bench/exports.py)."""

    def __init__(self, choices: type[Choices]) -> None:
        self.choices = choices

    def in_language(self) -> Callable[[Any], Any]:
        """The label of a stored value in the active language (an unknown value as stored)."""
        known = {str(key): str(label) for key, label in self.choices.choices}
        return lambda raw: known.get(raw, raw)


def lookup(mapping: Mapping[Any, Any]) -> Callable[[Any], Any]:
    """A column's `show`: the stored value's entry in `mapping` (a unit's symbol), the value itself without one."""
    return lambda raw: mapping.get(raw, raw)


@dataclass(frozen=True)
class Column:
    """A column of a file: a heading (a lazy translation, or a fixed machine heading) and how its cells are made.

    A table of objects (a report, a bank file: `FixedTable`) gives `value`, a function of one row. An export kind
    gives `reads`, the database fields the cell is made of ("number", "buyer__name"): its rows are read with
    `values_list`, so no model instance is built per row, and `show` makes the cell of those fields' values (the
    value itself when the column reads one field and has no `show`; a `Labels` for a choice's label)."""

    label: str | Promise
    value: Callable[[Any], Any] | None = None
    reads: tuple[str, ...] = ()
    show: Callable[..., Any] | Labels | None = None


def field(label: str | Promise, *reads: str, show: Callable[..., Any] | Labels | None = None) -> Column:
    """An export kind's column made of database fields (see Column)."""
    return Column(label, reads=reads, show=show)


@dataclass(frozen=True)
class ExportKind:
    name: str
    label: str | Promise
    scope: ApiScope
    # (actor, status or None) -> the rows the actor may read, from the selector the API uses.
    source: Callable[[Actor, str | None], QuerySet[Any]]
    date_field: str
    columns: Sequence[Column]
    # A DateTimeField is filtered by local days; a DateField by its own value.
    date_is_datetime: bool = True
    statuses: type[Enum] | None = None
    # Whether the actor may export this kind at all (staff-only kinds say so); the source scopes the rows.
    available: Callable[[Actor], bool] = lambda actor: actor.organisation is not None

    def __post_init__(self) -> None:
        if not self.columns:
            raise ImproperlyConfigured(f"Export kind {self.name}: no columns")
        unread = [str(column.label) for column in self.columns if not column.reads or column.value is not None]
        if unread:
            raise ImproperlyConfigured(f"Export kind {self.name}: columns {unread} name no fields to read")

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field the columns read, once each, in the order of the columns: the values_list of a row."""
        return tuple(dict.fromkeys(path for column in self.columns for path in column.reads))

    def read(self, rows: QuerySet[Any], *, chunk_size: int) -> Iterator[tuple[Any, ...]]:
        """The rows' fields as tuples (`fields`' order), through a server-side cursor `chunk_size` rows at a time."""
        # A selector's prefetches are of model instances: the columns read their fields instead.
        return rows.prefetch_related(None).values_list(*self.fields).iterator(chunk_size=chunk_size)

    def status_choices(self) -> list[tuple[str, str]]:
        if self.statuses is None:
            return []
        labels = getattr(self.statuses, "choices", None)
        return (
            [(value, str(label)) for value, label in labels] if labels else [(m.value, m.name) for m in self.statuses]
        )


_KINDS: dict[str, ExportKind] = {}


def register_export(kind: ExportKind) -> None:
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ImproperlyConfigured(f"Export kind {kind.name} registered twice")
    _KINDS[kind.name] = kind


def get_export(name: str) -> ExportKind | None:
    return _KINDS.get(name)


def all_exports() -> list[ExportKind]:
    return list(_KINDS.values())
