"""A small HTTP client for the write scenarios (checkouts, races, webhooks), with the server's cost headers."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bench.instrument import QUERIES_HEADER, REDIS_HEADER


@dataclass(frozen=True)
class Answer:
    status: int  # 0 when the connection failed (counted, never hidden)
    ms: float
    queries: int | None
    redis: int | None
    body: bytes


class Client:
    def __init__(self, base: str, token: str = "") -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        self.token = token

    def request(
        self, method: str, path: str, body: bytes | dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        sent = dict(headers or {})
        if self.token:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            content = response.read()
        except OSError:
            self.connection.close()
            return Answer(status=0, ms=(time.perf_counter() - started) * 1000, queries=None, redis=None, body=b"")
        ms = (time.perf_counter() - started) * 1000

        def header(name: str) -> int | None:
            value = response.getheader(name)
            return int(value) if value and value.isdigit() else None

        return Answer(response.status, ms, header(QUERIES_HEADER), header(REDIS_HEADER), content)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None) -> Answer:
        return self.request("POST", path, body, headers)


def race(base: str, jobs: Sequence[Callable[[Client], Answer]], tokens: Sequence[str]) -> tuple[list[Answer], float]:
    """Each job on its own connection and thread, all released at once by a barrier; (answers, seconds)."""
    barrier = threading.Barrier(len(jobs))
    answers: list[Answer] = []
    lock = threading.Lock()

    def run(job: Callable[[Client], Answer], token: str) -> None:
        client = Client(base, token)
        barrier.wait()
        answer = job(client)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(jobs, tokens, strict=True)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, time.monotonic() - started


def statuses(answers: Sequence[Answer]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers:
        counts[str(answer.status)] = counts.get(str(answer.status), 0) + 1
    return dict(sorted(counts.items()))


def server_errors(answers: Sequence[Answer]) -> int:
    return sum(1 for a in answers if a.status >= 500 or a.status == 0)
