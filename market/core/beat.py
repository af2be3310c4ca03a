"""Celery beat that stays single: a second beat process waits for a lock instead of scheduling too.

Beat has no coordination of its own; two of them (a scaled service, a container restarted while its old self
is still stopping, an operator's stray `celery beat`) would each send every periodic task. Here each tick first
holds or renews a lock; a beat without the lock sends nothing and asks again soon.

- With a Redis broker the lock is a Redis key (SET NX PX with a random token, renewed by a compare-and-renew
  script): it expires BEAT_LOCK_SECONDS after its holder stops renewing it (a killed or frozen beat), and the
  standby takes over within that time.
- On the zero-setup filesystem broker (`make run`, one machine) it is an exclusive lock on a file under
  MARKET_VAR_DIR, released by the operating system when the holder dies.

A beat that takes over from another restarts its schedule from now: a job that fell due in the takeover gap
(at most BEAT_LOCK_SECONDS) waits for its next time, and none is sent twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import uuid
from typing import Any, Protocol

from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_KEY = "market:beat:lock"
# Renews the lock only if this beat still holds it (its token), atomically.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class BeatLock(Protocol):
    def hold(self) -> bool:
        """Take or renew the lock; True while this process holds it."""
        ...

    def release(self) -> None: ...


class RedisBeatLock:
    def __init__(self, url: str, seconds: float) -> None:
        import redis

        # Short timeouts: a frozen Redis must not freeze beat (it then simply does not hold the lock).
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.5)
        self.milliseconds = int(seconds * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"

    def hold(self) -> bool:
        import redis

        try:
            if self.client.set(LOCK_KEY, self.token, nx=True, px=self.milliseconds):
                return True
            return bool(self.client.eval(_RENEW, 1, LOCK_KEY, self.token, self.milliseconds))
        except redis.RedisError as exc:
            logger.warning("beat lock unavailable, not scheduling", extra={"error": str(exc)})
            return False

    def release(self) -> None:
        import redis

        with contextlib.suppress(redis.RedisError):
            self.client.eval(_RELEASE, 1, LOCK_KEY, self.token)


class FileBeatLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self.file: Any = None

    def hold(self) -> bool:
        if self.file is not None:
            return True
        file = open(self.path, "a+")  # noqa: SIM115 (kept open: the lock lives as long as the file)
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            file.close()
            return False
        self.file = file
        return True

    def release(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def beat_lock() -> BeatLock:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        return RedisBeatLock(url, settings.BEAT_LOCK_SECONDS)
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    return FileBeatLock(str(settings.VAR_DIR / "beat.lock"))


class SingleBeatScheduler(PersistentScheduler):
    """PersistentScheduler that sends only while it holds the beat lock (settings.CELERY_BEAT_SCHEDULER)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock = beat_lock()
        self.holding = False
        self.waited = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        # Renew well before expiry: three chances per lock period.
        renew_every = settings.BEAT_LOCK_SECONDS / 3
        if not self.lock.hold():
            if self.holding or not self.waited:
                logger.warning("another beat holds the lock; this one waits and sends nothing")
            self.holding, self.waited = False, True
            return renew_every
        if not self.holding:
            logger.info("beat lock taken; scheduling")
            if self.waited:
                self._restart_schedule_from_now()
            self.holding = True
        return min(super().tick(*args, **kwargs), renew_every)

    def _restart_schedule_from_now(self) -> None:
        """The beat we replace already sent what fell due while we waited."""
        now = self.app.now()
        for entry in self.schedule.values():
            entry.last_run_at = now
        self._heap = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.lock.release()
