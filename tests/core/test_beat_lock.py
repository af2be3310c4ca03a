"""Beat stays single: two real `celery beat` processes on one Redis broker, and only one of them sends the
periodic tasks; when it dies the other takes over (market/core/beat.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import ROOT, process_env

pytestmark = [pytest.mark.worker]
INTERVAL = 0.5  # the notification relay's period, sent to the "notifications" queue
LOCK_SECONDS = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[redis.Redis]:
    """A private Redis server, so the count of queued tasks is ours alone."""
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield client
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def beat(tmp_path: Path, broker: redis.Redis) -> Iterator[Callable[[str], subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    url = f"redis://127.0.0.1:{broker.connection_pool.connection_kwargs['port']}/0"

    def start(name: str) -> subprocess.Popen:
        env = process_env(
            CELERY_BROKER_URL=url,
            NOTIFICATIONS_RELAY_INTERVAL_SECONDS=str(INTERVAL),
            BEAT_LOCK_SECONDS=str(LOCK_SECONDS),
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "market", "beat", "--loglevel", "INFO",
             "--schedule", str(tmp_path / f"schedule-{name}"), "--pidfile", ""],
            cwd=ROOT, env=env, stdout=(tmp_path / f"{name}.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def log(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text(errors="replace")


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def relays_queued(broker: redis.Redis) -> int:
    return int(broker.llen("notifications"))


def test_two_beats_schedule_once_and_the_second_takes_over_when_the_first_dies(tmp_path, broker, beat):
    first = beat("first")
    wait_for(lambda: "beat lock taken" in log(tmp_path, "first"), 60, "the first beat to take the lock")
    second = beat("second")
    wait_for(lambda: "another beat holds the lock" in log(tmp_path, "second"), 60, "the second beat to wait")

    before = relays_queued(broker)
    window = 4.0
    time.sleep(window)
    sent = relays_queued(broker) - before
    # One beat sends a relay every INTERVAL; two would send twice as many.
    assert window / INTERVAL - 2 <= sent <= window / INTERVAL + 2, sent
    assert "beat lock taken" not in log(tmp_path, "second")

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    wait_for(lambda: "beat lock taken" in log(tmp_path, "second"), LOCK_SECONDS + 10, "the second beat to take over")
    resumed = relays_queued(broker)
    wait_for(lambda: relays_queued(broker) >= resumed + 3, 10, "relays sent by the second beat")
    assert second.poll() is None
