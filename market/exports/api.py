"""The exports API: which kinds the caller may export, starting a job, reading its progress, cancelling it,
downloading it.

An API token needs the scope of the kind it exports (orders:read for orders, payments:read for payments…);
the views declare no scope of their own because the kind, in the body or the job, names it (403 naming the
missing scope otherwise)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.inputs import idempotency_key, input_mode, read_input, read_query
from market.core.listing import ListEndpoint, list_response
from market.core.schema import idempotency_key_header
from market.exports import selectors, services
from market.exports.http import download_response, stream_response
from market.exports.inputs import STREAM, ExportInput, StreamChoice
from market.exports.models import ExportJob, FileFormat
from market.exports.services import StreamedExport
from market.exports.writers import CONTENT_TYPES
from market.organisations.drf import NO_SCOPE, ActorAPIView

TAGS = ["exports"]
STREAMED_FILE = "The file of a small export asked with `stream=1` (CSV or XLSX, by `file_format`)."


class ExportKindOut(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    scope = serializers.CharField()
    statuses = serializers.SerializerMethodField()
    columns = serializers.SerializerMethodField()

    def get_statuses(self, kind: Any) -> list[dict[str, str]]:
        return [{"value": value, "label": label} for value, label in kind.status_choices()]

    def get_columns(self, kind: Any) -> list[str]:
        return [str(column.label) for column in kind.columns]


class ExportJobOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    cancellable = serializers.BooleanField(source="is_unfinished", read_only=True)
    error = serializers.SerializerMethodField()
    kind_label = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id", "kind", "kind_label", "file_format", "language", "delimiter", "date_from", "date_to",
            "status_filter", "status", "cancellable", "rows_total", "rows_done", "percent", "file_size", "error",
            "created_at", "finished_at", "expires_at", "download_url",
        ]  # fmt: skip

    def get_error(self, job: ExportJob) -> str:
        return _(job.error) if job.error else ""

    def get_kind_label(self, job: ExportJob) -> str:
        return job.kind_label

    def get_download_url(self, job: ExportJob) -> str | None:
        if not job.is_done:
            return None
        return reverse("exports:job-download", args=[job.pk])


class ExportKindListView(ActorAPIView):
    """The kinds the caller may export (a token: those its scopes reach), with their statuses and columns."""

    required_scopes = {"GET": NO_SCOPE}

    @extend_schema(responses=ExportKindOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(ExportKindOut(selectors.export_kinds_for(actor=self.actor), many=True).data)


class ExportJobListView(ListEndpoint, ActorAPIView):
    """GET: the caller's own export jobs, newest first (or by change, with updated_since). POST: start one (the
    kind's scope is needed); with `?stream=1` a small one answers with its file at once."""

    required_scopes = {"GET": NO_SCOPE, "POST": NO_SCOPE}

    @extend_schema(responses=ExportJobOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        return list_response(self, selectors.export_jobs_for(actor=self.actor), ExportJobOut, context={})

    @extend_schema(
        request=ExportInput,
        parameters=[
            OpenApiParameter(
                STREAM,
                OpenApiTypes.BOOL,
                description="With `stream=1`, an export of at most EXPORTS_STREAM_MAX_ROWS rows (5,000 by default) "
                "is answered at once with its file (200, `text/csv` or XLSX, by `file_format`); a larger one still "
                "becomes a job (202). Without it, every export is a job.",
            ),
            idempotency_key_header(
                "A retry with the same key answers with the job the first request started (202), not a second "
                "one; a file answered at once is written again."
            ),
        ],
        responses={
            (200, CONTENT_TYPES[FileFormat.CSV].split(";")[0]): OpenApiResponse(
                OpenApiTypes.BINARY, description=STREAMED_FILE
            ),
            (200, CONTENT_TYPES[FileFormat.XLSX]): OpenApiResponse(OpenApiTypes.BINARY, description=STREAMED_FILE),
            202: OpenApiResponse(ExportJobOut, description="A job a worker writes; follow `Location`."),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response | StreamingHttpResponse:
        stream = read_query(StreamChoice, request.query_params)["stream"]
        fields = read_input(ExportInput, request.data, mode=input_mode(request))
        once_key = idempotency_key(request.headers)
        answer = services.export_request(actor=self.actor, stream_small=stream, once_key=once_key, **fields)
        if isinstance(answer, StreamedExport):
            return stream_response(answer)
        job = Response(ExportJobOut(answer).data, status=status.HTTP_202_ACCEPTED)
        job["Location"] = reverse("exports:job-detail", args=[answer.pk])
        return job


def _job(view: ActorAPIView, job_id: int) -> ExportJob:
    job = selectors.export_job_get_for(actor=view.actor, job_id=job_id)
    selectors.export_kind_for(actor=view.actor, name=job.kind)  # a token still needs the kind's scope
    return job


class ExportJobDetailView(ActorAPIView):
    required_scopes = {"GET": NO_SCOPE}

    @extend_schema(responses=ExportJobOut, tags=TAGS)
    def get(self, request: Request, job_id: int) -> Response:
        """One export the caller requested, with its state. A missing one and one the caller may not see are the same
        404."""
        return Response(ExportJobOut(_job(self, job_id)).data)


class ExportJobCancelView(ActorAPIView):
    required_scopes = {"POST": NO_SCOPE}

    @extend_schema(request=None, responses=ExportJobOut, tags=TAGS)
    def post(self, request: Request, job_id: int) -> Response:
        """Cancel one of the caller's exports while it is queued or being written (`cancellable`): it stops and
        keeps no file. Cancelling it again answers it as it is; a finished one is a 409."""
        job = _job(self, job_id)
        return Response(ExportJobOut(services.export_job_cancel(actor=self.actor, job_id=job.pk)).data)


class ExportJobDownloadView(ActorAPIView):
    """The finished file (404 before it is ready and after it was removed)."""

    required_scopes = {"GET": NO_SCOPE}

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}, tags=TAGS)
    def get(self, request: Request, job_id: int) -> StreamingHttpResponse:
        return download_response(_job(self, job_id))
