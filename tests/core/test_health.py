import pytest
from django.test import Client, override_settings

from market.core.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthz_checks_database_and_broker():
    body = Client().get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert body["broker"] is True
    assert body["worker"] == {"last_seen": None, "fresh": False}


def test_healthz_reports_worker_heartbeat():
    heartbeat_record(name="worker")
    assert Client().get("/healthz").json()["worker"]["fresh"] is True


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_broker_is_unreachable():
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] is False
