"""Incoming bank transfers: recorded once (statement import or bank notification), matched by reference and
amount, applied only when both agree; everything else goes to the staff review queue, never guessed."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.services import audit_record
from market.organisations.permissions import Actor
from market.payments import references
from market.payments.models import (
    BankTransaction,
    MatchReason,
    Payable,
    PayableStatus,
    Payment,
    PaymentState,
    Provider,
    StatementImport,
    TransactionStatus,
)
from market.payments.permissions import PAYMENTS_MANAGE
from market.payments.services.transitions import payment_record_created, payment_transition
from market.payments.statements import BANK_FORMATS, parse_statement

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    apply: bool
    reason: str
    payable: Payable | None


def decide(
    *, amount: int, currency: str, description: str, account_number: str, outstanding_of: Any, lock: bool
) -> Decision:
    """What to do with an incoming transfer. `outstanding_of(payable)` says what is still due (the import
    preview simulates earlier lines of the same file through it)."""
    found = references.find_references(description)
    if not found:
        return Decision(False, MatchReason.UNMATCHED, None)
    payables = Payable.objects.filter(reference__in=found).select_related("payee")
    if lock:
        payables = payables.select_for_update(of=("self",))
    payables = list(payables)
    if not payables:
        return Decision(False, MatchReason.UNMATCHED, None)
    if len(payables) > 1:
        return Decision(False, MatchReason.SEVERAL, payables[0])
    payable = payables[0]
    if payable.status == PayableStatus.CANCELLED:
        return Decision(False, MatchReason.CANCELLED, payable)
    if currency != payable.currency:
        return Decision(False, MatchReason.CURRENCY, payable)
    if payable.account_number and account_number and account_number != payable.account_number:
        return Decision(False, MatchReason.WRONG_ACCOUNT, payable)
    outstanding = outstanding_of(payable)
    if outstanding <= 0:
        return Decision(False, MatchReason.DUPLICATE, payable)
    if amount < outstanding:
        return Decision(False, MatchReason.PARTIAL, payable)
    if amount > outstanding:
        return Decision(False, MatchReason.OVER, payable)
    return Decision(True, MatchReason.EXACT, payable)


def _apply(tx: BankTransaction, payable: Payable, *, source: str, actor: Any = None, note: str = "") -> Payment:
    payment = Payment.objects.create(
        payable=payable,
        provider=Provider.BANK_TRANSFER,
        amount=tx.amount,
        currency=tx.currency,
        provider_reference=f"{tx.account_number}/{tx.bank_reference}",
        provider_status="credited",
        bank_transaction=tx,
        created_by=getattr(actor, "user", None),
    )
    payment_record_created(payment=payment, source=source, actor=actor)
    payment, _moved = payment_transition(
        payment_id=payment.pk, to_state=PaymentState.SUCCEEDED, source=source, actor=actor, note=note
    )
    return payment


def bank_transaction_record(
    *,
    account_number: str,
    bank_reference: str,
    booked_at: datetime,
    amount: int,
    description: str,
    source: str,
    counterparty: str = "",
    currency: str = "VND",
    statement: StatementImport | None = None,
) -> tuple[BankTransaction, bool]:
    """Record one transfer once (per account and bank reference) and match it. Returns (row, created)."""
    with transaction.atomic():
        tx, created = BankTransaction.objects.get_or_create(
            account_number=account_number,
            bank_reference=bank_reference,
            defaults={
                "booked_at": booked_at,
                "amount": amount,
                "currency": currency,
                "description": description[:500],
                "counterparty": counterparty[:255],
                "source": source,
                "statement": statement,
                "seen_on_statement": source == "statement",
                "status": TransactionStatus.OUTGOING if amount <= 0 else TransactionStatus.NEEDS_REVIEW,
                "reason": "" if amount <= 0 else MatchReason.UNMATCHED,
            },
        )
        if not created:
            if source == "statement" and not tx.seen_on_statement:
                tx.seen_on_statement = True
                tx.save(update_fields=["seen_on_statement", "updated_at"])
            return tx, False
        if amount <= 0:
            return tx, True
        decision = decide(
            amount=amount,
            currency=currency,
            description=description,
            account_number=account_number,
            outstanding_of=lambda payable: payable.outstanding,
            lock=True,
        )
        tx.payable = decision.payable
        tx.reason = decision.reason
        if decision.apply and decision.payable is not None:
            tx.status = TransactionStatus.MATCHED
            tx.save(update_fields=["payable", "reason", "status", "updated_at"])
            _apply(tx, decision.payable, source=source)
        else:
            tx.save(update_fields=["payable", "reason", "updated_at"])
        return tx, True


# --- statements ----------------------------------------------------------------------------------
@dataclass
class PreviewLine:
    line_no: int
    booked_at: datetime | None
    amount: int
    description: str
    bank_reference: str
    outcome: str  # error | known | outgoing | apply | review
    reason: str = ""
    reason_label: str = ""
    payable: Payable | None = None
    error: str = ""


def statement_upload(
    *, actor: Actor, file_name: str, content: bytes, bank_format: str, account_number: str
) -> StatementImport:
    """Store an uploaded statement for preview. Nothing is matched or applied until `statement_apply`."""
    actor.require(PAYMENTS_MANAGE)
    if bank_format != "auto" and bank_format not in BANK_FORMATS:
        raise ValidationFailed(fields={"bank_format": [_("Choose a statement format.")]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1258")
        except UnicodeDecodeError:
            raise ValidationFailed(fields={"file": [_("Save the statement as CSV in UTF-8.")]}) from None
    parsed = parse_statement(text, bank_format=bank_format, account_number=account_number)
    if parsed.format is None:
        raise ValidationFailed(fields={"file": [parsed.error]})
    if not parsed.lines:
        raise ValidationFailed(fields={"file": [_("The statement has no transactions.")]})
    statement = StatementImport.objects.create(
        account_number=account_number,
        bank_format=parsed.format.key,
        file_name=file_name[:255],
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
        chunk = keys[start : start + 1000]
        refs = {reference for _account, reference in chunk}
        known |= set(
            BankTransaction.objects.filter(bank_reference__in=refs).values_list("account_number", "bank_reference")
        )
    planned: dict[int, int] = {}
    result: list[PreviewLine] = []
    for line in parsed.lines:
        row = PreviewLine(
            line_no=line.line_no,
            booked_at=line.booked_at,
            amount=line.amount,
            description=line.description,
            bank_reference=line.bank_reference,
            outcome="error" if line.error else "",
            error=line.error,
        )
        if not line.error:
            if (line.account_number, line.bank_reference) in known:
                row.outcome = "known"
            elif line.amount <= 0:
                row.outcome = "outgoing"
            else:
                decision = decide(
                    amount=line.amount,
                    currency="VND",
                    description=line.description,
                    account_number=line.account_number,
                    outstanding_of=lambda p: p.outstanding - planned.get(p.pk, 0),
                    lock=False,
                )
                row.outcome = "apply" if decision.apply else "review"
                row.reason = decision.reason
                row.reason_label = MatchReason(decision.reason).label
                row.payable = decision.payable
                if decision.apply and decision.payable is not None:
                    planned[decision.payable.pk] = planned.get(decision.payable.pk, 0) + line.amount
            known.add((line.account_number, line.bank_reference))
        result.append(row)
    return result, parsed.error


def statement_apply(*, actor: Actor, statement: StatementImport) -> StatementImport:
    """Record every line not seen before and match it. Applying the same statement again changes nothing."""
    actor.require(PAYMENTS_MANAGE)
    with transaction.atomic():
        statement = StatementImport.objects.select_for_update().get(pk=statement.pk)
        if statement.status != StatementImport.Status.PREVIEW:
            raise Conflict(_("This statement was already applied or discarded."))
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
                source="statement",
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


def statement_discard(*, actor: Actor, statement: StatementImport) -> StatementImport:
    actor.require(PAYMENTS_MANAGE)
    updated = StatementImport.objects.filter(pk=statement.pk, status=StatementImport.Status.PREVIEW).update(
        status=StatementImport.Status.DISCARDED, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This statement was already applied or discarded."))
    statement.refresh_from_db()
    return statement


# --- the review queue ----------------------------------------------------------------------------
def bank_transaction_apply(*, actor: Actor, transaction_id: int, note: str, reference: str = "") -> BankTransaction:
    """Staff decide that a queued transfer pays a payable (partial and over payments included)."""
    actor.require(PAYMENTS_MANAGE)
    note = note.strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("Write down why you apply it.")]})
    with transaction.atomic():
        tx = BankTransaction.objects.select_for_update().filter(pk=transaction_id).first()
        if tx is None:
            raise NotFound()
        if tx.status != TransactionStatus.NEEDS_REVIEW:
            raise Conflict(_("This transfer was already dealt with."))
        reference = reference.strip().upper()
        if reference:
            payable = Payable.objects.select_for_update().filter(reference=reference).first()
            if payable is None:
                raise ValidationFailed(fields={"reference": [_("No payment has this reference.")]})
        elif tx.payable_id:
            payable = Payable.objects.select_for_update().get(pk=tx.payable_id)
        else:
            raise ValidationFailed(fields={"reference": [_("Enter the reference this transfer pays.")]})
        if payable.status == PayableStatus.CANCELLED:
            raise Conflict(_("That payment was cancelled: send the money back and dismiss the transfer."))
        if tx.currency != payable.currency:
            raise Conflict(_("The transfer is in another currency."))
        tx.payable = payable
        tx.status = TransactionStatus.APPLIED_BY_STAFF
        tx.resolution_note = note[:500]
        tx.resolved_by = actor.user
        tx.resolved_at = timezone.now()
        tx.save(update_fields=["payable", "status", "resolution_note", "resolved_by", "resolved_at", "updated_at"])
        _apply(tx, payable, source="staff", actor=actor, note=note)
        audit_record(actor=actor, action="payments.transfer_applied", target=tx, data={"payable": payable.reference})
    return tx


def bank_transaction_dismiss(*, actor: Actor, transaction_id: int, note: str) -> BankTransaction:
    """Staff decide a queued transfer pays nothing here (sent back, not ours…), with the reason."""
    actor.require(PAYMENTS_MANAGE)
    note = note.strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("Write down why you dismiss it.")]})
    with transaction.atomic():
        tx = BankTransaction.objects.select_for_update().filter(pk=transaction_id).first()
        if tx is None:
            raise NotFound()
        if tx.status != TransactionStatus.NEEDS_REVIEW:
            raise Conflict(_("This transfer was already dealt with."))
        tx.status = TransactionStatus.DISMISSED
        tx.resolution_note = note[:500]
        tx.resolved_by = actor.user
        tx.resolved_at = timezone.now()
        tx.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at", "updated_at"])
        audit_record(actor=actor, action="payments.transfer_dismissed", target=tx, data={"note": note})
    return tx
