"""The Redis cache of every process: one reused client per cache, and failing open while Redis is down.

Reuse: Django's RedisCacheClient builds a new redis.Redis object for every cache call; with redis-py 8
that object sets up ~170 response callbacks, a quarter of a millisecond each time. Cache instances are
per thread, so one client per instance (over Django's own connection pool) is safe and saves it.

Failing open: the cache holds only what can be recomputed (rate-limit counters, cached reads). When
Redis is down a request must still be served — an order placed through the API is written to PostgreSQL
and its notifications wait in the outbox — so every cache call fails open: reads miss, writes are
dropped, and a warning is logged. Short socket timeouts (see settings) keep each failed call cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusingRedisCacheClient(RedisCacheClient):
    # Django's own (private) members this builds on; its type stubs leave them out.
    _client: Callable[..., Any]
    _get_connection_pool_index: Callable[[bool], int]
    _get_connection_pool: Callable[[bool], Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


def _fail_open(default: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def wrapped(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                logger.warning(
                    "cache unavailable, continuing without it", extra={"operation": method.__name__, "error": str(exc)}
                )
                return default(*args, **kwargs)

        return wrapped

    return decorator


def _default_arg(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return kwargs.get("default", default)


# INCR of each key that exists, in one round trip: a version key never read stays missing (versions.py).
_INCR_EXISTING = "for _, key in ipairs(KEYS) do if redis.call('EXISTS', key) == 1 then redis.call('INCR', key) end end"


class ResilientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _fail_open(_default_arg)(RedisCache.get)
    set = _fail_open(lambda *a, **k: None)(RedisCache.set)
    add = _fail_open(lambda *a, **k: False)(RedisCache.add)
    incr = _fail_open(lambda key, delta=1, *a, **k: delta)(RedisCache.incr)
    touch = _fail_open(lambda *a, **k: False)(RedisCache.touch)
    delete = _fail_open(lambda *a, **k: False)(RedisCache.delete)
    get_many = _fail_open(lambda *a, **k: {})(RedisCache.get_many)
    set_many = _fail_open(lambda *a, **k: [])(RedisCache.set_many)
    delete_many = _fail_open(lambda *a, **k: None)(RedisCache.delete_many)
    has_key = _fail_open(lambda *a, **k: False)(RedisCache.has_key)
    clear = _fail_open(lambda *a, **k: False)(RedisCache.clear)

    @_fail_open(lambda *a, **k: None)
    def incr_existing(self, keys: list[str]) -> None:
        """`incr` of each key that exists (the others are left missing), in one round trip where `incr` takes
        two per key (EXISTS, then INCR)."""
        made = [self.make_and_validate_key(key) for key in keys]
        if made:
            self._cache.get_client(None, write=True).eval(_INCR_EXISTING, len(made), *made)

    def raw_access(self) -> tuple[Any, Any]:
        """The primary's Redis client and the serializer of the values this cache stores in it (`dumps`, `loads`), for
        a caller that sends its own commands (market/core/read_ahead.py: a count and reads in one round trip, which
        Django's cache API cannot say, and kept parts written without that API's per-call overhead)."""
        serializer = self._cache._serializer  # type: ignore[attr-defined]  # Django sets it; the stubs omit it
        return self._cache.get_client(None, write=True), serializer

    @_fail_open(lambda *a, **k: 0)
    def delete_matching(self, pattern: str, *, batch: int = 10_000) -> int:
        """Delete every key matching the glob `pattern` (before the key prefix and version are added), scanning
        rather than KEYS so that Redis keeps answering others meanwhile. The number deleted."""
        client = self._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=self.make_key(pattern), count=batch))
        return sum(client.delete(*keys[start : start + batch]) for start in range(0, len(keys), batch))
