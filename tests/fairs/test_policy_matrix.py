"""Generated role × state matrices for the fairs' aggregates: for every state and every person (anonymous,
another organisation, each role of each side, alliance staff) the page offers an action (`data-action`)
exactly when the service accepts it, and exactly the actions of the policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fairs import services
from fairs.inputs import ApplicationRequest, BoothChange, OutcomeSpec, booth_spec_of
from fairs.lifecycle import FairTransition
from fairs.models import Application, Badge, Booth, Fair, FairStatus, FeeStatus, Meeting, OutcomeKind
from fairs.policy import (
    ApplicationAction,
    BoothAction,
    FairAction,
    MeetingAction,
    application_actions,
    booth_actions,
    booth_state,
    fair_actions,
    meeting_actions,
)
from market.organisations.models import Organisation, OrganisationKind, Role
from market.organisations.permissions import Actor
from market.payments.models import Payable
from market.payments.policy import PAYABLE_POLICY, PayableAction
from tests.factories import OrganisationFactory
from tests.fairs.factories import (
    add_slots,
    apply,
    assign,
    booth,
    make_fair,
    make_programme,
    matching_fair,
    publish,
    staff_actor,
)
from tests.fairs.matrix_support import Viewer, accepted, offered, viewer

pytestmark = pytest.mark.django_db


def check(who: Viewer, url: str, policy_actions: frozenset[str], presses: dict[str, Callable[[Actor], object]]):
    shown = offered(who, url)
    expected = {str(action) for action in policy_actions}
    assert shown == expected, f"{who.name}: page shows {shown}, policy says {expected}"
    taken = {name for name, press in presses.items() if accepted(lambda press=press: press(who.actor))}
    assert taken == shown, f"{who.name}: service accepts {taken}, page shows {shown}"


# --- applications --------------------------------------------------------------------------------
@dataclass
class ApplicationWorld:
    alliance: Organisation
    cooperative: Organisation
    fair: Fair


def _application_in(world: ApplicationWorld, state: str) -> Application:
    fair, coop, alliance = world.fair, world.cooperative, world.alliance
    staff = staff_actor(alliance)
    application = apply(coop, fair, preferences=(booth(fair, "A-02").pk,))
    if state == "waitlisted":
        services.application_waitlist(actor=staff, application_id=application.pk)
    elif state == "approved without a booth":
        services.application_approve(actor=staff, application_id=application.pk)
    elif state in ("booth held, fee unpaid", "booth at a finished fair"):
        assign(alliance, application, fair, "A-01")
    elif state == "fee paid":
        assign(alliance, application, fair, "A-01")
        services.fee_mark_paid(application_id=application.pk, fully_paid=True)
    elif state == "rejected":
        services.application_reject(actor=staff, application_id=application.pk, reason="Thiếu giấy chứng nhận ATTP")
    elif state == "withdrawn":
        services.application_withdraw(actor=staff_or_owner(coop), application_id=application.pk)
    if state == "booth at a finished fair":
        Fair.objects.filter(pk=fair.pk).update(status=FairStatus.CLOSED)
    return Application.objects.select_related("fair").get(pk=application.pk)


def staff_or_owner(cooperative: Organisation) -> Actor:
    from tests.catalog.factories import actor_for

    return actor_for(cooperative)


def _pay(actor: Actor, application: Application) -> None:
    payable = Payable.objects.filter(kind=services.BOOTH_FEE_KIND, object_id=str(application.pk)).first()
    if payable is None or application.fee_status != FeeStatus.UNPAID:
        from market.core.errors import Conflict

        raise Conflict("nothing to pay")
    PAYABLE_POLICY.authorize(actor=actor, obj=payable, action=PayableAction.PAY_BY_TRANSFER)


APPLICATION_STATES = [
    "submitted",
    "waitlisted",
    "approved without a booth",
    "booth held, fee unpaid",
    "fee paid",
    "rejected",
    "withdrawn",
    "booth at a finished fair",
]


@pytest.mark.parametrize("state", APPLICATION_STATES)
def test_application_page_offers_exactly_what_the_services_accept(state):
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE)
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khóm Tắc Cậu")
    fair = make_fair(alliance, booths=3, programme=make_programme())
    application = _application_in(ApplicationWorld(alliance, cooperative, fair), state)
    pk = application.pk
    free = booth(fair, "A-03").pk
    presses: dict[str, Callable[[Actor], object]] = {
        ApplicationAction.WITHDRAW: lambda a: services.application_withdraw(actor=a, application_id=pk),
        ApplicationAction.APPROVE: lambda a: services.application_approve(actor=a, application_id=pk),
        ApplicationAction.WAITLIST: lambda a: services.application_waitlist(actor=a, application_id=pk),
        ApplicationAction.REJECT: lambda a: services.application_reject(
            actor=a, application_id=pk, reason="Hồ sơ chưa đủ giấy tờ"
        ),
        ApplicationAction.ASSIGN_BOOTH: lambda a: services.booth_assign(actor=a, application_id=pk, booth_id=free),
        ApplicationAction.RELEASE_BOOTH: lambda a: services.assignment_release(actor=a, application_id=pk),
        ApplicationAction.PAY_FEE: lambda a: _pay(a, application),
    }
    viewers = [
        viewer("anonymous"),
        viewer("another cooperative", OrganisationFactory(kind=OrganisationKind.COOPERATIVE)),
        viewer("a buyer", OrganisationFactory(kind=OrganisationKind.BUYER)),
        viewer("the cooperative's owner", cooperative, Role.OWNER),
        viewer("the cooperative's manager", cooperative, Role.MANAGER),
        viewer("the cooperative's staff", cooperative, Role.STAFF),
        viewer("alliance staff", alliance, Role.STAFF),
    ]
    url = reverse("frontend:fair-application", args=[pk])
    for who in viewers:
        fresh = Application.objects.select_related("fair").get(pk=pk)
        check(who, url, application_actions(actor=who.actor, application=fresh), presses)


def test_the_application_page_does_not_offer_withdraw_to_the_cooperatives_staff_role(cooperative, alliance):
    """Regression: Withdraw was shown to staff-role members, whom the service refuses."""
    fair = make_fair(alliance, booths=1)
    application = apply(cooperative, fair)
    staff_member = viewer("staff-role member", cooperative, Role.STAFF)
    owner = viewer("owner", cooperative, Role.OWNER)
    url = reverse("frontend:fair-application", args=[application.pk])
    assert "withdraw" not in offered(staff_member, url)
    assert "withdraw" in offered(owner, url)


def test_staff_verbs_follow_the_status(cooperative, alliance):
    """Regression: approve, waitlist, reject and assign were shown whatever the status."""
    fair = make_fair(alliance, booths=2)
    application = apply(cooperative, fair)
    services.application_reject(
        actor=staff_actor(alliance), application_id=application.pk, reason="Thiếu giấy chứng nhận ATTP"
    )
    staff = viewer("alliance staff", alliance, Role.STAFF)
    assert offered(staff, reverse("frontend:fair-application", args=[application.pk])) == set()


# --- meetings ------------------------------------------------------------------------------------
MEETING_STATES = ["requested", "accepted", "declined", "cancelled", "held"]


@pytest.mark.parametrize("state", MEETING_STATES)
def test_meetings_page_offers_exactly_what_the_services_accept(state):
    from tests.catalog.factories import actor_for

    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE)
    m = matching_fair(alliance)
    fair, exhibitor, buyer, slot = m.fair, m.exhibitor, m.buyer, m.slot
    meeting = services.meeting_request(
        actor=actor_for(buyer), fair_id=fair.pk, exhibitor_id=exhibitor.pk, slot_id=slot.pk
    )
    pk = meeting.pk
    if state in ("accepted", "held"):
        services.meeting_accept(actor=actor_for(exhibitor), meeting_id=pk)
    if state == "held":
        services.meeting_outcome_record(
            actor=actor_for(buyer), meeting_id=pk, outcome=OutcomeSpec(kind=OutcomeKind.INTEREST)
        )
    if state == "declined":
        services.meeting_decline(actor=actor_for(exhibitor), meeting_id=pk)
    if state == "cancelled":
        services.meeting_cancel(actor=actor_for(buyer), meeting_id=pk)
    presses: dict[str, Callable[[Actor], object]] = {
        MeetingAction.ACCEPT: lambda a: services.meeting_accept(actor=a, meeting_id=pk),
        MeetingAction.DECLINE: lambda a: services.meeting_decline(actor=a, meeting_id=pk),
        MeetingAction.CANCEL: lambda a: services.meeting_cancel(actor=a, meeting_id=pk),
        MeetingAction.RECORD_OUTCOME: lambda a: services.meeting_outcome_record(
            actor=a, meeting_id=pk, outcome=OutcomeSpec(kind=OutcomeKind.INTEREST)
        ),
    }
    viewers = [
        viewer("anonymous"),
        viewer("another buyer", OrganisationFactory(kind=OrganisationKind.BUYER)),
        viewer("another cooperative", OrganisationFactory(kind=OrganisationKind.COOPERATIVE)),
        viewer("the buyer's owner", buyer, Role.OWNER),
        viewer("the buyer's staff", buyer, Role.STAFF),
        viewer("the exhibitor's owner", exhibitor, Role.OWNER),
        viewer("the exhibitor's staff", exhibitor, Role.STAFF),
        viewer("alliance staff", alliance, Role.STAFF),
    ]
    for who in viewers:
        fresh = Meeting.objects.get(pk=pk)
        check(who, reverse("frontend:fair-meetings"), meeting_actions(actor=who.actor, meeting=fresh), presses)


# --- booths --------------------------------------------------------------------------------------
BOOTH_STATES = [
    ("free", FairStatus.OPEN),
    ("held", FairStatus.OPEN),
    ("blocked", FairStatus.ALLOCATION),
    ("freed after an assignment", FairStatus.PUBLISHED),
    ("held", FairStatus.RUNNING),
    ("free", FairStatus.CLOSED),
]


@pytest.mark.parametrize(("state", "fair_status"), BOOTH_STATES)
def test_booth_panel_offers_exactly_what_the_services_accept(state, fair_status):
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE)
    holder, waiting = (OrganisationFactory(kind=OrganisationKind.COOPERATIVE) for _ in range(2))
    fair = make_fair(alliance, booths=2)
    staff = staff_actor(alliance)
    subject = booth(fair, "A-01")
    if state in ("held", "freed after an assignment"):
        assign(alliance, apply(holder, fair), fair, "A-01")
    if state == "freed after an assignment":
        services.booth_release(actor=staff, booth_id=subject.pk)
    if state == "blocked":
        services.booth_update(
            actor=staff, booth_id=subject.pk, change=BoothChange.whole(replace(booth_spec_of(subject), blocked=True))
        )
    candidate = apply(waiting, fair)
    Fair.objects.filter(pk=fair.pk).update(status=fair_status)
    pk = subject.pk
    presses: dict[str, Callable[[Actor], object]] = {
        BoothAction.EDIT: lambda a: services.booth_update(
            actor=a, booth_id=pk, change=BoothChange.whole(booth_spec_of(Booth.objects.get(pk=pk)))
        ),
        BoothAction.DELETE: lambda a: services.booth_delete(actor=a, booth_id=pk),
        BoothAction.ASSIGN: lambda a: services.booth_assign(actor=a, application_id=candidate.pk, booth_id=pk),
        BoothAction.RELEASE: lambda a: services.booth_release(actor=a, booth_id=pk),
    }
    viewers = [
        viewer("anonymous"),
        viewer("a cooperative", holder, Role.OWNER),
        viewer("a buyer", OrganisationFactory(kind=OrganisationKind.BUYER)),
        viewer("alliance staff", alliance, Role.STAFF),
        viewer("alliance owner", alliance, Role.OWNER),
    ]
    url = reverse("frontend:fair-booth", args=[fair.slug, pk])
    for who in viewers:
        fresh = Booth.objects.select_related("fair").get(pk=pk)
        check(who, url, booth_actions(actor=who.actor, state=booth_state(fresh)), presses)


# --- fairs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", list(FairStatus))
def test_fair_page_offers_exactly_what_the_services_accept(status):
    """A fair opening tomorrow (applications open, check-in open for set-up day) in every status."""
    from tests.catalog.factories import actor_for

    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE)
    exhibitor = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Gạo Jasmine")
    applied = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Đã nộp đơn")
    newcomer = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Mới")
    registered = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Đã đăng ký")
    fair = make_fair(alliance, booths=3, starts_in=1)
    assign(alliance, apply(exhibitor, fair), fair, "A-01")
    apply(applied, fair)
    publish(fair)
    slot = add_slots(alliance, fair, count=1)[0]
    services.tables_create(actor=staff_actor(alliance), fair_id=fair.pk, count=1)
    services.buyer_register(actor=actor_for(registered), fair_id=fair.pk)
    Fair.objects.filter(pk=fair.pk).update(status=status)
    badge = Badge.objects.get(fair=fair, organisation=exhibitor).code
    pk = fair.pk
    presses: dict[str, Callable[[Actor], object]] = {
        **{
            FairAction(t.value): (lambda a, t=t: services.fair_transition(actor=a, fair_id=pk, transition=t))
            for t in FairTransition
        },
        FairAction.EDIT_PLAN: lambda a: services.hall_create(
            actor=a, fair_id=pk, name="Nhà B", width_m=Decimal(30), depth_m=Decimal(20)
        ),
        FairAction.ALLOCATE: lambda a: services.allocation_run(actor=a, fair_id=pk),
        FairAction.SET_UP_MATCHING: lambda a: services.tables_create(actor=a, fair_id=pk, count=1),
        FairAction.CHECK_IN: lambda a: services.checkin_scan(actor=a, fair_id=pk, code=badge),
        FairAction.APPLY: lambda a: services.application_submit(actor=a, fair_id=pk, request=ApplicationRequest()),
        FairAction.REGISTER: lambda a: services.buyer_register(actor=a, fair_id=pk),
        FairAction.BOOK_MEETING: lambda a: services.meeting_request(
            actor=a, fair_id=pk, exhibitor_id=exhibitor.pk, slot_id=slot.pk
        ),
    }
    viewers = [
        viewer("anonymous"),
        viewer("a cooperative's owner", newcomer, Role.OWNER),
        viewer("a cooperative's staff", newcomer, Role.STAFF),
        viewer("a cooperative that applied", applied, Role.MANAGER),
        viewer("a buyer", OrganisationFactory(kind=OrganisationKind.BUYER)),
        viewer("a registered buyer", registered, Role.STAFF),
        viewer("alliance staff", alliance, Role.STAFF),
    ]
    url = reverse("frontend:fair-detail", args=[fair.slug])
    for who in viewers:
        fresh = Fair.objects.get(pk=pk)
        check(who, url, fair_actions(actor=who.actor, fair=fresh), presses)


def test_check_in_is_offered_only_within_the_window(alliance):
    fair = make_fair(alliance, booths=1, starts_in=49)
    publish(fair)
    staff = viewer("alliance staff", alliance, Role.STAFF)
    assert "check_in" not in offered(staff, reverse("frontend:fair-detail", args=[fair.slug]))
    page = offered(staff, reverse("frontend:fair-checkin", args=[fair.slug]))
    assert page == set()
    Fair.objects.filter(pk=fair.pk).update(starts_on=timezone.localdate() + timedelta(days=1))
    Fair.objects.filter(pk=fair.pk).update(ends_on=timezone.localdate() + timedelta(days=2))
    assert offered(staff, reverse("frontend:fair-checkin", args=[fair.slug])) == {"check_in"}
