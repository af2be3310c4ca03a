"""What every channel adapter shares: how a delivery can fail, and the hand-over hook.

The hand-over hook is called by the adapter at the last moment before the provider could accept the
message (before the final "." of SMTP DATA, before an HTTP request is written). It records in the database
that the message is leaving; from then on a crash or a lost answer is *ambiguous* (the provider may have
it), and the relay stops retrying on its own unless the provider de-duplicates (see relay.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

HandOver = Callable[[], None]


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
