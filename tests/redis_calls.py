"""Counting Redis round trips against the real Redis: every command sent (a pipeline is sent once: it is one
round trip), as bench/instrument.py counts them for `bench cpu`."""

from __future__ import annotations

import pytest
from redis.connection import AbstractConnection


@pytest.fixture
def redis_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every command sent to Redis from now on (a pipeline counts once: it is one round trip)."""
    calls: list[bytes] = []
    original = AbstractConnection.send_packed_command

    def counted(self, command, *args, **kwargs):
        calls.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return calls
