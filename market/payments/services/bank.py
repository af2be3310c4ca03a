"""Incoming bank transfers: recorded once (statement import, bank notification, or reported by the payee
whose own account received it), matched by reference and amount, applied only when both agree; everything
else — and whatever a payee reported until the bank confirms it or staff check it — waits in the staff
review queue, never guessed."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.csv_input import decode_csv
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.once import Once, once
from market.core.parsing import format_date
from market.core.services import audit_record
from market.organisations.permissions import Actor
from market.payments import references
from market.payments.models import (
    BankTransaction,
    EventSource,
    MatchReason,
    Payable,
    PayableStatus,
    Payment,
    PaymentState,
    Provider,
    ProviderStatus,
    StatementImport,
    TransactionSource,
    TransactionStatus,
)
from market.payments.permissions import PAYMENTS_MANAGE
from market.payments.policy import (
    PAYABLE_POLICY,
    STATEMENT_POLICY,
    TRANSFER_POLICY,
    PayableAction,
    StatementAction,
    TransferAction,
)
from market.payments.services.payables import lock_payable
from market.payments.services.transitions import payment_record_created, payment_transition
from market.payments.statements import BANK_FORMATS, VIETNAM, parse_statement

logger = logging.getLogger(__name__)

# Each way a transfer arrives, as the payment event it makes.
EVENT_SOURCE: dict[TransactionSource, EventSource] = {
    TransactionSource.STATEMENT: EventSource.STATEMENT,
    TransactionSource.WEBHOOK: EventSource.WEBHOOK,
    TransactionSource.PAYEE: EventSource.STAFF,  # counted only once staff (or the bank) confirm it
}


@dataclass(frozen=True)
class Decision:
    apply: bool
    reason: MatchReason
    payable: Payable | None


def decide_for(payable: Payable, *, amount: int, currency: str, outstanding: int) -> Decision:
    """What a transfer of `amount` does to one payable: apply it only when it pays exactly what is due."""
    if payable.status == PayableStatus.CANCELLED:
        return Decision(False, MatchReason.CANCELLED, payable)
    if currency != payable.currency:
        return Decision(False, MatchReason.CURRENCY, payable)
    if outstanding <= 0:
        return Decision(False, MatchReason.DUPLICATE, payable)
    if amount < outstanding:
        return Decision(False, MatchReason.PARTIAL, payable)
    if amount > outstanding:
        return Decision(False, MatchReason.OVER, payable)
    return Decision(True, MatchReason.EXACT, payable)


def decide(
    *,
    amount: int,
    currency: str,
    description: str,
    account_number: str,
    outstanding_of: Callable[[Payable], int],
    lock: bool,
) -> Decision:
    """What to do with an incoming transfer. `outstanding_of(payable)` says what is still due (the import
    preview simulates earlier lines of the same file through it)."""
    found = references.find_references(description)
    if not found:
        return Decision(False, MatchReason.UNMATCHED, None)
    payables = Payable.objects.filter(reference__in=found).select_related("payee").order_by("pk")
    candidates = [lock_payable(payable.pk) for payable in payables] if lock else list(payables)
    if not candidates:
        return Decision(False, MatchReason.UNMATCHED, None)
    if len(candidates) > 1:
        return Decision(False, MatchReason.SEVERAL, candidates[0])
    payable = candidates[0]
    if payable.account_number and account_number and account_number != payable.account_number:
        return Decision(False, MatchReason.WRONG_ACCOUNT, payable)
    return decide_for(payable, amount=amount, currency=currency, outstanding=outstanding_of(payable))


def _apply(
    tx: BankTransaction, payable: Payable, *, source: EventSource, actor: Actor | None = None, note: str = ""
) -> Payment:
    payment = Payment.objects.create(
        payable=payable,
        provider=Provider.BANK_TRANSFER,
        amount=tx.amount,
        currency=tx.currency,
        provider_reference=f"{tx.account_number}/{tx.bank_reference}",
        provider_status=ProviderStatus.CREDITED,
        bank_transaction=tx,
        created_by=actor.user if actor else None,
    )
    payment_record_created(payment=payment, source=source, actor=actor)
    payment, _moved = payment_transition(
        payment_id=payment.pk, to_state=PaymentState.SUCCEEDED, source=source, actor=actor, note=note
    )
    return payment


def _match(tx: BankTransaction) -> None:
    """Match a recorded incoming transfer (inside the caller's transaction) and apply it when it pays a
    payable exactly; otherwise it waits for review with the reason."""
    decision = decide(
        amount=tx.amount,
        currency=tx.currency,
        description=tx.description,
        account_number=tx.account_number,
        outstanding_of=lambda payable: payable.outstanding,
        lock=True,
    )
    tx.payable = decision.payable
    tx.reason = decision.reason
    tx.status = TransactionStatus.MATCHED if decision.apply else TransactionStatus.NEEDS_REVIEW
    tx.save(update_fields=["payable", "reason", "status", "updated_at"])
    if decision.apply and decision.payable is not None:
        _apply(tx, decision.payable, source=EVENT_SOURCE[TransactionSource(tx.source)])


def bank_transaction_record(
    *,
    account_number: str,
    bank_reference: str,
    booked_at: datetime,
    amount: int,
    description: str,
    source: TransactionSource,
    counterparty: str = "",
    currency: str = "VND",
    statement: StatementImport | None = None,
) -> tuple[BankTransaction, bool]:
    """Record one transfer the bank reports once (per account and bank reference) and match it. Returns
    (row, created). A transfer the payee reported earlier is confirmed by the bank's line: it is then
    matched like any other."""
    with transaction.atomic():
        tx, created = BankTransaction.objects.get_or_create(
            account_number=account_number,
            bank_reference=bank_reference,
            defaults={
                "booked_at": booked_at,
                "amount": amount,
                "currency": currency,
                "description": description[:500],  # the bank's own text
                "counterparty": counterparty[:255],
                "source": source,
                "statement": statement,
                "seen_on_statement": source == TransactionSource.STATEMENT,
                "status": TransactionStatus.OUTGOING if amount <= 0 else TransactionStatus.NEEDS_REVIEW,
                "reason": "" if amount <= 0 else MatchReason.UNMATCHED,
            },
        )
        if created:
            if amount > 0:
                _match(tx)
            return tx, True
        tx = BankTransaction.objects.select_for_update().get(pk=tx.pk)
        if source == TransactionSource.STATEMENT and not tx.seen_on_statement:
            tx.seen_on_statement = True
            tx.statement = statement
            tx.save(update_fields=["seen_on_statement", "statement", "updated_at"])
        confirms_report = (
            tx.source == TransactionSource.PAYEE
            and tx.status == TransactionStatus.NEEDS_REVIEW
            and (tx.amount, tx.currency) == (amount, currency)
        )
        if confirms_report:
            tx.source = source
            tx.booked_at = booked_at
            tx.description = f"{description[:250]} · {tx.payable.reference if tx.payable else ''}".strip(" ·")
            tx.counterparty = counterparty[:255] or tx.counterparty
            tx.save(update_fields=["source", "booked_at", "description", "counterparty", "updated_at"])
            _match(tx)
        return tx, False


# --- transfers a payee reports -------------------------------------------------------------------
def transfer_report(
    *,
    actor: Actor,
    payable_id: int,
    amount: int,
    received_on: date,
    bank_reference: str,
    statement_line: str = "",
    receipt: UploadedFile | None = None,
) -> BankTransaction:
    """The payee (a cooperative whose own account received a VietQR transfer) records it with its evidence.
    It does not count yet: staff check it in the review queue and apply it only when its reference and
    amount match what is due — or the bank's statement line confirms it."""
    if received_on > timezone.localdate():
        raise ValidationFailed(fields={"received_on": [_("This date is in the future.")]})
    with transaction.atomic():
        if not Payable.objects.filter(pk=payable_id).exists():
            raise NotFound()
        payable = lock_payable(payable_id)
        PAYABLE_POLICY.authorize(actor=actor, obj=payable, action=PayableAction.RECORD_TRANSFER)
        _check_received_after_opened(payable, received_on)
        decision = decide_for(payable, amount=amount, currency=payable.currency, outstanding=payable.outstanding)
        line = statement_line or payable.reference
        tx = BankTransaction(
            account_number=payable.account_number,
            bank_reference=bank_reference,
            booked_at=datetime.combine(received_on, time(12, 0), tzinfo=VIETNAM),
            amount=amount,
            currency=payable.currency,
            description=line
            if payable.reference in references.find_references(line)
            else f"{payable.reference} · {line}",
            source=TransactionSource.PAYEE,
            status=TransactionStatus.NEEDS_REVIEW,
            reason=decision.reason,
            payable=payable,
            reported_by=actor.user,
        )
        if receipt is not None:
            tx.receipt.save(_receipt_name(receipt), receipt, save=False)
        try:
            with transaction.atomic():
                tx.save()
        except IntegrityError:
            raise Conflict(
                _("A transfer with this bank number is already recorded for this account."),
                fields={"bank_reference": [_("Already recorded.")]},
            ) from None
        audit_record(
            actor=actor,
            action="payments.transfer_reported",
            target=tx,
            data={"payable": payable.reference, "amount": amount, "reason": decision.reason},
        )
    return tx


def _check_received_after_opened(payable: Payable, received_on: date) -> None:
    """A transfer for a payable cannot predate it: its reference and amount did not exist before. The payable
    opens with what it pays for (an order placed, a fee approved), so its local day is the earliest a payee can
    report — a day, not a moment, since a reported transfer carries only its date (01/01/1900 is a typo)."""
    opened_on = timezone.localdate(payable.created_at)
    if received_on < opened_on:
        message = _("This date is before %(date)s, the day this payment was requested: enter the day it arrived.")
        raise ValidationFailed(fields={"received_on": [message % {"date": format_date(opened_on)}]})


def _receipt_name(receipt: UploadedFile) -> str:
    receipt.seek(0)
    digest = hashlib.sha256(receipt.read()).hexdigest()[:32]
    receipt.seek(0)
    extension = (receipt.name or "").rsplit(".", 1)[-1].lower() if "." in (receipt.name or "") else "bin"
    return f"{digest}.{extension[:5]}"


# --- statements ----------------------------------------------------------------------------------
class LineOutcome(StrEnum):
    """What applying a statement does with one of its lines."""

    APPLY = "apply"
    REVIEW = "review"
    KNOWN = "known"
    OUTGOING = "outgoing"
    ERROR = "error"

    @property
    def label(self) -> str | Promise:
        return LINE_OUTCOME_LABELS[self]

    @property
    def badge(self) -> str:
        """The CSS class of its badge."""
        return LINE_OUTCOME_BADGES[self]


LINE_OUTCOME_LABELS: dict[LineOutcome, str | Promise] = {
    LineOutcome.APPLY: gettext_lazy("Recognised"),
    LineOutcome.REVIEW: gettext_lazy("To review"),
    LineOutcome.KNOWN: gettext_lazy("Already imported"),
    LineOutcome.OUTGOING: gettext_lazy("Outgoing"),
    LineOutcome.ERROR: gettext_lazy("Error"),
}
LINE_OUTCOME_BADGES: dict[LineOutcome, str] = {
    LineOutcome.APPLY: "pay-paid",
    LineOutcome.REVIEW: "pending",
    LineOutcome.KNOWN: "neutral",
    LineOutcome.OUTGOING: "neutral",
    LineOutcome.ERROR: "rejected",
}


@dataclass
class PreviewLine:
    line_no: int
    booked_at: datetime | None
    amount: int
    description: str
    bank_reference: str
    outcome: LineOutcome
    reason: MatchReason | None = None
    payable: Payable | None = None
    error: str = ""

    @property
    def reason_label(self) -> str:
        return str(self.reason.label) if self.reason else ""


def statement_upload(
    *, actor: Actor, file_name: str, content: bytes, bank_format: str, account_number: str
) -> StatementImport:
    """Store an uploaded statement for preview. Nothing is matched or applied until `statement_apply`."""
    actor.require(PAYMENTS_MANAGE)
    if bank_format != "auto" and bank_format not in BANK_FORMATS:
        raise ValidationFailed(fields={"bank_format": [_("Choose a statement format.")]})
    text = decode_csv(content)
    parsed = parse_statement(text, bank_format=bank_format, account_number=account_number)
    if parsed.format is None:
        raise ValidationFailed(fields={"file": [parsed.error]})
    if not parsed.lines:
        raise ValidationFailed(fields={"file": [_("The statement has no transactions.")]})
    statement = StatementImport.objects.create(
        account_number=account_number,
        bank_format=parsed.format.key,
        file_name=file_name[-255:],
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=text,
        uploaded_by=actor.user,
        lines_total=len(parsed.lines),
    )
    audit_record(actor=actor, action="payments.statement_uploaded", target=statement, data={"lines": len(parsed.lines)})
    return statement


def statement_preview(statement: StatementImport) -> tuple[list[PreviewLine], str]:
    """What applying would do, line by line, without writing anything."""
    parsed = parse_statement(
        statement.content, bank_format=statement.bank_format, account_number=statement.account_number
    )
    keys = [(line.account_number, line.bank_reference) for line in parsed.lines if not line.error]
    known: set[tuple[str, str]] = set()
    for start in range(0, len(keys), 1000):
        refs = {reference for _account, reference in keys[start : start + 1000]}
        rows = BankTransaction.objects.filter(bank_reference__in=refs).exclude(
            source=TransactionSource.PAYEE,
            status=TransactionStatus.NEEDS_REVIEW,  # the line confirms those
        )
        known |= set(rows.values_list("account_number", "bank_reference"))
    planned: dict[int, int] = {}
    result: list[PreviewLine] = []
    for line in parsed.lines:
        row = PreviewLine(
            line_no=line.line_no,
            booked_at=line.booked_at,
            amount=line.amount,
            description=line.description,
            bank_reference=line.bank_reference,
            outcome=LineOutcome.ERROR,
            error=line.error,
        )
        if not line.error:
            if (line.account_number, line.bank_reference) in known:
                row.outcome = LineOutcome.KNOWN
            elif line.amount <= 0:
                row.outcome = LineOutcome.OUTGOING
            else:
                decision = decide(
                    amount=line.amount,
                    currency="VND",
                    description=line.description,
                    account_number=line.account_number,
                    outstanding_of=lambda p: p.outstanding - planned.get(p.pk, 0),
                    lock=False,
                )
                row.outcome = LineOutcome.APPLY if decision.apply else LineOutcome.REVIEW
                row.reason = decision.reason
                row.payable = decision.payable
                if decision.apply and decision.payable is not None:
                    planned[decision.payable.pk] = planned.get(decision.payable.pk, 0) + line.amount
            known.add((line.account_number, line.bank_reference))
        result.append(row)
    return result, parsed.error


def _statement_locked(actor: Actor, statement_id: int, action: StatementAction) -> StatementImport:
    STATEMENT_POLICY.require_capability(actor=actor, action=action)
    statement = StatementImport.objects.select_for_update().filter(pk=statement_id).first()
    if statement is None:
        raise NotFound()
    STATEMENT_POLICY.authorize(actor=actor, obj=statement, action=action)
    return statement


def statement_apply(*, actor: Actor, statement_id: int) -> StatementImport:
    """Record every line not seen before and match it. Applying the same statement again changes nothing."""
    with transaction.atomic():
        statement = _statement_locked(actor, statement_id, StatementAction.APPLY)
        parsed = parse_statement(
            statement.content, bank_format=statement.bank_format, account_number=statement.account_number
        )
        new = matched = queued = 0
        for line in parsed.lines:
            if line.error or line.booked_at is None:
                continue
            tx, created = bank_transaction_record(
                account_number=line.account_number,
                bank_reference=line.bank_reference,
                booked_at=line.booked_at,
                amount=line.amount,
                description=line.description,
                counterparty=line.counterparty,
                source=TransactionSource.STATEMENT,
                statement=statement,
            )
            if created:
                new += 1
                matched += tx.status == TransactionStatus.MATCHED
                queued += tx.status == TransactionStatus.NEEDS_REVIEW
        statement.status = StatementImport.Status.APPLIED
        statement.applied_at = timezone.now()
        statement.lines_new, statement.lines_matched, statement.lines_queued = new, matched, queued
        statement.save(
            update_fields=["status", "applied_at", "lines_new", "lines_matched", "lines_queued", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="payments.statement_applied",
            target=statement,
            data={"new": new, "matched": matched, "queued": queued},
        )
    return statement


def statement_discard(*, actor: Actor, statement_id: int) -> StatementImport:
    with transaction.atomic():
        statement = _statement_locked(actor, statement_id, StatementAction.DISCARD)
        statement.status = StatementImport.Status.DISCARDED
        statement.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="payments.statement_discarded", target=statement)
    return statement


# --- the review queue ----------------------------------------------------------------------------
def _transfer_locked(actor: Actor, transaction_id: int, action: TransferAction) -> BankTransaction:
    TRANSFER_POLICY.require_capability(actor=actor, action=action)
    tx = BankTransaction.objects.select_for_update().filter(pk=transaction_id).first()
    if tx is None:
        raise NotFound()
    TRANSFER_POLICY.authorize(actor=actor, obj=tx, action=action)
    return tx


def _resolve(tx: BankTransaction, status: TransactionStatus, actor: Actor, note: str) -> None:
    tx.status = status
    tx.resolution_note = note
    tx.resolved_by = actor.user
    tx.resolved_at = timezone.now()
    tx.save(update_fields=["payable", "status", "resolution_note", "resolved_by", "resolved_at", "updated_at"])


def bank_transaction_apply(
    *, actor: Actor, transaction_id: int, note: str, reference: str = "", once_key: str = ""
) -> Once[BankTransaction]:
    """Staff decide that a queued transfer pays a payable (partial and over payments included). A transfer
    the payee only reported is applied as a statement line would be: when reference and amount match. The
    same form sent again (`once_key`) answers with the first decision instead of a refusal."""
    if not note.strip():
        raise ValidationFailed(fields={"note": [_("Write down why you apply it.")]})
    return once(
        action="payments.transfer_applied",
        key=once_key,
        actor=actor,
        model=BankTransaction,
        make=lambda: _transfer_apply(actor=actor, transaction_id=transaction_id, note=note, reference=reference),
    )


def _transfer_apply(*, actor: Actor, transaction_id: int, note: str, reference: str) -> BankTransaction:
    with transaction.atomic():
        tx = _transfer_locked(actor, transaction_id, TransferAction.APPLY)
        if reference:
            payable_id = Payable.objects.filter(reference=reference).values_list("pk", flat=True).first()
            if payable_id is None:
                raise ValidationFailed(fields={"reference": [_("No payment has this reference.")]})
            payable = lock_payable(payable_id)
        elif tx.payable_id:
            payable = lock_payable(tx.payable_id)
        else:
            raise ValidationFailed(fields={"reference": [_("Enter the reference this transfer pays.")]})
        if payable.status == PayableStatus.CANCELLED:
            raise Conflict(_("That payment was cancelled: send the money back and dismiss the transfer."))
        if tx.currency != payable.currency:
            raise Conflict(_("The transfer is in another currency."))
        if tx.source == TransactionSource.PAYEE:
            decision = decide_for(payable, amount=tx.amount, currency=tx.currency, outstanding=payable.outstanding)
            if not decision.apply or payable.pk != tx.payable_id:
                tx.reason = decision.reason
                tx.save(update_fields=["reason", "updated_at"])
                raise Conflict(TRANSFER_POLICY.refusal_message(TransferAction.APPLY, tx))
        tx.payable = payable
        _resolve(tx, TransactionStatus.APPLIED_BY_STAFF, actor, note)
        _apply(tx, payable, source=EventSource.STAFF, actor=actor, note=note)
        audit_record(actor=actor, action="payments.transfer_applied", target=tx, data={"payable": payable.reference})
    return tx


def bank_transaction_dismiss(*, actor: Actor, transaction_id: int, note: str) -> BankTransaction:
    """Staff decide a queued transfer pays nothing here (sent back, not ours…), with the reason."""
    if not note.strip():
        raise ValidationFailed(fields={"note": [_("Write down why you dismiss it.")]})
    with transaction.atomic():
        tx = _transfer_locked(actor, transaction_id, TransferAction.DISMISS)
        _resolve(tx, TransactionStatus.DISMISSED, actor, note)
        audit_record(actor=actor, action="payments.transfer_dismissed", target=tx, data={"note": note})
    return tx
