"""What tests/hostile/test_schemathesis.py found, each pinned by a plain test (it runs in seconds)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from catalog.models import Category
from fairs.models import Booth
from tests.fairs.factories import make_fair

pytestmark = pytest.mark.django_db
SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text())


def test_an_anonymous_caller_without_a_capability_is_asked_to_sign_in(api, alliance):
    """POST /fairs/{id}/booths/ lets anyone reach the view (its GET is public), then needs a capability: an
    anonymous caller got 403 where the schema (and every other closed operation) says 401."""
    fair = make_fair(alliance, booths=1)
    before = Booth.objects.count()
    answer = api(None).post(reverse("fairs:booth-list", args=[fair.pk]), {"code": "Z-01"}, format="json")
    assert answer.status_code == 401, answer.content
    assert answer.json()["error"]["code"] == "not_authenticated"
    assert Booth.objects.count() == before


def test_an_invalid_password_reset_link_is_a_documented_404(api):
    answer = api(None).post(
        "/api/v1/password-reset/confirm/",
        {
            "uid": "MQ",
            "token": "not-a-token",
            "password": "Mật-khẩu-đủ-dài-2026",
            "password_confirm": "Mật-khẩu-đủ-dài-2026",
        },
        format="json",
    )
    assert answer.status_code == 404, answer.content
    assert "404" in SCHEMA["paths"]["/api/v1/password-reset/confirm/"]["post"]["responses"]


def test_times_of_day_are_documented_as_sent():
    """DRF sends "08:00:00" (no offset); `format: time` (RFC 3339) demands one, so validators refused it."""
    opens = SCHEMA["components"]["schemas"]["FairOut"]["properties"]["day_opens_at"]
    assert "format" not in opens
    assert opens["pattern"].startswith("^\\d{2}:\\d{2}")


def test_an_area_with_no_plots_has_zero_hectares(api, cooperative, coop_owner):
    """Its total was SUM() over no plots: null, where the schema (and a person) expects 0 ha."""
    rice = Category.objects.get(slug="gao-thom")
    created = api(coop_owner).post(
        "/api/v1/supply/areas/",
        {"code": "k9", "name": "Cánh đồng Kênh 9", "category": rice.pk, "crop": "Lúa OM 18", "province_code": 91},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert Decimal(created.json()["hectares"]) == 0
    listed = api(coop_owner).get("/api/v1/supply/areas/").json()["results"]
    assert [Decimal(row["hectares"]) for row in listed] == [0]


def test_answers_found_by_schemathesis_are_documented():
    """An unmatched bank transaction has no payable reference (null); a body naming an invitation or an
    organisation the caller does not have answers 404."""
    schemas, paths = SCHEMA["components"]["schemas"], SCHEMA["paths"]
    assert schemas["BankTransactionOut"]["properties"]["reference"]["nullable"] is True
    assert "404" in paths["/api/v1/invitations/accept/"]["post"]["responses"]
    assert "404" in paths["/api/v1/me/acting-organisation/"]["post"]["responses"]


@pytest.mark.parametrize(
    "path", ["/api/v1/fairs/-3088111/badges/%F0%AA%BE%9E/revoke/", "/api/v1/no-such-thing/", "/api/v1/products/-1/"]
)
def test_an_api_address_that_matches_no_route_is_a_json_404(api, path):
    """A negative id does not match `<int:…>`: Django's own 404 page answered HTML where the API documents JSON."""
    answer = api(None).post(path, {"reason": "x"}, format="json")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["error"]["code"] == "not_found"


def test_a_page_address_that_matches_nothing_is_still_the_404_page(client):
    answer = client.get("/no-such-page/")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("text/html")
