"""Helpers the fair services share: transition tables, events, and who may touch what."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fairs.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Fair,
    FairStatus,
)
from fairs.permissions import FAIRS_MANAGE
from market.core.errors import Conflict, NotFound, PermissionDenied
from market.organisations.permissions import Actor

FAIR_TRANSITIONS: dict[str, frozenset[str]] = {
    FairStatus.DRAFT: frozenset({FairStatus.OPEN}),
    FairStatus.OPEN: frozenset({FairStatus.ALLOCATION}),
    FairStatus.ALLOCATION: frozenset({FairStatus.OPEN, FairStatus.PUBLISHED}),
    FairStatus.PUBLISHED: frozenset({FairStatus.RUNNING}),
    FairStatus.RUNNING: frozenset({FairStatus.CLOSED}),
    FairStatus.CLOSED: frozenset(),
}

APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {
            ApplicationStatus.APPROVED,
            ApplicationStatus.WAITLISTED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.WAITLISTED: frozenset(
        {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.APPROVED: frozenset({ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
}

# Booths may be assigned (by hand or by the allocation) while these are the fair's status.
ASSIGNING_STATUSES = frozenset({FairStatus.OPEN, FairStatus.ALLOCATION, FairStatus.PUBLISHED, FairStatus.RUNNING})
# The plan may be edited until the fair runs.
PLAN_EDIT_STATUSES = frozenset({FairStatus.DRAFT, FairStatus.OPEN, FairStatus.ALLOCATION, FairStatus.PUBLISHED})
# Buyers book meetings once the plan is out.
MATCHING_STATUSES = frozenset({FairStatus.PUBLISHED, FairStatus.RUNNING})


def require_staff(actor: Actor) -> None:
    actor.require(FAIRS_MANAGE)


def require_own_application(actor: Actor, application: Application) -> None:
    """The applying cooperative acts on its application; staff are told no; anyone else cannot tell it exists."""
    if actor.organisation_id is not None and actor.organisation_id == application.cooperative_id:
        return
    if actor.can(FAIRS_MANAGE):
        raise PermissionDenied()
    raise NotFound()


def check_transition(table: dict[str, frozenset[str]], current: str, target: str, label: str) -> None:
    if target not in table.get(current, frozenset()):
        raise Conflict(
            _("A %(what)s cannot go from “%(current)s” to “%(target)s”.")
            % {"what": label, "current": current, "target": target},
            code="illegal_transition",
        )


def record(application: Application, *, actor: Actor | None, action: str, from_status: str, note: str = "") -> None:
    user = getattr(actor, "user", None)
    ApplicationEvent.objects.create(
        application=application,
        actor_user=user if getattr(user, "pk", None) else None,
        from_status=from_status,
        to_status=application.status,
        action=action,
        note=note[:500],
    )


def require_fair_status(fair: Fair, allowed: frozenset[str], message: str) -> None:
    if fair.status not in allowed:
        raise Conflict(message, code="fair_status")
