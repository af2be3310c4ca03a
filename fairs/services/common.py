"""Helpers the fair services share: locking a fair as the policy sees it, and the application's history."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fairs.lifecycle import APPLICATION_TRANSITIONS
from fairs.models import Application, ApplicationEvent, ApplicationEventKind, ApplicationStatus, Fair
from fairs.permissions import FAIRS_MANAGE
from fairs.policy import FAIR_POLICY, FairAction, FairState, fair_state
from fairs.selectors import fairs_visible
from market.core.errors import Conflict, NotFound
from market.organisations.permissions import Actor


def require_staff(actor: Actor) -> None:
    actor.require(FAIRS_MANAGE)


def fair_for(actor: Actor, fair_id: int, *, lock: bool = False) -> Fair:
    """The fair the actor can see (staff: every fair; others: the public ones), else NotFound."""
    qs = fairs_visible(actor=actor)
    fair = (qs.select_for_update(of=("self",)) if lock else qs).filter(pk=fair_id).first()
    if fair is None:
        raise NotFound()
    return fair


def authorize_fair(actor: Actor, fair: Fair, action: FairAction) -> FairState:
    state = fair_state(actor=actor, fair=fair)
    FAIR_POLICY.authorize(actor=actor, obj=state, action=action)
    return state


def move(application: Application, target: ApplicationStatus) -> ApplicationStatus:
    """Check the move against the lifecycle table (a second line behind the policy); the previous status."""
    previous = ApplicationStatus(application.status)
    if target not in APPLICATION_TRANSITIONS[previous]:
        raise Conflict(
            _("A booth application cannot go from “%(current)s” to “%(target)s”.")
            % {"current": previous.label, "target": target.label},
            code="illegal_transition",
        )
    application.status = target
    return previous


def record(
    application: Application,
    *,
    actor: Actor | None,
    kind: ApplicationEventKind,
    from_status: str,
    note: str = "",
) -> None:
    user = actor.user if actor is not None else None
    ApplicationEvent.objects.create(
        application=application,
        actor_user=user if user is not None and user.pk else None,
        from_status=from_status,
        to_status=application.status,
        action=kind,
        note=note,
    )
