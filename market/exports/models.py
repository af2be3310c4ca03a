"""An export too large to stream at once: a worker writes it to the exports storage, the page shows its
progress, the person downloads it, and a beat job removes the file when it expires."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.core.models import TimeStampedModel
from market.exports.registry import get_export


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (XLSX)")


class Language(models.TextChoices):
    # As settings.LANGUAGES: the API documents one language enum.
    VI = "vi", _("Vietnamese")
    EN = "en", _("English")


class Delimiter(models.TextChoices):
    """What separates a CSV file's cells. Excel opens a CSV with the list separator of Windows' regional
    settings: ";" in Vietnamese (vi-VN, whose decimal mark is the comma), "," in English; a file with the other
    one opens as a single column. docs/exports.md says why the default follows the headings' language."""

    SEMICOLON = "semicolon", _("Semicolon (;): Excel in Vietnamese")
    COMMA = "comma", _("Comma (,): Excel in English, ERPs and other programs")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Removed")
    CANCELLED = "cancelled", _("Cancelled")


# Still to be written: the person may cancel it (services.export_job_cancel), and the page follows its progress.
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


class ExportJob(TimeStampedModel):
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The organisation the person acted for: the job reads as them, for it, and only its members download.
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("what"), max_length=40)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    # CSV only (blank for XLSX).
    delimiter = models.CharField(_("delimiter"), max_length=10, choices=Delimiter.choices, blank=True)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    status_filter = models.CharField(_("status"), max_length=30, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # The name in the exports storage (settings.STORAGES["exports"]); blank until written and after removal.
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")), name="exports_job_range"),
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="exports_job_user_idx"),
            models.Index(fields=["status", "expires_at"], name="exports_job_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.date_from}–{self.date_to} ({self.file_format})"

    @property
    def kind_label(self) -> str:
        """The kind's name in the active language (the code itself for a kind no app registers any more)."""
        kind = get_export(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def is_unfinished(self) -> bool:
        """Queued or being written: it may still be cancelled."""
        return self.status in UNFINISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == JobStatus.CANCELLED

    @property
    def is_done(self) -> bool:
        """Written and downloadable."""
        return self.status == JobStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == JobStatus.FAILED

    @property
    def is_expired(self) -> bool:
        """Its file was removed after EXPORTS_KEEP_DAYS."""
        return self.status == JobStatus.EXPIRED

    @property
    def percent(self) -> int:
        if self.is_done:
            return 100
        # Rows written after the count (a busy day) may take `rows_done` past it for a moment.
        return min(99, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def download_name(self) -> str:
        return f"{self.kind.replace('_', '-')}-{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}.{self.file_format}"
