"""Rows a test module's tests share, made once for the module (the demo's seeding costs seconds of CPU, a
permission matrix's world most of a cell)."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import IO, Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

from market.organisations.models import Organisation
from tests.demo_database import copy_demo, demo_database


@contextmanager
def rows_of_the_module(django_db_blocker: Any, *, media: Path | None = None) -> Iterator[None]:
    """Inside: a transaction rolled back at the end, for a module-scoped fixture to make its rows in. The module's
    tests share them, and each test's own changes roll back to them (pytest-django's savepoint). Not for
    transactional tests (live_server). `media`: a folder of the module's for the files the rows write (scans,
    images: under public/ and private/), since a module's fixture runs before each test's own folders are set."""
    # Before the per-test clearing (tests/conftest.py): cached reads (the category tree) of an earlier database
    # must not name rows this one does not have.
    cache.clear()
    roots = {} if media is None else {"MEDIA_ROOT": media / "public", "PRIVATE_MEDIA_ROOT": media / "private"}
    with override_settings(**roots), django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


# The organisations tests/conftest.py makes per test, which a module's rows may make once instead.
ORGANISATIONS = ("alliance", "cooperative", "other_cooperative", "buyer")


def organisations_of_the_module(rows: str, under: str = "") -> list[Any]:
    """Fixtures overriding the conftest's organisations (ORGANISATIONS, in that order) with those the module-scoped
    fixture `rows` made: its value holds their ids by name (under its key `under`, if given). Each test reads them
    afresh, so a test that changes one in memory changes no other test's.

        alliance, cooperative, other_cooperative, buyer = organisations_of_the_module("_rows")
    """

    def fixture_for(name: str) -> Any:
        @pytest.fixture(name=name)
        def organisation(request: pytest.FixtureRequest) -> Organisation:
            ids = request.getfixturevalue(rows)
            return Organisation.objects.get(pk=(ids[under] if under else ids)[name])

        return organisation

    return [fixture_for(name) for name in ORGANISATIONS]


@contextmanager
def seeded_once(django_db_blocker: Any, private_media: Path, stdout: IO[str] | None = None) -> Iterator[None]:
    """The demo in `rows_of_the_module` (its private files under `private_media`); `stdout` gets what the command
    prints (the demo accounts). Copied from the run's seeded demo database (tests/demo_database.py) on PostgreSQL;
    seeded by the command on SQLite or when the copy fails, so that no test depends on the shortcut."""
    printed = stdout or StringIO()
    with rows_of_the_module(django_db_blocker), override_settings(PRIVATE_MEDIA_ROOT=private_media):
        if not _copied(private_media, printed):
            call_command("seed_demo", stdout=printed)
        try:
            yield
        finally:
            # The rollback restores the content types the copy replaced: their cached ids must go too.
            ContentType.objects.clear_cache()


def _copied(private_media: Path, stdout: IO[str]) -> bool:
    if connection.vendor != "postgresql":
        return False  # SQLite: no server to keep the seeded database on
    try:
        # A savepoint: a copy that fails halfway leaves the module's transaction as it was, for the command to seed.
        with demo_database() as demo, transaction.atomic():
            copy_demo(demo)
            shutil.copytree(demo.private_media, private_media, dirs_exist_ok=True)
            stdout.write(demo.printed)
    except Exception as failure:  # whatever failed, the tests get the demo: the warning and test_seed_demo tell
        warnings.warn(f"the demo is seeded, not copied: {failure!r}", stacklevel=1)
        return False
    return True


@contextmanager
def seeded_by_the_command(django_db_blocker: Any, private_media: Path, stdout: IO[str] | None = None) -> Iterator[None]:
    """The demo seeded by `seed_demo` in `rows_of_the_module`, for the tests of seeding itself."""
    with rows_of_the_module(django_db_blocker), override_settings(PRIVATE_MEDIA_ROOT=private_media):
        call_command("seed_demo", stdout=stdout or StringIO())
        yield
