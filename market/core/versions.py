"""Version numbers kept in the cache for what public pages show, bumped by the services that write the data
(never by signals) and read into the pages' ETags and cache keys. A bump happens now and again at commit: a
reader that cached the old rows between the two is overtaken by the second. A missing key (never read, or
evicted) starts at a random number, so that it never returns to a value a browser or a cache still holds.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.db import transaction

from market.core import read_ahead

_batch: ContextVar[set[str] | None] = ContextVar("version_bumps", default=None)


def _bump(keys: list[str]) -> None:
    read_ahead.forget()  # a write inside a read block: what was read ahead is no longer current
    incr_existing = getattr(cache, "incr_existing", None)
    if incr_existing is not None:  # Redis: one round trip for every key
        incr_existing(keys)
        return
    for key in keys:
        with suppress(ValueError):  # a key never read is left missing: its first reader starts it
            cache.incr(key)


def bump(keys: list[str]) -> None:
    """Bump `keys` now and again at commit (inside `bumps_batched()`: when the block ends)."""
    batch = _batch.get()
    if batch is not None:
        batch.update(keys)
        return
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


@contextmanager
def bumps_batched() -> Iterator[None]:
    """Make the bumps asked for inside the block together when it ends, and together again at commit: two
    round trips to Redis for a checkout that changes cooperatives' storefronts and products' stock, where
    each kind took its own. Use it inside the transaction of the changes (a bump before its commit is all
    the "now" bump promises); a block left by an exception bumps nothing (its transaction is rolled back).
    A nested block adds to the outer one."""
    if _batch.get() is not None:
        yield
        return
    keys: set[str] = set()
    token = _batch.set(keys)
    try:
        yield
    finally:
        _batch.reset(token)
    if keys:
        bump(sorted(keys))


def current(keys: list[str], found: dict[str, Any]) -> list[Any]:
    """The version of each key, from `found` (what one `cache.get_many` returned), starting those missing."""
    values = []
    for key in keys:
        if key not in found:
            cache.add(key, secrets.randbelow(2**31), timeout=None)
            found[key] = cache.get(key)
        values.append(found[key])
    return values


def read(keys: list[str]) -> list[Any]:
    """The versions of `keys` in one round trip, or none when the request read them ahead
    (market.core.read_ahead); one more per key that had none."""
    return current(keys, read_ahead.get_many(keys))
