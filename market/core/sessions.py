"""Django's database sessions, their row read by a statement compiled once per process (market.core.kept_statements).

Every signed-in request reads its session; the ORM built and compiled the same `get()` each time (~0.5 ms of the web
process's CPU). The row read, the expiry compared and a missing or expired session's handling are Django's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from market.core.kept_statements import KeptStatement

_COLUMNS = ("session_key", "session_data", "expire_date")


def _session_row(*, session_key: str, now: datetime) -> QuerySet[Any]:
    """As Django's SessionStore reads it: the session under its key, if it has not expired."""
    return Session.objects.filter(session_key=session_key, expire_date__gt=now).values_list(*_COLUMNS)


_STATEMENT = KeptStatement(
    _session_row,
    session_key="\ue000no session's key\ue000",  # no key Django makes (lower-case letters and digits)
    now=datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC),  # no request's time
)


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session  # the model the statement reads

    def _get_session_from_db(self) -> Session | None:
        rows = _STATEMENT.rows(session_key=self.session_key, now=timezone.now())
        if not rows:
            self._session_key = None
            return None
        return Session.from_db("default", _COLUMNS, rows[0])
