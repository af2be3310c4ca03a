"""Huge integers (20 digits, beyond what a bigint column holds) in list filters and ids are a 400 naming the
parameter, never a 500 ("Python int too large to convert to SQLite INTEGER" / an overflow in PostgreSQL)."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from market.organisations.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

TWENTY_DIGITS = "12345678901234567890"
TWO_TO_THE_63 = str(2**63)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/products/?cooperative={TWENTY_DIGITS}", "cooperative"),
        (f"/api/v1/products/?cooperative={TWO_TO_THE_63}", "cooperative"),
        (f"/api/v1/products/facets/?cooperative={TWENTY_DIGITS}", "cooperative"),
        (f"/api/v1/products/?price_min={TWO_TO_THE_63}", "price_min"),
        (f"/api/v1/products/facets/?price_min={TWO_TO_THE_63}", "price_min"),
        (f"/api/v1/products/?search=zzzz&price_min={TWO_TO_THE_63}", "price_min"),
    ],
)
def test_public_filters_refuse_huge_integers(path, field):
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "path",
    [
        f"/catalogue/?cooperative={TWENTY_DIGITS}",
        f"/catalogue/?price_min={TWO_TO_THE_63}",
        f"/catalogue/?q=zzzz&price_min={TWO_TO_THE_63}",
    ],
)
def test_the_catalogue_page_refuses_huge_integers(path):
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/orders/?buyer={TWENTY_DIGITS}", "buyer"),
        (f"/api/v1/orders/?cooperative={TWENTY_DIGITS}", "cooperative"),
        (f"/api/v1/invoices/?order={TWENTY_DIGITS}", "order"),
        (f"/api/v1/shipments/?order={TWENTY_DIGITS}", "order"),
    ],
)
def test_a_buyer_s_filters_refuse_huge_integers(buyer, path, field):
    client = Client()
    client.force_login(member(buyer, Role.OWNER))
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/lots/?product={TWENTY_DIGITS}", "product"),
        (f"/api/v1/orders/?buyer={TWENTY_DIGITS}", "buyer"),
        (f"/api/v1/invoices/?order={TWO_TO_THE_63}", "order"),
        (f"/api/v1/shipments/?order={TWO_TO_THE_63}", "order"),
    ],
)
def test_a_cooperative_s_filters_refuse_huge_integers(cooperative, path, field):
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", [TWENTY_DIGITS, TWO_TO_THE_63, int(TWENTY_DIGITS)])
def test_choosing_a_twenty_digit_acting_organisation_is_a_400(buyer, value):
    client = Client()
    client.force_login(member(buyer, Role.OWNER))
    response = client.post(
        "/api/v1/me/acting-organisation/",
        {"organisation": value},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]


def _paths_with_an_int_id() -> list[str]:
    """Every route taking an `<int:…>` id, with each id replaced by twenty digits (admin left out: Django's)."""
    paths: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry, route)
            elif isinstance(entry, URLPattern) and "<int:" in route and not route.startswith("admin/"):
                paths.append(route)

    walk(get_resolver(), "")
    return paths


def test_every_route_with_an_int_id_answers_a_twenty_digit_id_without_a_500(staff_user):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    failures = []
    for route in _paths_with_an_int_id():
        path = "/" + re.sub(r"<int:\w+>", TWENTY_DIGITS, route)
        path = re.sub(r"<(?:str|slug):\w+>", "x", path)
        if "<" in path:
            continue
        for method in (client.get, client.post):
            response = method(path)
            if response.status_code >= 500:
                failures.append((method.__name__, path, response.status_code))
    assert failures == []
