"""A kept PostgreSQL connection is checked before a request's first query (CONN_HEALTH_CHECKS) without a round
trip while it is quiet, and with Django's `SELECT 1` when the server has said something: one the server ended is
replaced, one that only received a notice is kept (market/core/postgresql/base.py)."""

from __future__ import annotations

import select
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections

from market.core.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kept() -> Iterator[DatabaseWrapper]:
    """A connection of its own, opened as a web process keeps one between requests."""
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, DatabaseWrapper)
    assert wrapper.settings_dict["CONN_HEALTH_CHECKS"] is True
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _next_request(wrapper: DatabaseWrapper) -> None:
    """What Django does to a kept connection at the start of a request, then the request's first query."""
    wrapper.health_check_done = False
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


def _statements_sent(wrapper: DatabaseWrapper) -> list[str]:
    """The statements the connection sends during `_next_request`, from libpq's own protocol trace (its
    frontend's Query and Parse messages)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "trace"
        with path.open("w") as trace:
            wrapper.connection.pgconn.trace(trace.fileno())
            try:
                _next_request(wrapper)
            finally:
                wrapper.connection.pgconn.untrace()
        lines = path.read_text().splitlines()
    return [line for line in lines if "\tF\t" in line and ("\tQuery\t" in line or "\tParse\t" in line)]


def _health_checks(statements: list[str]) -> int:
    return sum('"SELECT 1"' in line for line in statements)


def _backend_pid(wrapper: DatabaseWrapper) -> int:
    return wrapper.connection.info.backend_pid


def _wait_readable(wrapper: DatabaseWrapper) -> None:
    readable, _, _ = select.select([wrapper.connection.pgconn.socket], [], [], 5)
    assert readable, "the server's message never arrived"


def test_the_project_runs_on_this_backend() -> None:
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_quiet_connection_is_used_without_a_select_1(kept: DatabaseWrapper) -> None:
    pid = _backend_pid(kept)
    sent = _statements_sent(kept)
    assert len(sent) == 1
    assert "SELECT 41 + 1" in sent[0]  # the request's query alone: no health check before it
    assert _backend_pid(kept) == pid


def test_a_connection_the_server_ended_is_replaced_before_the_query(kept: DatabaseWrapper) -> None:
    pid = _backend_pid(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    _wait_readable(kept)
    _next_request(kept)  # no error: the check saw the FATAL message and opened a new connection
    assert _backend_pid(kept) != pid


def test_a_connection_that_received_a_notice_is_checked_and_kept(kept: DatabaseWrapper) -> None:
    pid = _backend_pid(kept)
    with kept.cursor() as cursor:
        cursor.execute("LISTEN market_health_check")
    with connection.cursor() as cursor:
        cursor.execute("NOTIFY market_health_check")
    _wait_readable(kept)
    assert _health_checks(_statements_sent(kept)) == 1  # Django's check ran
    assert _backend_pid(kept) == pid  # and the connection passed it
