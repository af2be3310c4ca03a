"""Logs are one JSON object per line, carry the request id, and never contain secrets."""

import io
import json
import logging

import pytest
from django.test import Client

from market.core.logging import JsonFormatter, redact


@pytest.fixture
def log_output():
    """What the configured console handler writes (settings.LOGGING), redirected to a buffer."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.django_db
def test_request_logs_are_json_with_request_id(log_output):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="abcdef1234567890")
    assert response["X-Request-ID"] == "abcdef1234567890"
    lines = [json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{")]
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found
    assert not_found[0]["request_id"] == "abcdef1234567890"
    assert not_found[0]["level"] == "WARNING"


@pytest.mark.django_db
def test_a_strange_incoming_request_id_is_replaced():
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_failed_login_does_not_log_the_password(log_output, coop_owner):
    Client().post("/login/", {"username": coop_owner.email, "password": "hunter2-very-secret"})
    output = log_output.getvalue()
    assert "AXES" in output  # the failure was logged…
    assert "hunter2-very-secret" not in output  # …without the password


def test_formatter_redacts_extra_fields():
    record = logging.makeLogRecord({"msg": "paid with %s", "args": ("sk_live_abcdefgh1234",), "secret_key": "x"})
    record.request_id = "r1"
    line = json.loads(JsonFormatter().format(record))
    assert line["secret_key"] == "***"
    assert "abcdefgh1234" not in line["message"]


def test_redaction():
    assert redact({"password": "p", "nested": {"api_key": "k"}, "ok": "v"}) == {
        "password": "***",
        "nested": {"api_key": "***"},
        "ok": "v",
    }
    assert "sk_test_abcdefgh" not in redact("using sk_test_abcdefgh123 now")
    assert "whsec_" in redact("secret whsec_abcdefghijk")
    assert "abcdefghijk" not in redact("secret whsec_abcdefghijk")
    assert redact("GET /x?token=s3cr3t&a=1") == "GET /x?token=***&a=1"
    assert "ml_***" in redact("Authorization: Bearer ml_ab12cd34ef_" + "x" * 30)
