"""Reads: the kinds an actor may export, the rows of one export (through the kind's own selector, so they are
the rows the API shows this actor), and the actor's own export jobs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from market.core.errors import NotFound, PermissionDenied
from market.exports.models import ExportJob
from market.exports.registry import ExportKind, all_exports, get_export
from market.organisations.drf import MissingScope
from market.organisations.permissions import Actor


def _token_allows(actor: Actor, kind: ExportKind) -> bool:
    return actor.scopes is None or kind.scope in actor.scopes


def export_kinds_for(*, actor: Actor) -> list[ExportKind]:
    return [kind for kind in all_exports() if kind.available(actor) and _token_allows(actor, kind)]


def export_kind_for(*, actor: Actor, name: str) -> ExportKind:
    """The kind, if this actor may export it: an API token needs the kind's scope (403 naming it)."""
    kind = get_export(name)
    if kind is None:
        raise NotFound()
    if not kind.available(actor):
        raise PermissionDenied()
    if not _token_allows(actor, kind):
        raise MissingScope(kind.scope)
    return kind


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def export_rows(*, actor: Actor, kind: ExportKind, date_from: date, date_to: date, status: str | None) -> QuerySet[Any]:
    """The rows of one export in a stable order (primary key: a cursor walks it without sorting the table)."""
    rows = kind.source(actor, status or None)
    if kind.date_is_datetime:
        # Local days as a half-open range of instants: the column's index serves it (a cast to date would not).
        bounds: dict[str, date] = {
            f"{kind.date_field}__gte": _day_start(date_from),
            f"{kind.date_field}__lt": _day_start(date_to + timedelta(days=1)),
        }
    else:
        bounds = {f"{kind.date_field}__gte": date_from, f"{kind.date_field}__lte": date_to}
    return rows.filter(**bounds).order_by("pk")


def export_jobs_for(*, actor: Actor) -> QuerySet[ExportJob]:
    """The person's own jobs for the organisation they act for: nobody else reads or downloads them."""
    if not actor.is_authenticated or actor.organisation_id is None:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=actor.user, organisation_id=actor.organisation_id)


def export_job_get_for(*, actor: Actor, job_id: int) -> ExportJob:
    job = export_jobs_for(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
