"""What payments exports (registered in PaymentsConfig.ready()): payments, settlements and bank statement
lines, read through the selectors the API lists them with."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from market.exports.registry import ExportKind, Labels, field, register_export
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
    field(_("Payment"), "pk"),
    field(_("Created at"), "created_at"),
    field(_("Payment reference"), "payable__reference"),
    field(_("Description"), "payable__description"),
    field(_("Payer"), "payable__payer__name"),
    field(_("Payee"), "payable__payee__name"),
    field(_("Method"), "provider", show=Labels(Provider)),
    field(_("State"), "state", show=Labels(PaymentState)),
    field(_("Amount (VND)"), "amount"),
    field(_("Refunded (VND)"), "amount_refunded"),
    field(_("Currency"), "currency"),
    field(_("Provider reference"), "provider_reference"),
    field(_("Succeeded at"), "succeeded_at"),
]

SETTLEMENT_COLUMNS = [
    field(_("Settlement"), "pk"),
    field(_("Period from"), "run__period_start"),
    field(_("Period to"), "run__period_end"),
    field(_("Cooperative"), "payee__name"),
    field(_("Cooperative tax code"), "payee__tax_code"),
    field(_("Collected (VND)"), "gross"),
    field(_("Commission (VND)"), "commission"),
    field(_("To pay (VND)"), "net"),
    field(_("State"), "state", show=Labels(SettlementState)),
    field(_("Bank"), "bank_bin"),
    field(_("Account number"), "account_number"),
    field(_("Account holder"), "account_holder"),
    field(_("Transfer note"), "transfer_note"),
    field(_("Paid at"), "paid_at"),
    field(_("Bank reference"), "paid_reference"),
]

BANK_LINE_COLUMNS = [
    field(_("Booked at"), "booked_at"),
    field(_("Account"), "account_number"),
    field(_("Bank reference"), "bank_reference"),
    field(_("Amount (VND)"), "amount"),
    field(_("Currency"), "currency"),
    field(_("Transfer note"), "description"),
    field(_("Sender"), "counterparty"),
    field(_("Source"), "source", show=Labels(TransactionSource)),
    field(_("Statement file"), "statement__file_name"),  # blank for a line no statement brought
    field(_("Status"), "status", show=Labels(TransactionStatus)),
    field(_("Reason"), "reason", show=Labels(MatchReason)),
    field(_("Payment reference"), "payable__reference"),  # blank for a line matched to nothing
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
