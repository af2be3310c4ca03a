"""`run_local` (what `make run` starts) keeps the site up: a child that dies is started again and says so;
SIGTERM still stops every process."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bench.sqlite_demo import DATABASE_NAME, copy_seeded_demo
from tests.integration.test_make_run import ROOT, TEST_ONLY, free_port, get, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.worker]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not reaped yet is not alive either.
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"


def test_a_dead_child_is_restarted_and_sigterm_stops_everything(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env |= {"MARKET_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "market.settings"}
    manage = [sys.executable, "manage.py"]
    copy_seeded_demo(tmp_path / "var" / DATABASE_NAME, tmp_path / "var")  # migrated, as `make run` leaves it
    port = free_port()
    log = tmp_path / "run_local.log"
    process = subprocess.Popen(
        [*manage, "run_local", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get(f"{base}/healthz")[0] == 200, 120, "the web process", process, log)
        started = dict(re.findall(r"started ([\w-]+) \(pid (\d+)\)", log.read_text()))
        workers = {"worker", "worker-payments", "worker-notifications", "worker-bulk"}
        assert set(started) == {"web", *workers, "beat", "localstripe"}, log.read_text()
        killed_at = datetime.now().astimezone()
        os.kill(int(started["worker"]), signal.SIGKILL)

        notice = wait_for(
            lambda: re.search(
                rf"worker \(pid {started['worker']}\) exited with code -9; restarting it in 1 s, at \d\d:\d\d:\d\d",
                log.read_text(),
            ),
            30,
            "the restart notice",
            process,
            log,
        )
        assert notice
        restarted = wait_for(
            lambda: re.search(r"started worker \(pid (\d+)\)", log.read_text()[notice.end() :]), 30, "a new worker",
            process, log,
        )  # fmt: skip
        new_pid = int(restarted.group(1))
        assert alive(new_pid)
        # The new worker consumes from the broker: a task sent now runs.
        send = "import django; django.setup(); from market.core.tasks import worker_heartbeat; worker_heartbeat.delay()"
        subprocess.run([sys.executable, "-c", send], cwd=ROOT, env=env, check=True, timeout=60)

        def heartbeat_after_kill() -> bool:
            last_seen = json.loads(get(f"{base}/healthz")[1])["worker"]["last_seen"]
            return bool(last_seen) and datetime.fromisoformat(last_seen) > killed_at

        wait_for(heartbeat_after_kill, 90, "a task run by the restarted worker", process, log)
        assert get(f"{base}/healthz")[0] == 200, "web kept serving"
        others = {name: int(pid) for name, pid in started.items() if name != "worker"}
        assert all(alive(pid) for pid in others.values()), "the other children were left alone"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"run_local did not stop on SIGTERM:\n{log.read_text()[-3000:]}")
    output = log.read_text()
    assert returncode == 0, output[-3000:]
    assert "Stopped." in output
    assert not any(alive(pid) for pid in [*others.values(), new_pid]), output[-3000:]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
