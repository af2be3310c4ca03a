"""Bad input answers 4xx with a message per field and writes nothing."""

import pytest

from market.core.models import AuditEvent
from market.organisations.models import Organisation

pytestmark = pytest.mark.django_db

VALID = {
    "kind": "cooperative",
    "name": "HTX Rau sạch Long Xuyên",
    "legal_name": "Hợp tác xã Rau sạch Long Xuyên",
    "tax_code": "0100109106",
    "province_code": 91,
    "commune_code": 30307,
}


@pytest.fixture
def client(api, coop_owner):
    return api(coop_owner)


def counts():
    return Organisation.objects.count(), AuditEvent.objects.count()


def test_valid_body_creates(client):
    response = client.post("/api/v1/organisations/", VALID, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["commune"] == {"code": 30307, "name": "Phường Long Xuyên"}


def test_malformed_json(client):
    before = counts()
    response = client.generic("POST", "/api/v1/organisations/", '{"name": "HTX', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert counts() == before


def test_wrong_content_type(client):
    before = counts()
    response = client.generic("POST", "/api/v1/organisations/", "name=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "x" * 201}, "name"),
        ({"legal_name": ""}, "legal_name"),
        ({"tax_code": "0100109107"}, "tax_code"),
        ({"tax_code": "12345"}, "tax_code"),
        ({"province_code": 999}, "province_code"),
        ({"province_code": "An Giang"}, "province_code"),
        ({"commune_code": 26743}, "commune_code"),
        ({"phone": "12"}, "phone"),
        ({"kind": "alliance"}, "kind"),
        ({"bank_bin": "123456", "bank_account_number": "123", "bank_account_holder": "A"}, "bank_bin"),
    ],
)
def test_field_errors(client, change, field):
    before = counts()
    response = client.post("/api/v1/organisations/", VALID | change, format="json")
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "validation_failed"
    assert field in body["fields"], body
    assert all(isinstance(message, str) and message for message in body["fields"][field])
    assert counts() == before


def test_every_problem_is_reported_at_once(client):
    response = client.post(
        "/api/v1/organisations/",
        VALID | {"tax_code": "0100109107", "phone": "12", "commune_code": 26743},
        format="json",
    )
    assert set(response.json()["error"]["fields"]) >= {"tax_code", "phone", "commune_code"}


def test_duplicate_tax_code(client, cooperative):
    response = client.post("/api/v1/organisations/", VALID | {"tax_code": cooperative.tax_code}, format="json")
    assert response.status_code == 400
    assert "tax_code" in response.json()["error"]["fields"]


def test_messages_follow_accept_language(client):
    response = client.post(
        "/api/v1/organisations/", VALID | {"tax_code": "0100109107"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "check digit" in response.json()["error"]["fields"]["tax_code"][0]
    response = client.post("/api/v1/organisations/", VALID | {"tax_code": "0100109107"}, format="json")
    assert "Chữ số kiểm tra" in response.json()["error"]["fields"]["tax_code"][0]


def test_patch_with_bad_values_changes_nothing(client, cooperative):
    before = Organisation.objects.values().get(pk=cooperative.pk)
    response = client.patch(
        f"/api/v1/organisations/{cooperative.pk}/", {"name": "Mới", "tax_code": "0100109107"}, format="json"
    )
    assert response.status_code == 400
    assert Organisation.objects.values().get(pk=cooperative.pk) == before
