"""Automatic allocation: a table of preference cases with the expected result, and the waitlist order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fairs import services
from fairs.inputs import ApplicationRequest, BoothChange, BoothSpec, booth_spec_of
from fairs.models import Application, ApplicationStatus, BoothType, ZoneKind
from market.core.models import AuditEvent
from market.notifications.models import Notification
from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.fairs.factories import apply, booth, cooperatives, hall_of, make_fair, make_programme, staff_actor

pytestmark = pytest.mark.django_db


def _setup(alliance):
    """Booths A-01..A-04 standard (A-04 with cold storage), C-01 corner; zones: Fresh (A-01, A-02), OCOP (rest)."""
    staff = staff_actor(alliance)
    fair = make_fair(alliance, booths=4, programme=make_programme())
    hall = hall_of(fair)
    fresh = services.zone_create(
        actor=staff, fair_id=fair.pk, hall_id=hall.pk, name="Nông sản tươi", kind=ZoneKind.FRESH
    )
    ocop = services.zone_create(actor=staff, fair_id=fair.pk, hall_id=hall.pk, name="OCOP", kind=ZoneKind.OCOP)

    def change(code: str, **changes: object) -> None:
        current = booth(fair, code)
        spec = replace(booth_spec_of(current), **changes)
        services.booth_update(actor=staff, booth_id=current.pk, change=BoothChange.whole(spec))

    for code in ("A-01", "A-02"):
        change(code, zone_id=fresh.pk)
    for code in ("A-03", "A-04"):
        change(code, zone_id=ocop.pk)
    change("A-04", cold_storage=True)
    corner = BoothSpec(code="C-01", booth_type=BoothType.CORNER, x=Decimal(40), y=Decimal(20), zone_id=ocop.pk)
    services.booth_create(actor=staff, fair_id=fair.pk, hall_id=hall.pk, spec=corner)
    return fair, {"fresh": fresh, "ocop": ocop}


def _submit(coop, fair, zones, spec):
    prefs = tuple(booth(fair, code).pk for code in spec.get("prefs", []))
    zone = zones.get(spec.get("zone", ""))
    request = ApplicationRequest(
        booth_type=BoothType(spec.get("type", BoothType.STANDARD)),
        zone_id=zone.pk if zone else None,
        preferences=prefs,
        needs_cold_chain=spec.get("cold", False),
    )
    application = services.application_submit(actor=actor_for(coop), fair_id=fair.pk, request=request)
    if spec.get("first_time") is False:
        Application.objects.filter(pk=application.pk).update(first_time=False)
    return application


CASES = [
    pytest.param([{"prefs": ["A-02", "A-01"]}], ["A-02"], id="first preference free"),
    pytest.param([{"prefs": ["A-02"]}, {"prefs": ["A-02", "A-03"]}], ["A-02", "A-03"], id="second falls to rank 2"),
    pytest.param([{"prefs": ["A-01"], "cold": True}], ["A-04"], id="cold chain overrides a booth without storage"),
    pytest.param([{"type": "corner"}], ["C-01"], id="type without preferences"),
    pytest.param([{"type": "corner"}, {"type": "corner"}], ["C-01", None], id="no booth of the type: waitlist"),
    pytest.param([{"zone": "ocop"}], ["A-03"], id="wanted zone first"),
    pytest.param(
        [{"prefs": ["A-01"], "first_time": False}, {"prefs": ["A-01"]}],
        ["A-02", "A-01"],
        id="first-time exhibitor served first",
    ),
    pytest.param(
        [{}, {}, {}, {}, {}],
        ["A-01", "A-02", "A-03", "A-04", None],
        id="first come first served, then waitlist",
    ),
]


@pytest.mark.parametrize(("specs", "expected"), CASES)
def test_allocation_cases(alliance, specs, expected):
    fair, zones = _setup(alliance)
    coops = cooperatives(len(specs))
    applications = []
    for coop, spec in zip(coops, specs, strict=True):
        applications.append(_submit(coop, fair, zones, spec))

    services.allocation_run(actor=staff_actor(alliance), fair_id=fair.pk)

    got = []
    for application in applications:
        application.refresh_from_db()
        live = application.assignments.filter(released_at__isnull=True).first()
        got.append(live.booth.code if live else None)
        assert application.status == (ApplicationStatus.APPROVED if live else ApplicationStatus.WAITLISTED)
    assert got == expected


def test_plan_is_a_dry_run(alliance):
    fair, zones = _setup(alliance)
    _submit(cooperatives(1)[0], fair, zones, {"prefs": ["A-03"]})
    plan = services.allocation_plan(fair=fair)
    assert [(p.booth_code, p.rule) for p in plan] == [("A-03", "preference 1")]
    assert not Application.objects.filter(status=ApplicationStatus.APPROVED).exists()


def test_waitlist_is_offered_in_order_when_a_booth_is_freed(alliance):
    fair = make_fair(alliance, booths=1, programme=make_programme())
    staff = staff_actor(alliance)
    first, second, third = cooperatives(3)
    holder = apply(first, fair)
    later = apply(second, fair)
    latest = apply(third, fair)
    Application.objects.filter(pk=holder.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    Application.objects.filter(pk=later.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    services.allocation_run(actor=staff, fair_id=fair.pk)
    later.refresh_from_db()
    latest.refresh_from_db()
    # Order of service is submission time after priority: `later` was backdated before `latest`.
    assert (later.waitlist_position, latest.waitlist_position) == (1, 2)

    services.application_withdraw(actor=actor_for(first), application_id=holder.pk)

    later.refresh_from_db()
    latest.refresh_from_db()
    assert later.status == ApplicationStatus.APPROVED
    assert later.assignments.get(released_at__isnull=True).booth.code == "A-01"
    assert latest.status == ApplicationStatus.WAITLISTED
    assert latest.waitlist_position == 2


def test_unpaid_fee_reminds_then_releases_to_the_waitlist(alliance):
    fair = make_fair(alliance, booths=1)
    staff = staff_actor(alliance)
    late_payer, waiting = cooperatives(2)
    unpaid = services.booth_assign(
        actor=staff, application_id=apply(late_payer, fair).pk, booth_id=booth(fair, "A-01").pk
    )
    queued = services.application_waitlist(actor=staff, application_id=apply(waiting, fair).pk)
    after_deadline = timezone.now() + timedelta(days=fair.payment_days + 1)

    assert services.fee_deadlines(now=after_deadline) == {"reminded": 1, "released": 0}
    assert services.fee_deadlines(now=after_deadline) == {"reminded": 0, "released": 0}
    after_grace = after_deadline + timedelta(days=fair.grace_days)
    assert services.fee_deadlines(now=after_grace) == {"reminded": 0, "released": 1}

    unpaid.refresh_from_db()
    queued.refresh_from_db()
    assert unpaid.status == ApplicationStatus.WITHDRAWN
    assert queued.status == ApplicationStatus.APPROVED
    assert queued.assignments.get(released_at__isnull=True).booth.code == "A-01"


def test_an_approved_application_left_without_a_booth_is_counted_as_such_not_as_waitlisted(api, alliance):
    """The run's record counted every application left without a booth as waitlisted, and its answer gave them the
    rule "waitlist", though one staff had approved before the run stays approved and is put on no waiting list."""
    fair = make_fair(alliance, booths=1)
    staff = staff_actor(alliance)
    placed, approved, waiting = (apply(coop, fair) for coop in cooperatives(3))
    for application in (placed, approved, waiting):
        member(application.cooperative, Role.OWNER)
    services.application_approve(actor=staff, application_id=approved.pk)

    answer = api(member(alliance, Role.STAFF)).post(reverse("fairs:fair-allocate", args=[fair.pk])).json()

    assert [(row["application_id"], row["booth_code"], row["rule"]) for row in answer] == [
        (placed.pk, "A-01", "type"),
        (approved.pk, "", "no booth"),
        (waiting.pk, "", "waitlist"),
    ]
    record = AuditEvent.objects.get(action="fairs.allocation_run")
    assert (record.data["assigned"], record.data["waitlisted"], record.data["approved_without_booth"]) == (1, 1, 1)
    approved.refresh_from_db()
    assert (approved.status, approved.waitlist_position) == (ApplicationStatus.APPROVED, None)
    told_waiting = Notification.objects.filter(context__decision="waitlisted").values_list("object_id", flat=True)
    assert set(told_waiting) == {str(waiting.pk)}
    # A second run finds the approved one still without a booth, and leaves it approved again.
    assert services.allocation_counts(services.allocation_run(actor=staff, fair_id=fair.pk)) == (
        services.AllocationCounts(assigned=0, waitlisted=0, approved_without_booth=1)
    )
