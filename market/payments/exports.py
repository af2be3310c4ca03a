"""What payments exports (registered in PaymentsConfig.ready()): payments, settlements and bank statement
lines, read through the selectors the API lists them with."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from market.exports.registry import Column, ExportKind, choice, register_export
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.payments import selectors
from market.payments.models import (
    BankTransaction,
    MatchReason,
    Payment,
    PaymentState,
    Provider,
    Settlement,
    SettlementState,
    TransactionSource,
    TransactionStatus,
)
from market.payments.permissions import PAYMENTS_MANAGE


def _payments(actor: Actor, status: str | None) -> QuerySet[Payment]:
    return selectors.payment_list_for(actor=actor, state=status)


def _settlements(actor: Actor, status: str | None) -> QuerySet[Settlement]:
    return selectors.settlements_for(actor=actor, state=status)


def _bank_lines(actor: Actor, status: str | None) -> QuerySet[BankTransaction]:
    return selectors.bank_transactions_for(actor=actor, status=status)


PAYMENT_COLUMNS = [
    Column(_("Payment"), lambda p: p.pk),
    Column(_("Created at"), lambda p: p.created_at),
    Column(_("Payment reference"), lambda p: p.payable.reference),
    Column(_("Description"), lambda p: p.payable.description),
    Column(_("Payer"), lambda p: p.payable.payer.name),
    Column(_("Payee"), lambda p: p.payable.payee.name),
    Column(_("Method"), choice(Provider, "provider")),
    Column(_("State"), choice(PaymentState, "state")),
    Column(_("Amount (VND)"), lambda p: p.amount),
    Column(_("Refunded (VND)"), lambda p: p.amount_refunded),
    Column(_("Currency"), lambda p: p.currency),
    Column(_("Provider reference"), lambda p: p.provider_reference),
    Column(_("Succeeded at"), lambda p: p.succeeded_at),
]

SETTLEMENT_COLUMNS = [
    Column(_("Settlement"), lambda s: s.pk),
    Column(_("Period from"), lambda s: s.run.period_start),
    Column(_("Period to"), lambda s: s.run.period_end),
    Column(_("Cooperative"), lambda s: s.payee.name),
    Column(_("Cooperative tax code"), lambda s: s.payee.tax_code),
    Column(_("Collected (VND)"), lambda s: s.gross),
    Column(_("Commission (VND)"), lambda s: s.commission),
    Column(_("To pay (VND)"), lambda s: s.net),
    Column(_("State"), choice(SettlementState, "state")),
    Column(_("Bank"), lambda s: s.bank_bin),
    Column(_("Account number"), lambda s: s.account_number),
    Column(_("Account holder"), lambda s: s.account_holder),
    Column(_("Transfer note"), lambda s: s.transfer_note),
    Column(_("Paid at"), lambda s: s.paid_at),
    Column(_("Bank reference"), lambda s: s.paid_reference),
]

BANK_LINE_COLUMNS = [
    Column(_("Booked at"), lambda t: t.booked_at),
    Column(_("Account"), lambda t: t.account_number),
    Column(_("Bank reference"), lambda t: t.bank_reference),
    Column(_("Amount (VND)"), lambda t: t.amount),
    Column(_("Currency"), lambda t: t.currency),
    Column(_("Transfer note"), lambda t: t.description),
    Column(_("Sender"), lambda t: t.counterparty),
    Column(_("Source"), choice(TransactionSource, "source")),
    Column(_("Statement file"), lambda t: t.statement.file_name if t.statement else ""),
    Column(_("Status"), choice(TransactionStatus, "status")),
    Column(_("Reason"), choice(MatchReason, "reason")),
    Column(_("Payment reference"), lambda t: t.payable.reference if t.payable else ""),
]


def register_exports() -> None:
    register_export(
        ExportKind(
            name="payments", label=_("Payments"), scope=ApiScope.PAYMENTS_READ, source=_payments,
            date_field="created_at", statuses=PaymentState, columns=PAYMENT_COLUMNS,
        )
    )  # fmt: skip
    register_export(
        ExportKind(
            name="settlements", label=_("Settlements"), scope=ApiScope.PAYMENTS_READ, source=_settlements,
            date_field="run__period_end", date_is_datetime=False, statuses=SettlementState,
            columns=SETTLEMENT_COLUMNS,
            available=lambda actor: actor.is_alliance_staff or actor.is_seller,
        )
    )  # fmt: skip
    register_export(
        ExportKind(
            name="bank_statements", label=_("Bank statement lines"), scope=ApiScope.PAYMENTS_READ,
            source=_bank_lines, date_field="booked_at", statuses=TransactionStatus, columns=BANK_LINE_COLUMNS,
            available=lambda actor: actor.can(PAYMENTS_MANAGE),
        )
    )  # fmt: skip
