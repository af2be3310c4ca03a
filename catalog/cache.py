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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

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


def versions(*objects: tuple[Watched, object]) -> tuple[object, ...]:
    """What a public read of these objects is made of, in one Redis round trip: the catalogue version, today
    (certificates and lots expire by date, with no write) and each object's version. Inside `one_version()`
    the catalogue version read here is the one the rest of the request uses."""
    keys = [_object_key(kind, ident) for kind, ident in objects]
    found = cache.get_many([VERSION_KEY, *keys])
    seen = _read.get()
    if VERSION_KEY in found and seen is not None:
        seen.setdefault(VERSION_KEY, found[VERSION_KEY])
    catalogue = found[VERSION_KEY] if VERSION_KEY in found else catalog_version()
    return (catalogue, timezone.localdate().isoformat(), *data_versions.current(keys, found))


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


def cached_with_version(
    name: str, params: dict[str, Any], compute: Callable[[], T], timeout: int = DEFAULT_TIMEOUT
) -> tuple[T, bool]:
    """Like `cached`, in one cache round trip on a hit: the entry carries the catalogue version it was
    computed at and counts only while that is still the current version. Returns (value, was_hit)."""
    material = json.dumps(params, sort_keys=True, default=str)
    digest = hashlib.sha256(material.encode()).hexdigest()[:32]
    key = f"catalog:{name}:{timezone.localdate().isoformat()}:{digest}"
    found = cache.get_many([VERSION_KEY, key])
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
