"""The demo seeded once for a module (`seed_demo` costs seconds of CPU; several modules read it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import IO, Any

from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings


@contextmanager
def seeded_once(django_db_blocker: Any, private_media: Path, stdout: IO[str] | None = None) -> Iterator[None]:
    """The demo inside a transaction rolled back at the end: the module's tests share it, and each test's own
    changes roll back to it (pytest-django's savepoint). Not for transactional tests (live_server). `stdout` gets
    what the command prints (the demo accounts)."""
    # Before the per-test clearing (tests/conftest.py): cached reads (the category tree) of an earlier database
    # must not name rows this one does not have.
    cache.clear()
    with django_db_blocker.unblock(), override_settings(PRIVATE_MEDIA_ROOT=private_media), transaction.atomic():
        call_command("seed_demo", stdout=stdout or StringIO())
        yield
        transaction.set_rollback(True)
