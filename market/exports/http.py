"""The answers that carry an export's file, shared by the API and the pages: a small export streamed as it is
written, and a finished job's file read from the exports storage."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils.cache import patch_cache_control

from market.exports.models import ExportJob, FileFormat
from market.exports.services import CHUNK, StreamedExport, exports_storage
from market.exports.writers import CONTENT_TYPES, csv_chunks, write_xlsx


def _private(response: StreamingHttpResponse) -> StreamingHttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def stream_response(export: StreamedExport) -> StreamingHttpResponse:
    rows = export.rows.iterator(chunk_size=CHUNK)
    if export.file_format == FileFormat.CSV:
        response = StreamingHttpResponse(
            csv_chunks(export.kind, rows, export.language), content_type=CONTENT_TYPES[FileFormat.CSV]
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
