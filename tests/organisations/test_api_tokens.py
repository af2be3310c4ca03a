"""Revocable API tokens for integrations (a buyer's ERP)."""

import pytest
from rest_framework.test import APIClient

from market.organisations.models import ApiToken, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(api, buyer):
    from tests.factories import member

    owner = member(buyer)
    response = api(owner).post("/api/v1/tokens/", {"name": "ERP", "scopes": ["organisation"]}, format="json")
    assert response.status_code == 201
    return response.json()["token"], owner


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_token_acts_for_its_organisation(token, buyer):
    secret, _owner = token
    response = bearer(secret).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["acting_organisation"]["id"] == buyer.pk
    assert ApiToken.objects.get().key_hash not in secret


def test_token_is_stored_hashed_and_shown_once(token, api):
    secret, owner = token
    listed = api(owner).get("/api/v1/tokens/").json()["results"][0]
    assert "token" not in listed
    assert secret.split("_", 2)[2] not in str(listed)  # the secret itself may contain "_"


@pytest.mark.parametrize("header", ["Bearer ml_nope_nope", "Bearer garbage", "Bearer", "Token a b"])
def test_bad_tokens_are_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/me/").status_code == 401


def test_revoked_token_stops_working(token, api):
    secret, owner = token
    token_id = ApiToken.objects.get().pk
    assert api(owner).post(f"/api/v1/tokens/{token_id}/revoke/").status_code == 200
    assert bearer(secret).get("/api/v1/me/").status_code == 401


def test_token_dies_with_membership(token):
    secret, owner = token
    Membership.objects.filter(user=owner).delete()
    assert bearer(secret).get("/api/v1/me/").status_code == 401


def test_token_requests_need_no_csrf(token):
    secret, _owner = token
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.patch("/api/v1/me/", {"full_name": "ERP user"}, format="json").status_code == 200


def test_session_writes_need_csrf(api, coop_owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(coop_owner)
    assert client.patch("/api/v1/me/", {"full_name": "X"}, format="json").status_code == 403
