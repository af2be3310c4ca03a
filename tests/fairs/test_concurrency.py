"""Concurrency on PostgreSQL with real threads: booths, subsidy budgets and caps, meeting slots."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

from fairs import services
from fairs.models import BoothAssignment, Meeting, MeetingStatus, SubsidyLedger, SubsidyProgramme
from market.core.errors import Conflict
from market.organisations.models import OrganisationKind, Role
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import add_slots, apply, booth, cooperatives, make_fair, make_programme, publish, staff_actor

pytestmark = pytest.mark.django_db(transaction=True)


def race(jobs: list[Callable[[], None]]) -> list[str]:
    """Run every job in its own thread, released together; 'ok' or the Conflict's code per job."""
    barrier = threading.Barrier(len(jobs))
    results: list[str] = []
    lock = threading.Lock()

    def run(job: Callable[[], None]) -> None:
        close_old_connections()
        try:
            barrier.wait()
            job()
            outcome = "ok"
        except Conflict as exc:
            outcome = exc.code
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_staff_threads_assigning_ten_booths_never_double_book(alliance):
    """20 staff members, 20 applications, 10 booths: two threads race for each booth."""
    fair = make_fair(alliance, booths=10)
    staff = [actor_for(alliance, Role.STAFF, user=member(alliance, Role.STAFF)) for _ in range(20)]
    applications = [apply(c, fair) for c in cooperatives(20)]
    booths = [booth(fair, f"A-{i + 1:02d}") for i in range(10)]

    jobs = [
        (
            lambda s=staff[i], a=applications[i], b=booths[i % 10]: services.booth_assign(
                actor=s, application_id=a.pk, booth_id=b.pk
            )
        )
        for i in range(20)
    ]
    results = race(jobs)

    assert results.count("ok") == 10
    assert results.count("conflict") == 10  # "Booth A-0n is already assigned to …"
    live = BoothAssignment.objects.filter(fair=fair, released_at__isnull=True)
    assert live.count() == 10
    assert live.values("booth").distinct().count() == 10
    assert live.values("application").distinct().count() == 10


def test_concurrent_approvals_never_overspend_the_budget(alliance):
    """Budget for 3.5 standard booths (2.8 M each); 12 approvals with booths at once."""
    programme = make_programme(budget=9_800_000, yearly_cap=10_000_000)
    fair = make_fair(alliance, booths=12, programme=programme)
    staff = staff_actor(alliance)
    applications = [apply(c, fair) for c in cooperatives(12)]
    booths = [booth(fair, f"A-{i + 1:02d}") for i in range(12)]

    results = race(
        [
            (lambda a=a, b=b: services.booth_assign(actor=staff, application_id=a.pk, booth_id=b.pk))
            for a, b in zip(applications, booths, strict=True)
        ]
    )

    assert results == ["ok"] * 12
    programme = SubsidyProgramme.objects.get(pk=programme.pk)
    assert programme.spent == 9_800_000
    subsidies = sorted((a.subsidy for a in type(applications[0]).objects.filter(fair=fair)), reverse=True)
    assert sum(subsidies) == 9_800_000
    assert subsidies[:4] == [2_800_000, 2_800_000, 2_800_000, 1_400_000]


def test_concurrent_approvals_never_pass_a_cooperatives_yearly_cap(alliance, cooperative):
    """One cooperative applies to six fairs; staff approve all six at once; the cap holds 2 booths' worth."""
    programme = make_programme(yearly_cap=5_600_000)
    staff = staff_actor(alliance)
    pairs = []
    for i in range(6):
        fair = make_fair(alliance, booths=1, programme=programme, name=f"Hội chợ {i}")
        pairs.append((apply(cooperative, fair), booth(fair, "A-01")))

    results = race(
        [(lambda a=a, b=b: services.booth_assign(actor=staff, application_id=a.pk, booth_id=b.pk)) for a, b in pairs]
    )

    assert results == ["ok"] * 6
    assert SubsidyLedger.objects.get(programme=programme, cooperative=cooperative).used == 5_600_000
    assert SubsidyProgramme.objects.get(pk=programme.pk).spent == 5_600_000


def _matching_fair(alliance, exhibitors: int, tables: int):
    fair = make_fair(alliance, booths=exhibitors)
    staff = staff_actor(alliance)
    coops = cooperatives(exhibitors)
    for i, coop in enumerate(coops):
        services.booth_assign(
            actor=staff, application_id=apply(coop, fair).pk, booth_id=booth(fair, f"A-{i + 1:02d}").pk
        )
    publish(fair)
    slot = add_slots(alliance, fair, count=1)[0]
    services.tables_create(actor=staff, fair_id=fair.pk, count=tables)
    return fair, coops, slot


def _buyer(fair):
    organisation = OrganisationFactory(kind=OrganisationKind.BUYER)
    actor = actor_for(organisation)
    services.buyer_register(actor=actor, fair_id=fair.pk)
    return actor


def test_concurrent_requests_never_double_book_an_exhibitor(alliance):
    fair, coops, slot = _matching_fair(alliance, exhibitors=1, tables=5)
    buyers = [_buyer(fair) for _ in range(8)]

    results = race(
        [
            (lambda b=b: services.meeting_request(actor=b, fair_id=fair.pk, exhibitor_id=coops[0].pk, slot_id=slot.pk))
            for b in buyers
        ]
    )

    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= {"exhibitor_busy", "slot_taken"}
    assert Meeting.objects.filter(slot=slot, status=MeetingStatus.REQUESTED).count() == 1


def test_concurrent_requests_never_double_book_a_buyer(alliance):
    fair, coops, slot = _matching_fair(alliance, exhibitors=6, tables=6)
    buyer = _buyer(fair)

    results = race(
        [
            (lambda c=c: services.meeting_request(actor=buyer, fair_id=fair.pk, exhibitor_id=c.pk, slot_id=slot.pk))
            for c in coops
        ]
    )

    assert results.count("ok") == 1
    assert Meeting.objects.filter(slot=slot, buyer=buyer.organisation).count() == 1


def test_concurrent_accepts_never_double_book_a_table(alliance):
    """Six exhibitors accept six meetings in one slot at once, with only four tables."""
    fair, coops, slot = _matching_fair(alliance, exhibitors=6, tables=4)
    meetings = [
        services.meeting_request(actor=_buyer(fair), fair_id=fair.pk, exhibitor_id=coop.pk, slot_id=slot.pk)
        for coop in coops
    ]

    results = race(
        [
            (lambda m=m, c=c: services.meeting_accept(actor=actor_for(c), meeting_id=m.pk))
            for m, c in zip(meetings, coops, strict=True)
        ]
    )

    assert results.count("ok") == 4
    assert results.count("no_table") == 2
    accepted = Meeting.objects.filter(slot=slot, status=MeetingStatus.ACCEPTED)
    assert accepted.values("table").distinct().count() == 4


def test_concurrent_withdrawals_offer_freed_booths_to_the_waitlist_in_order(alliance):
    """Two exhibitors withdraw at once: waitlist numbers 1 and 2 get the two booths, number 3 keeps
    waiting, and nobody holds two booths or is moved from one to the other."""
    from fairs.models import Application, ApplicationStatus

    fair = make_fair(alliance, booths=2)
    staff = staff_actor(alliance)
    holders = []
    for i, coop in enumerate(cooperatives(2)):
        application = apply(coop, fair)
        holders.append(
            (
                coop,
                services.booth_assign(
                    actor=staff, application_id=application.pk, booth_id=booth(fair, f"A-0{i + 1}").pk
                ),
            )
        )
    waiting = [
        services.application_waitlist(actor=staff, application_id=apply(c, fair).pk)
        for c in OrganisationFactory.create_batch(3, kind=OrganisationKind.COOPERATIVE)
    ]

    results = race(
        [(lambda c=c, a=a: services.application_withdraw(actor=actor_for(c), application_id=a.pk)) for c, a in holders]
    )

    assert results == ["ok", "ok"]
    statuses = [Application.objects.get(pk=w.pk).status for w in waiting]
    assert statuses == [ApplicationStatus.APPROVED, ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED]
    live = BoothAssignment.objects.filter(fair=fair, released_at__isnull=True)
    assert sorted(live.values_list("application_id", flat=True)) == sorted(w.pk for w in waiting[:2])
    assert not BoothAssignment.objects.filter(application__in=waiting, release_reason="moved").exists()
