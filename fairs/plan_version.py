"""The version of a fair's drawn plan: the plan pages keep their drawing under it (frontend.views.fairs.drawing),
so a change shows on the next request and an unchanged plan is never drawn twice.

A plan draws the fair's halls and booths, the booths' live assignments, the applications' fee status (held or
assigned) and the exhibitors' names. The models that hold the first three (Hall, Zone, Booth, BoothAssignment,
Application) are PlanParts: their save() and delete() and their querysets' update(), delete(), bulk_create()
and bulk_update() bump the fair's plan version themselves, so that no service — today's or one written later —
has to remember to. The exhibitors' names belong to market.organisations, which knows nothing of fairs: their
newest `updated_at` (which every write moves, market.core.models) is read into the version instead, and the
fair's own `updated_at` covers its name and its status (who may see names).

The bump is a cache counter (market.core.versions): now and again at commit, so a reader that drew the old rows
in between is overtaken.

The fair page's exhibitor directory shows the same rows (the approved applications with a live assignment, their
booths and zones, the exhibitors' names and provinces) and, besides, the products each application showcases:
names and status belong to catalog, which knows nothing of fairs, so their newest `updated_at` and their count
are read into the directory's version (`fair_page_versions`) as the names are into the plan's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, models

from market.core import versions
from market.core.models import TimeStampedQuerySet

if TYPE_CHECKING:
    from fairs.models import Fair

_M = TypeVar("_M", bound="PlanPart")


def _key(fair_id: int) -> str:
    return f"fair-plan:{fair_id}"


def plan_changed(fair_ids: Iterable[int]) -> None:
    """Now and again at commit (market.core.versions)."""
    keys = [_key(pk) for pk in set(fair_ids)]
    if keys:
        versions.bump(keys)


# The newest change of the fair's exhibitors (those with a live assignment) and of the products they showcase, and
# how many those are, in one statement (parameters: the fair, twice). Written out: the ORM spent ~1.4 ms of CPU per
# request building and compiling it, the database ~0.15 ms answering it. The fair page tests prove each part moves.
SOURCES_SQL = """
SELECT names.newest, shown.newest, shown.n
FROM (
    SELECT MAX(o.updated_at) AS newest
    FROM organisations_organisation o
    JOIN fairs_application a ON a.cooperative_id = o.id
    JOIN fairs_boothassignment b ON b.application_id = a.id
    WHERE b.fair_id = %s AND b.released_at IS NULL
) names CROSS JOIN (
    SELECT MAX(p.updated_at) AS newest, COUNT(*) AS n
    FROM catalog_product p
    JOIN fairs_application_products a_p ON a_p.product_id = p.id
    JOIN fairs_boothassignment b ON b.application_id = a_p.application_id
    WHERE b.fair_id = %s AND b.released_at IS NULL
) shown
"""


def _stamp(newest: object) -> str:
    """A newest change as the database answers it (a datetime; text on SQLite, None when there is none), in the
    characters of a cache key."""
    return newest.isoformat() if isinstance(newest, datetime) else str(newest).replace(" ", "T")


def plan_version(fair: Fair) -> str:
    """What the fair's drawn plan depends on, as one string: its plan counter, its own last change and its
    exhibitors' newest change (one query and one cache round trip)."""
    return fair_page_versions(fair)[0]


def fair_page_versions(fair: Fair) -> tuple[str, str]:
    """The plan's version (plan_version) and the exhibitor directory's, which adds the showcased products' newest
    change and number: a product renamed, delisted or published again moves its `updated_at` (every write does,
    market.core.models); one that leaves the list lowers the count. One query and one cache round trip."""
    with connection.cursor() as cursor:
        cursor.execute(SOURCES_SQL, [fair.pk, fair.pk])
        names, products, count = cursor.fetchone()
    counter = versions.read([_key(fair.pk)])[0]
    plan = f"{counter}:{fair.updated_at.timestamp()}:{_stamp(names)}"
    return plan, f"{plan}:{count}:{_stamp(products)}"


class PlanQuerySet(models.QuerySet[_M]):
    """Bulk writes to a part of the plan bump the plans of the fairs whose rows they touch."""

    def _fair_ids(self) -> list[int]:
        return list(self.order_by().values_list("fair_id", flat=True).distinct())

    def update(self, **kwargs: Any) -> int:
        plan_changed(self._fair_ids())
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        plan_changed(self._fair_ids())
        return super().delete()

    def bulk_create(self, objs: Iterable[_M], *args: Any, **kwargs: Any) -> list[_M]:
        created = super().bulk_create(objs, *args, **kwargs)
        plan_changed(obj.fair_id for obj in created)
        return created

    def bulk_update(self, objs: Iterable[_M], fields: Iterable[str], batch_size: int | None = None) -> int:
        objs = list(objs)
        plan_changed(obj.fair_id for obj in objs)
        return super().bulk_update(objs, fields, batch_size)


class TrackedPlanQuerySet(PlanQuerySet[_M], TimeStampedQuerySet[_M]):  # type: ignore[override]  # two managers' types
    """For a part of the plan that is also synced: its bulk writes move `updated_at` too."""


class PlanPart(models.Model):
    """A row the fair's plan draws: saving or deleting it bumps its fair's plan version."""

    fair_id: int

    objects = PlanQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        plan_changed([self.fair_id])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        plan_changed([self.fair_id])
        return super().delete(*args, **kwargs)
