"""Writes: asking for an export (streamed at once when small, else a job), running a job in a worker, and
removing files that expired. Nothing here knows the kinds: they come from the registry."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from market.core.errors import Conflict, PermissionDenied
from market.core.once import Reuse, once
from market.core.services import audit_record
from market.exports import selectors
from market.exports.models import UNFINISHED, ExportJob, FileFormat, JobStatus
from market.exports.registry import ExportKind, get_export
from market.exports.writers import default_delimiter, write_file
from market.notifications.services import notify
from market.organisations.models import Membership
from market.organisations.permissions import Actor

logger = logging.getLogger(__name__)
READY = "exports.ready"
FAILED = "exports.failed"
MAX_ATTEMPTS = 3
# Rows fetched per round trip from the server-side cursor.
CHUNK = 2000
# Stored untranslated; pages and the API translate them.
WORKER_STOPPED = gettext_noop("The export stopped before it finished; ask for it again.")
EXPORT_FAILED = gettext_noop("The export could not be written; ask for it again or tell the alliance.")
MEMBERSHIP_GONE = gettext_noop("You no longer belong to the organisation this export was asked for.")


def exports_storage() -> Storage:
    """Where export files live (settings.STORAGES["exports"]): private files now, object storage later."""
    return storages["exports"]


@dataclass(frozen=True)
class StreamedExport:
    """A small export to send in the answer itself."""

    kind: ExportKind
    rows: QuerySet[Any]
    file_format: str
    language: str
    filename: str
    delimiter: str


def _language(actor: Actor, language: str | None) -> str:
    if language:
        return str(language)
    user_language = getattr(actor.user, "language", "") or settings.LANGUAGE_CODE
    return "en" if str(user_language).startswith("en") else "vi"


def export_request(
    *,
    actor: Actor,
    kind: str,
    date_from: date,
    date_to: date,
    status: str = "",
    file_format: str = FileFormat.XLSX,
    language: str | None = None,
    delimiter: str = "",
    stream_small: bool = True,
    once_key: str = "",
) -> StreamedExport | ExportJob:
    """An export as asked: streamed now when it holds at most EXPORTS_STREAM_MAX_ROWS rows (and the caller can
    take a file), else a job a worker writes. Scoping and token scopes are checked here for both. A CSV file
    without a delimiter asked gets the one its headings' language needs (writers.default_delimiter). The page's
    form may be sent twice (a double click): with its `once_key` a file is streamed again (a read) and a job is
    made once, the second send answering with the first job rather than a second one for a worker to write."""
    user, organisation = actor.user, actor.organisation
    if user is None or organisation is None:
        raise PermissionDenied()
    export_kind = selectors.export_kind_for(actor=actor, name=kind)
    language = _language(actor, language)
    delimiter = (delimiter or default_delimiter(language)) if file_format == FileFormat.CSV else ""
    rows = selectors.export_rows(actor=actor, kind=export_kind, date_from=date_from, date_to=date_to, status=status)
    limit = settings.EXPORTS_STREAM_MAX_ROWS
    # Counting stops past the limit: a large range is not counted twice (the job counts it for its progress).
    if stream_small and rows[: limit + 1].count() <= limit:
        name = f"{kind.replace('_', '-')}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{file_format}"
        return StreamedExport(export_kind, rows, str(file_format), language, name, str(delimiter))
    asked = {
        "kind": kind, "file_format": file_format, "language": language, "delimiter": delimiter,
        "date_from": date_from, "date_to": date_to, "status_filter": status or "",
    }  # fmt: skip

    def make() -> ExportJob:
        job = ExportJob.objects.create(requested_by=user, organisation=organisation, **asked)
        audit_record(actor=actor, action="exports.requested", target=job, data={"kind": kind})
        transaction.on_commit(partial(_enqueue, job_id=job.pk))
        return job

    same: Reuse[ExportJob] = Reuse(
        lambda first: (
            first.organisation_id == organisation.pk
            and all(getattr(first, field) == value for field, value in asked.items())
        ),
        _("This Idempotency-Key was already used for another export: send this one with a new key."),
    )
    with transaction.atomic():
        return once(action="exports.requested", key=once_key, actor=actor, model=ExportJob, make=make, reuse=same).value


def _enqueue(*, job_id: int) -> None:
    """Hand a job to a worker after the commit. A broker that is down leaves it queued: the relay (beat)
    sends it again, so a Redis outage delays an export and never loses it."""
    from market.exports.tasks import run_export_job

    try:
        run_export_job.delay(job_id)
    except Exception:
        logger.warning("could not enqueue export job %s; the relay will", job_id, exc_info=True)


def _stranded_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def export_job_claim(*, job_id: int) -> ExportJob | None:
    """Mark a queued job running (or take back one whose worker died); None when another worker has it or it
    is finished, so a task delivered twice writes the file once."""
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=_stranded_before())
    claimed = ExportJob.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, rows_done=0, error=""
    )
    return ExportJob.objects.select_related("requested_by", "organisation").get(pk=job_id) if claimed else None


def _job_actor(job: ExportJob) -> Actor | None:
    """The person as they are now in the organisation they asked for (a removed member exports nothing)."""
    membership = Membership.objects.filter(user=job.requested_by, organisation=job.organisation).first()
    if membership is None:
        return None
    return Actor(user=job.requested_by, organisation=job.organisation, role=membership.role)


class ExportCancelled(Exception):
    """The job was cancelled while its worker wrote it (export_job_cancel): the worker stops writing."""


def _while_running(job: ExportJob, **fields: Any) -> None:
    """Record the job's figures, unless it was cancelled meanwhile: then the worker stops (ExportCancelled)."""
    if not ExportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields):
        raise ExportCancelled()


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write a job's file to the exports storage with flat memory, updating its progress as it goes. A job
    cancelled meanwhile stops at its next progress mark (every writers.PROGRESS_EVERY rows) and keeps no file."""
    job = export_job_claim(job_id=job_id)
    if job is None:
        return None
    actor = _job_actor(job)
    if actor is None:
        return _fail(job, MEMBERSHIP_GONE)
    storage = exports_storage()
    try:
        kind = selectors.export_kind_for(actor=actor, name=job.kind)
        rows = selectors.export_rows(
            actor=actor, kind=kind, date_from=job.date_from, date_to=job.date_to, status=job.status_filter
        )
        _while_running(job, rows_total=rows.count())
        with tempfile.TemporaryFile(dir=settings.EXPORTS_TEMP_DIR) as out:
            write_file(
                kind, kind.read(rows, chunk_size=CHUNK), file_format=job.file_format, language=job.language,
                out=out, progress=lambda done: _while_running(job, rows_done=done), delimiter=job.delimiter,
            )  # fmt: skip
            size = out.tell()
            out.seek(0)
            name = storage.save(f"exports/{job.pk}/{job.download_name}", File(out))
    except ExportCancelled:
        job.refresh_from_db()
        return job
    except Exception:
        logger.exception("export job %s failed", job.pk)
        return _fail(job, EXPORT_FAILED)
    now = timezone.now()
    with transaction.atomic():
        finished = ExportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, file_name=name, file_size=size, finished_at=now,
            expires_at=now + timedelta(days=settings.EXPORTS_KEEP_DAYS),
        )  # fmt: skip
        job.refresh_from_db()
        if finished:
            _tell(job, READY)
    if not finished:  # cancelled while the file was being stored
        storage.delete(name)
    return job


def _fail(job: ExportJob, error: str) -> ExportJob:
    """Fail a running job and tell its person (a job cancelled meanwhile stays cancelled, and nobody is told)."""
    with transaction.atomic():
        failed = ExportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, error=error, finished_at=timezone.now()
        )
        job.refresh_from_db()
        if failed:
            _tell(job, FAILED)
    return job


def export_job_cancel(*, actor: Actor, job_id: int) -> ExportJob:
    """Cancel a job the person asked for while it is queued or being written: a queued one is never written, a
    running one stops at its next progress mark and keeps no file. Cancelling a cancelled job answers it as it
    is; a finished one (ready, failed or removed) cannot be cancelled (409)."""
    job = selectors.export_job_get_for(actor=actor, job_id=job_id)
    with transaction.atomic():
        cancelled = ExportJob.objects.filter(pk=job.pk, status__in=UNFINISHED).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now()
        )
        if cancelled:
            audit_record(actor=actor, action="exports.cancelled", target=job, data={"kind": job.kind})
    job.refresh_from_db()
    if not job.is_cancelled:
        raise Conflict(
            _("This export has already finished (%(status)s): there is nothing to cancel.")
            % {"status": job.get_status_display()}
        )
    return job


def _tell(job: ExportJob, kind: str) -> None:
    export_kind = get_export(job.kind)
    labels = {}
    for language in ("vi", "en"):
        with translation.override(language):
            labels[f"what_{language}"] = str(export_kind.label) if export_kind else job.kind
    notify(
        kind=kind,
        recipients=[job.requested_by],
        context={
            "job_id": job.pk, "what": job.kind, **labels, "rows": job.rows_done, "date_from": job.date_from.isoformat(),
            "date_to": job.date_to.isoformat(), "file_format": job.file_format,
            "expires_at": job.expires_at.isoformat() if job.expires_at else "",
        },
        object_ref=job,
    )  # fmt: skip


def export_jobs_relay() -> int:
    """The outbox relay for jobs: queued ones no worker took within a minute (a lost message, a broker
    outage) are sent again; running ones whose worker died are failed after their last attempt."""
    now = timezone.now()
    for job in ExportJob.objects.filter(
        status=JobStatus.RUNNING, started_at__lt=_stranded_before(), attempts__gte=MAX_ATTEMPTS
    ):
        _fail(job, WORKER_STOPPED)
    waiting = Q(status=JobStatus.QUEUED, created_at__lt=now - timedelta(seconds=60))
    stranded = Q(status=JobStatus.RUNNING, started_at__lt=_stranded_before())
    ids = list(ExportJob.objects.filter(waiting | stranded).order_by("pk").values_list("pk", flat=True)[:100])
    for job_id in ids:
        _enqueue(job_id=job_id)
    return len(ids)


def export_files_purge(*, now: datetime | None = None) -> int:
    """Remove the files of jobs kept their days (EXPORTS_KEEP_DAYS); the job stays listed as removed."""
    now = now or timezone.now()
    storage = exports_storage()
    removed = 0
    for job in ExportJob.objects.filter(status=JobStatus.DONE, expires_at__lte=now).order_by("pk")[:1000]:
        if job.file_name:
            storage.delete(job.file_name)
        removed += ExportJob.objects.filter(pk=job.pk, status=JobStatus.DONE).update(
            status=JobStatus.EXPIRED, file_name="", file_size=0
        )
    return removed
