"""The processes a benchmark starts and always stops: gunicorn, a private Redis, Celery workers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.env import ROOT

WORKER_CLASS = "sync"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str
    log: Path

    def url(self, path: str) -> str:
        return self.base + path


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"no answer at {url} after {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group it leads (gunicorn's workers, Celery's pool), then wait; SIGKILL if stuck."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def start_gunicorn(*, name: str, app: str, env: dict[str, str], workers: int, scratch: Path, ready: str) -> Server:
    """gunicorn on a free loopback port, `workers` sync workers, no control socket (several run at once)."""
    port = free_port()
    log = scratch / f"gunicorn-{name}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            WORKER_CLASS,
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(name=name, process=process, base=f"http://127.0.0.1:{port}", log=log)
    try:
        wait_until_up(server.url(ready), process, log)
    except BaseException:
        stop(process)
        raise
    return server


@contextmanager
def private_redis(scratch: Path) -> Iterator[dict[str, str]]:
    """A Redis for this run alone, without persistence: nothing else on the machine shares its keys or its
    queue. Yields the settings that point Market Link at it (cache on db 0, broker on db 1). Without a
    redis-server binary (Redis in a container), yields the environment's REDIS_URL and CELERY_BROKER_URL."""
    if shutil.which("redis-server") is None:
        print("redis-server is not installed here: using REDIS_URL and CELERY_BROKER_URL as they are", flush=True)
        yield {name: os.environ[name] for name in ("REDIS_URL", "CELERY_BROKER_URL") if name in os.environ}
        return
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(scratch),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the private redis-server did not start") from None
                time.sleep(0.1)
        yield {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/1"}
    finally:
        stop(process)


@contextmanager
def celery_worker(*, env: dict[str, str], scratch: Path, name: str, concurrency: int = 2) -> Iterator[Path]:
    """A Celery worker (prefork) on the run's broker; yields its log once it is ready."""
    log = scratch / f"celery-{name}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "market",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--hostname",
            f"bench-{name}@localhost",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env={**env, "BENCH_LOG_LEVEL": "INFO"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield log
    finally:
        stop(process)
