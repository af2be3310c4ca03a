"""Every write to payments. Nothing else moves a payment's state: see `transitions.payment_transition`."""

from market.payments.services.balances import overpayment_refund_claim, payable_credit, transfer_refund_record
from market.payments.services.bank import (
    bank_transaction_apply,
    bank_transaction_dismiss,
    bank_transaction_record,
    statement_apply,
    statement_discard,
    statement_upload,
    transfer_report,
)
from market.payments.services.cards import (
    card_attempt_resolve,
    card_attempts_check,
    card_attempts_left_cancel,
    card_attempts_resolve,
    card_payment_refresh,
    card_payment_resume,
    card_payment_start,
    dispute_sync,
    payment_sync_from_intent,
    refund_create,
    refund_resolve,
    refund_send,
    refund_sync,
    refunds_resolve,
)
from market.payments.services.payables import (
    payable_amount_refresh,
    payable_cancel,
    payable_open,
    payables_open_new,
    placed_again_on_reference_collision,
)
from market.payments.services.reconciliation import discrepancy_resolve, reconciliation_run
from market.payments.services.settlements import (
    settlement_mark_paid,
    settlement_run_cancel,
    settlement_run_create,
)
from market.payments.services.transitions import payment_transition
from market.payments.services.webhooks import webhook_event_process, webhook_event_retry, webhook_event_store

__all__ = [
    "bank_transaction_apply",
    "bank_transaction_dismiss",
    "bank_transaction_record",
    "card_attempt_resolve",
    "card_attempts_check",
    "card_attempts_left_cancel",
    "card_attempts_resolve",
    "card_payment_refresh",
    "card_payment_resume",
    "card_payment_start",
    "discrepancy_resolve",
    "dispute_sync",
    "overpayment_refund_claim",
    "payable_amount_refresh",
    "payable_cancel",
    "payable_credit",
    "payable_open",
    "payables_open_new",
    "payment_sync_from_intent",
    "payment_transition",
    "placed_again_on_reference_collision",
    "reconciliation_run",
    "refund_create",
    "refund_resolve",
    "refund_send",
    "refund_sync",
    "refunds_resolve",
    "settlement_mark_paid",
    "settlement_run_cancel",
    "settlement_run_create",
    "statement_apply",
    "statement_discard",
    "statement_upload",
    "transfer_refund_record",
    "transfer_report",
    "webhook_event_process",
    "webhook_event_retry",
    "webhook_event_store",
]
