"""The zero-setup Celery broker (`make run`): kombu's filesystem transport, made safe for several processes.

Why a subclass of the filesystem transport rather than another broker that needs no server:
- kombu's own filesystem transport (5.7) creates a message file in the queue folder, then locks and writes
  it. A worker listing the folder in between moves the still-empty file away, fails to decode it
  (JSONDecodeError) and exits; `make run` met this within minutes of light traffic. Its exchange tables
  have the same gap: they are opened with truncation before they are locked, so a publisher can read an
  empty table.
- `memory://` does not cross processes (web, worker and beat are separate processes); kombu's SQLAlchemy
  transport needs a new dependency, has no fanout (no `celery inspect`, no remote control) and would poll
  the SQLite file that the web process writes, adding to its lock contention.
- The filesystem transport already works across processes, beat included, with folders `make run`
  creates; only its writes and its hand-over to a worker need fixing.

What this transport changes:
- A message (and an exchange table) is written in full under a temporary name in `temp_folder`, outside
  the queue folder but on the same file system, then `os.replace`d into place. A rename is atomic on
  POSIX: a worker sees no file or the whole message, never part of one.
- A worker claims a message by renaming it into `processed_folder` (atomic: two consumers never both get
  it) instead of `shutil.move` to the system temporary folder, which copies when that folder is on another
  file system.
- Writers of an exchange table take turns on a lock file beside it; readers never wait.

Settings select it for `filesystem://` broker URLs (CELERY_BROKER_TRANSPORT = "market.core.broker:Transport").
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

Table = list[filesystem.exchange_queue_t]


class Channel(filesystem.Channel):
    @cached_property
    def temp_folder(self) -> str:
        default = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_out)), "tmp")
        return self.transport_options.get("temp_folder", default)

    def _write_atomically(self, path: str | Path, text: str) -> None:
        temporary = os.path.join(self.temp_folder, f"{uuid.uuid4()}.tmp")
        try:
            with open(temporary, "wb") as file:
                file.write(text.encode())
            os.replace(temporary, path)
        except OSError as exc:
            raise ChannelError(f"Cannot write {path!r}") from exc

    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]  # bases disagree
        # kwargs: what kombu passes along from publish (`mandatory` since 5.7); a file queue has no use for them.
        # The name sorts by time (the order workers read in) and ends with the queue, as kombu's does.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        self._write_atomically(os.path.join(self.data_folder_out, name), dumps(message))

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer took it first
            with open(claimed, "rb") as file:
                payload = file.read()
            if not self.store_processed:
                os.remove(claimed)
            return loads(payload)
        raise Empty()

    def _update_table(self, exchange: str, change: Callable[[Table], Table]) -> None:
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        with open(f"{file}.lock", "a") as guard:
            filesystem.lock(guard, filesystem.LOCK_EX)
            try:
                before = [filesystem.exchange_queue_t(*row) for row in loads(file.read_bytes())]
            except FileNotFoundError:
                before = []
            after = change(before)
            if after != before:
                self._write_atomically(file, dumps(after))

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        row = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._update_table(exchange, lambda rows: rows if row in rows else [row, *rows])

    def _delete(self, queue: str, exchange: str, routing_key: str, pattern: str, *args: Any, **kwargs: Any) -> None:
        virtual.Channel._delete(self, queue)  # purges the queue; kombu's override would rewrite the table in place
        row = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._update_table(exchange, lambda rows: [r for r in rows if r != row])


class Transport(filesystem.Transport):
    Channel = Channel
