"""What a public read needs from Redis before it knows its answer, asked in one round trip: its rate limit's
counter (INCR + EXPIRE), the data versions its ETag is made of, and the kept parts whose keys it can name up
front (they carry the versions they were made under: `kept` below).

Why one piece, shared by the API's public fast path (catalog.api.public) and the public pages
(frontend.conditional): a Redis round trip costs the web process ~0.15–0.2 ms of CPU (redis-py packing, the
socket's write and read, parsing) besides Redis's own, and a public read made two or three of them one after
the other — the throttle's pipeline, the versions' MGET, the kept content's GET — in a request of 1–4 ms of
CPU. None of those reads depends on another's answer, so one pipeline carries them all. Each path names its
keys and the code that reads them stays as it was (`catalog.cache.versions`, `market.core.versions.read`, the
pages' kept parts): they call `get_many` here, which answers from what was read ahead and asks Redis only for
a key that was not.

Within `read_ahead(…)`, what was read stands for the rest of the block, as `catalog.cache.one_version()` has
it for the catalogue version; a version bump inside the block (a write) drops it (`forget`). Redis unreachable
(market/core/cache.py's rule): nothing is counted, so the limit is not enforced, and every key is missing, so
versions start afresh and parts are computed afresh. Other caches (the file cache of `make run`) are asked key
by key, as before.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache, caches
from redis.exceptions import NoScriptError, ResponseError

from market.core.cache import UNREACHABLE, ResilientRedisCache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """A rate limit's counter for the current window (market.core.throttling): INCR it; it expires after
    `seconds`."""

    key: str
    seconds: int


@dataclass(frozen=True)
class _Read:
    """What was read ahead: the keys asked, and the values found as Redis sent them (`loads` decodes one when it
    is first asked for: a 304 never unpickles the kept content read with its versions) or, from another
    cache, decoded already (`loads` None)."""

    asked: frozenset[str]
    found: dict[str, Any] = field(default_factory=dict)
    loads: Callable[[bytes], Any] | None = None
    decoded: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        if self.loads is None:
            return self.found[key]
        if key not in self.decoded:
            self.decoded[key] = self.loads(self.found[key])
        return self.decoded[key]


_ahead: ContextVar[_Read | None] = ContextVar("read_ahead", default=None)

# INCR + EXPIRE of the window's counter (KEYS[1]; ARGV[1] seconds) and MGET of the other keys, as one command:
# redis-py spends ~0.1 ms of CPU more building and reading a pipeline of the three than one EVAL.
_COUNT_AND_GET = """
local counted = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
if #KEYS == 1 then return {counted, {}} end
return {counted, redis.call('MGET', unpack(KEYS, 2))}
"""
_COUNT_AND_GET_SHA = hashlib.sha1(_COUNT_AND_GET.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)


def _round_trip(client: Any, *command: object) -> Any:
    """`command`'s reply, as `client.execute_command` would give it but without the rest of its path — its operation
    metrics, locks and response callbacks (none applies to EVAL, MGET or SET) — which cost ~50 µs of the ~100 µs of
    CPU a read-ahead took in redis-py 8."""

    def talk(connection: Any) -> Any:
        connection.send_command(*command)
        return connection.read_response()

    return _on_connection(client, talk)


def _pipelined(client: Any, commands: Sequence[tuple[object, ...]]) -> list[Any]:
    """The replies to `commands`, sent together (`_round_trip`'s path for several commands). Every reply is read
    before an error reply is raised (the first), as redis-py's pipelines do: a reply left unread on the pooled
    connection would be read as the answer to its next command."""

    def talk(connection: Any) -> list[Any]:
        connection.send_packed_command(connection.pack_commands(commands))
        replies = []
        for _command in commands:
            try:
                replies.append(connection.read_response())
            except ResponseError as error:
                replies.append(error)
        failed = [reply for reply in replies if isinstance(reply, ResponseError)]
        if failed:
            raise failed[0]
        return replies

    return _on_connection(client, talk)


def _on_connection(client: Any, talk: Callable[[Any], Any]) -> Any:
    """`talk(connection)` on one of `client`'s pooled connections, with the connection's retry policy (a dropped
    connection is reconnected and `talk` runs again)."""
    pool = client.connection_pool
    connection = pool.get_connection()
    try:
        return connection.retry.call_with_retry(lambda: talk(connection), lambda _error: connection.disconnect())
    finally:
        pool.release(connection)


def _count_and_get(client: Any, counter: str, keys: list[str], seconds: int) -> Any:
    """`_COUNT_AND_GET` by its digest (the script's text travels only when Redis does not know it yet)."""
    try:
        return _round_trip(client, "EVALSHA", _COUNT_AND_GET_SHA, 1 + len(keys), counter, *keys, seconds)
    except NoScriptError:
        return _round_trip(client, "EVAL", _COUNT_AND_GET, 1 + len(keys), counter, *keys, seconds)


def _redis_access() -> tuple[ResilientRedisCache, Any, Any] | None:
    """The default cache (looked up once: `cache.…` asks django.core.cache.caches again on every call, ~4 µs), its
    Redis client (the primary: the counter is written) and its serializer, or None for another cache (the file cache
    of `make run`)."""
    backend = caches["default"]
    return (backend, *backend.raw_access()) if isinstance(backend, ResilientRedisCache) else None


def _count_elsewhere(window: Window) -> int:
    """The count in a cache that is not Redis (two calls: ADD, or INCR)."""
    if cache.add(window.key, 1, window.seconds):
        return 1
    try:
        return int(cache.incr(window.key))
    except ValueError:  # expired between the two
        cache.add(window.key, 1, window.seconds)
        return 1


def _ask(keys: Sequence[str], window: Window | None) -> tuple[int | None, _Read]:
    """(the window's count, or None when not counted; what was found) in one round trip."""
    access = _redis_access()
    if access is None:
        return (None if window is None else _count_elsewhere(window)), _Read(frozenset(keys), cache.get_many(keys))
    backend, client, serializer = access
    # make_key, not make_and_validate_key: validation (~5 µs a key) only warns of keys memcached would refuse, and
    # these keys are the project's own (names, ids and digests: no spaces, well under 250 characters).
    made = {backend.make_key(key): key for key in keys}
    counted: int | None = None
    values: list[bytes | None] = []
    try:
        if window is None:
            values = _round_trip(client, "MGET", *made) if made else []
        else:
            counter = backend.make_key(window.key)
            answers = _count_and_get(client, counter, list(made), window.seconds)
            counted, values = int(answers[0]), answers[1]
    except UNREACHABLE as exc:
        logger.warning("cache unavailable, continuing without it", extra={"operation": "read_ahead", "error": str(exc)})
        return None, _Read(frozenset(keys))
    found = {key: value for key, value in zip(made.values(), values, strict=True) if value is not None}
    return counted, _Read(frozenset(keys), found, serializer.loads)


@contextmanager
def read_ahead(keys: Sequence[str], *, window: Window | None = None) -> Iterator[int | None]:
    """Within the block, `get_many` answers `keys` from one round trip made now, which also counts `window`.
    Yields the window's count after this request (None: no window, or Redis unreachable: not enforced)."""
    counted, read = _ask(keys, window)
    token = _ahead.set(read)
    try:
        yield counted
    finally:
        _ahead.reset(token)


def count(window: Window) -> int | None:
    """The window's count after this request, in one round trip (None: Redis unreachable)."""
    return _ask((), window)[0]


def get_many(keys: Sequence[str]) -> dict[str, Any]:
    """`cache.get_many(keys)`, from what the request read ahead where it can: a round trip only for the keys
    not read ahead."""
    read = _ahead.get()
    if read is None:
        return cache.get_many(keys)
    found = {key: read.get(key) for key in keys if key in read.found}
    rest = [key for key in keys if key not in read.asked]
    if rest:
        found.update(cache.get_many(rest))
    return found


def forget() -> None:
    """Drop what this request read ahead (call after a write that bumps versions: they are no longer current)."""
    if _ahead.get() is not None:
        _ahead.set(_Read(frozenset()))


# --- kept parts ----------------------------------------------------------------------------------
# A part kept in the cache carries the versions (the stamp) it was made under, rather than having them in its
# key: its key is then known before the versions are read, and it is read in the same round trip. It is served
# only when its stamp is the one read with it, so a stale part is never shown; the next writer replaces it.


def kept_many(keys: Sequence[str], stamp: tuple[object, ...]) -> dict[str, Any]:
    """The values kept under `keys` that were made under `stamp`, by key."""
    entries = get_many(keys)
    return {key: entry[1] for key, entry in entries.items() if tuple(entry[0]) == stamp}


def kept(key: str, stamp: tuple[object, ...]) -> Any | None:
    """The value kept under `key` if it was made under `stamp`, else None."""
    return kept_many([key], stamp).get(key)


def keep_many(values: dict[str, Any], stamp: tuple[object, ...], seconds: int) -> None:
    """Keep each value (made under `stamp`) under its key, for `kept`."""
    _store({key: (stamp, value) for key, value in values.items()}, seconds)


def keep(key: str, stamp: tuple[object, ...], value: Any, seconds: int) -> None:
    """Keep `value`, made under `stamp`, for `kept`."""
    _store({key: (stamp, value)}, seconds)


def _store(entries: dict[str, Any], seconds: int) -> None:
    """`cache.set_many(entries, seconds)`, on Redis as one SET … EX per entry sent together (`_pipelined`): through
    the cache's API a kept part cost ~150 µs of the web process's CPU, half of it that API's own path (a cold
    product, storefront or trace page keeps its parts on every first view). Redis unreachable: nothing is kept, as
    the cache's API has it (market/core/cache.py)."""
    access = _redis_access()
    if access is None or seconds <= 0:  # kept for no time: not kept (Django's timeout 0); Redis refuses EX 0
        cache.set_many(entries, seconds)
        return
    backend, client, serializer = access
    commands = [
        ("SET", backend.make_key(key), serializer.dumps(value), "EX", seconds) for key, value in entries.items()
    ]
    try:
        _pipelined(client, commands)
    except UNREACHABLE as exc:
        logger.warning("cache unavailable, continuing without it", extra={"operation": "keep", "error": str(exc)})
