"""Ten minutes of steady work on the stack `make run` starts (bench/soak.py): every task runs, no process dies.

`python -m bench soak --minutes 120` runs the same soak for longer.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_make_run import ROOT, TEST_ONLY

MINUTES = 10
pytestmark = [pytest.mark.slow, pytest.mark.worker, pytest.mark.long(minutes=MINUTES)]


def test_ten_minutes_of_webhooks_notifications_and_reconciliations_lose_no_task_and_no_process(tmp_path: Path):
    summary = tmp_path / "soak.json"
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY and not k.startswith("PYTEST")}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "soak", "--minutes", str(MINUTES), "--json", str(summary)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=(MINUTES + 12) * 60,
    )
    assert summary.exists(), completed.stdout[-3000:] + completed.stderr[-3000:]
    result = json.loads(summary.read_text())
    failed = [name for name, passed in result["checks"].items() if not passed]
    assert not failed, json.dumps(result, indent=2)
    assert result["minutes"] >= MINUTES
    # A steady stream (the sender keeps its pace unless the machine is very busy): per minute 60 bank
    # notifications, 30 notify() calls, 4 card payments and one reconciliation asked for by staff.
    nominal = {"bank_webhooks": 60, "notify_calls": 30, "card_payments": 4, "reconciliation_requests": 1}
    for kind, per_minute in nominal.items():
        assert result["sent"][kind] >= per_minute * MINUTES * 0.7, result["sent"]
    assert result["restarts"] == []
    assert result["stopped_cleanly"]
    assert completed.returncode == 0, completed.stdout[-3000:]
