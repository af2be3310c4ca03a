"""Bank statements imported from CSV, and every incoming transfer (from a statement or a notification)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.core.fields import vnd_field
from market.core.models import TimeStampedModel
from market.core.storage import private_storage


def receipt_path(instance: BankTransaction, filename: str) -> str:
    return f"payments/receipts/{filename}"


class StatementImport(TimeStampedModel):
    """One uploaded statement file: parsed into a preview first, applied on confirmation."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    account_number = models.CharField(_("account number"), max_length=19)
    bank_format = models.CharField(_("format"), max_length=20)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    content = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEW)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)
    lines_total = models.PositiveIntegerField(default=0)
    lines_new = models.PositiveIntegerField(default=0)
    lines_matched = models.PositiveIntegerField(default=0)
    lines_queued = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("statement import")
        verbose_name_plural = _("statement imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class TransactionSource(models.TextChoices):
    STATEMENT = "statement", _("Bank statement")
    WEBHOOK = "webhook", _("Bank notification")
    PAYEE = "payee", _("Recorded by the payee")


class TransactionStatus(models.TextChoices):
    MATCHED = "matched", _("Matched and applied")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    APPLIED_BY_STAFF = "applied_by_staff", _("Applied by staff")
    DISMISSED = "dismissed", _("Dismissed")
    OUTGOING = "outgoing", _("Outgoing (ignored)")


class MatchReason(models.TextChoices):
    EXACT = "exact", _("Reference and amount match")
    PARTIAL = "partial", _("Less than the amount due")
    OVER = "over", _("More than the amount due")
    DUPLICATE = "duplicate", _("Already paid")
    UNMATCHED = "unmatched", _("No known reference")
    SEVERAL = "several", _("Several references")
    WRONG_ACCOUNT = "wrong_account", _("Paid into another account")
    CANCELLED = "cancelled", _("Payable cancelled")
    CURRENCY = "currency", _("Other currency")


class BankTransaction(TimeStampedModel):
    """An incoming (or outgoing) bank transfer, unique per account and bank transaction reference."""

    account_number = models.CharField(_("account"), max_length=19)
    bank_reference = models.CharField(_("bank reference"), max_length=120)
    booked_at = models.DateTimeField(_("booked"))
    amount = vnd_field(_("amount"))  # positive = credit, negative = debit
    currency = models.CharField(max_length=3, default="VND")
    description = models.CharField(_("transfer note"), max_length=500)
    counterparty = models.CharField(_("sender"), max_length=255, blank=True)
    source = models.CharField(max_length=12, choices=TransactionSource.choices)
    statement = models.ForeignKey(
        StatementImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    seen_on_statement = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=TransactionStatus.choices)
    reason = models.CharField(max_length=20, choices=MatchReason.choices, blank=True)
    payable = models.ForeignKey(
        "payments.Payable", null=True, blank=True, on_delete=models.SET_NULL, related_name="bank_transactions"
    )
    resolution_note = models.CharField(max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # A transfer the payee recorded from its own account (VietQR into a cooperative's bank): who, and the
    # receipt (a photo or PDF) staff check it against.
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    receipt = models.FileField(
        _("receipt"), upload_to=receipt_path, storage=private_storage, max_length=255, blank=True
    )

    class Meta:
        ordering = ["-booked_at", "-id"]
        verbose_name = _("bank transaction")
        verbose_name_plural = _("bank transactions")
        constraints = [
            models.UniqueConstraint(fields=["account_number", "bank_reference"], name="bank_transaction_unique"),
            models.CheckConstraint(condition=Q(status__in=TransactionStatus.values), name="bank_tx_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=TransactionStatus.NEEDS_REVIEW) | ~Q(reason=""), name="bank_tx_review_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["status", "booked_at"], name="bank_tx_status_idx")]

    def __str__(self) -> str:
        return f"{self.account_number}/{self.bank_reference} {self.amount}"

    @property
    def needs_review(self) -> bool:
        return self.status == TransactionStatus.NEEDS_REVIEW
