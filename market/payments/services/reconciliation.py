"""Reconciliation: sweep Stripe since a watermark (repairing missed webhooks), then compare every local
payment with the provider's record and the bank statement lines, and list each mismatch with its cause.

The comparison runs inside the database (anti-joins and left joins on indexed references) and streams
only the mismatching rows through a server-side cursor in chunks, so time grows linearly with the number
of payments and the worker's memory stays flat (see bench/payments.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.services import audit_record
from market.organisations.permissions import Actor
from market.payments import stripe_gateway as gateway
from market.payments.models import (
    COLLECTED_STATES_LIST,
    BankTransaction,
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyStatus,
    EventSource,
    Payable,
    PayableStatus,
    Payment,
    PaymentState,
    Provider,
    ProviderRecord,
    ProviderStatus,
    ReconciliationRun,
    RunStatus,
    RunTrigger,
    SweepWatermark,
)
from market.payments.permissions import PAYMENTS_MANAGE
from market.payments.policy import DISCREPANCY_POLICY, DiscrepancyAction
from market.payments.services.cards import (
    card_attempts_left_cancel,
    card_attempts_resolve,
    payment_sync_from_intent,
    provider_record_upsert,
    refunds_resolve,
)
from market.payments.services.webhooks import stripe_event_handled, webhook_event_process, webhook_event_store

logger = logging.getLogger(__name__)
CHUNK = 2000
K = DiscrepancyKind


# Told to staff on a queued run the broker would not take (stored untranslated; the page translates it).
QUEUE_UNREACHABLE = gettext_noop(
    "The task queue could not be reached; the run starts with the next scheduled reconciliation."
)


def _stranded_after() -> datetime:
    """A run still running after the task's hard time limit has no worker left on it."""
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def reconciliation_request(*, actor: Actor) -> ReconciliationRun:
    """Staff ask for a run now; a worker does it (the page shows it waiting, running, then its results)."""
    actor.require(PAYMENTS_MANAGE)
    if ReconciliationRun.objects.filter(
        Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, started_at__gte=_stranded_after())
    ).exists():
        raise Conflict(_("A reconciliation is already running; wait for it to finish."))
    run = ReconciliationRun.objects.create(trigger=RunTrigger.STAFF, requested_by=actor.user, status=RunStatus.QUEUED)
    audit_record(actor=actor, action="payments.reconciliation_requested", target=run)
    transaction.on_commit(partial(_enqueue, run_id=run.pk))
    return run


def _enqueue(*, run_id: int) -> None:
    """Hand a queued run to a worker, after the commit. A broker that is down (or frozen: the publish gives
    up after its socket timeout) leaves the run queued with a note staff see; the next scheduled run takes it."""
    from market.payments.tasks import run_reconciliation

    try:
        run_reconciliation.delay(run_id)
    except Exception:
        logger.warning("could not enqueue reconciliation run %s; the scheduled run will take it", run_id, exc_info=True)
        ReconciliationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(error=QUEUE_UNREACHABLE)


def reconciliation_claim(*, run_id: int | None) -> ReconciliationRun | None:
    """The run a worker should do now, marked running: the given queued run, or (beat, no id) the oldest
    queued request, else a new scheduled run. None when the given run was taken or done already. Runs left
    running by a worker that died are closed as failed first."""
    ReconciliationRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=_stranded_after()).update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        error=gettext_noop("The worker stopped before the run finished."),
    )
    queued = ReconciliationRun.objects.filter(status=RunStatus.QUEUED)
    candidate = run_id or queued.order_by("started_at", "pk").values_list("pk", flat=True).first()
    if candidate is None:
        return ReconciliationRun.objects.create(trigger=RunTrigger.BEAT)
    claimed = queued.filter(pk=candidate).update(status=RunStatus.RUNNING, started_at=timezone.now(), error="")
    return ReconciliationRun.objects.get(pk=candidate) if claimed else None


def reconciliation_run(
    *, run: ReconciliationRun | None = None, sweep: bool = True, grace: timedelta | None = None
) -> ReconciliationRun:
    """Do a whole run (the task passes the run it claimed; tests and the bench may pass none)."""
    run = run or ReconciliationRun.objects.create(trigger=RunTrigger.BEAT)
    grace = settings.PAYMENTS_RECONCILE_GRACE if grace is None else grace
    try:
        if sweep and gateway.enabled():
            _sweep_stripe(run)
        _compare(run, cutoff=timezone.now() - grace)
        run.status = RunStatus.COMPLETED
    except Exception as error:
        logger.exception("reconciliation run %s failed", run.pk)
        run.status = RunStatus.FAILED
        run.error = str(error)[:2000]
    run.finished_at = timezone.now()
    run.save()
    return run


# --- sweep ---------------------------------------------------------------------------------------
def _sweep_stripe(run: ReconciliationRun) -> None:
    now = timezone.now()
    with transaction.atomic():
        mark, _created = SweepWatermark.objects.select_for_update().get_or_create(
            name="stripe", defaults={"value": now - settings.PAYMENTS_SWEEP_FIRST_LOOKBACK}
        )
        start = mark.value - timedelta(minutes=5)  # overlap: events are stored once, so re-reading is free
    run.swept_from = start
    newest = start
    since = int(start.timestamp())
    try:
        for event in gateway.events_since(since):
            run.events_swept += 1
            created = datetime.fromtimestamp(int(event.get("created", 0)), tz=UTC)
            newest = max(newest, created)
            if not stripe_event_handled(event.get("type", "")):
                continue
            stored, is_new = webhook_event_store(
                provider=Provider.STRIPE,
                event_id=event["id"],
                type=event["type"],
                payload=event,
                source=EventSource.SWEEP,
            )
            if is_new:
                run.events_repaired += 1
                webhook_event_process(event_id=stored.pk)
        for charge in gateway.charges_since(since - 1):
            run.charges_swept += 1
            newest = max(newest, datetime.fromtimestamp(int(charge.get("created", 0)), tz=UTC))
            _sweep_charge(charge)
    except stripe.StripeError as error:
        raise RuntimeError(f"Stripe sweep failed: {error}") from error
    # Card attempts whose answer was lost and that no charge above settled (the task after the loss was lost too).
    card_attempts_resolve(payable_id=None, source=EventSource.SWEEP)
    # Refunds whose answer was lost, likewise (the charges above carry refunds only of payments already known).
    refunds_resolve(payment_id=None, source=EventSource.SWEEP)
    # Card attempts left waiting for 3-D Secure on payables paid otherwise (the task after that payment was lost).
    card_attempts_left_cancel(payable_id=None)
    run.swept_to = newest
    SweepWatermark.objects.filter(name="stripe", value__lt=newest).update(value=newest)


def _sweep_charge(charge: dict[str, Any]) -> None:
    intent_id = charge.get("payment_intent")
    intent_id = intent_id.get("id") if isinstance(intent_id, dict) else intent_id
    if not intent_id:
        provider_record_upsert(
            reference=charge["id"],
            amount=int(charge["amount"]),
            currency=charge["currency"],
            status=charge.get("status", ""),
            created=int(charge.get("created", 0)),
            refunded=int(charge.get("amount_refunded") or 0),
            disputed=bool(charge.get("disputed")),
        )
        return
    payment = Payment.objects.filter(provider=Provider.STRIPE, provider_reference=intent_id).first()
    record = ProviderRecord.objects.filter(provider=Provider.STRIPE, reference=intent_id).first()
    in_step = (
        payment is not None
        and record is not None
        and record.amount_refunded == int(charge.get("amount_refunded") or 0)
        and record.disputed == bool(charge.get("disputed"))
        and (charge.get("status") != ProviderStatus.SUCCEEDED or payment.state in COLLECTED_STATES_LIST)
    )
    if not in_step:
        payment_sync_from_intent(intent=gateway.payment_intent_retrieve(intent_id), source=EventSource.SWEEP)


# --- comparison ----------------------------------------------------------------------------------
def _stream(sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows through a server-side cursor (PostgreSQL), CHUNK at a time, within the caller's transaction (outside
    one, Django would declare it WITH HOLD, to outlive the transaction)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                return
            yield from rows


def _count(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def _key(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


class _Writer:
    """Collects discrepancies and writes them in batches; the same facts are never stored twice."""

    def __init__(self, run: ReconciliationRun) -> None:
        self.run, self.found = run, 0
        self.batch: list[Discrepancy] = []

    def add(
        self, kind: str, provider: str, reference: str, payment_id: int | None, expected: Any, actual: Any, cause: str
    ) -> None:
        self.found += 1
        self.batch.append(
            Discrepancy(
                run=self.run,
                key=_key(kind, provider, reference, payment_id, expected, actual),
                kind=kind,
                provider=provider,
                reference=reference[:255],
                payment_id=payment_id,
                expected=str(expected)[:255],
                actual=str(actual)[:255],
                cause=cause[:500],
            )
        )
        if len(self.batch) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            Discrepancy.objects.bulk_create(self.batch, ignore_conflicts=True)
            self.batch = []


# Which of our states agree with a Stripe intent status (the rest must still be pending).
AGREEING_STATES: dict[ProviderStatus, frozenset[PaymentState]] = {
    ProviderStatus.SUCCEEDED: frozenset(PaymentState(state) for state in COLLECTED_STATES_LIST),
    ProviderStatus.CANCELED: frozenset({PaymentState.CANCELLED}),
    ProviderStatus.REQUIRES_PAYMENT_METHOD: frozenset(
        {PaymentState.FAILED, PaymentState.PENDING, PaymentState.CANCELLED}
    ),
}


def _sql_list(values: frozenset[PaymentState]) -> str:
    return ", ".join(f"'{value.value}'" for value in sorted(values))


_EXPECTED_STATE = (
    "CASE r.status "
    + " ".join(
        f"WHEN '{status.value}' THEN p.state IN ({_sql_list(states)})" for status, states in AGREEING_STATES.items()
    )
    + f" ELSE p.state = '{PaymentState.PENDING.value}' END"
)


def _compare(run: ReconciliationRun, *, cutoff: datetime) -> None:
    """The joins run in PostgreSQL, in one transaction (seconds at a million payments: bench/payments.py). It
    gives them room to hash a million references in memory (work_mem is per operation and bounded) and holds
    the cursors they stream through; both end with it. Behind a transaction-mode pooler (DATABASE_POOLING) each
    transaction may run on another server connection: a session `SET` would be lost to the next statement and
    left to whichever client got that connection next, and a cursor held over transactions not found again."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.PAYMENTS_RECONCILE_WORK_MEM])
        _compare_rows(run, cutoff=cutoff)


def _compare_rows(run: ReconciliationRun, *, cutoff: datetime) -> None:
    writer = _Writer(run)
    payment, record, tx = Payment._meta.db_table, ProviderRecord._meta.db_table, BankTransaction._meta.db_table
    dispute = "payments_dispute"
    stripe_p = [Provider.STRIPE, cutoff]

    run.payments_checked = _count(f"SELECT COUNT(*) FROM {payment} WHERE updated_at < %s", [cutoff])  # noqa: S608
    run.provider_records_checked = _count(f"SELECT COUNT(*) FROM {record} WHERE provider = %s", [Provider.STRIPE])  # noqa: S608
    run.statement_lines_checked = _count(f"SELECT COUNT(*) FROM {tx}", [])  # noqa: S608

    # Card payments against what Stripe says about them.
    sql = f"""
        SELECT p.id, p.provider_reference, p.amount, p.currency, p.state, p.amount_refunded,
               r.id, r.amount, r.currency, r.status, r.amount_refunded, r.disputed,
               EXISTS (SELECT 1 FROM {dispute} d WHERE d.payment_id = p.id)
        FROM {payment} p
        LEFT JOIN {record} r ON r.provider = p.provider AND r.reference = p.provider_reference
        WHERE p.provider = %s AND p.provider_reference <> '' AND p.updated_at < %s
          AND (r.id IS NULL OR p.amount <> r.amount OR UPPER(p.currency) <> r.currency
               OR p.amount_refunded <> r.amount_refunded OR NOT ({_EXPECTED_STATE})
               OR (r.disputed AND NOT EXISTS (SELECT 1 FROM {dispute} d2 WHERE d2.payment_id = p.id)))
    """  # noqa: S608 (table names and constants, never input)
    for (
        pid,
        ref,
        amount,
        currency,
        state,
        refunded,
        rid,
        r_amount,
        r_currency,
        r_status,
        r_refunded,
        r_disputed,
        has_dispute,
    ) in _stream(sql, stripe_p):
        if rid is None:
            writer.add(
                K.MISSING_AT_PROVIDER,
                "stripe",
                ref,
                pid,
                ref,
                "—",
                _("Stripe has no record of this intent since the sweep began: check the Stripe account and keys."),
            )
            continue
        if amount != r_amount:
            writer.add(
                K.AMOUNT,
                "stripe",
                ref,
                pid,
                amount,
                r_amount,
                _("Stripe charged another amount than we asked for; it was not applied."),
            )
        if currency.upper() != r_currency:
            writer.add(K.CURRENCY, "stripe", ref, pid, currency, r_currency, _("Stripe charged in another currency."))
        if refunded != r_refunded:
            writer.add(
                K.REFUND,
                "stripe",
                ref,
                pid,
                refunded,
                r_refunded,
                _("Stripe shows other refunds than we recorded (made in the dashboard, or an event missed)."),
            )
        if r_disputed and not has_dispute:
            writer.add(
                K.DISPUTE,
                "stripe",
                ref,
                pid,
                _("no dispute"),
                _("disputed"),
                _("Stripe shows a dispute we have not recorded: answer it in the Stripe dashboard."),
            )
        if not _state_agrees(state, r_status):
            writer.add(
                K.STATE,
                "stripe",
                ref,
                pid,
                state,
                r_status,
                _("Our state and Stripe's still differ after the sweep: check the payment in Stripe."),
            )

    # Intents Stripe knows and we do not.
    sql = f"""
        SELECT r.reference, r.amount, r.currency, r.status FROM {record} r
        WHERE r.provider = %s AND r.created < %s
          AND NOT EXISTS (SELECT 1 FROM {payment} p
                          WHERE p.provider = r.provider AND p.provider_reference = r.reference)
    """  # noqa: S608 (table names and constants, never input)
    for ref, amount, currency, status in _stream(sql, stripe_p):
        writer.add(
            K.MISSING_LOCALLY,
            "stripe",
            ref,
            None,
            "—",
            f"{amount} {currency} {status}",
            _("A payment at Stripe that belongs to no payment here (made outside Market Link?)."),
        )

    # Card attempts that never reached Stripe.
    sql = f"""
        SELECT p.id, p.amount FROM {payment} p
        WHERE p.provider = %s AND p.provider_reference = '' AND p.state = %s AND p.updated_at < %s
    """  # noqa: S608 (table names and constants, never input)
    for pid, amount in _stream(sql, [Provider.STRIPE, PaymentState.PENDING, cutoff]):
        writer.add(
            K.STALE_PENDING,
            "stripe",
            f"payment:{pid}",
            pid,
            "—",
            amount,
            _("A card attempt that never got a Stripe intent (the page was closed or Stripe did not answer)."),
        )

    # Bank payments against the statement lines.
    statement_cutoff = timezone.now() - settings.PAYMENTS_STATEMENT_GRACE
    sql = f"""
        SELECT p.id, p.provider_reference, p.amount, t.amount, t.seen_on_statement, t.booked_at
        FROM {payment} p JOIN {tx} t ON t.id = p.bank_transaction_id
        WHERE p.provider = %s AND p.state IN ({", ".join(["%s"] * len(COLLECTED_STATES_LIST))})
          AND (p.amount <> t.amount OR (NOT t.seen_on_statement AND t.booked_at < %s))
    """  # noqa: S608 (table names and constants, never input)
    for pid, ref, amount, t_amount, seen, _booked in _stream(
        sql, [Provider.BANK_TRANSFER, *COLLECTED_STATES_LIST, statement_cutoff]
    ):
        if amount != t_amount:
            writer.add(
                K.AMOUNT, "bank_transfer", ref, pid, amount, t_amount, _("The payment differs from its bank transfer.")
            )
        if not seen:
            writer.add(
                K.NOT_ON_STATEMENT,
                "bank_transfer",
                ref,
                pid,
                _("on a statement"),
                _("only notified"),
                _("Notified by the bank but on no imported statement: import that day's statement."),
            )
    # Payables holding more than is owed (a weighed delivery lighter than what was paid, a cancelled one
    # already paid): the payer is owed the difference until it is refunded or kept as credit.
    payable = Payable._meta.db_table
    sql = f"""
        SELECT p.reference, p.amount, p.amount_paid - p.amount_refunded - p.amount_credited
        FROM {payable} p
        WHERE p.updated_at < %s
          AND p.amount_paid - p.amount_refunded - p.amount_credited > CASE WHEN p.status = %s THEN 0 ELSE p.amount END
    """  # noqa: S608 (table names and constants, never input)
    for ref, owed, kept in _stream(sql, [cutoff, PayableStatus.CANCELLED]):
        writer.add(
            K.OVERPAID,
            "",
            ref,
            None,
            owed,
            kept,
            _("Paid more than is owed: refund the difference or keep it as credit, from the order page."),
        )
    writer.flush()
    run.discrepancies_found = writer.found


def _state_agrees(state: str, provider_status: str) -> bool:
    agreeing = (
        AGREEING_STATES.get(ProviderStatus(provider_status)) if provider_status in ProviderStatus.values else None
    )
    return state in agreeing if agreeing is not None else state == PaymentState.PENDING


def discrepancy_resolve(*, actor: Actor, discrepancy_id: int, note: str) -> Discrepancy:
    """Staff write down what they found and did; the discrepancy policy decides when."""
    DISCREPANCY_POLICY.require_capability(actor=actor, action=DiscrepancyAction.RESOLVE)
    if not note.strip():
        raise ValidationFailed(fields={"note": [_("Write down what you found and did.")]})
    with transaction.atomic():
        discrepancy = Discrepancy.objects.select_for_update().filter(pk=discrepancy_id).first()
        if discrepancy is None:
            raise NotFound()
        DISCREPANCY_POLICY.authorize(actor=actor, obj=discrepancy, action=DiscrepancyAction.RESOLVE)
        discrepancy.status = DiscrepancyStatus.RESOLVED
        discrepancy.resolution_note = note
        discrepancy.resolved_by = actor.user
        discrepancy.resolved_at = timezone.now()
        discrepancy.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
        audit_record(actor=actor, action="payments.discrepancy_resolved", target=discrepancy, data={"note": note})
    return discrepancy
