"""Soak: the zero-setup stack as `make run` starts it, under a steady stream of background work.

    python -m bench soak [--minutes 10] [--json result.json] [--keep]

What it does:
1. in a fresh folder (MARKET_VAR_DIR), the demo as `make run` seeds it (a copy of today's: bench/sqlite_demo.py);
2. starts `manage.py run_local` (gunicorn, Celery worker and beat on the filesystem broker, localstripe),
   e-mail going to an SMTP server in this process that counts what arrives;
3. for `--minutes`, every second: a bank notification signed with the dev secret POSTed to the webhook;
   every 2 s: notify() to a demo cooperative (outbox rows the relay delivers by e-mail); every 15 s: a card
   payment in localstripe, whose Stripe events come back signed to the webhook; every 60 s: a
   reconciliation requested by alliance staff on their page;
4. waits for the work to drain, then counts in the database what was asked and what ran, and reads
   run_local's log for children that exited or were restarted; stops the stack with SIGINT (Ctrl-C).

Prints a JSON summary (also saved to bench/results/soak-<time>.json, and to --json); exits 1 when a task
did not run, an e-mail arrived twice or not at all, or a process exited.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.sqlite_demo import DATABASE_NAME, copy_seeded_demo

ROOT = Path(__file__).resolve().parent.parent
# Variables of the test environment that must not leak into the zero-setup default.
TEST_ONLY = ("DJANGO_SETTINGS_MODULE", "MARKET_ENV", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MARKET_VAR_DIR")
STAFF_EMAIL = "nhanvien@lienminh-angiang.example"
SEPAY_ID_BASE = 9_000_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingSmtp:
    """An SMTP server handler that records the X-Market-Notification id of each message."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's API
        found = re.search(rb"X-Market-Notification: (\d+)", envelope.original_content)
        with self.lock:
            self.ids.append(found.group(1).decode() if found else "?")
        return "250 2.0.0 Message accepted for delivery"


class Browser:
    """A session with cookies and the CSRF token, as a person's browser has."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path: str, form: dict[str, str] | None = None) -> int:
        data = None
        if form is not None:
            token = next(c.value for c in self.cookies if c.name == "csrftoken")
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def login(self, email: str, password: str) -> None:
        self.request("/login/")
        self.request("/login/", {"username": email, "password": password})


def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    headers = {"Content-Type": "application/json", **headers}
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(1)
    return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="how long to send work (default 10)")
    parser.add_argument("--drain", type=float, default=300, help="seconds to wait for the last work to run")
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    parser.add_argument("--keep", action="store_true", help="keep the folder (database, logs) afterwards")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="soak-"))
    var, port, stripe_port, smtp_port = scratch / "var", free_port(), free_port(), free_port()
    var.mkdir()
    for name in TEST_ONLY:
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="market.settings",
        MARKET_VAR_DIR=str(var),
        LOCALSTRIPE_PORT=str(stripe_port),
        STRIPE_API_BASE=f"http://127.0.0.1:{stripe_port}",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
    )
    manage = [sys.executable, "manage.py"]
    print(f"soak in {scratch}: the seeded demo …", flush=True)
    copy_seeded_demo(var / DATABASE_NAME, var)

    import django

    django.setup()
    import logging

    for noisy in ("mail.log", "stripe"):  # aiosmtpd's per-command lines, the SDK's per-request lines
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import transaction

    from market.notifications.models import Channel, Notification, Status
    from market.notifications.services import notify
    from market.organisations.models import Organisation, OrganisationKind
    from market.payments import bank_webhook, stripe_gateway
    from market.payments.models import Provider, ReconciliationRun, RunStatus, WebhookEvent, WebhookEventStatus

    sink = CountingSmtp()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    log = scratch / "run_local.log"
    stack = subprocess.Popen(
        [*manage, "run_local", "--port", str(port)],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    sent: Counter[str] = Counter()
    problems: list[str] = []
    try:
        if not wait_for(lambda: stack.poll() is None and _up(f"{base}/healthz"), 180):
            raise SystemExit(f"the stack did not start:\n{log.read_text()[-3000:]}")
        staff = Browser(base)
        staff.login(STAFF_EMAIL, "marketlink-demo")
        cooperatives = list(Organisation.objects.filter(kind=OrganisationKind.COOPERATIVE).order_by("pk"))
        started = datetime.now(UTC)
        runs = ReconciliationRun.objects.filter(started_at__gte=started)
        staff_runs = runs.filter(trigger="staff")
        print(f"stack up at {base}; sending work for {args.minutes:g} min …", flush=True)
        end = time.monotonic() + args.minutes * 60
        tick = 0
        while time.monotonic() < end:
            next_tick = time.monotonic() + 1
            body = json.dumps(
                {
                    "id": SEPAY_ID_BASE + tick,
                    "gateway": "Vietcombank",
                    "transactionDate": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                    "accountNumber": "0071000123456",
                    "content": f"SOAK {tick} chuyen khoan",
                    "transferType": "in",
                    "transferAmount": 150_000 + tick,
                    "referenceCode": f"SOAK{tick:08d}",
                }
            ).encode()
            signature = bank_webhook.sign(body, settings.BANK_WEBHOOK_SECRET)
            status = post_json(f"{base}/api/v1/payments/webhooks/bank/", body, {"X-Market-Signature": signature})
            sent["bank_webhooks"] += 1
            if status != 200:
                problems.append(f"bank webhook {tick} answered {status}")
            if tick % 2 == 0:
                cooperative = cooperatives[tick // 2 % len(cooperatives)]
                with transaction.atomic():
                    notify(
                        kind="organisations.verified",
                        recipients=[cooperative],
                        context={"organisation_id": cooperative.pk, "organisation_name": cooperative.name},
                        object_ref=("soak", tick),
                    )
                sent["notify_calls"] += 1
            if tick % 15 == 0:
                stripe_gateway.client().v1.payment_intents.create(
                    {"amount": 1_500_000, "currency": "vnd", "payment_method": "pm_card_visa", "confirm": True}
                )
                sent["card_payments"] += 1
            if tick % 60 == 30:
                before = staff_runs.count()
                if staff.request("/staff/payments/reconciliation/", {}) != 200:
                    problems.append(f"reconciliation request at tick {tick} failed")
                # Refused (and said so on the page) while another run, beat's perhaps, is still going.
                sent["reconciliation_requests" if staff_runs.count() > before else "reconciliation_refused"] += 1
            tick += 1
            if tick % 300 == 0:
                print(f"  {tick // 60} min: {dict(sent)}", flush=True)
            time.sleep(max(0.0, next_tick - time.monotonic()))

        soak_emails = Notification.objects.filter(object_type="soak", channel=Channel.EMAIL)
        soak_bank = WebhookEvent.objects.filter(provider=Provider.BANK_TRANSFER, received_at__gte=started)
        stripe_events = WebhookEvent.objects.filter(provider=Provider.STRIPE, received_at__gte=started)
        waiting = [WebhookEventStatus.RECEIVED, WebhookEventStatus.FAILED]

        def drained() -> bool:
            return (
                not soak_emails.exclude(status__in=[Status.SENT, Status.HELD]).exists()
                and {str(pk) for pk in soak_emails.filter(status=Status.SENT).values_list("pk", flat=True)}
                <= set(sink.ids)
                and not soak_bank.filter(status__in=waiting).exists()
                and not stripe_events.filter(status__in=waiting).exists()
                and not runs.filter(finished_at=None).exists()
            )

        print("waiting for the last work to run …", flush=True)
        wait_for(drained, args.drain)
        time.sleep(5)  # a duplicate e-mail would arrive now
        finished = datetime.now(UTC)
        output = log.read_text(errors="replace")
        restarts = re.findall(r"^.*exited with code.*$", output, re.MULTILINE)
        starts = re.findall(r"started (\w+) \(pid \d+\)", output)
        emails = Counter(sink.ids)
        soak_sent = {str(pk) for pk in soak_emails.filter(status=Status.SENT).values_list("pk", flat=True)}
        result: dict[str, Any] = {
            "benchmark": "soak",
            "when": started.isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "minutes": round((finished - started).total_seconds() / 60, 1),
            "sent": dict(sent),
            "bank_webhooks": _by_status(soak_bank),
            "stripe_events": _by_status(stripe_events),
            "notifications_email": dict(Counter(soak_emails.values_list("status", flat=True))),
            "emails_received": len(sink.ids),  # the soak's and any other the stack sent meanwhile
            "emails_received_twice": sum(1 for n in emails.values() if n > 1),
            "soak_emails_received": len(soak_sent & set(emails)),
            "reconciliation_runs": {
                f"{t} {st}": n for (t, st), n in Counter(runs.values_list("trigger", "status")).items()
            },
            "processes_started": dict(Counter(starts)),
            "restarts": restarts,
            "stack_running": stack.poll() is None,
            "problems": problems,
        }
        checks = {
            "every bank notification stored once and processed": result["bank_webhooks"]
            == {WebhookEventStatus.PROCESSED.value: sent["bank_webhooks"]},
            "every Stripe event processed": bool(stripe_events.count())
            and not stripe_events.filter(status__in=waiting).exists(),
            "every e-mail row sent and received, none twice": bool(soak_sent)
            and not soak_emails.exclude(status__in=[Status.SENT, Status.HELD]).exists()
            and soak_sent <= set(emails)
            and result["emails_received_twice"] == 0,
            "every reconciliation ran to completion": staff_runs.filter(status=RunStatus.COMPLETED).count()
            == sent["reconciliation_requests"]
            and runs.count() == runs.filter(status=RunStatus.COMPLETED).count(),
            "no process exited or restarted": not restarts
            and result["stack_running"]
            and result["processes_started"] == dict.fromkeys(["web", "worker", "beat", "localstripe"], 1),
            "every request answered": not problems,
        }
        result["checks"] = checks
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGINT)  # as Ctrl-C in a terminal
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
        controller.stop()
    output = log.read_text(errors="replace")
    result["stopped_cleanly"] = "Stopped." in output
    # What the worker logged, per task: each one received ran (the soak's own tasks all drained above).
    worker: dict[str, Counter[str]] = {}
    for name, outcome in re.findall(r'"message": "Task ([\w.]+)\[[^\]]+\] (received|succeeded|failed|retry)', output):
        worker.setdefault(name, Counter())[outcome] += 1
    result["worker_tasks"] = {name: dict(counts) for name, counts in sorted(worker.items())}
    soak_tasks = ("market.payments.tasks.process_webhook_event", "market.payments.tasks.run_reconciliation")
    result["checks"]["the worker ran every soak task it received, none failed"] = all(
        worker.get(name, Counter())["received"] == worker.get(name, Counter())["succeeded"] > 0 for name in soak_tasks
    ) and not any(counts["failed"] for counts in worker.values())
    result["ok"] = all(result["checks"].values()) and result["stopped_cleanly"]
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    text = json.dumps(result, indent=2, default=str)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"soak-{started:%Y%m%dT%H%M%SZ}.json").write_text(text)
    if args.json:
        args.json.write_text(text)
    if args.keep or not result["ok"]:
        print(f"logs and database kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if result["ok"] else 1


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except OSError:
        return False


def _by_status(queryset) -> dict[str, int]:
    return dict(Counter(queryset.values_list("status", flat=True)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
