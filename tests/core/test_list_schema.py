"""The OpenAPI schema describes every /api/v1 list as ListEndpoint and list_response answer it: the page
envelope and the paging and sync parameters come from the view's `pagination_class` (market.core.listing),
so a list that pages is never documented as a bare array, and one that does not sync never offers
`updated_since`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import cache
from typing import Any

import pytest
import yaml
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from market.core.listing import ListEndpoint, ListPagination, SyncPosition
from market.organisations.models import Role
from tests.factories import member


def timezone_offset(hours: int, minutes: int) -> dt_timezone:
    return dt_timezone(timedelta(hours=hours, minutes=minutes))


SCHEMA_FILE = django_settings.BASE_DIR / "docs" / "openapi.yaml"


@cache
def _schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def _list_views() -> Iterator[tuple[str, type[ListEndpoint]]]:
    """(the schema's path, view class) of every ListEndpoint in the URLconf."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.callback

    for route, callback in walk(get_resolver().url_patterns, "/"):
        view_class = getattr(callback, "view_class", None)
        if view_class is not None and issubclass(view_class, ListEndpoint):
            yield re.sub(r"<\w+:(\w+)>", r"{\1}", route), view_class


LIST_VIEWS = sorted(_list_views(), key=lambda item: item[0])


def _page_schema(path: str) -> dict[str, Any]:
    schema = _schema()
    body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]


@pytest.mark.parametrize(("path", "view"), LIST_VIEWS, ids=[path for path, _ in LIST_VIEWS])
def test_every_list_is_documented_with_its_page_and_parameters(path: str, view: type[ListEndpoint]):
    syncs = view.pagination_class.syncs
    parameters = {p["name"] for p in _schema()["paths"][path]["get"].get("parameters", []) if p["in"] == "query"}
    assert {"cursor", "page_size"} <= parameters
    assert ("updated_since" in parameters) is syncs

    page = _page_schema(path)
    assert set(page["required"]) == {"next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"
    assert ({"sync_cursor", "horizon"} <= set(page["properties"])) is syncs


def test_a_sync_page_matches_the_documented_envelope(db, cooperative):
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    path = "/api/v1/certificates/"
    body = client.get(path, {"updated_since": since}).json()
    documented = _page_schema(path)
    assert set(documented["required"]) <= set(body) <= set(documented["properties"])
    assert {"sync_cursor", "horizon"} <= set(body)
    assert issubclass(dict(LIST_VIEWS)[path].pagination_class, ListPagination)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("1075-12-30T14:36:13.342+20:56", 200),  # an offset Python reads and PostgreSQL refuses: it was a 500
        ("2026-12-04T08:00:00-23:59", 200),
        ("0001-01-01T00:00:00+01:00", 400),  # before the calendar once in UTC
        ("9999-12-31T23:59:59-01:00", 400),
    ],
)
def test_updated_since_with_any_offset_is_an_answer_never_a_500(db, cooperative, value, status):
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
    response = client.get("/api/v1/certificates/", {"updated_since": value})
    assert response.status_code == status, response.content
    if status == 400:
        assert "updated_since" in response.json()["error"]["fields"]
    else:
        assert response.json()["results"] == []


def test_a_sync_cursor_with_an_offset_postgresql_refuses_is_read_in_utc(db, cooperative):
    cursor = SyncPosition(updated_at=datetime(1075, 12, 30, 14, 36, tzinfo=timezone_offset(20, 56)), pk=1).encode()
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
    response = client.get("/api/v1/certificates/", {"cursor": cursor})
    assert response.status_code == 200, response.content


# GETs of the API that answer a bare array, each with why it is not a paged list that syncs. Anything else
# that answers an array is a list an ERP would page and sync, and must be a ListEndpoint that syncs.
UNPAGED = {
    # Reference data of the code or of the alliance, a few hundred rows at most, read whole.
    "/api/v1/banks/": "the banks of the VietQR list (code)",
    "/api/v1/categories/": "the product category tree, a few dozen rows kept by the alliance",
    "/api/v1/vat-categories/": "the VAT categories and rates (code)",
    "/api/v1/geo/provinces/": "the 34 provinces (reference data)",
    "/api/v1/geo/provinces/{province_code}/communes/": "one province's communes (reference data)",
    "/api/v1/exports/kinds/": "the registered export kinds (code)",
    "/api/v1/webhooks/event-types/": "the webhook event types (code)",
    "/api/v1/linkage/reference-prices/": "the market reference price series with their recent prices, a handful",
    # Values of one resource, read with it: a change to them moves the parent's updated_at (docs/api-sync.md).
    "/api/v1/fairs/{fair_id}/booths/": "a fair's booths: the fair moves",
    "/api/v1/fairs/{fair_id}/plan/": "a fair's floor plan (its booths): the fair moves",
    "/api/v1/products/{product_id}/price-tiers/": "a product's price tiers: the product moves",
    "/api/v1/linkage/contracts/{contract_id}/versions/": "a contract's versions: the contract moves",
    # The same rows as a list that syncs, one parent's at a time.
    "/api/v1/supply/areas/{area_id}/plots/": "also /supply/plots/?area=<id>, which syncs",
    "/api/v1/lots/{lot_id}/events/": "also /lot-events/?lot=<id>, which syncs",
    # Computed answers, not stored rows.
    "/api/v1/fairs/{fair_id}/allocate/": "the booth allocation a run would make (a preview)",
    "/api/v1/supply/trace/{public_id}/origins/": "a lot's origins traced back through its intakes",
    # Door systems' copy of a fair's badges, taken whole before the doors open, by design (phones sync check-in/copy/).
    "/api/v1/fairs/{fair_id}/check-in/badges/": "door systems' copy of the badges, taken whole",
}
# Lists that page but do not sync, each with why.
PAGED_WITHOUT_SYNC = {
    "/api/v1/products/": "the public catalogue: its own keyset search pages; /my-products/ syncs a seller's own",
    "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/": "a delivery log, pruned after its keeping period "
    "without tombstones; an endpoint's health (failing_since, is_active) syncs with /webhooks/endpoints/",
}


def _list_gets() -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, the JSON body schema of its 200) of every GET of the schema answering a list or a page."""
    schema = _schema()
    for path, operations in schema["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get("200", {})
        body = answer.get("content", {}).get("application/json", {}).get("schema")
        if body is None:
            continue
        if "$ref" in body:
            body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        if body.get("type") == "array" or "results" in body.get("properties", {}):
            yield path, body


def test_every_list_of_the_api_pages_and_syncs_unless_it_says_why_not():
    unpaged, unsynced = set(), set()
    for path, body in _list_gets():
        parameters = {p["name"] for p in _schema()["paths"][path]["get"].get("parameters", []) if p["in"] == "query"}
        if body.get("type") == "array":
            unpaged.add(path)
        elif "updated_since" not in parameters:
            unsynced.add(path)
    assert unpaged == set(UNPAGED), "a list GET answers a bare array: make it a ListEndpoint (or say why not here)"
    assert unsynced == set(PAGED_WITHOUT_SYNC), "a paged list does not sync: make its rows change-tracked"
