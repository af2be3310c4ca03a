"""Reconciliation compares every payment with Stripe's record and the statement lines and explains each
mismatch; staff resolve them with a note; the same facts are never listed twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from market.core.errors import PermissionDenied, ValidationFailed
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services
from market.payments.models import (
    BankTransaction,
    Discrepancy,
    DiscrepancyKind,
    EventSource,
    Payment,
    PaymentState,
    Provider,
    ProviderRecord,
    TransactionStatus,
)
from market.payments.services.reconciliation import reconciliation_run
from tests.factories import member

pytestmark = pytest.mark.django_db
NOW = timezone.now


def record(reference: str, amount: int, status: str = "succeeded", **extra) -> ProviderRecord:
    return ProviderRecord.objects.create(
        provider="stripe", reference=reference, amount=amount, currency="VND", status=status,
        created=NOW() - timedelta(hours=1), **extra,
    )  # fmt: skip


def payment(payable, amount: int, reference: str, state: str = PaymentState.SUCCEEDED) -> Payment:
    p = Payment.objects.create(payable=payable, provider=Provider.STRIPE, amount=amount, provider_reference=reference)
    if state != PaymentState.PENDING:
        services.payment_transition(payment_id=p.pk, to_state=state, source=EventSource.SYSTEM)
    return p


def kinds() -> list[tuple[str, str]]:
    return sorted(Discrepancy.objects.values_list("kind", "reference"))


def test_every_kind_of_mismatch_is_found_with_its_cause(make_invoice):
    payment(make_invoice(100_000), 100_000, "pi_ok")
    record("pi_ok", 100_000)
    payment(make_invoice(200_000), 200_000, "pi_amount")
    record("pi_amount", 210_000)
    payment(make_invoice(300_000), 300_000, "pi_state", state=PaymentState.PENDING)
    record("pi_state", 300_000, "succeeded")
    payment(make_invoice(400_000), 400_000, "pi_refund")
    record("pi_refund", 400_000, amount_refunded=50_000)
    payment(make_invoice(500_000), 500_000, "pi_dispute")
    record("pi_dispute", 500_000, disputed=True)
    payment(make_invoice(600_000), 600_000, "pi_nowhere")
    record("pi_stranger", 700_000)
    Payment.objects.create(
        payable=make_invoice(800_000), provider=Provider.STRIPE, amount=800_000
    )  # never reached Stripe
    Payment.objects.update(updated_at=NOW() - timedelta(hours=1))

    run = reconciliation_run(sweep=False, grace=timedelta(minutes=10))
    assert run.status == "completed"
    assert run.payments_checked == 7
    assert run.provider_records_checked == 6
    found = kinds()
    assert (DiscrepancyKind.AMOUNT, "pi_amount") in found
    assert (DiscrepancyKind.STATE, "pi_state") in found
    assert (DiscrepancyKind.REFUND, "pi_refund") in found
    assert (DiscrepancyKind.DISPUTE, "pi_dispute") in found
    assert (DiscrepancyKind.MISSING_AT_PROVIDER, "pi_nowhere") in found
    assert (DiscrepancyKind.MISSING_LOCALLY, "pi_stranger") in found
    assert any(kind == DiscrepancyKind.STALE_PENDING for kind, _ref in found)
    assert not [ref for _kind, ref in found if ref == "pi_ok"]
    assert all(d.cause for d in Discrepancy.objects.all())
    assert run.discrepancies_found == len(found)

    again = reconciliation_run(sweep=False, grace=timedelta(minutes=10))
    assert again.discrepancies_found == len(found)
    assert Discrepancy.objects.count() == len(found), "the same facts are not listed twice"


def test_recent_payments_are_left_alone(make_invoice):
    payment(make_invoice(100_000), 100_000, "pi_fresh")
    reconciliation_run(sweep=False, grace=timedelta(minutes=10))
    assert not Discrepancy.objects.exists()


def test_a_notified_transfer_missing_from_every_statement(make_invoice):
    payable = make_invoice(1_500_000)
    tx, _ = services.bank_transaction_record(
        account_number="7700201099999", bank_reference="SEPAY-1", booked_at=NOW() - timedelta(days=5),
        amount=1_500_000, description=payable.reference, source="webhook",
    )  # fmt: skip
    assert tx.status == TransactionStatus.MATCHED
    Payment.objects.update(updated_at=NOW() - timedelta(hours=1))
    reconciliation_run(sweep=False, grace=timedelta(minutes=10))
    assert kinds() == [(DiscrepancyKind.NOT_ON_STATEMENT, "7700201099999/SEPAY-1")]
    BankTransaction.objects.update(seen_on_statement=True)
    Discrepancy.objects.all().delete()
    reconciliation_run(sweep=False, grace=timedelta(minutes=10))
    assert kinds() == []


def test_the_comparison_runs_with_its_work_mem(settings, make_invoice):
    """Set with a bound parameter (server-side binding: `SET work_mem = $1` is a syntax error); that it ends with
    its transaction is tests/faults/test_pgbouncer.py's."""
    settings.PAYMENTS_RECONCILE_WORK_MEM = "48MB"
    payment(make_invoice(100_000), 100_000, "pi_mem")
    Payment.objects.update(updated_at=NOW() - timedelta(hours=1))
    seen: list[str] = []

    def work_mem_at_each_count(execute, sql, params, many, context):
        if sql.startswith("SELECT COUNT(*)"):  # the comparison's first statements, read past Django's wrappers
            seen.append(context["connection"].connection.execute("SHOW work_mem").fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(work_mem_at_each_count):
        run = reconciliation_run(sweep=False, grace=timedelta(minutes=10))
    assert run.status == "completed", run.error
    assert seen
    assert set(seen) == {"48MB"}


def test_staff_resolve_with_a_note(make_invoice, alliance, coop_owner):
    record("pi_stranger", 700_000)
    reconciliation_run(sweep=False, grace=timedelta(0))
    discrepancy = Discrepancy.objects.get()
    with pytest.raises(PermissionDenied):
        services.discrepancy_resolve(actor=resolve_actor(coop_owner), discrepancy_id=discrepancy.pk, note="x")
    staff = resolve_actor(member(alliance, Role.STAFF))
    with pytest.raises(ValidationFailed):
        services.discrepancy_resolve(actor=staff, discrepancy_id=discrepancy.pk, note=" ")
    services.discrepancy_resolve(actor=staff, discrepancy_id=discrepancy.pk, note="Thanh toán thử trên dashboard")
    discrepancy.refresh_from_db()
    assert discrepancy.status == "resolved"
    assert discrepancy.resolved_by_id == staff.user.pk
    reconciliation_run(sweep=False, grace=timedelta(0))
    assert Discrepancy.objects.filter(status="open").count() == 0, "a resolved finding is not reopened"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_staff_ask_for_a_run_and_a_real_worker_does_it(api, alliance, localstripe, celery_worker_process):
    import time

    celery_worker_process(concurrency=1)
    record("pi_stranger", 700_000)
    response = api(member(alliance, Role.STAFF)).post("/api/v1/payments/reconciliation-runs/")
    assert response.status_code == 202
    from market.payments.models import ReconciliationRun

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ReconciliationRun.objects.get().status in ("queued", "running"):
        time.sleep(0.3)
    run = ReconciliationRun.objects.get()
    assert run.status == "completed", run.error
    assert run.trigger == "staff"
    assert kinds() == [(DiscrepancyKind.MISSING_LOCALLY, "pi_stranger")]
