"""Cached catalogue reads (category tree, facet counts) are keyed by a version number that every catalogue
write bumps after its transaction commits, and by today's date (certificates expire by date). A stale
entry is never read: a new version makes a new key, and old keys age out.

A public read wraps itself in `one_version()`: inside it the version is read from Redis once, and each
cached value once, however many selectors ask for them (the catalogue page asks for the category tree
from the filter form, the facets, the search plan and the cards). Without it a page paid a version GET
and a value GET (and an unpickling) per call: about 62 Redis round trips for one catalogue page.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from market.core import read_ahead
from market.core import versions as data_versions

VERSION_KEY = "catalog:version"
DEFAULT_TIMEOUT = 300
T = TypeVar("T")

# What this request has read already (the version and cached values by key), inside `one_version()`.
_read: ContextVar[dict[str, Any] | None] = ContextVar("catalog_read", default=None)


@contextmanager
def one_version() -> Iterator[None]:
    """Within the block, the catalogue version and each cached value are read from Redis at most once
    (a decorator on the public read views: a request sees one version of the catalogue throughout)."""
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def catalog_version() -> int:
    seen = _read.get()
    if seen is not None and VERSION_KEY in seen:
        return int(seen[VERSION_KEY])
    version = _read_version()
    if seen is not None:
        seen[VERSION_KEY] = version
    return version


def _read_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A random start so that a cache flushed and refilled never meets a key from before.
        version = int.from_bytes(hashlib.sha256(str(timezone.now()).encode()).digest()[:4], "big")
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def _bump() -> None:
    seen = _read.get()
    if seen is not None:  # a write inside a read block: what was read is no longer current
        seen.clear()
    read_ahead.forget()
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        catalog_version()
        cache.incr(VERSION_KEY)


def catalog_changed() -> None:
    """Call from a service after a write that changes what buyers see. Bumps now and again at commit:
    a reader that cached the old rows between the two bumps is overtaken by the second one."""
    _bump()
    transaction.on_commit(_bump)


# Per-object versions, for what changes without a catalogue-wide bump (stock taken by an order, a lot's
# trace events): the public pages' ETags read them (frontend.conditional, market.core.conditional).
class Watched(StrEnum):
    PRODUCT = "product"  # its lots' stock; its edits while a draft
    LOT = "lot"  # its trace events, by public id


def digital_link_ident(gtin14: str, lot_code: str) -> str:
    """A lot's name under its GS1 Digital Link (its trace page has two addresses)."""
    return f"{gtin14}/{lot_code.upper()}"


def _object_key(kind: Watched, ident: object) -> str:
    return f"catalog:{kind.value}:{ident}"


def object_changed(kind: Watched, idents: Iterable[object]) -> None:
    """Call from a service after a write that changes what a public page of these objects shows but needs
    no catalogue-wide bump. Like `catalog_changed`: now, and again at commit."""
    data_versions.bump([_object_key(kind, ident) for ident in set(idents)])


def version_keys(*objects: tuple[Watched, object], also: Sequence[str] = ()) -> list[str]:
    """The keys `versions(*objects, also=also)` reads: for a request to read them ahead (market.core.read_ahead)
    with the rest of what it needs from Redis."""
    return [VERSION_KEY, *(_object_key(kind, ident) for kind, ident in objects), *also]


def versions(*objects: tuple[Watched, object], also: Sequence[str] = ()) -> tuple[object, ...]:
    """What a public read of these objects is made of, in one Redis round trip (none when the request read
    `version_keys` ahead): the catalogue version, today (certificates and lots expire by date, with no write)
    and each object's version, then the versions (of market.core.versions) named in `also` (a product page's
    cooperative's storefront version). Inside `one_version()` the catalogue version read here is the one the
    rest of the request uses."""
    keys = version_keys(*objects, also=also)
    found = read_ahead.get_many(keys)
    seen = _read.get()
    if VERSION_KEY in found and seen is not None:
        seen.setdefault(VERSION_KEY, found[VERSION_KEY])
    catalogue = found[VERSION_KEY] if VERSION_KEY in found else catalog_version()
    return (catalogue, timezone.localdate().isoformat(), *data_versions.current(keys[1:], found))


def cached(name: str, params: dict[str, Any], compute: Callable[[], T], timeout: int = DEFAULT_TIMEOUT) -> T:
    """`compute()` once per (name, params, catalogue version, today)."""
    material = json.dumps(params, sort_keys=True, default=str)
    digest = hashlib.sha256(material.encode()).hexdigest()[:32]
    key = f"catalog:{name}:{catalog_version()}:{timezone.localdate().isoformat()}:{digest}"
    seen = _read.get()
    if seen is not None and key in seen:
        return seen[key]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    if seen is not None:
        seen[key] = value
    return value


def cached_with_version_key(name: str, params: dict[str, Any]) -> str:
    """Where `cached_with_version(name, params, …)` keeps its value."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"catalog:{name}:{timezone.localdate().isoformat()}:{digest}"


def cached_with_version(
    name: str, params: dict[str, Any], compute: Callable[[], T], timeout: int = DEFAULT_TIMEOUT
) -> tuple[T, bool]:
    """Like `cached`, in one cache round trip on a hit: the entry carries the catalogue version it was
    computed at and counts only while that is still the current version. Returns (value, was_hit). No round
    trip when the request read `cached_with_version_key(name, params)` and VERSION_KEY ahead."""
    key = cached_with_version_key(name, params)
    found = read_ahead.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    seen = _read.get()
    if seen is not None and version is not None:
        seen.setdefault(VERSION_KEY, version)
    entry = found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1], True
    if version is None:
        version = catalog_version()
    value = compute()
    cache.set(key, (version, value), timeout)
    return value, False


# --- single flight -------------------------------------------------------------------------------
# What is costly to compute (the facet counts over the whole catalogue: about a second of one core at 100,000
# products, ten times that at 1,000,000) is computed by one request at a time per key. Without it, 16 requests
# arriving on an empty cache all computed the same counts at once, sharing the cores, and none finished within a
# benchmark run.
FLIGHT_SECONDS = 120  # how long a computer's claim holds: a process that died mid-way frees the key after it
POLL_SECONDS = 0.05  # how often a waiting request looks for the computer's result
KEEP_SECONDS = 24 * 3600  # an entry outlives its freshness, to be served while its successor is computed
# Marks a request (inside `one_version()`) that showed something older than the current version, or
# nothing where a computed value belongs: its page must not be validated (frontend.conditional).
_STALE_MARK = "catalog:served-stale"


class _Absent(StrEnum):
    NOBODY = "nobody"  # no one holds the claim and there is no fresh value: compute it here
    TIMED_OUT = "timed out"  # someone is computing it, and it did not come within the wait


def served_stale() -> bool:
    """Whether this request (inside `one_version()`) was given a previous value or none by `single_flight`."""
    seen = _read.get()
    return bool(seen and seen.get(_STALE_MARK))


def _mark_stale() -> None:
    seen = _read.get()
    if seen is not None:
        seen[_STALE_MARK] = True


def _stamp() -> tuple[int, str]:
    """What a value is computed from besides its parameters: the catalogue version and today."""
    return catalog_version(), timezone.localdate().isoformat()


def _is_fresh(entry: Any, stamp: tuple[int, str], fresh_for: int) -> bool:
    """`entry`: (stamp, when computed, value) as `single_flight` stores it, or None."""
    return entry is not None and tuple(entry[0]) == stamp and time.time() - entry[1] < fresh_for


def _await_result(key: str, flight: str, stamp: tuple[int, str], fresh_for: int, wait: float | None) -> Any:
    """The value another request is computing under `flight`, once it is stored; `_Absent.NOBODY` when the claim
    is gone without a fresh value (the computer failed, or Redis cannot be reached), `_Absent.TIMED_OUT` after
    `wait` seconds (None: as long as the claim holds)."""
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        found = cache.get_many([key, flight])
        entry: Any = found.get(key)
        if _is_fresh(entry, stamp, fresh_for):
            return entry[2]
        if flight not in found:
            return _Absent.NOBODY
        if deadline is not None and time.monotonic() >= deadline:
            return _Absent.TIMED_OUT
        time.sleep(POLL_SECONDS)


def single_flight_key(name: str, params: dict[str, Any]) -> str:
    """The cache key under which `single_flight` keeps the value of (name, params); its claim is this + ":flight"."""
    material = json.dumps(params, sort_keys=True, default=str)
    return f"catalog:{name}:{hashlib.sha256(material.encode()).hexdigest()[:32]}"


def single_flight_kept(name: str, params: Sequence[dict[str, Any]], *, fresh_for: int = DEFAULT_TIMEOUT) -> list[Any]:
    """The current value `single_flight` keeps for each of `params` (fresh: this catalogue version's and today's,
    computed less than `fresh_for` seconds ago), or None where it keeps none; one round trip, and nothing
    computed, claimed or waited for."""
    if not params:
        return []
    keys = [single_flight_key(name, p) for p in params]
    stamp = _stamp()
    found = cache.get_many(keys)
    entries = [found.get(key) for key in keys]
    return [entry[2] if entry is not None and _is_fresh(entry, stamp, fresh_for) else None for entry in entries]


def single_flight(
    name: str,
    params: dict[str, Any],
    compute: Callable[[], T],
    *,
    fresh_for: int = DEFAULT_TIMEOUT,
    wait: float | None = None,
) -> T | None:
    """`compute()` once per (name, params, catalogue version, today), and by one request at a time: the first
    to miss claims the key (SET NX) and computes; the others serve the previous value while it does
    (stale-while-revalidate: an older version's, or one older than `fresh_for` seconds), or, when there is none,
    wait for its result: as long as its claim holds (`wait` None: then compute it if the claim lapsed), or up to
    `wait` seconds, and then answer None. Either of those marks the request (`served_stale`). When Redis cannot
    be reached every request computes for itself, as `cached` does."""
    key = single_flight_key(name, params)
    seen = _read.get()
    if seen is not None and key in seen:
        return seen[key]
    stamp = _stamp()
    entry: Any = cache.get(key)
    value: Any = entry[2] if _is_fresh(entry, stamp, fresh_for) else _Absent.NOBODY
    if value is _Absent.NOBODY:
        flight = f"{key}:flight"
        claimed = cache.add(flight, 1, FLIGHT_SECONDS)
        if not claimed:
            if entry is not None:
                _mark_stale()
                return entry[2]
            value = _await_result(key, flight, stamp, fresh_for, wait)
            if value is _Absent.TIMED_OUT:
                _mark_stale()
                return None
        if value is _Absent.NOBODY:
            try:
                value = compute()
                cache.set(key, (stamp, time.time(), value), KEEP_SECONDS)
            finally:
                if claimed:
                    # After the value is stored: deleting a claim that expired and was taken by another
                    # only lets a third request in, which finds the value stored.
                    cache.delete(flight)
    if seen is not None:
        seen[key] = value
    return value
