"""The exports API: which kinds the caller may export, starting a job, reading its progress, downloading it.

An API token needs the scope of the kind it exports (orders:read for orders, payments:read for payments…);
the views declare no scope of their own because the kind, in the body or the job, names it (403 naming the
missing scope otherwise)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.inputs import input_mode, read_input
from market.core.listing import ListEndpoint, list_response
from market.exports import selectors, services
from market.exports.http import download_response
from market.exports.inputs import ExportInput
from market.exports.models import ExportJob
from market.organisations.drf import NO_SCOPE, ActorAPIView

TAGS = ["exports"]


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
    error = serializers.SerializerMethodField()
    kind_label = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id", "kind", "kind_label", "file_format", "language", "date_from", "date_to", "status_filter", "status",
            "rows_total", "rows_done", "percent", "file_size", "error", "created_at", "finished_at", "expires_at",
            "download_url",
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
    kind's scope is needed)."""

    required_scopes = {"GET": NO_SCOPE, "POST": NO_SCOPE}

    @extend_schema(responses=ExportJobOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        return list_response(self, selectors.export_jobs_for(actor=self.actor), ExportJobOut, context={})

    @extend_schema(request=ExportInput, responses={202: ExportJobOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        fields = read_input(ExportInput, request.data, mode=input_mode(request))
        job = services.export_request(actor=self.actor, stream_small=False, **fields)
        assert isinstance(job, ExportJob)  # stream_small=False always makes a job
        answer = Response(ExportJobOut(job).data, status=status.HTTP_202_ACCEPTED)
        answer["Location"] = reverse("exports:job-detail", args=[job.pk])
        return answer


def _job(view: ActorAPIView, job_id: int) -> ExportJob:
    job = selectors.export_job_get_for(actor=view.actor, job_id=job_id)
    selectors.export_kind_for(actor=view.actor, name=job.kind)  # a token still needs the kind's scope
    return job


class ExportJobDetailView(ActorAPIView):
    required_scopes = {"GET": NO_SCOPE}

    @extend_schema(responses=ExportJobOut, tags=TAGS)
    def get(self, request: Request, job_id: int) -> Response:
        return Response(ExportJobOut(_job(self, job_id)).data)


class ExportJobDownloadView(ActorAPIView):
    """The finished file (404 before it is ready and after it was removed)."""

    required_scopes = {"GET": NO_SCOPE}

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}, tags=TAGS)
    def get(self, request: Request, job_id: int) -> StreamingHttpResponse:
        return download_response(_job(self, job_id))
