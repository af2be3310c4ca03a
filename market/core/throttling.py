"""API rate limits: the "anon"/"user" rates of REST_FRAMEWORK, counted in a fixed window with one Redis
round trip (INCR + EXPIRE), once per request (as the user when logged in, else per address).

DRF's default keeps the list of every request time in the window and re-stores it on each request, which
costs more the higher the rate, and its default pair counts an anonymous request twice. While Redis is
unreachable the limits are not enforced (see market/core/cache.py): a request is never refused because
the counter is down. A public read counts its window in the round trip that reads its versions
(`window` and `admits`, market.core.read_ahead)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from market.core import read_ahead


class FixedWindowMixin:
    # What DRF's SimpleRateThrottle, mixed in after this, provides.
    rate: str | None
    num_requests: int
    duration: int
    get_cache_key: Callable[[Any, Any], str | None]

    def window(self, request: Any, view: Any) -> read_ahead.Window | None:
        """This request's counter (None: not limited)."""
        if self.rate is None:
            return None
        return self.window_of(self.get_cache_key(request, view))

    def window_of(self, key: str | None) -> read_ahead.Window | None:
        """The current window's counter of the throttle's key `key` (None: not limited)."""
        if key is None:
            return None
        self.window_ends = (int(time.time()) // self.duration + 1) * self.duration
        return read_ahead.Window(f"{key}:{self.window_ends}", self.duration + 1)

    def admits(self, counted: int | None) -> bool:
        """Whether a request that made the window's count `counted` is allowed (None: not counted)."""
        return counted is None or counted <= self.num_requests

    def allow_request(self, request: Any, view: Any) -> bool:
        window = self.window(request, view)
        return window is None or self.admits(read_ahead.count(window))

    def wait(self) -> float:
        return max(0.0, self.window_ends - time.time())


class AnonWindowThrottle(FixedWindowMixin, AnonRateThrottle):
    def anonymous_window(self, request: Any) -> read_ahead.Window | None:
        """`window` of a request that presents no credential (catalog.api.public.takes_fast_path): the key
        AnonRateThrottle gives an anonymous user, without asking `request.user` (who is anonymous), whose set-up
        (the session, the auth backends) the public fast path ran for the throttle only (~25 µs)."""
        if self.rate is None:
            return None
        return self.window_of(self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)})


class UserWindowThrottle(FixedWindowMixin, UserRateThrottle):
    pass


def throttles_for(request: Any) -> list[Any]:
    """One throttle per request: the user's quota when logged in, the address's otherwise."""
    user = getattr(request, "user", None)
    return [UserWindowThrottle() if user is not None and user.is_authenticated else AnonWindowThrottle()]
