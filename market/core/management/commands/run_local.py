"""Runs the whole zero-setup stack in the foreground: web (gunicorn), Celery worker and beat — and, when no
Stripe key is configured, localstripe (a local Stripe test server) on 127.0.0.1 for card payments.

`make run` calls this after migrating and seeding. Ctrl-C (or SIGTERM) stops every process cleanly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType

from django.conf import settings
from django.core.management.base import BaseCommand

from market.celery import ensure_broker_folders

STOP_GRACE_SECONDS = 15


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
            ],
            "worker": [
                python, "-m", "celery", "-A", "market", "worker",
                "--loglevel", "INFO", "--concurrency", "2", "--hostname", "local-worker@%h",
            ],
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
        processes = {name: subprocess.Popen(cmd, env=child_env) for name, cmd in commands.items()}  # noqa: S603
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
        exit_code = 0
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping the rest.")
                        exit_code = 1
                        stopping = True
                time.sleep(0.5)
        finally:
            self._stop_all(processes)
        self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)

    def _stop_all(self, processes: dict[str, subprocess.Popen]) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
