"""A client of incremental sync as an ERP runs it (docs/api-sync.md), and a writer whose transaction commits
late, for the tests of the lists that sync."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.db import connections, transaction


def since(moment: datetime) -> str:
    """The first poll's query."""
    return "updated_since=" + quote(moment.isoformat())


def pull(client: Any, url: str, start: str, keep: Callable[[dict[str, Any]], None], *, page_size: int = 2) -> str:
    """Page `url` from `start` (a sync cursor, or the first poll's `since(…)`) until `next` is null, handing
    each row to `keep`, oldest change first; return the cursor to keep for the next poll."""
    query = start if start.startswith("updated_since=") else f"cursor={start}"
    next_url: str | None = f"{url}?{query}&page_size={page_size}"
    cursor = ""
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        body = response.json()
        for row in body["results"]:
            keep(row)
        cursor, next_url = body["sync_cursor"], body["next"]
    return cursor


@contextmanager
def committed_late(write: Callable[[], object]) -> Iterator[None]:
    """Run `write` in a transaction on a connection of its own (another thread) and hold that transaction open
    while the block runs: what it writes is stamped now and committed when the block ends. Needs
    `django_db(transaction=True)`."""
    stamped, release = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                write()
                stamped.set()
                release.wait(timeout=30)
        except BaseException as error:  # reported by the caller's thread
            failed.append(error)
        finally:
            stamped.set()
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert stamped.wait(timeout=30)
        assert not failed, failed
        yield
    finally:
        release.set()
        thread.join(timeout=30)
    assert not failed, failed
