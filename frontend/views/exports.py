"""The exports page: choose what, when, which status, the format and the headings' language; a small export
downloads at once, a larger one becomes a job whose progress the page follows (htmx) until its file is ready.
Thin: the registry, selectors and services of market.exports do the work, as for the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from frontend.decorators import actor_required
from frontend.errors import page_message
from frontend.forms import ExportForm
from market.core.errors import ApplicationError, Conflict
from market.core.once import posted_key
from market.exports import selectors, services
from market.exports.http import download_response, stream_response
from market.exports.models import FileFormat
from market.organisations.http import MemberRequest

RECENT_JOBS = 20


def _choices(request: MemberRequest) -> dict[str, Any]:
    kinds = selectors.export_kinds_for(actor=request.actor)
    statuses = [(str(kind.label), kind.status_choices()) for kind in kinds if kind.statuses is not None]
    return {"kind": [(kind.name, str(kind.label)) for kind in kinds], "status": statuses}


def _jobs(request: MemberRequest) -> list[Any]:
    return list(selectors.export_jobs_for(actor=request.actor)[:RECENT_JOBS])


@actor_required()
def exports(request: MemberRequest) -> HttpResponse | StreamingHttpResponse:
    today = timezone.localdate()
    initial = {
        "date_from": today.replace(day=1), "date_to": today, "file_format": FileFormat.XLSX,
        "language": request.LANGUAGE_CODE[:2],
    }  # fmt: skip
    form = ExportForm(request.POST or None, initial=initial, choices=_choices(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = services.export_request(
                actor=request.actor, once_key=posted_key(request.POST), **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            if isinstance(result, services.StreamedExport):
                return stream_response(result)
            return redirect("frontend:export-job", job_id=result.pk)
    context = {"form": form, "jobs": _jobs(request)}
    return render(request, "frontend/exports/index.html", context, status=400 if form.errors else 200)


@require_GET
@actor_required()
def export_job(request: MemberRequest, job_id: int) -> HttpResponse:
    """The job's page; htmx asks for the status part alone every few seconds until the job finishes, when the
    part also takes away the "Cancel" button (out of band: it is not redrawn while it can be pressed)."""
    job = selectors.export_job_get_for(actor=request.actor, job_id=job_id)
    context = {"job": job, "running": job.is_unfinished}
    if request.headers.get("HX-Request"):
        return render(request, "frontend/exports/_job_status.html", {**context, "oob": True})
    return render(request, "frontend/exports/job.html", context)


@require_POST
@actor_required()
def export_job_cancel(request: MemberRequest, job_id: int) -> HttpResponse:
    """The job page's "Cancel" button; a job that finished meanwhile says so on its page (another's job: 404)."""
    job = selectors.export_job_get_for(actor=request.actor, job_id=job_id)
    try:
        services.export_job_cancel(actor=request.actor, job_id=job.pk)
    except Conflict as error:
        messages.error(request, page_message(error))
    return redirect("frontend:export-job", job_id=job.pk)


@require_GET
@actor_required()
def export_job_download(request: MemberRequest, job_id: int) -> StreamingHttpResponse:
    return download_response(selectors.export_job_get_for(actor=request.actor, job_id=job_id))
