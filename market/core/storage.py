"""Private files: outside MEDIA_ROOT, never served by a static route; views that check who asks read them."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage


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


_PRIVATE_STORAGE = PrivateMediaStorage()


def private_storage() -> Storage:
    return _PRIVATE_STORAGE
