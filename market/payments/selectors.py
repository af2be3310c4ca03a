"""Reads, scoped to the caller: a payer or payee sees its own payables and payments, alliance staff all."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from market.core.errors import NotFound
from market.organisations.permissions import Actor
from market.payments.models import (
    CARD_CHECK_ANNOTATION,
    CARD_IN_FLIGHT_ANNOTATION,
    BankTransaction,
    Discrepancy,
    DiscrepancyStatus,
    Payable,
    PayableStatus,
    Payment,
    Provider,
    ReconciliationRun,
    Settlement,
    SettlementRun,
    StatementImport,
    TransactionStatus,
    WebhookEvent,
    WebhookEventOutcome,
    WebhookEventStatus,
    card_attempts_in_flight,
)
from market.payments.permissions import PAYMENTS_MANAGE, SETTLEMENTS_MANAGE


def _parties(actor: Actor, prefix: str = "") -> Q:
    return Q(**{f"{prefix}payer_id": actor.organisation_id}) | Q(**{f"{prefix}payee_id": actor.organisation_id})


def payable_list_for(*, actor: Actor) -> QuerySet[Payable]:
    if not actor.is_authenticated or actor.organisation is None:
        return Payable.objects.none()
    attempts = Payment.objects.filter(payable=OuterRef("pk"))
    being_checked = attempts.filter(provider=Provider.STRIPE, outcome_unknown=True)
    # Payable.card_outcome_being_checked and .card_attempt_in_flight for every row in the same query: the payable
    # policy reads them.
    annotation = {
        CARD_CHECK_ANNOTATION: Exists(being_checked),
        CARD_IN_FLIGHT_ANNOTATION: Exists(attempts.filter(card_attempts_in_flight())),
    }
    queryset = Payable.objects.select_related("payer", "payee").annotate(**annotation)
    return queryset if actor.can(PAYMENTS_MANAGE) else queryset.filter(_parties(actor))


def payments_due_for(*, actor: Actor) -> tuple[int, int]:
    """What the acting organisation still has to pay: how many payables and how much in all. One query."""
    if actor.organisation_id is None:
        return 0, 0
    due = Payable.objects.filter(
        payer_id=actor.organisation_id, status__in=[PayableStatus.UNPAID, PayableStatus.PARTIALLY_PAID]
    ).aggregate(
        count=Count("id"),
        # Payable.outstanding, row by row
        amount=Sum(Greatest(F("amount") - F("amount_paid") + F("amount_refunded") + F("amount_credited"), 0)),
    )
    return due["count"], int(due["amount"] or 0)


def payable_get_for(*, actor: Actor, reference: str) -> Payable:
    payable = payable_list_for(actor=actor).filter(reference=reference.strip().upper()).first()
    if payable is None:
        raise NotFound()
    return payable


def payable_for_object(*, actor: Actor, kind: str, object_id: str | int) -> Payable | None:
    return payable_list_for(actor=actor).filter(kind=kind, object_id=str(object_id)).first()


def payment_list_for(
    *, actor: Actor, state: str | None = None, provider: str | None = None, search: str | None = None
) -> QuerySet[Payment]:
    if not actor.is_authenticated or actor.organisation is None:
        return Payment.objects.none()
    queryset = Payment.objects.select_related("payable", "payable__payer", "payable__payee")
    if not actor.can(PAYMENTS_MANAGE):
        queryset = queryset.filter(_parties(actor, "payable__"))
    if state:
        queryset = queryset.filter(state=state)
    if provider:
        queryset = queryset.filter(provider=provider)
    if search:
        term = search.strip()
        queryset = queryset.filter(
            Q(payable__reference__iexact=term) | Q(provider_reference=term) | Q(payable__description__icontains=term)
        )
    return queryset.order_by("-pk")


def payment_get_for(*, actor: Actor, payment_id: int) -> Payment:
    payment = payment_list_for(actor=actor).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound()
    return payment


def transfers_reported_for(*, actor: Actor, payable: Payable) -> QuerySet[BankTransaction]:
    """The transfers the payee reported for a payable (its own and staff's view of them)."""
    if actor.organisation_id != payable.payee_id and not actor.can(PAYMENTS_MANAGE):
        return BankTransaction.objects.none()
    return BankTransaction.objects.filter(payable=payable, reported_by__isnull=False).order_by("-pk")


def review_queue(*, actor: Actor, status: str = TransactionStatus.NEEDS_REVIEW) -> QuerySet[BankTransaction]:
    if not actor.can(PAYMENTS_MANAGE):
        return BankTransaction.objects.none()
    return BankTransaction.objects.filter(status=status).select_related("payable").order_by("booked_at", "pk")


def bank_transaction_get_for(*, actor: Actor, transaction_id: int) -> BankTransaction:
    tx = BankTransaction.objects.select_related("payable", "statement").filter(pk=transaction_id).first()
    if tx is None or not actor.can(PAYMENTS_MANAGE):
        raise NotFound()
    return tx


def bank_transactions_for(*, actor: Actor, status: str | None = None) -> QuerySet[BankTransaction]:
    """Every line the bank told us about (statements, notifications, transfers payees reported): staff only."""
    if not actor.can(PAYMENTS_MANAGE):
        return BankTransaction.objects.none()
    queryset = BankTransaction.objects.select_related("payable", "statement")
    return queryset.filter(status=status) if status else queryset


def statement_list_for(*, actor: Actor) -> QuerySet[StatementImport]:
    if not actor.can(PAYMENTS_MANAGE):
        return StatementImport.objects.none()
    return StatementImport.objects.defer("content").select_related("uploaded_by").order_by("-pk")


def statement_get_for(*, actor: Actor, statement_id: int) -> StatementImport:
    statement = StatementImport.objects.filter(pk=statement_id).first()
    if statement is None or not actor.can(PAYMENTS_MANAGE):
        raise NotFound()
    return statement


def reconciliation_runs_for(*, actor: Actor) -> QuerySet[ReconciliationRun]:
    if not actor.can(PAYMENTS_MANAGE):
        return ReconciliationRun.objects.none()
    return ReconciliationRun.objects.select_related("requested_by").order_by("-pk")


def reconciliation_run_get_for(*, actor: Actor, run_id: int) -> ReconciliationRun:
    run = reconciliation_runs_for(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def discrepancy_list_for(
    *, actor: Actor, run_id: int | None = None, status: str | None = DiscrepancyStatus.OPEN
) -> QuerySet[Discrepancy]:
    if not actor.can(PAYMENTS_MANAGE):
        return Discrepancy.objects.none()
    queryset = Discrepancy.objects.select_related("payment", "resolved_by")
    if run_id is not None:
        queryset = queryset.filter(run_id=run_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-pk")


def settlement_runs_for(*, actor: Actor) -> QuerySet[SettlementRun]:
    if not actor.can(SETTLEMENTS_MANAGE) and not actor.can(PAYMENTS_MANAGE):
        return SettlementRun.objects.none()
    return SettlementRun.objects.order_by("-pk")


def settlement_run_get_for(*, actor: Actor, run_id: int) -> SettlementRun:
    run = settlement_runs_for(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def settlements_for(*, actor: Actor, state: str | None = None) -> QuerySet[Settlement]:
    """Settlements: staff who settle or watch payments see all; a cooperative sees what it is owed."""
    if not actor.is_authenticated or actor.organisation_id is None:
        return Settlement.objects.none()
    queryset = Settlement.objects.select_related("run", "payee")
    if not (actor.can(SETTLEMENTS_MANAGE) or actor.can(PAYMENTS_MANAGE)):
        queryset = queryset.filter(payee_id=actor.organisation_id)
    return queryset.filter(state=state) if state else queryset


_OUTCOMES = {
    WebhookEventOutcome.WAITING: Q(status__in=[WebhookEventStatus.RECEIVED, WebhookEventStatus.PROCESSING]),
    WebhookEventOutcome.APPLIED: Q(status=WebhookEventStatus.PROCESSED),
    WebhookEventOutcome.IGNORED: Q(status=WebhookEventStatus.IGNORED),
    WebhookEventOutcome.DUPLICATE: Q(duplicates__gt=0),
    WebhookEventOutcome.REJECTED: Q(status=WebhookEventStatus.REJECTED),
    WebhookEventOutcome.FAILED: Q(status=WebhookEventStatus.FAILED),
}


def webhook_events_for(
    *,
    actor: Actor,
    provider: str | None = None,
    outcome: WebhookEventOutcome | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
) -> QuerySet[WebhookEvent]:
    """The provider events received (Stripe, bank notifications), newest first: alliance staff only."""
    actor.require(PAYMENTS_MANAGE)
    queryset = WebhookEvent.objects.order_by("-pk")
    if provider:
        queryset = queryset.filter(provider=provider)
    if outcome:
        queryset = queryset.filter(_OUTCOMES[outcome])
    if received_from:
        queryset = queryset.filter(received_at__gte=_day_start(received_from))
    if received_to:
        queryset = queryset.filter(received_at__lt=_day_start(received_to + timedelta(days=1)))
    return queryset


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
