"""The bodies of a process's latest public answers, remembered by their ETag: a read asked again under the same
ETag is answered with the bytes made the first time, without reading PostgreSQL or building the body.

Why it is exact: an ETag covers everything its answer is made of (market.core.conditional: the data versions the
services move, today, the URL, the language, who asks, the deployed code), which is what lets a 304 stand for a
body already. Two answers with one ETag have one body, so the body made for an ETag is the body of every later
answer under it; an answer whose data changed has another ETag and is made afresh. Nothing here is the truth about
the data, which stays in PostgreSQL and the versions in Redis: another process remembers its own bodies, or none,
and answers the same.

Why in the process rather than in Redis (the pages keep their content there, market.core.read_ahead): an API body
of a product or a lot costs ~0.5 ms of the web process's CPU to read and build, and a Redis copy would add a
SET round trip to every answer not kept yet and a GET of its bytes to every other; here a miss costs a dict
insertion and a hit a dict lookup. Only the latest few are remembered (settings.API_REMEMBERED_BODIES): the popular
objects, asked again and again, stay; a stream of different ones (a crawler, the bench's cold targets cycling through
thousands) goes through without ever being served from here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

LARGEST = 64 * 1024  # a body's bytes at most: a process holds at most entries × LARGEST


class RememberedBodies:
    """The latest `entries` bodies by ETag, the least recently used forgotten first."""

    def __init__(self, *, entries: int, largest: int = LARGEST) -> None:
        self._entries = entries
        self._largest = largest
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # a threaded server (gunicorn's gthread, runserver) shares one per process

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(etag)
            if body is not None:
                self._bodies.move_to_end(etag)
            return body

    def put(self, etag: str, body: bytes) -> None:
        if len(body) > self._largest:
            return
        with self._lock:
            self._bodies[etag] = body
            self._bodies.move_to_end(etag)
            while len(self._bodies) > self._entries:
                self._bodies.popitem(last=False)
