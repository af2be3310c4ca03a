"""Writes of the shared kernel."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any, Protocol

from django.db import models
from django.utils import timezone

from market.core.logging import request_id_var
from market.core.models import AuditEvent, Deletion, Heartbeat


class ActorLike(Protocol):
    """Who acts: a user, possibly on behalf of an organisation (None for the system)."""

    @property
    def user(self) -> Any: ...

    @property
    def organisation(self) -> Any: ...


# What one audit event records beside its actor: action, target and data.
AuditEntry = tuple[str, models.Model, dict[str, Any]]


def audit_record(
    *, actor: ActorLike | None, action: str, target: models.Model, data: dict[str, Any] | None = None
) -> AuditEvent:
    event = _audit_event(actor=actor, action=action, target=target, data=data)
    event.save(force_insert=True)
    return event


def audit_records(*, actor: ActorLike | None, entries: Iterable[AuditEntry]) -> None:
    """Several audit events by one actor in one INSERT (a checkout taking stock from many lots)."""
    AuditEvent.objects.bulk_create(
        _audit_event(actor=actor, action=action, target=target, data=data) for action, target, data in entries
    )


def _audit_event(
    *, actor: ActorLike | None, action: str, target: models.Model, data: dict[str, Any] | None
) -> AuditEvent:
    user = getattr(actor, "user", None)
    organisation = getattr(actor, "organisation", None)
    return AuditEvent(
        actor_user=user if getattr(user, "pk", None) else None,
        actor_organisation=organisation if getattr(organisation, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
    )


def deletion_record(*, resource: str, obj: models.Model, organisation_id: int, scope: str) -> Deletion:
    """Call in the transaction that deletes `obj`, a row of a synced list: clients syncing that list learn of
    it from /api/v1/deletions/ instead of keeping it for ever. `scope`: the API token scope that reads it."""
    return Deletion.objects.create(resource=resource, object_id=obj.pk, organisation_id=organisation_id, scope=scope)


def heartbeat_record(*, name: str) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_seen": timezone.now(), "hostname": socket.gethostname()}
    )
    return heartbeat
