"""The tests' PostgreSQL backend: Market Link's (market.core.postgresql), emptying the tables by DELETE, not
TRUNCATE, when a transactional test ends.

Django empties the test database after every transactional test (live server, browser, Celery worker and fault
tests: ~160 a run) with `flush`, on PostgreSQL one TRUNCATE of every table: each of ~120 tables, with its indexes
and TOAST, is given new files and the old ones are unlinked — ~0.5 s of PostgreSQL's CPU a flush on an idle
machine, 3-5 s of a test's teardown under the suite's load. Such a test leaves a few rows, which DELETE removes
in ~15 ms. Django's MySQL backend flushes by DELETE for the same reason. Our foreign keys are Django's, DEFERRABLE
INITIALLY DEFERRED, and flush runs its statements in one transaction, so the order of the tables does not matter.
Production keeps TRUNCATE (`manage.py flush` on large tables).
"""

from __future__ import annotations

from typing import Any

from django.core.management.color import Style
from django.db.backends.postgresql.operations import DatabaseOperations as PostgreSQLOperations

from market.core.postgresql import base


class DatabaseOperations(PostgreSQLOperations):
    def sql_flush(
        self, style: Style, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if reset_sequences or allow_cascade:  # RESTART IDENTITY and CASCADE are TRUNCATE's
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
