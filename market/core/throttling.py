"""API rate limits: the "anon"/"user" rates of REST_FRAMEWORK, counted in a fixed window with one Redis
round trip (INCR + EXPIRE), once per request (as the user when logged in, else per address).

DRF's default keeps the list of every request time in the window and re-stores it on each request, which
costs more the higher the rate, and its default pair counts an anonymous request twice. While Redis is
unreachable the limits are not enforced (see market/core/cache.py): a request is never refused because
the counter is down."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from market.core.cache import UNREACHABLE


class FixedWindowMixin:
    # What DRF's SimpleRateThrottle, mixed in after this, provides.
    cache: Any
    rate: str | None
    num_requests: int
    duration: int
    get_cache_key: Callable[[Any, Any], str | None]

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.window_ends = (int(time.time()) // self.duration + 1) * self.duration
        key = f"{key}:{self.window_ends}"
        return self._count(key) <= self.num_requests

    def _count(self, key: str) -> int:
        client_source = getattr(self.cache, "_cache", None)
        if client_source is not None and hasattr(client_source, "get_client"):  # Redis: one round trip
            redis_key = self.cache.make_and_validate_key(key)
            try:
                pipe = client_source.get_client(redis_key, write=True).pipeline(transaction=False)
                pipe.incr(redis_key)
                pipe.expire(redis_key, self.duration + 1)
                return int(pipe.execute()[0])
            except UNREACHABLE:
                return 0
        if self.cache.add(key, 1, self.duration + 1):  # other caches (the file cache of `make run`)
            return 1
        try:
            return int(self.cache.incr(key))
        except ValueError:
            self.cache.add(key, 1, self.duration + 1)
            return 1

    def wait(self) -> float:
        return max(0.0, self.window_ends - time.time())


class AnonWindowThrottle(FixedWindowMixin, AnonRateThrottle):
    pass


class UserWindowThrottle(FixedWindowMixin, UserRateThrottle):
    pass


def throttles_for(request: Any) -> list[Any]:
    """One throttle per request: the user's quota when logged in, the address's otherwise."""
    user = getattr(request, "user", None)
    return [UserWindowThrottle() if user is not None and user.is_authenticated else AnonWindowThrottle()]
