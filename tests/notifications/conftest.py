"""Real servers on loopback for the notification tests: an SMTP server (aiosmtpd) that counts what arrives,
a Zalo ZNS + eSMS HTTP peer that checks request shapes, a private Redis that a test may stop, and Celery
workers (with beat) that a test may SIGKILL."""

from __future__ import annotations

import asyncio
import email
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import ROOT, process_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], Any], *, timeout: float = 60, interval: float = 0.1, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")


# --- SMTP ----------------------------------------------------------------------------------------
class SmtpSink:
    """What arrived, and knobs to make the server refuse, stall or slow down.

    - `rcpt_replies` / `data_replies`: replies used (and consumed) before the normal "250"
    - `hold_rcpt`: an Event; RCPT waits for it (the client is stuck before sending the message)
    - `hold_after_data`: an Event; the whole message has arrived and is stored, the "250" waits
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.rcpt_replies: list[str] = []
        self.data_replies: list[str] = []
        self.hold_rcpt: threading.Event | None = None
        self.hold_after_data: threading.Event | None = None
        self.reached = threading.Event()
        self.delay = 0.0
        self.port = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            reply = self.rcpt_replies.pop(0) if self.rcpt_replies else None
        if reply:
            return reply
        hold = self.hold_rcpt
        if hold is not None:
            self.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, hold.wait, 60)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            reply = self.data_replies.pop(0) if self.data_replies else None
        if reply:
            return reply
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        hold = self.hold_after_data
        if hold is not None:
            self.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, hold.wait, 60)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 2.0.0 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def notification_ids(self) -> list[str]:
        with self._lock:
            return [str(m["X-Market-Notification"]) for m in self.messages]

    def settings(self) -> dict[str, Any]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 5,
        }


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    for hold in (sink.hold_rcpt, sink.hold_after_data):
        if hold is not None:
            hold.set()
    controller.stop()


# --- Zalo ZNS and eSMS ---------------------------------------------------------------------------
ZALO_APP_ID = "4291763606161179100"
ZALO_SECRET = "zalo-app-secret-for-tests"
ESMS_KEY = "esms-api-key"
ESMS_SECRET = "esms-secret-key"
ZNS_KEYS = {"phone", "template_id", "template_data", "tracking_id"}
ESMS_KEYS = {"ApiKey", "SecretKey", "Phone", "Content", "Brandname", "SmsType", "IsUnicode", "Sandbox", "RequestId"}


@dataclass
class ProviderPeer:
    """Zalo's OAuth + ZNS endpoints and eSMS's send endpoint, as documented, with strict request checks.
    A request of the wrong shape gets HTTP 400 and is listed in `violations`."""

    url: str = ""
    refresh_token: str = "rt-seed-0"
    access_token: str = ""
    refreshes: int = 0
    zns: list[dict[str, Any]] = field(default_factory=list)
    zns_headers: list[dict[str, str]] = field(default_factory=list)
    zns_replies: list[dict[str, Any]] = field(default_factory=list)
    sms: list[dict[str, Any]] = field(default_factory=list)
    sms_replies: list[dict[str, Any]] = field(default_factory=list)
    sms_request_ids: set[str] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)

    def zalo_settings(self, templates: str = "organisations.verified=231456,organisations.rejected=231457") -> dict:
        return {
            "ZALO_APP_ID": ZALO_APP_ID,
            "ZALO_APP_SECRET": ZALO_SECRET,
            "ZALO_REFRESH_TOKEN": "rt-seed-0",
            "ZALO_ZNS_TEMPLATES": templates,
            "ZALO_ZNS_API_URL": self.url,
            "ZALO_OAUTH_URL": self.url,
            "ZALO_ZNS_DEVELOPMENT_MODE": False,
        }

    def sms_settings(self, *, unicode: bool = False) -> dict:
        return {
            "ESMS_API_KEY": ESMS_KEY,
            "ESMS_SECRET_KEY": ESMS_SECRET,
            "ESMS_BRANDNAME": "LIENMINHHTX",
            "ESMS_API_URL": self.url,
            "ESMS_SANDBOX": False,
            "ESMS_UNICODE": unicode,
            "ESMS_CALLBACK_URL": "",
        }


def _provider_handler(peer: ProviderPeer, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _bad(self, why: str) -> None:
            with lock:
                peer.violations.append(f"{self.path}: {why}")
            self._reply(400, {"error": "bad request", "why": why})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/v4/oa/access_token":
                return self._oauth(raw)
            if self.path == "/message/template":
                return self._zns(raw)
            if self.path == "/MainService.svc/json/SendMultipleMessage_V4_post_json/":
                return self._esms(raw)
            return self._reply(404, {"error": "not found"})

        def _oauth(self, raw: bytes) -> None:
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                return self._bad("OAuth wants a form body")
            if self.headers.get("secret_key") != ZALO_SECRET:
                return self._bad("secret_key header missing or wrong")
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            if form.get("app_id") != ZALO_APP_ID or form.get("grant_type") != "refresh_token":
                return self._bad(f"wrong form fields {sorted(form)}")
            with lock:
                if form.get("refresh_token") != peer.refresh_token:
                    # Zalo's refresh tokens are single-use.
                    return self._reply(200, {"error": -14014, "error_name": "Invalid refresh token"})
                peer.refreshes += 1
                peer.access_token = f"at-{peer.refreshes}-{uuid.uuid4().hex[:8]}"
                peer.refresh_token = f"rt-{peer.refreshes}"
                answer = {"access_token": peer.access_token, "refresh_token": peer.refresh_token, "expires_in": "90000"}
            return self._reply(200, answer)

        def _zns(self, raw: bytes) -> None:
            if not self.headers.get("Content-Type", "").startswith("application/json"):
                return self._bad("ZNS wants JSON")
            try:
                body = json.loads(raw)
            except ValueError:
                return self._bad("body is not JSON")
            keys = set(body) - {"mode"}
            if keys != ZNS_KEYS:
                return self._bad(f"keys {sorted(body)}")
            if not re.fullmatch(r"84\d{9,10}", str(body["phone"])):
                return self._bad(f"phone {body['phone']!r} is not 84xxxxxxxxx")
            data = body["template_data"]
            if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
                return self._bad("template_data must map names to strings")
            if not isinstance(body["tracking_id"], str) or len(body["tracking_id"]) > 48:
                return self._bad("tracking_id must be a short string")
            with lock:
                if self.headers.get("access_token") != peer.access_token or not peer.access_token:
                    return self._reply(200, {"error": -124, "message": "Access token is invalid"})
                peer.zns.append(body)
                peer.zns_headers.append(dict(self.headers))
                reply = peer.zns_replies.pop(0) if peer.zns_replies else None
            if reply is not None:
                return self._reply(200, reply)
            quota = {"dailyQuota": "500", "remainingQuota": "499"}
            msg_id = uuid.uuid4().hex
            return self._reply(
                200, {"error": 0, "message": "Success", "data": {"msg_id": msg_id, "sent_time": "1", "quota": quota}}
            )

        def _esms(self, raw: bytes) -> None:
            try:
                body = json.loads(raw)
            except ValueError:
                return self._bad("body is not JSON")
            missing = ESMS_KEYS - set(body)
            if missing:
                return self._bad(f"missing {sorted(missing)}")
            if body["ApiKey"] != ESMS_KEY or body["SecretKey"] != ESMS_SECRET:
                return self._reply(200, {"CodeResult": "101", "ErrorMessage": "Incorrect ApiKey or SecretKey"})
            if body["SmsType"] != "2" or body["IsUnicode"] not in {"0", "1"} or body["Sandbox"] not in {"0", "1"}:
                return self._bad("SmsType/IsUnicode/Sandbox must be the documented strings")
            if not re.fullmatch(r"0\d{9}", str(body["Phone"])):
                return self._bad(f"phone {body['Phone']!r}")
            if body["IsUnicode"] == "0" and not str(body["Content"]).isascii():
                return self._bad("non-Unicode SMS with diacritics")
            with lock:
                if body["RequestId"] in peer.sms_request_ids:
                    return self._reply(200, {"CodeResult": "124", "ErrorMessage": "Duplicate RequestId"})
                reply = peer.sms_replies.pop(0) if peer.sms_replies else None
                if reply is None:
                    peer.sms_request_ids.add(body["RequestId"])
                    peer.sms.append(body)
            if reply is not None:
                return self._reply(200, reply)
            return self._reply(200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": uuid.uuid4().hex})

    return Handler


@pytest.fixture
def provider_server() -> Iterator[ProviderPeer]:
    peer = ProviderPeer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _provider_handler(peer, threading.Lock()))
    peer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield peer
    server.shutdown()
    server.server_close()


# --- a private Redis that a test may stop --------------------------------------------------------
class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, timeout=15, what="the private redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


# --- Celery workers with beat, in their own process group ----------------------------------------
class RelayWorker:
    def __init__(self, process: subprocess.Popen, name: str, log: Path) -> None:
        self.process, self.name, self.log = process, name, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker: the main process, its pool children and its beat."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


RELAY_ENV = {
    "NOTIFICATIONS_RELAY_INTERVAL_SECONDS": "0.5",
    "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "3",
    "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.2",
    "NOTIFICATIONS_RETRY_MAX_SECONDS": "1",
    "NOTIFICATIONS_RELAY_TIME_BUDGET_SECONDS": "5",
    "EMAIL_TIMEOUT": "2",
    # A killed worker's embedded beat leaves its lock behind; the next worker's beat takes over quickly.
    "BEAT_LOCK_SECONDS": "3",
}


@pytest.fixture
def relay_worker(tmp_path: Path, smtp_server: SmtpSink) -> Iterator[Callable[..., RelayWorker]]:
    """start(concurrency=1, beat=True, broker=None, **env) -> a real `celery worker` (with embedded beat) on
    the test database, sending e-mail to `smtp_server`. Needs `transaction=True` tests."""
    started: list[RelayWorker] = []

    def start(*, concurrency: int = 1, beat: bool = True, broker: str | None = None, **extra: str) -> RelayWorker:
        name = f"relay-{len(started)}-{uuid.uuid4().hex[:6]}@localhost"
        env = process_env(
            **{
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_server.port),
                **RELAY_ENV,
                **extra,
            }
        )
        if broker:
            env["CELERY_BROKER_URL"] = broker
        command = [sys.executable, "-m", "celery", "-A", "market", "worker", "--loglevel", "INFO",
                   "--concurrency", str(concurrency), "--pool", "prefork", "--hostname", name,
                   "--without-mingle", "--without-gossip"]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(tmp_path / f"beat-{name.split('@')[0]}")]
        log = tmp_path / f"{name.split('@')[0]}.log"
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )
        worker = RelayWorker(process, name, log)
        started.append(worker)

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{worker.output()[-4000:]}")
            return " ready." in worker.output()

        wait_until(ready, timeout=90, interval=0.2, what=f"worker {name}")
        return worker

    yield start
    for worker in started:
        worker.stop()
