"""What an actor may do now with payments' aggregates (docs/edge.md): a payable (pay it; its payee records a
transfer received), a card payment (finish its 3-D Secure, refund), a bank statement (apply, discard), a transfer
in the review queue (apply, dismiss), a reconciliation discrepancy (resolve) and a settlement (mark paid). The
pages show exactly these controls, the API returns them as `allowed_actions`, and the services authorise through
them."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule
from market.payments import stripe_gateway
from market.payments.models import (
    BankTransaction,
    Discrepancy,
    DiscrepancyStatus,
    MatchReason,
    Payable,
    Payment,
    PaymentState,
    Provider,
    ProviderStatus,
    Settlement,
    SettlementState,
    StatementImport,
    TransactionSource,
    TransactionStatus,
)
from market.payments.permissions import (
    PAYMENTS_MANAGE,
    PAYMENTS_PAY,
    PAYMENTS_RECORD_TRANSFER,
    PAYMENTS_REFUND,
    SETTLEMENTS_MANAGE,
)


class PayableAction(StrEnum):
    PAY_BY_TRANSFER = "pay_by_transfer"
    PAY_BY_CARD = "pay_by_card"
    RECORD_TRANSFER = "record_transfer"


def is_payer(actor: Actor, payable: Payable) -> bool:
    return actor.organisation_id == payable.payer_id


def awaits_payment(payable: Payable) -> bool:
    """Something is still owed and the payable was not called off."""
    return payable.awaits_payment


def may_be_paid_now(payable: Payable) -> bool:
    """Something is owed, and no card attempt of it is being checked with Stripe: that one may have been charged
    already, so the payer is offered no other way to pay until Stripe has answered."""
    return awaits_payment(payable) and not payable.card_outcome_being_checked


def awaits_card_payment(payable: Payable) -> bool:
    return may_be_paid_now(payable) and stripe_gateway.enabled()


def awaits_new_card_attempt(payable: Payable) -> bool:
    """Payable by card, and no other card attempt of it may still be charged (one another tab opened and Stripe
    has not answered yet, or one Stripe is processing): two attempts at once could both be charged. One waiting
    for 3-D Secure does not count: a new attempt cancels it at Stripe first."""
    return awaits_card_payment(payable) and not payable.card_attempt_in_flight


def is_payee(actor: Actor, payable: Payable) -> bool:
    return actor.organisation_id == payable.payee_id


def awaits_transfer(payable: Payable) -> bool:
    """Still owed, and payable by bank transfer into the payee's account."""
    return awaits_payment(payable) and payable.has_bank_account


NOT_PAYABLE = _("Nothing is owed on this, or it was cancelled.")
CARDS_UNAVAILABLE = _("Card payments are not available for this now; pay by bank transfer.")


def outcome_unknown_message() -> str:
    return gettext(
        "We could not confirm whether your card was charged: the card service did not answer in time. We are "
        "checking with it now and this page will show the result. Do not pay again meanwhile."
    )


def attempt_in_progress_message() -> str:
    return gettext("Another card payment for this is in progress. Wait for its result before paying again.")


def _why_not_payable(payable: Payable, otherwise: str | Promise = NOT_PAYABLE) -> str:
    """Why the payer cannot pay now: nothing owed, a card attempt being checked, or `otherwise`."""
    if not awaits_payment(payable):
        return str(NOT_PAYABLE)
    if payable.card_outcome_being_checked:
        return outcome_unknown_message()
    return str(otherwise)


def _why_no_card(payable: Payable) -> str:
    if awaits_card_payment(payable) and payable.card_attempt_in_flight:
        return attempt_in_progress_message()
    return _why_not_payable(payable, CARDS_UNAVAILABLE)


PAYABLE_POLICY: Policy[PayableAction, Payable] = Policy(
    {
        PayableAction.PAY_BY_TRANSFER: Rule(
            PAYMENTS_PAY, party=is_payer, when=may_be_paid_now, conflict=_why_not_payable
        ),
        PayableAction.PAY_BY_CARD: Rule(
            PAYMENTS_PAY, party=is_payer, when=awaits_new_card_attempt, conflict=_why_no_card
        ),
        PayableAction.RECORD_TRANSFER: Rule(
            PAYMENTS_RECORD_TRANSFER,
            party=is_payee,
            when=awaits_transfer,
            conflict=_("Nothing is owed on this by bank transfer any more."),
        ),
    },
    scopes=dict.fromkeys(PayableAction, ApiScope.PAYMENTS_WRITE),
)


def payable_actions(*, actor: Actor, payable: Payable) -> frozenset[PayableAction]:
    return PAYABLE_POLICY.actions(actor=actor, obj=payable)


# --- card payments -------------------------------------------------------------------------------
class PaymentAction(StrEnum):
    FINISH_AUTHENTICATION = "finish_authentication"  # 3-D Secure, on an attempt left waiting for it
    REFUND = "refund"


def pays_for(actor: Actor, payment: Payment) -> bool:
    return is_payer(actor, payment.payable)


def awaits_authentication(payment: Payment) -> bool:
    """A card attempt the payer may still finish: Stripe holds its intent waiting for 3-D Secure (nothing charged
    yet), its outcome is known, and the payable still owes at least its amount and takes cards — once something
    else paid it, finishing would pay twice; a new card attempt cancels it instead."""
    waiting = (
        payment.provider == Provider.STRIPE
        and payment.state == PaymentState.PENDING
        and payment.provider_status == ProviderStatus.REQUIRES_ACTION
        and bool(payment.provider_reference)
        and not payment.outcome_unknown
    )
    return waiting and awaits_card_payment(payment.payable) and payment.amount <= payment.payable.outstanding


def is_refundable(payment: Payment) -> bool:
    """Card money received and not all given back (bank transfers go back by a transfer, outside)."""
    collected = payment.state in (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED)
    return payment.provider == Provider.STRIPE and collected and payment.refundable > 0


PAYMENT_POLICY: Policy[PaymentAction, Payment] = Policy(
    {
        PaymentAction.FINISH_AUTHENTICATION: Rule(
            PAYMENTS_PAY,
            party=pays_for,
            when=awaits_authentication,
            conflict=_(
                "This card payment no longer waits for 3-D Secure: it was paid, cancelled or replaced by another, or "
                "what was owed was paid otherwise."
            ),
        ),
        PaymentAction.REFUND: Rule(
            PAYMENTS_REFUND, when=is_refundable, conflict=_("Only a succeeded card payment can be refunded.")
        ),
    },
    scopes=dict.fromkeys(PaymentAction, ApiScope.PAYMENTS_WRITE),
)


def payment_actions(*, actor: Actor, payment: Payment) -> frozenset[PaymentAction]:
    return PAYMENT_POLICY.actions(actor=actor, obj=payment)


# --- bank statements -----------------------------------------------------------------------------
class StatementAction(StrEnum):
    APPLY = "apply"
    DISCARD = "discard"


def in_preview(statement: StatementImport) -> bool:
    return statement.status == StatementImport.Status.PREVIEW


DONE_STATEMENT = _("This statement was already applied or discarded.")

STATEMENT_POLICY: Policy[StatementAction, StatementImport] = Policy(
    {
        StatementAction.APPLY: Rule(PAYMENTS_MANAGE, when=in_preview, conflict=DONE_STATEMENT),
        StatementAction.DISCARD: Rule(PAYMENTS_MANAGE, when=in_preview, conflict=DONE_STATEMENT),
    },
    scopes=dict.fromkeys(StatementAction, ApiScope.PAYMENTS_WRITE),
)


def statement_actions(*, actor: Actor, statement: StatementImport) -> frozenset[StatementAction]:
    return STATEMENT_POLICY.actions(actor=actor, obj=statement)


# --- transfers waiting for review ----------------------------------------------------------------
class TransferAction(StrEnum):
    APPLY = "apply"
    DISMISS = "dismiss"


def needs_review(transfer: BankTransaction) -> bool:
    return transfer.status == TransactionStatus.NEEDS_REVIEW


def is_reported_by_payee(transfer: BankTransaction) -> bool:
    return transfer.source == TransactionSource.PAYEE


def may_apply(transfer: BankTransaction) -> bool:
    """Staff decide what a bank's line pays (partial and over payments included); a transfer the payee only
    reported is applied as a statement line is: when its reference and amount match."""
    if not needs_review(transfer):
        return False
    return not is_reported_by_payee(transfer) or transfer.reason == MatchReason.EXACT


DEALT_WITH = _("This transfer was already dealt with.")

TRANSFER_POLICY: Policy[TransferAction, BankTransaction] = Policy(
    {
        TransferAction.APPLY: Rule(
            PAYMENTS_MANAGE,
            when=may_apply,
            conflict=_(
                "A transfer the payee reported is applied only when its reference and amount match what is due; "
                "dismiss it with the reason instead."
            ),
        ),
        TransferAction.DISMISS: Rule(PAYMENTS_MANAGE, when=needs_review, conflict=DEALT_WITH),
    },
    scopes=dict.fromkeys(TransferAction, ApiScope.PAYMENTS_WRITE),
)


def transfer_actions(*, actor: Actor, transfer: BankTransaction) -> frozenset[TransferAction]:
    return TRANSFER_POLICY.actions(actor=actor, obj=transfer)


# --- reconciliation ------------------------------------------------------------------------------
class DiscrepancyAction(StrEnum):
    RESOLVE = "resolve"


DISCREPANCY_POLICY: Policy[DiscrepancyAction, Discrepancy] = Policy(
    {
        DiscrepancyAction.RESOLVE: Rule(
            PAYMENTS_MANAGE,
            when=lambda d: d.status == DiscrepancyStatus.OPEN,
            conflict=_("This discrepancy is already resolved."),
        ),
    },
    scopes=dict.fromkeys(DiscrepancyAction, ApiScope.PAYMENTS_WRITE),
)


def discrepancy_actions(*, actor: Actor, discrepancy: Discrepancy) -> frozenset[DiscrepancyAction]:
    return DISCREPANCY_POLICY.actions(actor=actor, obj=discrepancy)


# --- settlements ---------------------------------------------------------------------------------
class SettlementAction(StrEnum):
    MARK_PAID = "mark_paid"


SETTLEMENT_POLICY: Policy[SettlementAction, Settlement] = Policy(
    {
        SettlementAction.MARK_PAID: Rule(
            SETTLEMENTS_MANAGE,
            when=lambda s: s.state == SettlementState.PENDING,
            conflict=_("This settlement is already paid."),
        ),
    },
    scopes=dict.fromkeys(SettlementAction, ApiScope.PAYMENTS_WRITE),
)


def settlement_actions(*, actor: Actor, settlement: Settlement) -> frozenset[SettlementAction]:
    return SETTLEMENT_POLICY.actions(actor=actor, obj=settlement)
