"""Notifications benchmark: N e-mails through the outbox to a local SMTP server with 2 worker processes.

    python -m bench notifications [--count 10000] [--members 10] [--workers 2] [--batch 50]

What it does:
1. creates a fresh PostgreSQL database (<name of DATABASE_URL's database>_notify_bench), migrated;
2. starts a private redis-server (the broker), an aiosmtpd server on 127.0.0.1 that counts what arrives,
   a Celery beat and `--workers` worker processes (concurrency 1 each) sending to that server;
3. with the workers idle, writes count/members events through notify(), each in its own transaction and
   each to one cooperative with `members` members (so count rows: e-mail only);
4. waits until the SMTP server has them all, then reports the time, sends/s, and the duplicates and losses
   counted at the SMTP server (by the X-Market-Notification header of each message).

Results go to stdout (and to --result FILE as JSON, which `python -m bench report` reads). Speed depends on
the machine: the figures in the README were measured on a 2-core machine shared with other work.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingSmtp:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()
        self.first_at: float | None = None
        self.last_at: float | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's API
        marker = b"X-Market-Notification: "
        content = envelope.original_content
        start = content.find(marker)
        value = content[start + len(marker) : content.find(b"\r\n", start)].decode() if start >= 0 else "?"
        now = time.monotonic()
        with self.lock:
            self.ids.append(value)
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 2.0.0 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.ids)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench notifications", description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="e-mails to send (default 10000)")
    parser.add_argument("--members", type=int, default=10, help="members per cooperative (recipients per event)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--batch", type=int, default=50, help="rows a relay claims at a time")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    parser.add_argument("--result", type=Path, help="also write the result as JSON to this file")
    args = parser.parse_args(argv)

    import django

    django.setup()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command lines
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection, transaction

    from market.notifications.models import Notification, Status
    from market.notifications.services import notify
    from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User
    from tests.conftest import process_env

    events = max(1, args.count // args.members)
    total = events * args.members
    from bench.env import bench_database_url, database_name, drop_database, ensure_database

    bench_url = bench_database_url(purpose="notify")
    ensure_database(bench_url, recreate=True)  # a copy of the migrated template: seconds, not a migration
    connection.close()
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = database_name(bench_url)
    scratch = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    processes: list[subprocess.Popen] = []
    sink = CountingSmtp()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    try:
        # The broker: a private Redis, so that nothing else on the machine competes for its queue.
        broker = settings.CELERY_BROKER_URL
        if shutil.which("redis-server"):
            redis_port = free_port()
            processes.append(
                subprocess.Popen(
                    [
                        "redis-server",
                        "--port",
                        str(redis_port),
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
                )
            )
            broker = f"redis://127.0.0.1:{redis_port}/0"
            time.sleep(0.5)
        controller.start()

        # People: `events` cooperatives with `members` members each.
        organisations = Organisation.objects.bulk_create(
            [
                Organisation(
                    kind=OrganisationKind.COOPERATIVE,
                    name=f"HTX Thử tải {i}",
                    legal_name=f"Hợp tác xã Thử tải {i}",
                    province_code=91,
                )
                for i in range(events)
            ]
        )
        users = User.objects.bulk_create(
            [
                User(email=f"thanh-vien-{i}-{j}@bench.example", full_name=f"Thành viên {i}.{j}", language="vi")
                for i in range(events)
                for j in range(args.members)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=users[i * args.members + j], organisation=organisations[i], role=Role.STAFF)
                for i in range(events)
                for j in range(args.members)
            ]
        )

        env = process_env(
            CELERY_BROKER_URL=broker,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            NOTIFICATIONS_RELAY_INTERVAL_SECONDS="1",
            NOTIFICATIONS_BATCH_SIZE=str(args.batch),
        )
        celery = [sys.executable, "-m", "celery", "-A", "market"]
        logs = []
        for index in range(args.workers):
            log = scratch / f"worker-{index}.log"
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [
                        *celery,
                        "worker",
                        "--loglevel",
                        "INFO",
                        "--concurrency",
                        "1",
                        "--pool",
                        "prefork",
                        "--hostname",
                        f"bench-{index}@localhost",
                        "--without-mingle",
                        "--without-gossip",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
        processes.append(
            subprocess.Popen(
                [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(scratch / "beat-schedule")],
                cwd=ROOT,
                env=env,
                stdout=(scratch / "beat.log").open("w"),
                stderr=subprocess.STDOUT,
            )
        )
        wait_for(lambda: all(" ready." in log.read_text(errors="replace") for log in logs), 120, "the workers")
        print(f"{args.workers} workers ready; writing {events} events × {args.members} members …", flush=True)

        started = time.monotonic()
        for organisation in organisations:
            with transaction.atomic():
                notify(
                    kind="organisations.verified",
                    recipients=[organisation],
                    context={"organisation_id": organisation.pk, "organisation_name": organisation.name},
                    object_ref=organisation,
                    channels=["email"],
                )
        written = time.monotonic()
        print(f"outbox written in {written - started:.1f} s; waiting for the SMTP server …", flush=True)
        wait_for(lambda: sink.count() >= total, args.timeout, f"{total} messages")
        delivered = time.monotonic()
        time.sleep(3)  # give any duplicate the chance to arrive before counting
        counts = Counter(sink.ids)
        distinct = len(counts)
        duplicates = sum(n - 1 for n in counts.values())
        statuses = Counter(Notification.objects.values_list("status", flat=True))
        attempts = Counter(Notification.objects.values_list("attempts", flat=True))
        result = {
            "benchmark": "notifications",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "workers": args.workers,
            "batch_size": args.batch,
            "events": events,
            "notifications": total,
            "outbox_write_seconds": round(written - started, 2),
            "outbox_rows_per_second": round(total / (written - started), 1),
            "total_seconds": round(delivered - started, 2),
            "sends_per_second": round(total / (delivered - started), 1),
            "drain_after_last_write_seconds": round(delivered - written, 2),
            "received_at_smtp": len(sink.ids),
            "distinct_at_smtp": distinct,
            "duplicates": duplicates,
            "losses": total - distinct,
            "rows_sent": statuses.get(Status.SENT, 0),
            "rows_by_status": dict(statuses),
            "attempts_histogram": {str(k): v for k, v in sorted(attempts.items())},
        }
        print(json.dumps(result, indent=2, ensure_ascii=False))
        if args.result:
            args.result.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        return 0 if duplicates == 0 and result["losses"] == 0 else 1
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        controller.stop()
        connection.close()
        drop_database(bench_url)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
