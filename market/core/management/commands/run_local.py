"""Runs the whole zero-setup stack in the foreground: web (gunicorn), a Celery worker per queue group and beat —
and, when no Stripe key is configured, localstripe (a local Stripe test server) on 127.0.0.1 for card payments.

`make run` calls this after migrating and seeding. A process that dies is started again (with a growing pause
if it keeps dying) and the others keep running; Ctrl-C (or SIGTERM) stops every process cleanly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand

from market.celery import ensure_broker_folders

STOP_GRACE_SECONDS = 15
# A child that ran this long before dying is restarted after 1 s again; quicker deaths double the pause.
STABLE_AFTER_SECONDS = 60
MAX_RESTART_DELAY_SECONDS = 60
# Worker process name -> the queue it consumes.
WORKER_QUEUES = {
    "worker": "default",
    "worker-payments": "payments",
    "worker-notifications": "notifications",
    "worker-bulk": "bulk",
}


class Command(BaseCommand):
    help = "Run web + Celery worker + beat on the local default (SQLite, filesystem broker)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: object, host: str, port: int, web_workers: int, **options: object) -> None:
        ensure_broker_folders()
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        child_env = dict(os.environ)
        stripe_line = ""
        if settings.STRIPE_LOCAL:
            # Card payments against localstripe, bound to loopback, on a free port that web, worker and
            # beat are told about; its webhooks come back to our endpoint signed with the local secret.
            stripe_port = int(os.environ.get("LOCALSTRIPE_PORT") or _free_port())
            stripe_base = f"http://127.0.0.1:{stripe_port}"
            child_env["STRIPE_API_BASE"] = stripe_base
            stripe_line = f"Card payments: localstripe (test mode) at {stripe_base}; test card 4242 4242 4242 4242."
        commands = {
            "web": [
                python, "-m", "gunicorn", "market.wsgi:application",
                "--bind", f"{host}:{port}", "--workers", str(web_workers), "--access-logfile", "-",
                # gunicorn 27 shares one control socket per user by default; several sites run on one machine.
                "--control-socket", str(settings.VAR_DIR / "gunicorn.ctl"),
            ],
            # One worker per queue group (settings.CELERY_TASK_ROUTES), as in docker-compose.yml: a stalled
            # Stripe or a long reconciliation never holds up the notifications.
            **{
                name: [
                    python, "-m", "celery", "-A", "market", "worker", "--queues", queue,
                    "--loglevel", "INFO", "--concurrency", "1", "--hostname", f"local-{name}@%h",
                ]
                for name, queue in WORKER_QUEUES.items()
            },
            "beat": [
                python, "-m", "celery", "-A", "market", "beat",
                "--loglevel", "INFO", "--schedule", str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
            ],
        }  # fmt: skip
        if settings.STRIPE_LOCAL:
            commands["localstripe"] = [
                python, "-m", "market.payments.localstripe", "--host", "127.0.0.1", "--port", str(stripe_port),
                "--webhook-url", f"http://127.0.0.1:{port}/api/v1/payments/webhooks/stripe/",
                "--webhook-secret", settings.STRIPE_WEBHOOK_SECRET,
            ]  # fmt: skip
        children = {name: Child(name, command, child_env) for name, command in commands.items()}
        for child in children.values():
            self._log(child.start())
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Market Link is running at {url}  (API docs: {url}api/docs/)"))
        if stripe_line:
            self.stdout.write(stripe_line)
        self.stdout.write("Press Ctrl-C to stop web, worker and beat.")
        try:
            while not stopping:
                for child in children.values():
                    # After Ctrl-C the children die of it too: that is no reason to start them again.
                    if not stopping and (line := child.supervise()):
                        self._log(line)
                time.sleep(0.5)
        finally:
            _stop_all([child.process for child in children.values() if child.process is not None])
        self.stdout.write("Stopped.")

    def _log(self, line: str) -> None:
        self.stderr.write(f"[run_local {datetime.now().astimezone():%Y-%m-%d %H:%M:%S%z}] {line}")


class Child:
    """One process of the stack. A child that dies is started again after a pause that doubles with each
    quick death (1 s up to a minute), so a crash-looping child does not spin while the rest keep serving."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name, self.command, self.env = name, command, env
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.quick_deaths = 0

    def start(self) -> str:
        self.process = subprocess.Popen(self.command, env=self.env)  # noqa: S603
        self.started_at, self.restart_at = time.monotonic(), None
        return f"started {self.name} (pid {self.process.pid})"

    def supervise(self) -> str | None:
        """Notice a death and schedule the restart, or restart when it is due; returns what to log."""
        now = time.monotonic()
        if self.restart_at is not None:
            return self.start() if now >= self.restart_at else None
        if self.process is None or self.process.poll() is None:
            return None
        self.quick_deaths = self.quick_deaths + 1 if now - self.started_at < STABLE_AFTER_SECONDS else 1
        delay = min(MAX_RESTART_DELAY_SECONDS, 2 ** (self.quick_deaths - 1))
        self.restart_at = now + delay
        when = datetime.now().astimezone() + timedelta(seconds=delay)
        return (
            f"{self.name} (pid {self.process.pid}) exited with code {self.process.returncode}; "
            f"restarting it in {delay} s, at {when:%H:%M:%S}"
        )


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
