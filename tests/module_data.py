"""Rows a test module's tests share, made once for the module (the demo's seeding costs seconds of CPU, a
permission matrix's world most of a cell)."""

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
def rows_of_the_module(django_db_blocker: Any) -> Iterator[None]:
    """Inside: a transaction rolled back at the end, for a module-scoped fixture to make its rows in. The module's
    tests share them, and each test's own changes roll back to them (pytest-django's savepoint). Not for
    transactional tests (live_server)."""
    # Before the per-test clearing (tests/conftest.py): cached reads (the category tree) of an earlier database
    # must not name rows this one does not have.
    cache.clear()
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@contextmanager
def seeded_once(django_db_blocker: Any, private_media: Path, stdout: IO[str] | None = None) -> Iterator[None]:
    """The demo, seeded in `rows_of_the_module` (its private files under `private_media`); `stdout` gets what the
    command prints (the demo accounts)."""
    with rows_of_the_module(django_db_blocker), override_settings(PRIVATE_MEDIA_ROOT=private_media):
        call_command("seed_demo", stdout=stdout or StringIO())
        yield
