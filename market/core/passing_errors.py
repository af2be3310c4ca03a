"""Errors that pass by themselves, answered as a 503 with Retry-After instead of a 500.

- busy: a lock or statement timeout, or a deadlock PostgreSQL broke (market/core/locking.py);
- unavailable: PostgreSQL restarting or failing over, a connection it ended ("terminating connection due to
  administrator command") or that broke mid-request. Django drops such a connection at the end of the request
  (CONN_HEALTH_CHECKS), and the next request opens a new one once the server is back;
- payment provider unavailable: Stripe out of reach, a 5xx or a rate limit on a call a request makes outside the
  paths that decide for themselves (a card attempt whose answer is lost is kept as outcome unknown there).
  Every such call reads or cancels, so asking again later is safe.
"""

from __future__ import annotations

import psycopg
import stripe
from django.db import InterfaceError, OperationalError

from market.core.errors import ApplicationError, Busy, DatabaseUnavailable, PaymentProviderUnavailable
from market.core.locking import is_busy

# admin_shutdown, crash_shutdown, cannot_connect_now ("the database system is starting up / shutting down");
# class 08 is "connection exception".
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def is_database_unavailable(error: BaseException) -> bool:
    if isinstance(error, InterfaceError):  # the connection was already closed
        return True
    cause = error.__cause__
    if not isinstance(error, OperationalError) or not isinstance(cause, psycopg.OperationalError):
        return False  # SQLite's errors (the zero-setup default) are not about a server going away
    sqlstate = cause.sqlstate
    # No SQLSTATE: the server never answered (connection refused, closed unexpectedly).
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES


def is_payment_provider_unavailable(error: BaseException) -> bool:
    # A decline, a bad request or bad credentials are answers, not a passing failure: those stay errors.
    return isinstance(error, stripe.APIConnectionError | stripe.APIError | stripe.RateLimitError)


def passing_error(error: BaseException) -> ApplicationError | None:
    """The domain error a passing failure answers as, or None for any other exception."""
    if is_busy(error):
        return Busy()
    if is_database_unavailable(error):
        return DatabaseUnavailable()
    if is_payment_provider_unavailable(error):
        return PaymentProviderUnavailable()
    return None
