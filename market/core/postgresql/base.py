"""Django's PostgreSQL backend with a health check that costs no round trip when the connection is quiet.

With CONN_HEALTH_CHECKS, Django checks a kept connection before a request's first query by running `SELECT 1`
(`DatabaseWrapper.is_usable`): a round trip on every request, ~60 µs of the web process's CPU and ~100 µs of wall
time — as much as a whole bare Django view, and PostgreSQL's work on top. A connection idle between requests has
nothing to read: the server speaks unprompted only to end it (a restart or failover, `pg_terminate_backend`, an
idle timeout: a FATAL message, then the socket closes) or to deliver a notice. So the check first asks the
operating system whether the socket has anything to read (~1 µs): nothing means the server has not ended it,
and the request goes ahead; anything means Django's own check runs, and a connection that fails it is closed and
opened anew, as before.

What neither check can see is a connection lost without a word (a network cut): `SELECT 1` would hang on it as
the request's first query does; that query's error is answered as 503 (market/core/passing_errors.py) and
Django drops the connection at the end of that request (`close_if_unusable_or_obsolete`, which still runs the
full check after an error).
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import _queries, pq

# psycopg keeps its conversion of a statement (the %s placeholders found and rewritten as $n, ~30 µs of CPU for a
# 5 KB statement) in an LRU cache of 128 entries, but only for statements up to 4,096 bytes: the public product
# list's statement (card_sql's cards around page_sql's page, ~4.9 KB) was converted afresh on every request. Our
# statements are a fixed set of shapes well under this length, so the cache holds at most 128 × ~16 KB.
CACHED_STATEMENT_LENGTH = 16384
_queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, CACHED_STATEMENT_LENGTH)


class DatabaseWrapper(base.DatabaseWrapper):
    # Set by Django's BaseDatabaseWrapper (unannotated there).
    health_check_enabled: bool
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if self.pool or self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self._has_spoken():
            super().close_if_health_check_failed()  # Django's check: SELECT 1, closed when it fails
        self.health_check_done = True

    def _has_spoken(self) -> bool:
        """Whether the idle connection is anything but quiet: not OK, inside a transaction, or with something to
        read from the server."""
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return True
        readable, _writable, _failed = select.select([pgconn.socket], [], [], 0)
        return bool(readable)
