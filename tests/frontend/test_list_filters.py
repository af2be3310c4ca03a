"""The lists' query parameters go through one parser: a bad value is a clear 400 naming it (in Vietnamese on a
Vietnamese request), never a 500 and never silently ignored."""

from __future__ import annotations

import pytest
from django.test import Client

from market.organisations.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # 20 digits: more than a bigint holds


@pytest.fixture
def staff_client(alliance):
    client = Client()
    client.force_login(member(alliance, Role.MANAGER))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/staff/verification/?status=approved",
        "/staff/payments/?state=paid_twice",
        "/staff/payments/?provider=momo",
        f"/staff/payments/?before={HUGE}",
        "/staff/payments/?before=abc",
        "/staff/payments/queue/?status=maybe",
        f"/staff/payments/statements/?before={HUGE}",
        "/staff/payments/reconciliation/?before=-1",
        "/staff/notifications/?status=lost",
        "/staff/notifications/?date_from=31/02/2026",
        f"/staff/notifications/?before={HUGE}",
        "/staff/notifications/?tab=everything",
        "/staff/notifications/templates/organisations.verified/?language=fr",
        "/notifications/?before=x",
        "/payments/?before=1.5",
    ],
)
def test_bad_page_filters_answer_400_in_vietnamese(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 400, (path, response.status_code)
    assert "Một số trường chưa hợp lệ" in response.content.decode()


@pytest.mark.parametrize("path", ["/sign-up/?kind=alliance-ish", "/geo/communes/?province_code=9999999"])
def test_bad_public_filters_answer_400(path):
    assert Client().get(path).status_code == 400


def test_blank_filters_mean_all(staff_client):
    assert staff_client.get("/staff/payments/?state=&provider=&q=").status_code == 200
    assert staff_client.get("/staff/notifications/?status=&channel=&date_from=").status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/organisations/?status=approved", "status"),
        ("/api/v1/payments/payments/?state=x", "state"),
        ("/api/v1/payments/bank-transactions/?status=x", "status"),
        (f"/api/v1/payments/discrepancies/?run={HUGE}", "run"),
        ("/api/v1/notifications/deliveries/?channel=fax", "channel"),
        ("/api/v1/notifications/?before=abc", "before"),
    ],
)
def test_bad_api_filters_answer_400_naming_the_field(api, alliance, path, field):
    response = api(member(alliance, Role.MANAGER)).get(path)
    assert response.status_code == 400, (path, response.content)
    assert field in response.json()["error"]["fields"]


def test_switching_to_an_impossible_organisation_id_is_a_400_not_a_500(api, coop_owner):
    response = api(coop_owner).post("/api/v1/me/acting-organisation/", {"organisation": int(HUGE)}, format="json")
    assert response.status_code == 400
    assert "organisation" in response.json()["error"]["fields"]
    page = Client()
    page.force_login(coop_owner)
    assert page.post("/organisation/switch/", {"organisation": HUGE}).status_code == 302  # told, not crashed
