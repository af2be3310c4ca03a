"""A fair's badge list syncs like every list (docs/api-sync.md): every write that changes what the list shows
moves the badge's `updated_at` — issuing, checking in (online or from a phone's queue), revoking, issuing
again, and closing the fair (which takes revoke and reissue out of `allowed_actions`); a revoked badge comes
back with its state and never vanishes; and a badge revoked while an ERP pages through the list is never
skipped, even when its transaction commits after a later change (real threads on PostgreSQL)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from fairs import services
from fairs.lifecycle import FairTransition
from fairs.models import Badge, Fair, FairStatus
from market.organisations.models import Organisation, OrganisationKind, Role
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.fairs.factories import apply, assign, make_fair, publish, staff_actor
from tests.sync import committed_late, pull, since


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    """Changes are handed out at once; the concurrency tests below set a lag of their own."""
    settings.SYNC_SAFETY_LAG_SECONDS = 0


PEOPLE = ("Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Minh Tâm", "Phạm Thu Hà", "Võ Văn Kiệt", "Đặng Thị Mai")


def _fair_with_people(alliance: Organisation, cooperative: Organisation, people: tuple[str, ...] = PEOPLE) -> Fair:
    """Opening tomorrow (check-in open today): the cooperative exhibits and names its people."""
    fair = make_fair(alliance, booths=1, starts_in=1)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    owner = actor_for(cooperative, Role.OWNER)
    for name in people:
        services.badge_issue_person(actor=owner, fair_id=fair.pk, name=name)
    return fair


def _person(fair: Fair, name: str) -> Badge:
    return Badge.objects.get(fair=fair, holder_name=name, revoked_at__isnull=True)


def _url(fair: Fair) -> str:
    return reverse("fairs:badge-list", args=[fair.pk])


def _pull(client: Any, fair: Fair, start: str, copy: dict[int, dict[str, Any]], *, page_size: int = 2) -> str:
    """Sync the fair's badges from `start`, keeping each in `copy` by id as an ERP would."""
    return pull(client, _url(fair), start, lambda row: copy.__setitem__(row["id"], row), page_size=page_size)


# --- every write moves updated_at -----------------------------------------------------------------------
def _revoke(alliance: Organisation, fair: Fair) -> list[Badge]:
    lan = _person(fair, "Nguyễn Thị Lan")
    services.badge_revoke(actor=staff_actor(alliance), fair_id=fair.pk, code=lan.code, reason="Thẻ bị mất")
    return [lan]


def _reissue(alliance: Organisation, fair: Fair) -> list[Badge]:
    lan = _person(fair, "Nguyễn Thị Lan")
    services.badge_revoke(actor=staff_actor(alliance), fair_id=fair.pk, code=lan.code, reason="Thẻ bị mất")
    Badge.objects.filter(pk=lan.pk).update(updated_at=timezone.now() - timedelta(days=1))
    return [lan, services.badge_reissue(actor=staff_actor(alliance), fair_id=fair.pk, code=lan.code)]


def _check_in_online(alliance: Organisation, fair: Fair) -> list[Badge]:
    lan = _person(fair, "Nguyễn Thị Lan")
    services.checkin_scan(actor=staff_actor(alliance), fair_id=fair.pk, code=lan.code)
    return [lan]


def _check_in_from_a_phone(alliance: Organisation, fair: Fair) -> list[Badge]:
    lan = _person(fair, "Nguyễn Thị Lan")
    scan = services.ScanRecord(key=uuid.uuid4(), code=lan.code, scanned_at=timezone.now() - timedelta(minutes=5))
    services.checkin_sync(
        actor=staff_actor(alliance), fair_id=fair.pk, device_id="phone-1", label="Cổng A", pending=0, scans=[scan]
    )
    return [lan]


def _close_the_fair(alliance: Organisation, fair: Fair) -> list[Badge]:
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.RUNNING)
    services.fair_transition(actor=staff_actor(alliance), fair_id=fair.pk, transition=FairTransition.CLOSE)
    return list(Badge.objects.filter(fair=fair))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [_revoke, _reissue, _check_in_online, _check_in_from_a_phone, _close_the_fair],
    ids=["revoke", "reissue", "check-in online", "check-in from a phone's queue", "close the fair"],
)
def test_every_badge_write_moves_its_updated_at(
    alliance: Organisation, cooperative: Organisation, write: Callable[[Organisation, Fair], list[Badge]]
) -> None:
    fair = _fair_with_people(alliance, cooperative, PEOPLE[:2])
    stale = timezone.now() - timedelta(days=1)
    Badge.objects.filter(fair=fair).update(updated_at=stale)

    changed = write(alliance, fair)

    assert changed
    for badge in changed:
        assert Badge.objects.get(pk=badge.pk).updated_at > stale, badge
    untouched = Badge.objects.filter(fair=fair).exclude(pk__in=[b.pk for b in changed])
    assert all(b.updated_at == stale for b in untouched)


@pytest.mark.django_db
def test_starting_a_fair_leaves_its_badges_alone(alliance: Organisation, cooperative: Organisation) -> None:
    """Only closing changes what may be done with a badge; the other transitions write no badge."""
    fair = _fair_with_people(alliance, cooperative, PEOPLE[:1])
    stale = timezone.now() - timedelta(days=1)
    Badge.objects.filter(fair=fair).update(updated_at=stale)

    services.fair_transition(actor=staff_actor(alliance), fair_id=fair.pk, transition=FairTransition.START)

    assert set(Badge.objects.filter(fair=fair).values_list("updated_at", flat=True)) == {stale}


# --- the API --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_revoked_badge_comes_back_with_its_state_and_its_replacement_as_a_new_row(
    api: Any, alliance: Organisation, cooperative: Organisation
) -> None:
    fair = _fair_with_people(alliance, cooperative, PEOPLE[:2])
    manager = actor_for(cooperative, Role.MANAGER)
    client = api(manager.user)
    copy: dict[int, dict[str, Any]] = {}
    cursor = _pull(client, fair, since(timezone.now() - timedelta(minutes=1)), copy)
    assert len(copy) == 3  # the cooperative's own badge and its two people
    lan = _person(fair, "Nguyễn Thị Lan")
    assert copy[lan.pk]["allowed_actions"] == ["revoke"]

    services.badge_revoke(actor=manager, fair_id=fair.pk, code=lan.code, reason="Đã nghỉ việc")
    changed: dict[int, dict[str, Any]] = {}
    cursor = _pull(client, fair, cursor, changed)

    assert list(changed) == [lan.pk]
    row = changed[lan.pk]
    assert row["revoked_at"] is not None
    assert (row["revoke_reason"], row["allowed_actions"], row["reissued_as"]) == ("Đã nghỉ việc", ["reissue"], None)
    assert row["updated_at"] > copy[lan.pk]["updated_at"]

    new = services.badge_reissue(actor=manager, fair_id=fair.pk, code=lan.code)
    changed = {}
    _pull(client, fair, cursor, changed)

    assert set(changed) == {lan.pk, new.pk}
    assert (changed[lan.pk]["reissued_as"], changed[lan.pk]["allowed_actions"]) == (new.code, [])
    assert (changed[new.pk]["code"], changed[new.pk]["revoked_at"]) == (new.code, None)
    # An ordinary page still lists the revoked badge: revoked is a state, not a removal.
    listed = client.get(_url(fair)).json()["results"]
    assert {row["code"] for row in listed} == {b.code for b in Badge.objects.filter(fair=fair)}


@pytest.mark.django_db
def test_paging_never_skips_a_badge_revoked_while_the_client_pages(
    api: Any, alliance: Organisation, cooperative: Organisation
) -> None:
    """One badge per page; between two pages staff revoke a badge already handed out and one not yet handed
    out: the first comes again later in the same sync, revoked; the second comes once, revoked."""
    fair = _fair_with_people(alliance, cooperative, PEOPLE[:4])
    staff = staff_actor(alliance)
    client = api(staff.user)
    body = client.get(f"{_url(fair)}?{since(timezone.now() - timedelta(minutes=1))}&page_size=1").json()
    first = body["results"][0]
    ahead = Badge.objects.filter(fair=fair).exclude(pk=first["id"]).order_by("updated_at", "pk")[2]

    services.badge_revoke(actor=staff, fair_id=fair.pk, code=first["code"], reason="Thẻ bị mất")
    services.badge_revoke(actor=staff, fair_id=fair.pk, code=ahead.code, reason="Đã nghỉ việc")

    rows = [first]
    next_url = body["next"]
    assert "page_size=1" in next_url
    while next_url:
        page = client.get(next_url).json()
        rows += page["results"]
        next_url = page["next"]
    ids = [row["id"] for row in rows]
    assert set(ids) == set(Badge.objects.filter(fair=fair).values_list("pk", flat=True))
    assert ids.count(ahead.pk) == 1
    assert ids.count(first["id"]) == 2  # handed out, revoked, handed out again
    last = {row["id"]: row for row in rows}
    assert last[first["id"]]["revoke_reason"] == "Thẻ bị mất"
    assert last[ahead.pk]["revoke_reason"] == "Đã nghỉ việc"


@pytest.mark.django_db
def test_another_organisation_syncs_none_of_the_badges(
    api: Any, alliance: Organisation, cooperative: Organisation
) -> None:
    fair = _fair_with_people(alliance, cooperative, PEOPLE[:1])
    stranger = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Khác")
    body = api(actor_for(stranger, Role.OWNER).user).get(f"{_url(fair)}?{since(timezone.now() - timedelta(minutes=1))}")
    assert body.status_code == 200, body.content
    assert body.json()["results"] == []


@pytest.mark.django_db
def test_a_sync_page_of_badges_reads_in_a_fixed_number_of_queries(
    api: Any, alliance: Organisation, cooperative: Organisation, django_assert_max_num_queries: Any
) -> None:
    fair = _fair_with_people(alliance, cooperative)
    staff = staff_actor(alliance)
    for name in PEOPLE[:3]:
        code = _person(fair, name).code
        services.badge_revoke(actor=staff, fair_id=fair.pk, code=code, reason="Thẻ bị mất")
        services.badge_reissue(actor=staff, fair_id=fair.pk, code=code)
    client = api(staff.user)
    url = f"{_url(fair)}?{since(timezone.now() - timedelta(minutes=1))}"
    client.get(url)  # warm the session and the actor's membership
    with django_assert_max_num_queries(6):  # 5 measured, whatever the number of badges
        body = client.get(url).json()
    assert len(body["results"]) == len(PEOPLE) + 3 + 1


# --- real concurrency on PostgreSQL -----------------------------------------------------------------------
LAG = 0.05


@pytest.mark.django_db(transaction=True)
def test_a_revocation_committed_late_with_an_older_timestamp_is_not_skipped(
    api: Any, alliance: Organisation, cooperative: Organisation, settings: Any
) -> None:
    """Staff revoke Lan's badge in a transaction that stays open; another revocation, of Hùng's, is stamped
    later and commits first. An ERP paging in between must not move past Lan's pending stamp: once that
    transaction commits, the next poll hands out Lan's badge revoked."""
    settings.SYNC_SAFETY_LAG_SECONDS = LAG
    fair = _fair_with_people(alliance, cooperative, PEOPLE[:2])
    lan, hung = _person(fair, "Nguyễn Thị Lan"), _person(fair, "Trần Văn Hùng")
    time.sleep(LAG * 3)
    client = api(staff_actor(alliance).user)
    copy: dict[int, dict[str, Any]] = {}

    def revoke(badge: Badge, reason: str) -> None:
        services.badge_revoke(actor=staff_actor(alliance), fair_id=fair.pk, code=badge.code, reason=reason)

    with committed_late(lambda: revoke(lan, "Muộn")):
        time.sleep(LAG * 3)
        revoke(hung, "Sớm")  # a later stamp, committed first
        time.sleep(LAG * 3)

        cursor = _pull(client, fair, since(timezone.now() - timedelta(minutes=1)), copy, page_size=1)
        cursor = _pull(client, fair, cursor, copy, page_size=1)
        # Hùng's badge was last changed after the open transaction started: held back, so the cursor stays
        # before Lan's pending stamp; Lan's badge so far is the committed one, in force.
        assert hung.pk not in copy
        assert copy[lan.pk]["revoked_at"] is None
    time.sleep(LAG * 3)
    _pull(client, fair, cursor, copy, page_size=1)
    assert (copy[lan.pk]["revoke_reason"], copy[hung.pk]["revoke_reason"]) == ("Muộn", "Sớm")


@pytest.mark.django_db(transaction=True)
def test_an_erp_polling_while_staff_revoke_and_reissue_ends_with_every_badge_current(
    api: Any, alliance: Organisation, cooperative: Organisation, settings: Any
) -> None:
    """Three staff members each revoke and issue again their own people's badges, holding each transaction
    open a random while (so commits land out of timestamp order), while an ERP polls page by page; when they
    stop, the ERP's copy equals the database badge for badge: every revocation and every new badge is there."""
    settings.SYNC_SAFETY_LAG_SECONDS = LAG
    fair = _fair_with_people(alliance, cooperative)
    time.sleep(LAG * 3)
    client = api(staff_actor(alliance).user)
    stop = threading.Event()
    errors: list[BaseException] = []
    rounds = [0, 0, 0]  # revocations and reissues each staff member has committed

    def staff_member(seed: int, people: tuple[str, ...]) -> None:
        rng = random.Random(seed)
        actor = staff_actor(alliance)
        try:
            while not stop.is_set():
                code = _person(fair, rng.choice(people)).code
                with transaction.atomic():
                    services.badge_revoke(actor=actor, fair_id=fair.pk, code=code, reason=f"Lần {seed}")
                    time.sleep(rng.uniform(0, 0.1))
                with transaction.atomic():
                    services.badge_reissue(actor=actor, fair_id=fair.pk, code=code)
                    time.sleep(rng.uniform(0, 0.1))
                rounds[seed] += 1
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=staff_member, args=(seed, PEOPLE[seed::3])) for seed in range(3)]
    for thread in threads:
        thread.start()
    copy: dict[int, dict[str, Any]] = {}
    cursor = since(timezone.now() - timedelta(minutes=1))
    # Poll while they write: a while, and until each has revoked and reissued twice (however slow the machine).
    deadline = time.monotonic() + 1.5
    while (time.monotonic() < deadline or min(rounds) < 2) and not errors:
        cursor = _pull(client, fair, cursor, copy)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    time.sleep(LAG * 3)
    _pull(client, fair, cursor, copy)

    current = {
        badge.pk: (badge.revoked_at is not None, badge.reissued_as.code if badge.reissued_as else None)
        for badge in Badge.objects.filter(fair=fair).select_related("reissued_as")
    }
    kept = {pk: (row["revoked_at"] is not None, row["reissued_as"]) for pk, row in copy.items()}
    assert kept == current
    assert len(current) >= len(PEOPLE) + 1 + 6  # the people, the cooperative's own, two new badges per staff member
