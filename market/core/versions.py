"""Version numbers kept in the cache for what public pages show, bumped by the services that write the data
(never by signals) and read into the pages' ETags and cache keys. A bump happens now and again at commit: a
reader that cached the old rows between the two is overtaken by the second. A missing key (never read, or
evicted) starts at a random number, so that it never returns to a value a browser or a cache still holds.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from typing import Any

from django.core.cache import cache
from django.db import transaction


def _bump(keys: list[str]) -> None:
    for key in keys:
        with suppress(ValueError):  # a key never read is left missing: its first reader starts it
            cache.incr(key)


def bump(keys: list[str]) -> None:
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


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
    """The versions of `keys` in one round trip (and one more per key that had none)."""
    return current(keys, cache.get_many(keys))
