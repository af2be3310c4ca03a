"""A person cancels an export they asked for while it waits or is being written: it stops, keeps no file, is not
sent again and nobody is notified. A finished one cannot be cancelled, and nobody else cancels another's."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from market.core.models import AuditEvent
from market.core.once import new_key
from market.core.storage import PrivateMediaStorage
from market.exports.models import ExportJob, JobStatus
from market.exports.services import export_job_cancel, export_job_run, export_jobs_relay, exports_storage
from market.notifications.models import Notification
from market.organisations import services as organisations
from market.organisations.models import ApiScope, Role
from market.organisations.permissions import Actor
from tests.catalog.factories import actor_for
from tests.exports.factories import bank_lines
from tests.factories import member

pytestmark = pytest.mark.django_db


def ask(client, **fields) -> dict[str, Any]:
    day = timezone.localdate().isoformat()
    body = {"kind": "orders", "date_from": day, "date_to": day, "file_format": "csv", **fields}
    answer = client.post("/api/v1/exports/", body, format="json")
    assert answer.status_code == 202, answer.content
    return answer.json()


def kept_files(settings) -> list[str]:
    return [str(path) for path in settings.PRIVATE_MEDIA_ROOT.rglob("*") if path.is_file()]


def test_a_waiting_job_cancelled_is_never_written_nor_sent_again(settings, api, buying, placed):
    client = api(buying.user)
    job = ask(client)
    assert (job["status"], job["cancellable"]) == ("queued", True)

    answer = client.post(f"/api/v1/exports/{job['id']}/cancel/")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["cancellable"]) == ("cancelled", False)
    assert answer.json()["download_url"] is None
    assert AuditEvent.objects.filter(action="exports.cancelled", target_id=str(job["id"])).count() == 1

    ExportJob.objects.filter(pk=job["id"]).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    assert export_jobs_relay() == 0  # a late worker message or the relay never brings it back
    assert export_job_run(job_id=job["id"]) is None
    assert ExportJob.objects.get(pk=job["id"]).status == JobStatus.CANCELLED
    assert kept_files(settings) == []
    assert not Notification.objects.filter(kind__startswith="exports.").exists()

    again = client.post(f"/api/v1/exports/{job['id']}/cancel/")  # a retried click: the job as it is
    assert (again.status_code, again.json()["status"]) == (200, "cancelled")
    assert AuditEvent.objects.filter(action="exports.cancelled").count() == 1


def test_a_finished_job_cannot_be_cancelled_and_keeps_its_file(api, buying, placed):
    client = api(buying.user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    job_id = ask(client)["id"]
    export_job_run(job_id=job_id)

    answer = client.post(f"/api/v1/exports/{job_id}/cancel/")
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "This export has already finished (Ready): there is nothing to cancel."
    assert client.get(f"/api/v1/exports/{job_id}/").json()["cancellable"] is False
    assert client.get(f"/api/v1/exports/{job_id}/download/").status_code == 200


def test_nobody_else_cancels_a_job_and_a_token_needs_the_kinds_scope(api, buying, placed, buyer, other_cooperative):
    job_id = ask(api(buying.user))["id"]
    for stranger in (member(buyer, Role.MANAGER), actor_for(other_cooperative).user):
        assert api(stranger).post(f"/api/v1/exports/{job_id}/cancel/").status_code == 404
        page = Client()
        page.force_login(stranger)
        assert page.post(f"/exports/{job_id}/cancel/").status_code == 404
    _token, secret = organisations.api_token_create(
        actor=buying, name="ERP", scopes=frozenset({ApiScope.PAYMENTS_READ}), expires_on=None
    )
    refused = Client(headers={"Authorization": f"Bearer {secret}"}).post(f"/api/v1/exports/{job_id}/cancel/")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "missing_scope")
    assert ExportJob.objects.get(pk=job_id).status == JobStatus.QUEUED


def test_the_page_offers_cancel_while_the_job_runs_and_takes_it_away_when_it_ends(settings, buying, placed):
    settings.EXPORTS_STREAM_MAX_ROWS = 0
    client = Client()
    client.force_login(buying.user)
    day = timezone.localdate().strftime("%d/%m/%Y")
    form = {"kind": "orders", "date_from": day, "date_to": day, "language": "vi", "once_key": new_key()}
    asked = client.post("/exports/", form)
    job = ExportJob.objects.get()
    page = client.get(asked["Location"]).content.decode()
    assert f'action="/exports/{job.pk}/cancel/"' in page
    assert "Hủy xuất dữ liệu" in page
    poll = client.get(asked["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-swap-oob" not in poll  # the button is not redrawn while it can be pressed

    cancelled = client.post(f"/exports/{job.pk}/cancel/", follow=True).content.decode()
    assert "Đã hủy" in cancelled
    assert "Bạn đã hủy lần xuất này: không giữ tệp nào." in cancelled
    assert f'action="/exports/{job.pk}/cancel/"' not in cancelled
    poll = client.get(asked["Location"], headers={"HX-Request": "true"}).content.decode()
    assert '<div id="export-cancel" hx-swap-oob="outerHTML"></div>' in poll  # the open page loses the button
    assert "hx-trigger" not in poll  # and stops asking

    second = client.post(f"/exports/{job.pk}/cancel/", follow=True)
    assert second.status_code == 200
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    finished = client.post(f"/exports/{job.pk}/cancel/", follow=True).content.decode()
    assert "Lần xuất này đã kết thúc (Sẵn sàng): không còn gì để hủy." in finished


@pytest.mark.django_db(transaction=True)
def test_a_job_being_written_stops_at_its_next_progress_mark_and_keeps_no_file(settings, alliance):
    """The worker writes 12,000 rows (progress marks every 5,000); the person cancels once it has counted them.
    Holding the job's row while cancelling makes the worker's next mark wait for the cancel and then see it."""
    day = bank_lines(12_000)
    staff = actor_for(alliance)
    job = ExportJob.objects.create(
        requested_by=staff.user, organisation=alliance, kind="bank_statements", file_format="csv", language="en",
        delimiter="comma", date_from=day, date_to=day,
    )  # fmt: skip
    outcome: dict[str, Any] = {}

    def worker() -> None:
        try:
            outcome["job"] = export_job_run(job_id=job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    deadline = time.monotonic() + 60
    while not ExportJob.objects.filter(pk=job.pk, rows_total__gt=0).exists():
        assert time.monotonic() < deadline, "the worker never counted its rows"
        assert thread.is_alive(), "the worker finished before it counted its rows"
        time.sleep(0.001)
    with transaction.atomic():
        ExportJob.objects.select_for_update().get(pk=job.pk)
        export_job_cancel(actor=staff, job_id=job.pk)
    thread.join(60)

    job.refresh_from_db()
    assert outcome["job"].status == job.status == JobStatus.CANCELLED
    assert (job.rows_total, job.file_name) == (12_000, "")
    assert job.rows_done < 12_000  # it stopped part-way
    assert kept_files(settings) == []
    assert not Notification.objects.filter(kind__startswith="exports.").exists()


class CancelledWhileStored(PrivateMediaStorage):
    """Object storage on which the person's cancel lands while the finished file is being uploaded."""

    actor: ClassVar[Actor]

    def _save(self, name: str, content: Any) -> str:
        saved = super()._save(name, content)
        export_job_cancel(actor=self.actor, job_id=int(name.split("/")[1]))
        return saved


def test_a_job_cancelled_while_its_file_is_stored_keeps_no_file(settings, api, buying, placed):
    settings.STORAGES = {**settings.STORAGES, "exports": {"BACKEND": f"{__name__}.CancelledWhileStored"}}
    CancelledWhileStored.actor = buying
    job_id = ask(api(buying.user))["id"]
    assert isinstance(exports_storage(), CancelledWhileStored)

    job = export_job_run(job_id=job_id)
    assert job is not None
    assert (job.status, job.file_name) == (JobStatus.CANCELLED, "")
    assert kept_files(settings) == []
    assert not Notification.objects.filter(kind="exports.ready").exists()
