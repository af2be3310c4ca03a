"""Automatic booth allocation: preferences first, then the wanted type and zone, under priority rules.

Order of service (fairness): first-time exhibitors first when the fair's subsidy programme says so, then
verified cooperatives, then by submission time (first come, first served), ties by application number.
Each cooperative holds at most one live application per fair, so no one gets two booths. An application
gets its first free ranked booth that meets its needs (cold storage, water, power); without one, the first
free booth of its type, in its wanted zone before the others; without one, a submitted application joins the
waitlist — in the same order of service, so the waitlist order is the priority order — and one staff already
approved stays approved, without a booth, for staff to place by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from fairs.models import Application, ApplicationStatus, Booth, BoothAssignment, Fair
from fairs.policy import FairAction
from fairs.services.applications import assign, booth_fits, lock_application, waitlist_append
from fairs.services.common import authorize_fair, fair_for
from fairs.services.plan import lock_booth
from market.core.models import AuditEvent
from market.core.once import Once, Reuse, once
from market.core.services import audit_record
from market.organisations.models import VerificationStatus
from market.organisations.permissions import Actor

RUN_ACTION = "fairs.allocation_run"
# The rules of an application that gets no booth: a submitted one joins the waitlist; an approved one (staff approved
# it before the run) stays approved, waiting for staff to give it a booth by hand.
WAITLIST = "waitlist"
NO_BOOTH = "no booth"


@dataclass(frozen=True)
class Allocation:
    application_id: int
    cooperative: str
    booth_id: int | None
    booth_code: str
    rule: str  # "preference 1", "type", "type (other zone)"; without a booth WAITLIST or NO_BOOTH


@dataclass(frozen=True)
class AllocationCounts:
    """What a run did, counted: booths assigned, applications put on the waitlist, approved ones left without a
    booth (not waitlisted)."""

    assigned: int
    waitlisted: int
    approved_without_booth: int


def allocation_counts(allocations: Sequence[Allocation]) -> AllocationCounts:
    return AllocationCounts(
        assigned=sum(1 for item in allocations if item.booth_id is not None),
        waitlisted=sum(1 for item in allocations if item.booth_id is None and item.rule == WAITLIST),
        approved_without_booth=sum(1 for item in allocations if item.booth_id is None and item.rule == NO_BOOTH),
    )


def _unplaced_rule(application: Application) -> str:
    return WAITLIST if application.status == ApplicationStatus.SUBMITTED else NO_BOOTH


def _priority(application: Application, *, first_time_first: bool) -> tuple[int, int, datetime, int]:
    return (
        0 if (first_time_first and application.first_time) else 1,
        0 if application.cooperative.verification_status == VerificationStatus.VERIFIED else 1,
        application.created_at,
        application.pk,
    )


def allocation_plan(*, fair: Fair) -> list[Allocation]:
    """What the allocation would do now, without changing anything."""
    booths = list(Booth.objects.filter(fair=fair, blocked=False).order_by("code"))
    taken = set(BoothAssignment.objects.filter(fair=fair, released_at__isnull=True).values_list("booth_id", flat=True))
    has_booth = set(
        BoothAssignment.objects.filter(fair=fair, released_at__isnull=True).values_list("application_id", flat=True)
    )
    pending = [
        a
        for a in Application.objects.filter(
            fair=fair, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]
        )
        .select_related("cooperative")
        .prefetch_related("preferences")
        if a.pk not in has_booth
    ]
    first_time_first = bool(fair.subsidy_programme and fair.subsidy_programme.first_time_priority)
    pending.sort(key=lambda a: _priority(a, first_time_first=first_time_first))
    by_id = {b.pk: b for b in booths}
    plan: list[Allocation] = []
    for application in pending:
        chosen: Booth | None = None
        rule = _unplaced_rule(application)
        for preference in application.preferences.all():
            booth = by_id.get(preference.booth_id)
            if booth is not None and booth.pk not in taken and booth_fits(booth, application):
                chosen, rule = booth, f"preference {preference.rank}"
                break
        if chosen is None:
            typed = [
                b
                for b in booths
                if b.booth_type == application.booth_type and b.pk not in taken and booth_fits(b, application)
            ]
            in_zone = [b for b in typed if application.zone_id is None or b.zone_id == application.zone_id]
            if in_zone:
                chosen, rule = in_zone[0], "type"
            elif typed:
                chosen, rule = typed[0], "type (other zone)"
        if chosen is not None:
            taken.add(chosen.pk)
        plan.append(
            Allocation(
                application_id=application.pk,
                cooperative=application.cooperative.name,
                booth_id=chosen.pk if chosen else None,
                booth_code=chosen.code if chosen else "",
                rule=rule,
            )
        )
    return plan


def allocation_run(*, actor: Actor, fair_id: int) -> list[Allocation]:
    """Carry out the plan: assign (and approve), waitlist a submitted application left without a booth, leave an
    approved one as it is; all or nothing. Staff adjust by hand afterwards."""
    return _allocations_recorded(_allocation_carry_out(actor=actor, fair_id=fair_id))


def allocation_run_once(*, actor: Actor, fair_id: int, once_key: str) -> Once[list[Allocation]]:
    """allocation_run under the API request's Idempotency-Key or the page form's one-time key: a retry after a lost
    answer (a form sent twice) is answered what the first run answered (read back from the run's audit record, even
    after staff changed an assignment by hand), not a second run that finds no one left to place and answers an
    empty list. Sent for another fair, it is refused."""
    done = once(
        action=RUN_ACTION,
        key=once_key,
        actor=actor,
        model=AuditEvent,
        make=lambda: _allocation_carry_out(actor=actor, fair_id=fair_id),
        reuse=Reuse(
            lambda first: first.target_id == str(fair_id),
            _("This key was already used to allocate another fair's booths: send this request with a new key."),
            asked=fair_id,
        ),
    )
    return Once(_allocations_recorded(done.value), replayed=done.replayed)


def _allocations_recorded(run: AuditEvent) -> list[Allocation]:
    """What a run did, as it answered it: its audit record keeps the whole answer."""
    return [Allocation(**item) for item in run.data["allocations"]]


@transaction.atomic
def _allocation_carry_out(*, actor: Actor, fair_id: int) -> AuditEvent:
    """The run, and its audit record holding what it did (who got which booth by which rule, who waits).
    The fair stays locked throughout, so the plan cannot change under it."""
    locked_fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, locked_fair, FairAction.ALLOCATE)
    plan = allocation_plan(fair=locked_fair)
    done: list[Allocation] = []
    for item in plan:
        if item.booth_id is not None:
            booth = lock_booth(item.booth_id)  # the booth before the application, as every fairs path locks them
            assign(actor=actor, application=lock_application(item.application_id), booth=booth)
        else:
            # Told by the application as locked: only a submitted one joins the waitlist.
            application = lock_application(item.application_id)
            item = replace(item, rule=_unplaced_rule(application))
            if item.rule == WAITLIST:
                waitlist_append(application, actor=actor)
        done.append(item)
    return audit_record(
        actor=actor,
        action=RUN_ACTION,
        target=locked_fair,
        data={**asdict(allocation_counts(done)), "allocations": [asdict(item) for item in done]},
    )
