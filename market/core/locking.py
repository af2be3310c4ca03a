"""Bounded waits for row locks (pretix's `locking.py` is the model).

One lock order across apps: the owner (an order, a booth application, a contract) → its payable → the
payment. Every locking helper (`orders.services.common.lock_order`, `market.payments.services.payables
.lock_payable`, …) takes its rows inside `bounded_lock_wait()`: the transaction waits at most
LOCK_TIMEOUT_SECONDS for a lock (`SET LOCAL lock_timeout`, so it ends with the transaction), and a longer wait,
or a deadlock PostgreSQL broke, becomes `Busy` (503 with a message) instead of a hung worker or a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection

from market.core.errors import Busy

# PostgreSQL's SQLSTATEs for "waited too long for a lock", "statement cancelled (statement_timeout)" and
# "deadlock detected": each means another transaction was in the way, and nothing of ours was kept.
BUSY_SQLSTATES = frozenset({"55P03", "57014", "40P01"})


def is_busy(error: BaseException) -> bool:
    cause = error.__cause__
    return isinstance(error, OperationalError) and getattr(cause, "sqlstate", None) in BUSY_SQLSTATES


def lock_timeout_set() -> None:
    """Wait at most LOCK_TIMEOUT_SECONDS for any lock in the current transaction (PostgreSQL only)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        milliseconds = int(settings.LOCK_TIMEOUT_SECONDS * 1000)
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])


@contextmanager
def bounded_lock_wait() -> Iterator[None]:
    """Take row locks with a bounded wait; a lock not granted in time is `Busy`."""
    lock_timeout_set()
    try:
        yield
    except OperationalError as error:
        if is_busy(error):
            raise Busy() from error
        raise
