"""What the provider says (mirrored by the sweep), reconciliation runs and the discrepancies they find."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.core.fields import vnd_field
from market.core.models import ChangeTrackedModel


class ProviderRecord(models.Model):
    """The provider's view of one payment (a Stripe PaymentIntent, or a charge without one).

    Kept up to date by webhook processing and the sweep; reconciliation compares payments against it in
    the database, so it scales to millions of rows without calling the provider per payment.
    """

    provider = models.CharField(max_length=16)
    reference = models.CharField(max_length=255)
    amount = vnd_field()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=40)
    amount_refunded = vnd_field(default=0)
    disputed = models.BooleanField(default=False)
    created = models.DateTimeField()
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provider record")
        verbose_name_plural = _("provider records")
        constraints = [models.UniqueConstraint(fields=["provider", "reference"], name="provider_record_unique")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.reference} {self.amount} {self.currency} {self.status}"


class SweepWatermark(models.Model):
    """Up to when (provider's `created` clock) the sweep has read events and charges."""

    name = models.CharField(max_length=40, unique=True)
    value = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.value:%Y-%m-%d %H:%M:%S}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")  # asked for by staff; a worker (or the next scheduled run) takes it
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    BEAT = "beat", _("Scheduled")
    STAFF = "staff", _("Asked by staff")


class ReconciliationRun(ChangeTrackedModel):
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=12, choices=RunTrigger.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    swept_from = models.DateTimeField(null=True, blank=True)
    swept_to = models.DateTimeField(null=True, blank=True)
    events_swept = models.PositiveIntegerField(default=0)
    events_repaired = models.PositiveIntegerField(default=0)
    charges_swept = models.PositiveIntegerField(default=0)
    payments_checked = models.PositiveIntegerField(default=0)
    provider_records_checked = models.PositiveIntegerField(default=0)
    statement_lines_checked = models.PositiveIntegerField(default=0)
    discrepancies_found = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        constraints = [models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="recon_status_valid")]

    def __str__(self) -> str:
        return f"run #{self.pk} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class DiscrepancyKind(models.TextChoices):
    MISSING_LOCALLY = "missing_locally", _("Missing locally")
    MISSING_AT_PROVIDER = "missing_at_provider", _("Missing at the provider")
    AMOUNT = "amount", _("Amount differs")
    CURRENCY = "currency", _("Currency differs")
    STATE = "state", _("State differs")
    REFUND = "refund", _("Refund not reflected")
    DISPUTE = "dispute", _("Dispute not reflected")
    STALE_PENDING = "stale_pending", _("Pending for too long")
    NOT_ON_STATEMENT = "not_on_statement", _("Transfer not on any statement")
    UNMATCHED_TRANSFER = "unmatched_transfer", _("Transfer waiting for review")
    OVERPAID = "overpaid", _("Over-payment not settled")


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Discrepancy(ChangeTrackedModel):
    """One mismatch a run found, with its cause; staff resolve it with a note.

    `key` identifies the mismatch and its facts: a later run that finds the same facts again does not add a
    second row (nor reopen a resolved one); different facts make a new row.
    """

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="discrepancies")
    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=24, choices=DiscrepancyKind.choices)
    provider = models.CharField(max_length=16)
    reference = models.CharField(max_length=255, blank=True)
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="discrepancies"
    )
    expected = models.CharField(max_length=255, blank=True)
    actual = models.CharField(max_length=255, blank=True)
    cause = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN)
    resolution_note = models.CharField(max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DiscrepancyKind.values), name="discrepancy_kind_valid"),
            models.CheckConstraint(
                condition=Q(status=DiscrepancyStatus.OPEN) | ~Q(resolution_note=""),
                name="discrepancy_resolved_has_note",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="discrepancy_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"
