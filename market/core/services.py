"""Writes of the shared kernel."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import models
from django.utils import timezone

from market.core.logging import request_id_var
from market.core.models import AuditEvent, Deletion, Heartbeat
from market.core.row_inserts import insert_rows


class ActorLike(Protocol):
    """Who acts: a user, possibly on behalf of an organisation (None for the system)."""

    @property
    def user(self) -> Any: ...

    @property
    def organisation(self) -> Any: ...


# What one audit event records beside its actor: action, target and data.
AuditEntry = tuple[str, models.Model, dict[str, Any]]


# The events of the innermost audit_batch() block, written when it ends; None outside one.
_batch: ContextVar[list[AuditEvent] | None] = ContextVar("audit_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Write the audit events recorded inside the block in one INSERT when it ends (a checkout records its
    orders, its stock takes and its payables: one statement instead of one per service). Use it inside the
    transaction that makes the changes; a block left by an exception writes nothing (the transaction is
    rolled back anyway). A nested block adds to the outer one."""
    if _batch.get() is not None:
        yield
        return
    events: list[AuditEvent] = []
    token = _batch.set(events)
    try:
        yield
    finally:
        _batch.reset(token)
    insert_rows(events)


def audit_record(
    *, actor: ActorLike | None, action: str, target: models.Model, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Record one audit event (inside audit_batch(), it is written, and gets its id, when the block ends)."""
    event = _audit_event(actor=actor, action=action, target=target, data=data)
    batch = _batch.get()
    if batch is not None:
        batch.append(event)
    else:
        insert_rows([event])
    return event


def audit_records(*, actor: ActorLike | None, entries: Iterable[AuditEntry]) -> None:
    """Several audit events by one actor in one INSERT (a checkout taking stock from many lots)."""
    events = [_audit_event(actor=actor, action=action, target=target, data=data) for action, target, data in entries]
    batch = _batch.get()
    if batch is not None:
        batch.extend(events)
    else:
        insert_rows(events)


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
