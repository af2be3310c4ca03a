"""`POST /api/v1/exports/?stream=1`: a small export answers with its file at once (the same file the page
streams, scoped and escaped the same way); a large one is still a job; without the parameter, always a job."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from market.exports.models import ExportJob
from market.organisations import services as organisations
from market.organisations.models import ApiScope
from tests.exports.conftest import FORMULA
from tests.exports.test_exports import body, finished, sheet_rows, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp(buying) -> Client:
    _token, secret = organisations.api_token_create(
        actor=buying, name="Accounting", scopes=frozenset({ApiScope.ORDERS_READ}), expires_on=None
    )
    return Client(headers={"Authorization": f"Bearer {secret}"})


def export(client: Client, query: str = "?stream=1", **fields: str):
    asked = {"kind": "orders", "date_from": today(), "date_to": today(), "file_format": "csv", **fields}
    return client.post(f"/api/v1/exports/{query}", asked, content_type="application/json")


def test_a_small_csv_export_answers_with_its_file_and_makes_no_job(erp, placed):
    answer = export(erp, language="en")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        answer["Content-Disposition"]
        == f'attachment; filename="orders-{today().replace("-", "")}-{today().replace("-", "")}.csv"'
    )
    assert "no-store" in answer["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(body(answer).decode("utf-8-sig"))))
    assert sorted(row["Order number"] for row in rows) == sorted(order.number for order in placed)
    # The buyer's PO number is a formula a stranger typed: written inert, as on the page.
    assert {row["PO number"] for row in rows} == {"'" + FORMULA}
    assert not ExportJob.objects.exists()


def test_a_small_xlsx_export_has_the_jobs_rows(erp, placed):
    streamed = sheet_rows(body(export(erp, file_format="xlsx", language="vi")))
    job = export(erp, query="", file_format="xlsx", language="vi")
    assert job.status_code == 202
    from_job = sheet_rows(body(erp.get(finished(erp, job.json()["id"])["download_url"])))

    assert streamed[0][0] == "Số đơn hàng"
    assert streamed[1:] == from_job[1:]
    assert len(streamed) == 3


def test_a_large_export_asked_with_stream_is_still_a_job(settings, erp, placed):
    settings.EXPORTS_STREAM_MAX_ROWS = 1
    answer = export(erp)

    assert answer.status_code == 202
    job = ExportJob.objects.get()
    assert answer["Location"] == f"/api/v1/exports/{job.pk}/"
    assert answer.json()["status"] == "queued"


def test_without_stream_every_export_is_a_job(erp, placed):
    assert export(erp, query="").status_code == 202
    assert export(erp, query="?stream=0").status_code == 202
    assert ExportJob.objects.count() == 2


def test_a_bad_stream_value_is_a_400_naming_it(erp, placed):
    answer = export(erp, query="?stream=maybe")
    assert answer.status_code == 400
    assert "stream" in answer.json()["error"]["fields"]
    assert not ExportJob.objects.exists()


def test_streaming_needs_the_kinds_scope_like_a_job(erp, placed):
    refused = export(erp, kind="payments")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"
