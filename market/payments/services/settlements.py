"""Settlements: card money the platform collected for each cooperative, less the alliance's commission,
paid out by bank transfer. Each payment, refund and lost dispute is counted in exactly one settlement
(database-enforced), and a settlement is marked paid once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.once import Once, once
from market.core.services import audit_record, deletion_record
from market.core.text import ascii_reference
from market.exports.registry import Column
from market.exports.writers import FixedTable, csv_text
from market.organisations.models import ApiScope, Organisation, OrganisationKind
from market.organisations.permissions import Actor
from market.payments.models import (
    COLLECTED_STATES_LIST,
    CommissionRate,
    Dispute,
    DisputeStatus,
    Payment,
    PaymentState,
    Provider,
    Refund,
    RefundState,
    Settlement,
    SettlementItem,
    SettlementRun,
    SettlementState,
)
from market.payments.permissions import SETTLEMENTS_MANAGE
from market.payments.policy import SETTLEMENT_POLICY, SettlementAction
from market.payments.statements import VIETNAM


def commission(amount: int, rate_percent: Decimal) -> int:
    """Commission in whole đồng, rounded half up: 333.333 ₫ at 2,5 % is 8.333 ₫."""
    return int((Decimal(amount) * Decimal(rate_percent) / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Rates:
    """The commission rate for a payee on a day, read once per run."""

    def __init__(self) -> None:
        self.rows = list(CommissionRate.objects.order_by("-valid_from", "-id"))

    def rate(self, payee_id: int, on: date) -> Decimal:
        for row in self.rows:
            if row.payee_id == payee_id and row.valid_from <= on:
                return row.rate_percent
        for row in self.rows:
            if row.payee_id is None and row.valid_from <= on:
                return row.rate_percent
        return Decimal(0)


@dataclass
class _Owed:
    items: list[SettlementItem] = field(default_factory=list)
    gross: int = 0
    commission: int = 0


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=VIETNAM)


def settlement_run_create(*, actor: Actor, period_start: date, period_end: date) -> SettlementRun:
    """Everything collected by card up to the end of the period and not yet settled, per cooperative."""
    actor.require(SETTLEMENTS_MANAGE)
    if period_end < period_start:
        raise ValidationFailed(fields={"period_end": [_("The end is before the start.")]})
    if period_end >= timezone.localdate():
        raise ValidationFailed(fields={"period_end": [_("Settle only days that are over.")]})
    until = _end_of(period_end)
    rates = Rates()
    owed: dict[int, _Owed] = defaultdict(_Owed)
    kinds = [kind for kind in OrganisationKind.values if kind != OrganisationKind.ALLIANCE]
    try:
        with transaction.atomic():
            payments = (
                Payment.objects.select_for_update(of=("self",))
                .select_related("payable")
                .filter(
                    payable__payee__kind__in=kinds,
                    provider=Provider.STRIPE,
                    state__in=COLLECTED_STATES_LIST,
                    succeeded_at__lt=until,
                )
                .exclude(state=PaymentState.DISPUTED)
                .filter(settlement_item__isnull=True)
                .order_by("pk")
            )
            for payment in payments:
                rate = rates.rate(payment.payable.payee_id, timezone.localtime(payment.succeeded_at, VIETNAM).date())
                fee = commission(payment.amount, rate)
                entry = owed[payment.payable.payee_id]
                entry.items.append(
                    SettlementItem(payment=payment, amount=payment.amount, rate_percent=rate, commission=fee)
                )
                entry.gross += payment.amount
                entry.commission += fee
            refunds = (
                Refund.objects.select_for_update(of=("self",))
                .select_related("payment__payable")
                .filter(
                    payment__payable__payee__kind__in=kinds,
                    payment__provider=Provider.STRIPE,
                    state=RefundState.SUCCEEDED,
                    succeeded_at__lt=until,
                    settlement_item__isnull=True,
                )
                .order_by("pk")
            )
            for refund in refunds:
                # Refunds of money not settled yet net out in the same run; commission is given back pro rata.
                payment = refund.payment
                rate = rates.rate(payment.payable.payee_id, timezone.localtime(payment.succeeded_at, VIETNAM).date())
                fee = -commission(refund.amount, rate)
                entry = owed[payment.payable.payee_id]
                entry.items.append(
                    SettlementItem(refund=refund, amount=-refund.amount, rate_percent=rate, commission=fee)
                )
                entry.gross -= refund.amount
                entry.commission += fee
            lost = (
                Dispute.objects.select_for_update(of=("self",))
                .select_related("payment__payable")
                .filter(
                    payment__payable__payee__kind__in=kinds,
                    status=DisputeStatus.LOST,
                    closed_at__lt=until,
                    settlement_item__isnull=True,
                    payment__settlement_item__isnull=False,
                )
            )
            for dispute in lost:
                payment = dispute.payment
                rate = rates.rate(payment.payable.payee_id, timezone.localtime(payment.succeeded_at, VIETNAM).date())
                fee = -commission(dispute.amount, rate)
                entry = owed[payment.payable.payee_id]
                entry.items.append(
                    SettlementItem(dispute=dispute, amount=-dispute.amount, rate_percent=rate, commission=fee)
                )
                entry.gross -= dispute.amount
                entry.commission += fee
            run = SettlementRun.objects.create(period_start=period_start, period_end=period_end, created_by=actor.user)
            payees_by_id = Organisation.objects.in_bulk([pid for pid, e in owed.items() if e.gross - e.commission > 0])
            for payee_id, entry in sorted(owed.items()):
                net = entry.gross - entry.commission
                if net <= 0:
                    continue  # nothing owed (refunds exceed sales): carried to the next run, items unclaimed
                payee = payees_by_id[payee_id]
                settlement = Settlement.objects.create(
                    run=run,
                    payee=payee,
                    gross=entry.gross,
                    commission=entry.commission,
                    net=net,
                    bank_bin=payee.bank_bin,
                    account_number=payee.bank_account_number,
                    account_holder=payee.bank_account_holder,
                    transfer_note=f"ML QT{run.pk} {ascii_reference(payee.name, max_length=20)}"[:40],
                )
                for item in entry.items:
                    item.settlement = settlement
                SettlementItem.objects.bulk_create(entry.items)
                run.gross += entry.gross
                run.commission += entry.commission
                run.net += net
            run.save(update_fields=["gross", "commission", "net", "updated_at"])
            audit_record(
                actor=actor,
                action="payments.settlement_run_created",
                target=run,
                data={"net": run.net, "payees": run.settlements.count()},
            )
    except IntegrityError:
        raise Conflict(_("Another settlement run claimed some of these payments; try again.")) from None
    return run


def settlement_mark_paid(
    *, actor: Actor, settlement_id: int, bank_reference: str, once_key: str = ""
) -> Once[Settlement]:
    """Record the bank payout of one settlement. A settlement is paid once; a second attempt is refused, unless
    it is the same form sent again (`once_key`), which answers with the first one's record."""
    SETTLEMENT_POLICY.require_capability(actor=actor, action=SettlementAction.MARK_PAID)
    if not bank_reference.strip():
        raise ValidationFailed(fields={"bank_reference": [_("Enter the bank's reference of the transfer.")]})
    return once(
        action="payments.settlement_paid",
        key=once_key,
        actor=actor,
        model=Settlement,
        make=lambda: _settlement_pay(actor=actor, settlement_id=settlement_id, bank_reference=bank_reference),
    )


@transaction.atomic
def _settlement_pay(*, actor: Actor, settlement_id: int, bank_reference: str) -> Settlement:
    settlement = Settlement.objects.select_for_update().filter(pk=settlement_id).first()
    if settlement is None:
        raise NotFound()
    if settlement.state == SettlementState.PAID:
        raise Conflict(_("This settlement is already paid (%(ref)s).") % {"ref": settlement.paid_reference})
    SETTLEMENT_POLICY.authorize(actor=actor, obj=settlement, action=SettlementAction.MARK_PAID)
    settlement.state = SettlementState.PAID
    settlement.paid_at = timezone.now()
    settlement.paid_reference = bank_reference
    settlement.paid_by = actor.user
    settlement.save(update_fields=["state", "paid_at", "paid_reference", "paid_by", "updated_at"])
    audit_record(
        actor=actor,
        action="payments.settlement_paid",
        target=settlement,
        data={"net": settlement.net, "reference": bank_reference},
    )
    return settlement


# What a cancelled run's tombstone names (GET /api/v1/deletions/, docs/api-sync.md): its settlements go with it.
SETTLEMENT_RUN_RESOURCE = "payments.settlement_run"


def settlement_run_cancel(*, actor: Actor, run_id: int) -> None:
    """Undo a run before anything of it was paid: its items go back to 'not settled'."""
    actor.require(SETTLEMENTS_MANAGE)
    with transaction.atomic():
        run = SettlementRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise NotFound()
        if run.settlements.filter(state=SettlementState.PAID).exists():
            raise Conflict(_("Part of this run is paid already; it cannot be cancelled."))
        audit_record(actor=actor, action="payments.settlement_run_cancelled", target=run)
        assert actor.organisation_id is not None  # SETTLEMENTS_MANAGE is alliance staff's
        deletion_record(
            resource=SETTLEMENT_RUN_RESOURCE,
            obj=run,
            organisation_id=actor.organisation_id,
            scope=ApiScope.PAYMENTS_READ,
        )
        run.delete()


# The bank payout file: fixed machine headings (a bank's bulk-transfer import maps them once).
PAYOUT_TABLE = FixedTable(
    label="payout",
    columns=[
        Column("payee", lambda s: s.payee.legal_name),
        Column("tax_code", lambda s: s.payee.tax_code),
        Column("bank_bin", lambda s: s.bank_bin),
        Column("account_number", lambda s: s.account_number),
        Column("account_holder", lambda s: s.account_holder),
        Column("amount", lambda s: s.net),
        Column("transfer_note", lambda s: s.transfer_note),
    ],
    for_programs=True,
)


def payout_csv(run: SettlementRun) -> str:
    """The bank payout file: one row per settlement still to pay, written like every export."""
    pending = run.settlements.filter(state=SettlementState.PENDING).select_related("payee")
    return csv_text(PAYOUT_TABLE, pending, "vi")
