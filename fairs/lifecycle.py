"""The lifecycles of fairs, applications and meetings: one table each, read by the policies (what may be
done now) and by the services (what a transition does). Nothing else compares statuses."""

from __future__ import annotations

from enum import StrEnum

from fairs.models import ApplicationStatus, FairStatus, MeetingStatus


class FairTransition(StrEnum):
    """Staff move a fair through its life with these verbs."""

    OPEN = "open"
    CLOSE_APPLICATIONS = "close_applications"
    REOPEN = "reopen"
    PUBLISH = "publish"
    START = "start"
    CLOSE = "close"


# Each verb: the status it starts from and the status it leads to.
FAIR_TRANSITIONS: dict[FairTransition, tuple[FairStatus, FairStatus]] = {
    FairTransition.OPEN: (FairStatus.DRAFT, FairStatus.OPEN),
    FairTransition.CLOSE_APPLICATIONS: (FairStatus.OPEN, FairStatus.ALLOCATION),
    FairTransition.REOPEN: (FairStatus.ALLOCATION, FairStatus.OPEN),
    FairTransition.PUBLISH: (FairStatus.ALLOCATION, FairStatus.PUBLISHED),
    FairTransition.START: (FairStatus.PUBLISHED, FairStatus.RUNNING),
    FairTransition.CLOSE: (FairStatus.RUNNING, FairStatus.CLOSED),
}

# Booths may be assigned (by hand or by the allocation) while these are the fair's status.
ASSIGNING_STATUSES = frozenset({FairStatus.OPEN, FairStatus.ALLOCATION, FairStatus.PUBLISHED, FairStatus.RUNNING})
# The plan may be edited until the fair runs.
PLAN_EDIT_STATUSES = frozenset({FairStatus.DRAFT, FairStatus.OPEN, FairStatus.ALLOCATION, FairStatus.PUBLISHED})
# The allocation runs while applications are open or being allocated.
ALLOCATING_STATUSES = frozenset({FairStatus.OPEN, FairStatus.ALLOCATION})
# Buyers register and book meetings once the plan is out.
MATCHING_STATUSES = frozenset({FairStatus.PUBLISHED, FairStatus.RUNNING})
# Badges are scanned at a published or running fair (and only within its check-in window).
CHECKIN_STATUSES = frozenset({FairStatus.PUBLISHED, FairStatus.RUNNING})
# Badges are revoked and issued again until the fair is closed.
BADGE_CHANGE_STATUSES = frozenset(FairStatus) - {FairStatus.CLOSED}
# Everyone sees these fairs; the plan's exhibitors are public from PUBLISHED on.
PUBLIC_STATUSES = frozenset(
    {FairStatus.OPEN, FairStatus.ALLOCATION, FairStatus.PUBLISHED, FairStatus.RUNNING, FairStatus.CLOSED}
)
PLAN_PUBLIC_STATUSES = frozenset({FairStatus.PUBLISHED, FairStatus.RUNNING, FairStatus.CLOSED})

APPLICATION_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
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

MEETING_TRANSITIONS: dict[MeetingStatus, frozenset[MeetingStatus]] = {
    MeetingStatus.REQUESTED: frozenset({MeetingStatus.ACCEPTED, MeetingStatus.DECLINED, MeetingStatus.CANCELLED}),
    MeetingStatus.ACCEPTED: frozenset({MeetingStatus.DECLINED, MeetingStatus.CANCELLED, MeetingStatus.HELD}),
    MeetingStatus.HELD: frozenset(),
    MeetingStatus.DECLINED: frozenset(),
    MeetingStatus.CANCELLED: frozenset(),
}
# Outcomes are recorded for a meeting that was accepted (recording one marks it held) or is held.
OUTCOME_STATUSES = frozenset({MeetingStatus.ACCEPTED, MeetingStatus.HELD})


def application_may_become(status: str, target: ApplicationStatus) -> bool:
    return target in APPLICATION_TRANSITIONS.get(ApplicationStatus(status), frozenset())


def meeting_may_become(status: str, target: MeetingStatus) -> bool:
    return target in MEETING_TRANSITIONS.get(MeetingStatus(status), frozenset())
