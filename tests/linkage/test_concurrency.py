"""Call-offs placed at once on PostgreSQL with real threads never take a contract past its committed volume
plus tolerance: a lock on the contract row, and a CHECK constraint behind it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from linkage import services
from linkage.models import CallOffStatus, LinkageContract
from market.core.errors import Conflict
from market.organisations.models import Role
from orders.models import Order
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.linkage import factories

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def race(jobs: list[Callable[[], object]]) -> list[str]:
    """Every job in its own thread and connection, released together: 'ok' or the Conflict's code."""
    barrier = threading.Barrier(len(jobs))
    results: list[str] = []
    lock = threading.Lock()

    def run(job: Callable[[], object]) -> None:
        close_old_connections()
        try:
            barrier.wait()
            job()
            outcome = "ok"
        except Conflict as error:
            outcome = error.code
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


def test_two_call_offs_at_once_never_exceed_committed_volume_plus_tolerance(alliance, cooperative):
    # 1.200 tấn ± 5 %: at most 1.260 tấn. Two managers each call off 700 tấn at the same moment.
    contract = factories.contract_in_force(factories.processor(), cooperative, schedule=())
    buyer = contract.buyer
    managers = [actor_for(buyer, Role.MANAGER, user=member(buyer, Role.MANAGER)) for _ in range(2)]
    due = timezone.localdate() + timedelta(days=7)

    jobs = [
        (
            lambda m=m: services.call_off_add(
                actor=m, contract_id=contract.pk, due_on=due, quantity=D(700_000), place=True
            )
        )
        for m in managers
    ]
    results = race(jobs)

    # The second finds the first's volume taken once it gets the lock (the policy or the conditional update
    # refuses it, whichever sees it first).
    assert results.count("ok") == 1
    assert set(results) - {"ok"} <= {"conflict", "volume_exceeded"}
    contract.refresh_from_db()
    assert contract.called_quantity == D(700_000) <= contract.max_quantity
    assert contract.call_offs.filter(status=CallOffStatus.PLACED).count() == 1
    assert Order.objects.filter(buyer=buyer).count() == 1


def test_many_small_call_offs_at_once_stop_exactly_at_the_limit(alliance, cooperative):
    contract = factories.contract_in_force(
        factories.processor(), cooperative, committed_quantity=D(100_000), tolerance_percent=D(0), schedule=()
    )
    buyer = contract.buyer
    managers = [actor_for(buyer, Role.MANAGER, user=member(buyer, Role.MANAGER)) for _ in range(8)]
    due = timezone.localdate() + timedelta(days=3)
    jobs = [
        (
            lambda m=m: services.call_off_add(
                actor=m, contract_id=contract.pk, due_on=due, quantity=D(30_000), place=True
            )
        )
        for m in managers
    ]
    results = race(jobs)
    assert results.count("ok") == 3
    assert set(results) - {"ok"} <= {"conflict", "volume_exceeded"}
    contract.refresh_from_db()
    assert contract.called_quantity == D(90_000)


def test_the_database_refuses_a_called_volume_past_the_limit_even_without_the_lock(alliance, cooperative):
    contract = factories.contract_in_force(factories.processor(), cooperative, schedule=())
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkageContract.objects.filter(pk=contract.pk).update(called_quantity=F("max_quantity") + 1)
