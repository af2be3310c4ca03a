"""What each person may do now with a fair, an application, a booth and a meeting (docs/edge.md, part 3).

One table per aggregate. The services call `<POLICY>.authorize(...)` after they have locked the row; the
pages show exactly the actions of `<aggregate>_actions(...)` (`data-action="…"`); the API returns them as
`allowed_actions`. The `when` predicates read the lifecycle tables of `fairs.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fairs.lifecycle import (
    ALLOCATING_STATUSES,
    ASSIGNING_STATUSES,
    BADGE_CHANGE_STATUSES,
    CHECKIN_STATUSES,
    FAIR_TRANSITIONS,
    MATCHING_STATUSES,
    OUTCOME_STATUSES,
    PLAN_EDIT_STATUSES,
    FairTransition,
    application_may_become,
    meeting_may_become,
)
from fairs.models import (
    LIVE_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    Badge,
    Booth,
    BoothAssignment,
    BuyerRegistration,
    Fair,
    FairStatus,
    FeeStatus,
    Meeting,
    MeetingStatus,
)
from fairs.permissions import FAIRS_APPLY, FAIRS_BADGES, FAIRS_EXHIBIT, FAIRS_MANAGE, FAIRS_MATCH, FAIRS_MEET
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule
from market.payments.permissions import PAYMENTS_PAY


def _day(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


# --- fairs ---------------------------------------------------------------------------------------
class FairAction(StrEnum):
    OPEN = FairTransition.OPEN.value
    CLOSE_APPLICATIONS = FairTransition.CLOSE_APPLICATIONS.value
    REOPEN = FairTransition.REOPEN.value
    PUBLISH = FairTransition.PUBLISH.value
    START = FairTransition.START.value
    CLOSE = FairTransition.CLOSE.value
    EDIT_PLAN = "edit_plan"
    ALLOCATE = "allocate"
    SET_UP_MATCHING = "set_up_matching"
    CHECK_IN = "check_in"
    APPLY = "apply"
    REGISTER = "register"
    BOOK_MEETING = "book_meeting"


@dataclass(frozen=True)
class FairState:
    """A fair as one actor meets it today: whether it has booths to offer, whether the actor's organisation
    already holds a live application to it or is registered for its business matching."""

    fair: Fair
    today: date
    has_booths: bool
    applied: bool
    registered: bool


def fair_state(*, actor: Actor, fair: Fair, today: date | None = None) -> FairState:
    organisation_id = actor.organisation_id
    return FairState(
        fair=fair,
        today=today or timezone.localdate(),
        has_booths=fair.booths.filter(blocked=False).exists(),
        applied=bool(organisation_id)
        and Application.objects.filter(
            fair=fair, cooperative_id=organisation_id, status__in=LIVE_APPLICATION_STATUSES
        ).exists(),
        registered=bool(organisation_id)
        and BuyerRegistration.objects.filter(fair=fair, buyer_id=organisation_id).exists(),
    )


def _transition_rule(transition: FairTransition) -> Rule[FairState]:
    start, _target = FAIR_TRANSITIONS[transition]
    if transition == FairTransition.OPEN:

        def may_open(state: FairState) -> bool:
            return state.fair.status == start and state.has_booths

        def why_not_open(state: FairState) -> str:
            if state.fair.status == start:
                return _("Draw or import at least one booth before opening the fair for applications.")
            return _("The fair is already past its draft.")

        return Rule(FAIRS_MANAGE, when=may_open, conflict=why_not_open)

    def from_start(state: FairState) -> bool:
        return state.fair.status == start

    def why_not(state: FairState) -> str:
        return _("A fair that is “%(current)s” cannot do this; it has to be “%(start)s”.") % {
            "current": state.fair.get_status_display(),
            "start": start.label,
        }

    return Rule(FAIRS_MANAGE, when=from_start, conflict=why_not)


def _applications_open(state: FairState) -> bool:
    fair = state.fair
    return fair.status == FairStatus.OPEN and fair.applications_open_on <= state.today <= fair.applications_close_on


def _why_not_apply(state: FairState) -> str:
    if state.applied:
        return _("Your cooperative has already applied to this fair; see your application.")
    fair = state.fair
    return _("This fair takes applications from %(open)s to %(close)s, while it is open for applications.") % {
        "open": _day(fair.applications_open_on),
        "close": _day(fair.applications_close_on),
    }


def _checkin_open(state: FairState) -> bool:
    return state.fair.status in CHECKIN_STATUSES and state.fair.checkin_open(state.today)


def _why_not_checkin(state: FairState) -> str:
    fair = state.fair
    if fair.status not in CHECKIN_STATUSES:
        return _("Badges are checked in once the plan is published, while the fair runs.")
    return _("Check-in is open from %(start)s to %(end)s.") % {
        "start": _day(fair.checkin_opens_on),
        "end": _day(fair.ends_on),
    }


FAIR_POLICY: Policy[FairAction, FairState] = Policy(
    {
        **{FairAction(t.value): _transition_rule(t) for t in FairTransition},
        FairAction.EDIT_PLAN: Rule(
            FAIRS_MANAGE,
            when=lambda s: s.fair.status in PLAN_EDIT_STATUSES,
            conflict=gettext_lazy("The plan cannot change once the fair is running."),
        ),
        FairAction.ALLOCATE: Rule(
            FAIRS_MANAGE,
            when=lambda s: s.fair.status in ALLOCATING_STATUSES,
            conflict=gettext_lazy("Run the allocation while applications are open or being allocated."),
        ),
        FairAction.SET_UP_MATCHING: Rule(
            FAIRS_MANAGE,
            when=lambda s: s.fair.status != FairStatus.CLOSED,
            conflict=gettext_lazy("This fair is finished."),
        ),
        FairAction.CHECK_IN: Rule(FAIRS_MANAGE, when=_checkin_open, conflict=_why_not_checkin),
        FairAction.APPLY: Rule(
            FAIRS_APPLY, when=lambda s: _applications_open(s) and not s.applied, conflict=_why_not_apply
        ),
        FairAction.REGISTER: Rule(
            FAIRS_MEET,
            when=lambda s: s.fair.status in MATCHING_STATUSES and not s.registered,
            conflict=lambda s: (
                _("You are already registered for this fair's business matching.")
                if s.registered
                else _("Buyers register once the fair's plan is published.")
            ),
        ),
        FairAction.BOOK_MEETING: Rule(
            FAIRS_MEET,
            when=lambda s: s.fair.status in MATCHING_STATUSES and s.registered,
            conflict=lambda s: (
                _("Meetings are booked once the fair's plan is published.")
                if s.fair.status not in MATCHING_STATUSES
                else _("Register for the fair's business matching before requesting meetings.")
            ),
        ),
    },
    scopes=dict.fromkeys(FairAction, ApiScope.FAIRS),
)


def fair_actions(*, actor: Actor, fair: Fair) -> frozenset[FairAction]:
    return FAIR_POLICY.actions(actor=actor, obj=fair_state(actor=actor, fair=fair))


# --- applications --------------------------------------------------------------------------------
class ApplicationAction(StrEnum):
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    WAITLIST = "waitlist"
    REJECT = "reject"
    ASSIGN_BOOTH = "assign_booth"
    RELEASE_BOOTH = "release_booth"
    PAY_FEE = "pay_fee"


def live_assignment(application: Application) -> BoothAssignment | None:
    """The application's booth now (from the selectors' prefetch when there is one)."""
    live = getattr(application, "live_assignments", None)
    if live is None:
        live = list(application.assignments.filter(released_at__isnull=True).select_related("booth"))
    return live[0] if live else None


def is_applicant(actor: Actor, application: Application) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == application.cooperative_id


def _deciding(application: Application) -> bool:
    return application.fair.status in ASSIGNING_STATUSES


def _may_get_booth(application: Application) -> bool:
    return (
        _deciding(application)
        and application.fee_status != FeeStatus.PAID
        and (
            application.status == ApplicationStatus.APPROVED
            or application_may_become(application.status, ApplicationStatus.APPROVED)
        )
    )


def _why_no_booth(application: Application) -> str:
    if application.fee_status == FeeStatus.PAID:
        return _("This exhibitor has paid for its booth; release it by hand before moving them.")
    if not _deciding(application):
        return _("Booths are assigned while the fair is open.")
    return _("Only a submitted, waitlisted or approved application can get a booth.")


APPLICATION_POLICY: Policy[ApplicationAction, Application] = Policy(
    {
        ApplicationAction.WITHDRAW: Rule(
            FAIRS_APPLY,
            party=is_applicant,
            when=lambda a: application_may_become(a.status, ApplicationStatus.WITHDRAWN),
            conflict=gettext_lazy("This application can no longer be withdrawn."),
        ),
        ApplicationAction.APPROVE: Rule(
            FAIRS_MANAGE,
            when=lambda a: _deciding(a) and application_may_become(a.status, ApplicationStatus.APPROVED),
            conflict=gettext_lazy(
                "Only a submitted or waitlisted application can be approved, while the fair is open."
            ),
        ),
        ApplicationAction.WAITLIST: Rule(
            FAIRS_MANAGE,
            when=lambda a: _deciding(a) and application_may_become(a.status, ApplicationStatus.WAITLISTED),
            conflict=gettext_lazy("Only a submitted application goes on the waitlist, while the fair is open."),
        ),
        ApplicationAction.REJECT: Rule(
            FAIRS_MANAGE,
            when=lambda a: application_may_become(a.status, ApplicationStatus.REJECTED),
            conflict=gettext_lazy("Only a submitted or waitlisted application can be rejected."),
        ),
        ApplicationAction.ASSIGN_BOOTH: Rule(FAIRS_MANAGE, when=_may_get_booth, conflict=_why_no_booth),
        ApplicationAction.RELEASE_BOOTH: Rule(
            FAIRS_MANAGE,
            when=lambda a: _deciding(a) and live_assignment(a) is not None,
            conflict=gettext_lazy("This application has no booth to release."),
        ),
        ApplicationAction.PAY_FEE: Rule(
            PAYMENTS_PAY,
            party=is_applicant,
            when=lambda a: a.status == ApplicationStatus.APPROVED and a.fee_status == FeeStatus.UNPAID,
            conflict=gettext_lazy("Nothing is owed for this booth."),
        ),
    },
    scopes={**dict.fromkeys(ApplicationAction, ApiScope.FAIRS), ApplicationAction.PAY_FEE: ApiScope.PAYMENTS_WRITE},
)


def application_actions(*, actor: Actor, application: Application) -> frozenset[ApplicationAction]:
    return APPLICATION_POLICY.actions(actor=actor, obj=application)


# --- booths --------------------------------------------------------------------------------------
class BoothAction(StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    ASSIGN = "assign"
    RELEASE = "release"


@dataclass(frozen=True)
class BoothState:
    booth: Booth
    live: BoothAssignment | None  # who holds it now (application and cooperative loaded)
    ever_assigned: bool


def booth_state(booth: Booth) -> BoothState:
    assignments = list(booth.assignments.select_related("application__cooperative"))
    live = next((a for a in assignments if a.released_at is None), None)
    return BoothState(booth=booth, live=live, ever_assigned=bool(assignments))


def _plan_editable(state: BoothState) -> bool:
    return state.booth.fair.status in PLAN_EDIT_STATUSES


def _why_not_delete(state: BoothState) -> str:
    if not _plan_editable(state):
        return _("The plan cannot change once the fair is running.")
    return _("This booth has been assigned before; block it instead of deleting it.")


def _why_not_assign(state: BoothState) -> str:
    booth = state.booth
    if state.live is not None:
        return _("Booth %(code)s is already assigned to %(name)s.") % {
            "code": booth.code,
            "name": state.live.application.cooperative.name,
        }
    if booth.blocked:
        return _("Booth %(code)s is blocked.") % {"code": booth.code}
    return _("Booths are assigned while the fair is open.")


BOOTH_POLICY: Policy[BoothAction, BoothState] = Policy(
    {
        BoothAction.EDIT: Rule(
            FAIRS_MANAGE,
            when=_plan_editable,
            conflict=gettext_lazy("The plan cannot change once the fair is running."),
        ),
        BoothAction.DELETE: Rule(
            FAIRS_MANAGE, when=lambda s: _plan_editable(s) and not s.ever_assigned, conflict=_why_not_delete
        ),
        BoothAction.ASSIGN: Rule(
            FAIRS_MANAGE,
            when=lambda s: s.booth.fair.status in ASSIGNING_STATUSES and not s.booth.blocked and s.live is None,
            conflict=_why_not_assign,
        ),
        BoothAction.RELEASE: Rule(
            FAIRS_MANAGE,
            when=lambda s: s.booth.fair.status in ASSIGNING_STATUSES and s.live is not None,
            conflict=gettext_lazy("This booth is free."),
        ),
    },
    scopes=dict.fromkeys(BoothAction, ApiScope.FAIRS),
)


def booth_actions(*, actor: Actor, state: BoothState) -> frozenset[BoothAction]:
    return BOOTH_POLICY.actions(actor=actor, obj=state)


# --- meetings ------------------------------------------------------------------------------------
class MeetingAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"
    RECORD_OUTCOME = "record_outcome"


def is_exhibitor(actor: Actor, meeting: Meeting) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == meeting.exhibitor_id


def is_buyer(actor: Actor, meeting: Meeting) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == meeting.buyer_id


def is_party(actor: Actor, meeting: Meeting) -> bool:
    return is_buyer(actor, meeting) or is_exhibitor(actor, meeting)


MEETING_POLICY: Policy[MeetingAction, Meeting] = Policy(
    {
        MeetingAction.ACCEPT: Rule(
            FAIRS_EXHIBIT,
            party=is_exhibitor,
            when=lambda m: meeting_may_become(m.status, MeetingStatus.ACCEPTED),
            conflict=gettext_lazy("Only a requested meeting can be accepted."),
        ),
        MeetingAction.DECLINE: Rule(
            FAIRS_EXHIBIT,
            party=is_exhibitor,
            when=lambda m: meeting_may_become(m.status, MeetingStatus.DECLINED),
            conflict=gettext_lazy("This meeting can no longer be declined."),
        ),
        MeetingAction.CANCEL: Rule(
            FAIRS_MEET,
            party=is_buyer,
            when=lambda m: meeting_may_become(m.status, MeetingStatus.CANCELLED),
            conflict=gettext_lazy("This meeting can no longer be cancelled."),
        ),
        MeetingAction.RECORD_OUTCOME: Rule(
            FAIRS_MATCH,
            party=is_party,
            when=lambda m: m.status in OUTCOME_STATUSES,
            conflict=gettext_lazy("Record an outcome for an accepted meeting."),
        ),
    },
    scopes=dict.fromkeys(MeetingAction, ApiScope.FAIRS),
)


def meeting_actions(*, actor: Actor, meeting: Meeting) -> frozenset[MeetingAction]:
    return MEETING_POLICY.actions(actor=actor, obj=meeting)


# --- badges --------------------------------------------------------------------------------------
class BadgeAction(StrEnum):
    REVOKE = "revoke"
    REISSUE = "reissue"


def is_holders_organisation(actor: Actor, badge: Badge) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == badge.organisation_id


def _revoke_refusal(badge: Badge) -> str | None:
    """Why the badge itself cannot be revoked, or None."""
    return _("This badge is already revoked.") if badge.revoked_at is not None else None


def _reissue_refusal(badge: Badge) -> str | None:
    """Why the badge itself cannot be issued again, or None."""
    if badge.revoked_at is None:
        return _("Only a revoked badge is issued again.")
    if badge.reissued_as_id is not None:
        return _("This badge was already issued again.")
    return None


def _badge_rules(refusal: Callable[[Badge], str | None], own_badge: Promise) -> tuple[Rule[Badge], Rule[Badge]]:
    """Revoking and issuing again have one shape: staff take the step on any badge of a fair that is not over;
    an exhibitor's or buyer's owner or manager on those of their own people (the organisation's own badge,
    no person's name on it, is the alliance's to take back). `refusal` says why the badge's own state
    forbids it; `own_badge` is the answer to a member who tries it on the organisation's own badge."""

    def possible(badge: Badge) -> bool:
        return refusal(badge) is None and badge.fair.status in BADGE_CHANGE_STATUSES

    def why_not(badge: Badge) -> str:
        if (reason := refusal(badge)) is not None:
            return reason
        if badge.fair.status not in BADGE_CHANGE_STATUSES:
            return _("This fair is finished.")
        return str(own_badge)

    return (
        Rule(FAIRS_MANAGE, when=possible, conflict=why_not),
        Rule(
            FAIRS_BADGES,
            party=is_holders_organisation,
            when=lambda b: possible(b) and b.holder_name != "",
            conflict=why_not,
        ),
    )


BADGE_POLICY: Policy[BadgeAction, Badge] = Policy(
    {
        BadgeAction.REVOKE: _badge_rules(
            _revoke_refusal, gettext_lazy("Only the alliance's staff revoke an organisation's own badge.")
        ),
        BadgeAction.REISSUE: _badge_rules(
            _reissue_refusal, gettext_lazy("Only the alliance's staff issue an organisation's own badge again.")
        ),
    },
    scopes=dict.fromkeys(BadgeAction, ApiScope.FAIRS),
)


def badge_actions(*, actor: Actor, badge: Badge) -> frozenset[BadgeAction]:
    return BADGE_POLICY.actions(actor=actor, obj=badge)


def person_badge_refusal(*, fair: Fair, party: Badge | None) -> str | None:
    """Why an exhibitor's or buyer's owner or manager (FAIRS_BADGES) cannot name one of their people for a badge
    of their own now, or None. `party` is the organisation's own badge in force at the fair: a person's badge
    hangs on it, and like every badge change it is refused once the fair is over. The badges page offers the
    form exactly when the service (badge_issue_person) would take it."""
    if party is None:
        return _(
            "Your organisation has no badge at this fair yet: exhibitors get one with their booth, buyers when "
            "they register."
        )
    if fair.status not in BADGE_CHANGE_STATUSES:
        return _("This fair is finished.")
    return None
