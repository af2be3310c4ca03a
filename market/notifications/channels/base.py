"""What every channel adapter shares: how a delivery can fail, and the hand-over hook.

The hand-over hook is a context manager the adapter wraps around the write that completes the message (the
final "." of SMTP DATA, the HTTP request): `with hand_over(): write()`. On entry it moves the row from
`sending` to `delivering`, conditionally on the claim, in a transaction it leaves open; it commits when the
write returned. So the database says "handed over" only once the provider has the whole message: a crash
before the write rolls the transaction back and the row, still `sending`, is sent again safely. From the
commit on, a crash or a lost answer is *ambiguous* (the provider may have it, with no way to ask), and the
relay stops retrying on its own unless the provider de-duplicates (see relay.py). Between the write and the
commit lie two system calls: a crash exactly there (microseconds) sends the message twice, never loses it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

HandOver = Callable[[], AbstractContextManager[None]]


class DeliveryError(Exception):
    """`definite` says the provider answered (we know it did not take the message); without an answer,
    after the hand-over, we cannot know."""

    permanent = False

    def __init__(self, message: str, *, definite: bool = True) -> None:
        super().__init__(message)
        self.definite = definite


class TransientError(DeliveryError):
    """Try again later: a 4xx reply, a timeout, the provider down, a quota for today."""


class PermanentError(DeliveryError):
    """Will never work as it is: a refused address, a phone not on Zalo, a missing template."""

    permanent = True


class LostClaim(Exception):
    """Another relay took this row over (our lease expired): abandon it without sending."""


class ChannelSession(Protocol):
    def send(self, message: Any, hand_over: HandOver) -> str:
        """Deliver one prepared message; returns the provider's message id."""
        ...

    def close(self) -> None: ...


class ChannelAdapter(Protocol):
    name: str
    # The provider drops a repeated request itself (eSMS RequestId): a crash after the hand-over may be
    # retried safely. SMTP and Zalo ZNS have no such key.
    idempotent: bool

    @property
    def timeout(self) -> float:
        """Seconds a provider call may take."""
        ...

    def prepare(self, row: Any, kind: Any) -> Any:
        """Render and address one outbox row; raises PermanentError when it cannot be sent."""
        ...

    def open(self) -> ChannelSession: ...
