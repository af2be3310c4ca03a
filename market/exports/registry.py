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
        columns=[Column(_("Order number"), lambda order: order.number), …],
    ))

A kind's columns are declared once: the header is a lazy translation (Vietnamese or English, whichever the
export asks for) and the value a function of one row; CSV and XLSX write the same columns.
`source` is the selector the API lists with, so an export holds exactly the rows, and figures, the API shows
the same organisation: a cooperative its own, a buyer its own, staff everything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Choices, QuerySet
from django.utils import translation
from django.utils.functional import Promise

from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


def choice(choices: type[Choices], path: str) -> Callable[[Any], Any]:
    """A column value: the label of the choice at `path` ("status", "order.status") in the export's language.

    The labels are looked up in a dict made once per language: a model's get_FOO_display() hashes every lazy
    label on each call, which made it most of an export's time (bench/exports.py)."""
    read = attrgetter(path)
    labels: dict[str, dict[str, str]] = {}

    def value(row: Any) -> Any:
        language = translation.get_language() or "vi"
        known = labels.get(language)
        if known is None:
            known = labels[language] = {str(key): str(label) for key, label in choices.choices}
        raw = read(row)
        return known.get(raw, raw)

    return value


@dataclass(frozen=True)
class Column:
    label: str | Promise
    value: Callable[[Any], Any]


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
