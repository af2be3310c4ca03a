"""Exports: the files open, hold the API's rows and figures in the caller's scope, in Vietnamese or English;
large ones become jobs whose files only their owner downloads and which are removed after their days."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from market.core.once import new_key
from market.exports.models import ExportJob, JobStatus
from market.exports.registry import all_exports
from market.exports.services import export_files_purge, export_job_run, export_jobs_relay, exports_storage
from market.notifications.models import Notification
from market.organisations import services as organisations
from market.organisations.models import ApiScope, Role
from tests.catalog.factories import actor_for
from tests.exports.conftest import FORMULA
from tests.factories import member
from tests.forms import once_key

pytestmark = pytest.mark.django_db


def today() -> str:
    return timezone.localdate().isoformat()


def ask(client, **fields):
    body = {"kind": "orders", "date_from": today(), "date_to": today(), "file_format": "xlsx", **fields}
    return client.post("/api/v1/exports/", body, format="json")


def finished(client, job_id: int) -> dict:
    export_job_run(job_id=job_id)  # what the worker does (tests/integration/test_export_worker.py: a real one)
    return client.get(f"/api/v1/exports/{job_id}/").json()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet_rows(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_an_xlsx_job_opens_with_openpyxl_and_holds_the_apis_figures(api, buying, placed):
    client = api(buying.user)
    answer = ask(client, language="en")
    assert answer.status_code == 202, answer.content
    status = finished(client, answer.json()["id"])
    assert (status["status"], status["rows_total"], status["rows_done"], status["percent"]) == ("done", 2, 2, 100)

    rows = sheet_rows(body(client.get(status["download_url"])))
    header, data = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert header[:3] == ("Order number", "Placed at", "Status")
    listed = {order["number"]: order for order in client.get("/api/v1/orders/").json()["results"]}
    assert sorted(row["Order number"] for row in data) == sorted(listed)
    for row in data:
        order = listed[row["Order number"]]
        assert row["Subtotal before VAT (VND)"] == order["subtotal"]
        assert row["VAT (VND)"] == order["vat_total"]
        assert row["Total (VND)"] == order["total"]
        assert row["Cooperative"] == order["cooperative_name"]
        # A formula typed by a person stays text: a leading ' and no formula cell.
        assert row["PO number"] == "'" + FORMULA
    assert Notification.objects.filter(kind="exports.ready", recipient_user=buying.user).exists()


@pytest.mark.parametrize(
    ("language", "heading", "status"), [("vi", "Số đơn hàng", "Đã đặt"), ("en", "Order number", "Placed")]
)
def test_a_small_export_streams_from_the_page_in_the_language_chosen(buying, placed, language, heading, status):
    client = Client()
    client.force_login(buying.user)
    day = timezone.localdate().strftime("%d/%m/%Y")  # typed as a Vietnamese person types a date
    response = client.post(
        "/exports/",
        {
            "kind": "orders",
            "date_from": day,
            "date_to": day,
            "status": "placed",
            "file_format": "csv",
            "language": language,
            "once_key": new_key(),
        },
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    # Semicolons with Vietnamese headings, commas with English ones (test_csv_delimiter.py).
    delimiter = ";" if language == "vi" else ","
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig")), delimiter=delimiter))
    assert rows[0][0] == heading
    assert len(rows) == 3
    assert {row[2] for row in rows[1:]} == {status}
    po = rows[0].index("Số PO" if language == "vi" else "PO number")
    assert {row[po] for row in rows[1:]} == {"'" + FORMULA}
    assert not ExportJob.objects.exists()


def test_each_organisation_exports_only_what_it_may_read(api, buying, placed, cooperative, alliance):
    coop = api(actor_for(cooperative).user)
    status = finished(coop, ask(coop, file_format="csv").json()["id"])
    text = body(coop.get(status["download_url"])).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # Vietnamese headings: semicolons by default
    assert [row[0] for row in rows[1:]] == [placed[0].number]  # its own order, not the other cooperative's

    staff = api(actor_for(alliance).user)
    assert finished(staff, ask(staff).json()["id"])["rows_total"] == 2


def test_nobody_else_reads_or_downloads_a_job(api, buying, placed, buyer, other_cooperative):
    owner = api(buying.user)
    job_id = finished(owner, ask(owner).json()["id"])["id"]
    for stranger in (member(buyer, Role.MANAGER), actor_for(other_cooperative).user):
        client = api(stranger)
        assert client.get(f"/api/v1/exports/{job_id}/").status_code == 404
        assert client.get(f"/api/v1/exports/{job_id}/download/").status_code == 404
        page = Client()
        page.force_login(stranger)
        assert page.get(f"/exports/{job_id}/download/").status_code == 404
        assert client.get("/api/v1/exports/").json()["results"] == []
    assert owner.get(f"/api/v1/exports/{job_id}/download/").status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-09"}, "date_to", "The end date is before the start date."),
        ({"status": "lost_at_sea"}, "status", "Choose one of: placed"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_to", "Export at most 1,096 days at a time."),
        ({"kind": "spaceships"}, "kind", "Choose one of the options."),
        ({"file_format": "pdf"}, "file_format", "Choose one of the options."),
    ],
)
def test_bad_input_is_a_clear_400_and_makes_no_job(api, buying, fields, field, message):
    client = api(buying.user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    answer = ask(client, **fields)
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"][field][0].startswith(message)
    assert not ExportJob.objects.exists()


def test_the_form_sent_twice_makes_one_job_and_both_answers_lead_to_it(settings, buying, placed):
    """A double click on "Export": one job for a worker to write, not two."""
    settings.EXPORTS_STREAM_MAX_ROWS = 0
    client = Client()
    client.force_login(buying.user)
    page = client.get("/exports/").content.decode()
    key = once_key(page)
    day = timezone.localdate().strftime("%d/%m/%Y")
    form = {"kind": "orders", "date_from": day, "date_to": day, "language": "vi", "once_key": key}

    first, second = client.post("/exports/", form), client.post("/exports/", form)

    job = ExportJob.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/exports/{job.pk}/"
    other = client.post("/exports/", {**form, "kind": "order_lines"})  # the key kept for another export
    assert other.status_code == 400
    # Told in a page's words, as every page tells a key sent again with other values (frontend.errors.page_message).
    assert "Biểu mẫu này đã được gửi với giá trị khác: hãy tải lại trang." in other.content.decode()
    assert ExportJob.objects.count() == 1


def test_a_form_key_sent_by_a_colleague_is_told_in_a_page_s_words(settings, buying, placed):
    """A page passed on (a link to a filled form, a shared screen): the colleague's send makes nothing and reads the
    page's words, not the API's ("send this request with a new key")."""
    settings.EXPORTS_STREAM_MAX_ROWS = 0
    client = Client()
    client.force_login(buying.user)
    day = timezone.localdate().strftime("%d/%m/%Y")
    form = {"kind": "orders", "date_from": day, "date_to": day, "language": "vi"}
    form["once_key"] = once_key(client.get("/exports/").content.decode())
    assert client.post("/exports/", form).status_code == 302

    colleague = Client()
    colleague.force_login(member(buying.organisation, Role.OWNER, language="vi"))
    refused = colleague.post("/exports/", form)

    assert refused.status_code == 400  # the form again, as the page answers every refused export
    assert "Biểu mẫu này đã được người khác gửi: hãy tải lại trang." in refused.content.decode()
    assert "Idempotency-Key" not in refused.content.decode()
    assert ExportJob.objects.count() == 1


def test_an_api_export_retried_with_its_idempotency_key_is_one_job(api, buying, placed):
    client = api(buying.user)
    body = {"kind": "orders", "date_from": today(), "date_to": today(), "file_format": "xlsx"}
    sent = [client.post("/api/v1/exports/", body, format="json", headers={"Idempotency-Key": "erp-export-7"})]
    sent.append(client.post("/api/v1/exports/", body, format="json", headers={"Idempotency-Key": "erp-export-7"}))

    job = ExportJob.objects.get()
    assert [answer.status_code for answer in sent] == [202, 202]
    assert [answer.json()["id"] for answer in sent] == [job.pk, job.pk]
    reused = client.post("/api/v1/exports/", {**body, "file_format": "csv"}, format="json",
                         headers={"Idempotency-Key": "erp-export-7", "Accept-Language": "vi"})  # fmt: skip
    assert reused.status_code == 409
    # In an API client's words (its Idempotency-Key); the page tells it in its own (the form's test above).
    assert reused.json()["error"] == {
        "code": "idempotency_key_reused",
        "message": "Idempotency-Key này đã được dùng cho một lần xuất dữ liệu khác: "
        "hãy gửi yêu cầu này với một khóa mới.",
    }
    assert ask(client).status_code == 202  # without a key, each request is its own export
    assert ExportJob.objects.count() == 2


def test_the_page_shows_a_bad_range_on_the_form_in_vietnamese(buying):
    client = Client()
    client.force_login(buying.user)
    response = client.post("/exports/", {"kind": "orders", "date_from": "10/03/2026", "date_to": "09/03/2026"})
    assert response.status_code == 400
    assert "Ngày kết thúc trước ngày bắt đầu." in response.content.decode()


def test_a_staff_only_export_is_refused_to_a_buyer(api, buying):
    answer = ask(api(buying.user), kind="bank_statements")
    assert answer.status_code == 403
    assert "bank_statements" not in {kind["name"] for kind in api(buying.user).get("/api/v1/exports/kinds/").json()}


def test_an_api_token_exports_only_what_its_scopes_reach(buying, placed):
    _token, secret = organisations.api_token_create(
        actor=buying, name="ERP", scopes=frozenset({ApiScope.ORDERS_READ}), expires_on=None
    )
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    kinds = {kind["name"] for kind in client.get("/api/v1/exports/kinds/").json()}
    assert kinds == {"orders", "order_lines", "invoices"}
    body_ = {"kind": "payments", "date_from": today(), "date_to": today()}
    refused = client.post("/api/v1/exports/", body_, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"
    assert "payments:read" in refused.json()["error"]["message"]
    accepted = client.post("/api/v1/exports/", {**body_, "kind": "order_lines"}, content_type="application/json")
    assert accepted.status_code == 202


def test_a_large_range_becomes_a_job_the_page_follows(settings, buying, placed):
    settings.EXPORTS_STREAM_MAX_ROWS = 1
    client = Client()
    client.force_login(buying.user)
    day = timezone.localdate().strftime("%d/%m/%Y")
    asked = {"kind": "order_lines", "date_from": day, "date_to": day, "language": "vi", "once_key": new_key()}
    response = client.post("/exports/", asked)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "<progress" in page
    export_job_run(job_id=job.pk)
    part = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in part
    assert f"/exports/{job.pk}/download/" in part
    rows = sheet_rows(body(client.get(f"/exports/{job.pk}/download/")))
    assert rows[0][5] == "Sản phẩm"
    assert len(rows) == 3
    assert "Dòng đơn hàng" in client.get("/exports/").content.decode()


def test_files_are_removed_after_seven_days(api, buying, placed):
    client = api(buying.user)
    job = ExportJob.objects.get(pk=finished(client, ask(client).json()["id"])["id"])
    assert exports_storage().exists(job.file_name)
    assert export_files_purge(now=timezone.now() + timedelta(days=6, hours=23)) == 0
    assert client.get(f"/api/v1/exports/{job.pk}/download/").status_code == 200

    assert export_files_purge(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED
    assert not exports_storage().exists(job.file_name or "exports/x")
    assert client.get(f"/api/v1/exports/{job.pk}/download/").status_code == 404


@pytest.mark.parametrize("kind", sorted(kind.name for kind in all_exports()))
def test_staff_export_every_kind_with_its_headings(api, alliance, kind):
    client = api(actor_for(alliance).user)
    status = finished(client, ask(client, kind=kind, file_format="xlsx", language="vi").json()["id"])
    assert status["status"] == "done", status
    header = sheet_rows(body(client.get(status["download_url"])))[0]
    registered = next(k for k in all_exports() if k.name == kind)
    assert len(header) == len(registered.columns)
    assert all(header)


def test_a_job_fails_clearly_when_its_person_left_the_organisation(api, buying, placed):
    client = api(buying.user)
    job_id = ask(client).json()["id"]
    buying.user.memberships.all().delete()
    export_job_run(job_id=job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    assert job.error == "You no longer belong to the organisation this export was asked for."
    assert not job.file_name
    assert Notification.objects.filter(kind="exports.failed", recipient_user=buying.user).exists()


def test_a_job_whose_worker_died_on_its_last_attempt_is_failed_by_the_relay(settings, api, buying, placed):
    job_id = ask(api(buying.user)).json()["id"]
    stranded = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    ExportJob.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=stranded, attempts=3)
    assert export_jobs_relay() == 0  # nothing left to send again
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    assert job.error == "The export stopped before it finished; ask for it again."
    assert export_job_run(job_id=job_id) is None  # a late message changes nothing
