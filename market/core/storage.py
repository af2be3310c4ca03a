"""Where uploaded files live: local folders by default, S3-compatible object storage when configured.

Two storages (settings.STORAGES):
- "default": public files — product photos and their thumbnails, linked straight from pages. Locally under
  MEDIA_ROOT; on object storage in S3_BUCKET, read by plain URL (the bucket allows anonymous reads).
- "private": files only their owners and staff may read — certificate scans, transfer receipts, force-majeure
  evidence. Locally under PRIVATE_MEDIA_ROOT (outside MEDIA_ROOT, never served by a static route); on object
  storage in S3_PRIVATE_BUCKET (no anonymous reads; market/core/object_storage.py). Either way a view checks
  who asks first, then answers with the file (local) or a redirect to a signed URL that expires.

Object storage is used by every process alike (web, workers), so files written by one are read by another on
another machine: the stack scales past one machine (docs/operations.md).
"""

from __future__ import annotations

import os
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.functional import LazyObject
from django.utils.http import content_disposition_header


class PrivateMediaStorage(FileSystemStorage):
    """Files under settings.PRIVATE_MEDIA_ROOT (read at each use, so tests can point it elsewhere)."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def is_object_storage(storage: Storage) -> bool:
    """Without importing boto3 (most of a second at start-up) where object storage is not configured."""
    return getattr(storage, "object_storage", False)


class _ConfiguredPrivateStorage(LazyObject):
    """settings.STORAGES["private"], looked up at each use: a FileField evaluates its storage once, when the
    model is defined, and the configured storage may change after that (override_settings in tests)."""

    @property
    def _wrapped(self) -> Any:
        return storages["private"]

    @_wrapped.setter
    def _wrapped(self, value: Any) -> None:
        return None  # nothing is cached


_PRIVATE_STORAGE = _ConfiguredPrivateStorage()


def private_storage() -> Storage:
    """The storage of files that views hand out only after checking who asks (a FileField's `storage`:
    a callable, so that migrations do not record which one is configured)."""
    return cast(Storage, _PRIVATE_STORAGE)


def private_file_response(
    file: FieldFile, *, content_type: str | None = None, filename: str | None = None, as_attachment: bool = False
) -> HttpResponseBase:
    """Answer with a private file the caller has been checked for: the bytes from a local folder, or a
    redirect to a signed URL that expires after S3_SIGNED_URL_SECONDS (object storage serves the bytes;
    the web process is not tied up streaming them)."""
    name = filename or os.path.basename(file.name or "") or "file"
    if is_object_storage(file.storage):
        parameters = {"ResponseContentDisposition": content_disposition_header(as_attachment, name) or ""}
        if content_type:
            parameters["ResponseContentType"] = content_type
        storage: Any = file.storage  # an ObjectStorage: its url() takes S3 response parameters
        response = HttpResponseRedirect(storage.url(file.name or "", parameters=parameters))
        # The signed URL is a short-lived credential: never cached, never sent on as a referrer.
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    return FileResponse(file.open("rb"), content_type=content_type, as_attachment=as_attachment, filename=name)
