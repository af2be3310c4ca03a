"""The answers that carry an export's file, shared by the API and the pages: a small export streamed as it is
written, a finished job's file read from the exports storage, and a report's table."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control

from market.exports.models import ExportJob, FileFormat
from market.exports.services import CHUNK, StreamedExport, exports_storage
from market.exports.writers import CONTENT_TYPES, Table, csv_chunks, csv_text, write_xlsx, xlsx_bytes

Answer = TypeVar("Answer", bound=HttpResponseBase)


def _private(response: Answer) -> Answer:
    patch_cache_control(response, private=True, no_store=True)
    return response


def table_response(
    table: Table, rows: Iterable[Any], *, file_format: str, language: str, filename: str
) -> HttpResponse:
    """A small table (a report, a bank file) as a CSV or XLSX attachment, written like every export."""
    if file_format == FileFormat.CSV:
        body = csv_text(table, rows, language).encode("utf-8")
    else:
        body = xlsx_bytes(table, rows, language)
    response = HttpResponse(body, content_type=CONTENT_TYPES[FileFormat(file_format)])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


def stream_response(export: StreamedExport) -> StreamingHttpResponse:
    rows = export.kind.read(export.rows, chunk_size=CHUNK)
    if export.file_format == FileFormat.CSV:
        response = StreamingHttpResponse(
            csv_chunks(export.kind, rows, export.language, delimiter=export.delimiter),
            content_type=CONTENT_TYPES[FileFormat.CSV],
        )
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return _private(response)
    # A zip file is finished only at its end: write it (small, by definition) to a temporary file, then send.
    # The response closes (and so deletes) it once sent.
    out = tempfile.TemporaryFile(dir=settings.EXPORTS_TEMP_DIR)  # noqa: SIM115
    write_xlsx(export.kind, rows, export.language, out)
    out.seek(0)
    response = FileResponse(
        out, as_attachment=True, filename=export.filename, content_type=CONTENT_TYPES[FileFormat.XLSX]
    )
    return _private(response)


def download_response(job: ExportJob) -> StreamingHttpResponse:
    """A finished job's file (the caller checked it is the person's own)."""
    if not job.is_done or not job.file_name:
        raise Http404()
    storage = exports_storage()
    try:
        file = storage.open(job.file_name, "rb")
    except FileNotFoundError:
        raise Http404() from None
    response = FileResponse(
        file, as_attachment=True, filename=job.download_name, content_type=CONTENT_TYPES[FileFormat(job.file_format)]
    )
    return _private(response)
