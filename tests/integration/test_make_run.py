"""`make run`, as the README says: SQLite + filesystem broker, web + worker + beat, no server needed."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.worker]
# Variables of the test environment that must not leak into the zero-setup default.
TEST_ONLY = ("DJANGO_SETTINGS_MODULE", "MARKET_ENV", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MARKET_VAR_DIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(predicate, timeout: float, what: str, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited ({process.returncode}) before {what}:\n{log.read_text()[-4000:]}")
        try:
            result = predicate()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-4000:]}")


def test_make_run_serves_pages_api_and_runs_tasks(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env |= {"MARKET_VAR_DIR": str(tmp_path / "var"), "PORT": str(port)}
    log = tmp_path / "make-run.log"
    process = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get(f"{base}/")[0] == 200, 240, "the home page", process, log)
        status, body = get(f"{base}/api/v1/me/")
        assert status in (401, 403)
        assert json.loads(body)["error"]["code"] == "not_authenticated"
        output = log.read_text()
        assert "chunhiem@htx-tanhiep.example" in output, "the demo logins are printed"
        assert f"{base}/" in output, "the URL is printed"
        assert (tmp_path / "var" / "market.sqlite3").exists()
        # The catalogue searches without diacritics on SQLite too (Python folding registered on the connection).
        status, body = get(f"{base}/api/v1/products/?search=nuoc+mam+phu+quoc")
        assert status == 200
        names = [p["name_vi"] for p in json.loads(body)["results"]]
        assert names
        assert all("Nước mắm" in name or "Phú Quốc" in name for name in names[:3]), names
        status, body = get(f"{base}/catalogue/?search=gao+st25")
        assert status == 200
        assert "Gạo ST25" in body.decode()

        # No Stripe key: card payments run against localstripe on loopback, Stripe.js included.
        found = wait_for(
            lambda: re.search(r"localstripe \(test mode\) at (http://127\.0\.0\.1:\d+)", log.read_text()),
            30,
            "localstripe",
            process,
            log,
        )
        stripe_base = found.group(1)
        status, script = wait_for(lambda: (r := get(f"{stripe_base}/js.stripe.com/v3/"))[0] == 200 and r, 60,
                                  "localstripe's Stripe.js", process, log)  # fmt: skip
        assert b"Stripe" in script

        # A task sent through the filesystem broker is executed by the worker that make run started.
        send = "import django; django.setup(); from market.core.tasks import worker_heartbeat; worker_heartbeat.delay()"
        subprocess.run(
            [sys.executable, "-c", send], cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "market.settings"}, check=True
        )
        health = wait_for(
            lambda: (h := json.loads(get(f"{base}/healthz")[1]))["worker"]["fresh"] and h,
            60,
            "the worker",
            process,
            log,
        )
        assert health["database"]
        assert health["broker"]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            returncode = process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"make run did not stop on Ctrl-C:\n{log.read_text()[-3000:]}")
    assert "Stopped." in log.read_text()
    assert returncode in (0, 2, -signal.SIGINT), log.read_text()[-3000:]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
