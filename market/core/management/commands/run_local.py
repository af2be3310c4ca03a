"""Runs the whole zero-setup stack in the foreground: web (gunicorn), Celery worker and beat.

`make run` calls this after migrating and seeding. Ctrl-C (or SIGTERM) stops every process cleanly.
"""

from __future__ import annotations

import os
import signal
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
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Market Link is running at {url}  (API docs: {url}api/docs/)"))
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
