"""A large export runs in a real Celery worker on the Redis broker: the page's job moves through its progress
to a file the person downloads, and they are notified."""

from __future__ import annotations

import csv
import io
import time

import pytest
from rest_framework.test import APIClient

from market.exports.models import ExportJob
from market.notifications.models import Notification
from tests.catalog.factories import actor_for
from tests.exports.factories import bank_lines

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
ROWS = 12_000  # more than two progress steps (market.exports.writers.PROGRESS_EVERY)


def test_a_large_export_runs_in_the_worker_with_progress_and_is_downloaded(
    celery_worker_process, monkeypatch, settings, tmp_path, alliance
):
    # The worker process and this one must share the exports storage.
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(tmp_path / "private"))
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    celery_worker_process(concurrency=1)
    # The export's dates are Vietnamese days: an hour ago may be yesterday there (it was, in a CI run at 00:20).
    day = bank_lines(ROWS).isoformat()
    staff = actor_for(alliance).user
    client = APIClient()
    client.force_login(staff)
    answer = client.post(
        "/api/v1/exports/",
        {"kind": "bank_statements", "date_from": day, "date_to": day, "file_format": "csv", "language": "en"},
        format="json",
    )
    assert answer.status_code == 202, answer.content

    seen: list[tuple[str, int, int]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/api/v1/exports/{answer.json()['id']}/").json()
        seen.append((status["status"], status["rows_done"], status["rows_total"]))
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "done", (seen, status)
    assert (status["rows_done"], status["rows_total"]) == (ROWS, ROWS)
    # The progress only moves forward.
    done = [rows for _state, rows, _total in seen]
    assert done == sorted(done)

    response = client.get(status["download_url"])
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Booked at", "Account", "Bank reference", "Amount (VND)"]
    assert len(rows) == ROWS + 1
    assert rows[1][5].startswith("'=CMD")  # the transfer note is text, not a formula
    assert sum(int(row[3]) for row in rows[1:]) == sum(1_500_000 + n for n in range(ROWS))
    job = ExportJob.objects.get()
    assert job.attempts == 1
    assert Notification.objects.filter(kind="exports.ready", recipient_user=staff).exists()
