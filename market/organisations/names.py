"""Rows that show another row's name move when that name changes.

An order shows its buyer's and cooperative's names, a fair's badge its organisation's name and who revoked it.
Those rows are change-tracked: incremental sync (docs/api-sync.md) hands a row out again only when its own
`updated_at` moves. Renaming an organisation or a person writes neither row, so an ERP polling with
`updated_since` would keep the old name for good. So each app declares, in its AppConfig.ready(), which of its
change-tracked models show an organisation's or a person's name, and through which foreign keys; the services
that rename (market.organisations.services) call `organisation_renamed` / `user_renamed` in their own
transaction, which moves those rows (one UPDATE per declaration; TimeStampedQuerySet stamps `updated_at`).
Explicit registrations, not signals (DESIGN.md): this app at the bottom of the house knows none of the models.

The cost is one UPDATE of every row that shows the name, in the rename's transaction: renames are rare, and
a row that shows a stale name would otherwise never be sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q
from django.db.models.constants import LOOKUP_SEP

from market.core.models import ChangeTrackedModel


@dataclass(frozen=True)
class NamesShown:
    """A change-tracked model whose API rows show names: the foreign keys (or lookup paths through its related
    rows, as `settlements__payee`) to the organisations and to the people whose names it shows."""

    model: type[ChangeTrackedModel]
    organisations: tuple[str, ...] = ()
    users: tuple[str, ...] = ()


_SHOWN: dict[type[Model], NamesShown] = {}


def _target(model: type[Model], path: str) -> type[Model] | None:
    """The model a lookup path such as `payee` or `settlements__payee` ends at."""
    target: type[Model] | str | None = model
    for name in path.split(LOOKUP_SEP):
        if not isinstance(target, type):
            return None
        target = target._meta.get_field(name).related_model
    return target if isinstance(target, type) else None


def _check(shown: NamesShown) -> None:
    from market.organisations.models import Organisation, User

    if not issubclass(shown.model, ChangeTrackedModel):
        raise ImproperlyConfigured(f"{shown.model.__name__} is not change-tracked: nothing would sync its names")
    for fields, target in ((shown.organisations, Organisation), (shown.users, User)):
        for field in fields:
            if _target(shown.model, field) is not target:
                raise ImproperlyConfigured(f"{shown.model.__name__}.{field} is not a foreign key to {target.__name__}")


def register_names_shown(shown: NamesShown) -> None:
    _check(shown)
    if shown.model in _SHOWN and _SHOWN[shown.model] != shown:
        raise ImproperlyConfigured(f"Names shown by {shown.model.__name__} registered twice")
    _SHOWN[shown.model] = shown


def names_shown() -> list[NamesShown]:
    return list(_SHOWN.values())


def _move(pk: int, paths: dict[type[Model], tuple[str, ...]]) -> int:
    moved = 0
    for model, fields in paths.items():
        if fields:
            showing = reduce(or_, (Q(**{field: pk}) for field in fields))
            moved += model._default_manager.filter(showing).update()  # TimeStampedQuerySet stamps updated_at
    return moved


def organisation_renamed(organisation_id: int) -> int:
    """Move every registered row that shows the organisation's name; how many moved."""
    return _move(organisation_id, {model: shown.organisations for model, shown in _SHOWN.items()})


def user_renamed(user_id: int) -> int:
    """Move every registered row that shows the person's name; how many moved."""
    return _move(user_id, {model: shown.users for model, shown in _SHOWN.items()})
