"""The webhooks API: scope `webhooks:manage`, owners and managers of the acting organisation only, the secret
shown once, the delivery log with "send again", and clear refusals in Vietnamese and English."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from market.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from market.integrations.relay import webhook_relay
from market.organisations import services as organisation_services
from market.organisations.models import ApiScope, Organisation, Role, User
from market.organisations.permissions import Actor
from tests.factories import member
from tests.integrations.conftest import Receiver

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints/"


def token_client(organisation: Organisation, user: User, scopes: set[ApiScope], language: str = "en") -> APIClient:
    actor = Actor(user=user, organisation=organisation, role=Role.OWNER)
    _token, secret = organisation_services.api_token_create(
        actor=actor, name="ERP", scopes=frozenset(scopes), expires_on=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)
    return client


@pytest.fixture
def owner(buyer) -> User:
    return member(buyer, Role.OWNER)


@pytest.fixture
def erp(buyer, owner) -> APIClient:
    return token_client(buyer, owner, {ApiScope.WEBHOOKS_MANAGE})


def register(client: APIClient, url: str, events: list[str] | None = None) -> dict:
    response = client.post(ENDPOINTS, {"url": url, "events": events or ["order.placed"]}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_token_with_the_scope_registers_an_endpoint_and_sees_its_secret_once(erp, receiver: Receiver):
    created = register(erp, receiver.url, ["order.placed", "payment.received"])

    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["order.placed", "payment.received"]
    assert set(created["allowed_actions"]) == {"update", "rotate_secret", "disable", "ping", "delete"}
    listed = erp.get(ENDPOINTS).json()["results"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in erp.get(f"{ENDPOINTS}{created['id']}/").json()


def test_a_token_without_the_scope_is_refused_naming_it(buyer, owner, receiver):
    client = token_client(buyer, owner, set(ApiScope) - {ApiScope.WEBHOOKS_MANAGE}, language="vi")

    refused = client.post(ENDPOINTS, {"url": receiver.url, "events": ["order.placed"]}, format="json")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "missing_scope"
    assert "“webhooks:manage”" in refused.json()["error"]["message"]
    assert "Khóa API" in refused.json()["error"]["message"]
    assert WebhookEndpoint.objects.count() == 0


def test_staff_without_a_managing_role_cannot_manage_webhooks(api, buyer, receiver):
    staff = member(buyer, Role.STAFF)
    refused = api(staff).post(ENDPOINTS, {"url": receiver.url, "events": ["order.placed"]}, format="json")
    assert refused.status_code == 403
    assert api(staff).get(ENDPOINTS).status_code == 403
    assert WebhookEndpoint.objects.count() == 0


def test_another_organisations_endpoint_is_not_found(erp, cooperative, receiver):
    created = register(erp, receiver.url)
    other = token_client(cooperative, member(cooperative, Role.OWNER), {ApiScope.WEBHOOKS_MANAGE})

    assert other.get(f"{ENDPOINTS}{created['id']}/").status_code == 404
    assert other.post(f"{ENDPOINTS}{created['id']}/disable/").status_code == 404
    assert other.get(f"{ENDPOINTS}{created['id']}/deliveries/").status_code == 404
    assert other.get(ENDPOINTS).json()["results"] == []
    assert WebhookEndpoint.objects.get().is_active


@pytest.mark.parametrize(("language", "expected"), [("vi", "https://"), ("en", "must use https://")], ids=["vi", "en"])
def test_a_plain_http_address_is_refused_with_a_clear_message(erp, settings, language, expected, buyer, owner):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    client = token_client(buyer, owner, {ApiScope.WEBHOOKS_MANAGE}, language=language)
    refused = client.post(ENDPOINTS, {"url": "http://erp.example.vn/hook", "events": ["order.placed"]}, format="json")
    assert refused.status_code == 400
    assert expected in refused.json()["error"]["fields"]["url"][0]
    assert WebhookEndpoint.objects.count() == 0


def test_unknown_events_are_refused(erp, receiver):
    refused = erp.post(ENDPOINTS, {"url": receiver.url, "events": ["order.exploded"]}, format="json")
    assert refused.status_code == 400
    assert "events" in refused.json()["error"]["fields"]


def test_ping_log_and_send_again_through_the_api(erp, receiver):
    created = register(erp, receiver.url)
    receiver.answers = [503]
    assert erp.post(f"{ENDPOINTS}{created['id']}/ping/").status_code == 202
    webhook_relay()

    [logged] = erp.get(f"{ENDPOINTS}{created['id']}/deliveries/").json()["results"]
    assert logged["event_type"] == "ping"
    assert logged["status"] == DeliveryStatus.PENDING
    assert logged["attempt_log"][0]["response_status"] == 503
    assert logged["attempt_log"][0]["response_excerpt"] == "receiver is having a bad day"
    assert logged["allowed_actions"] == []  # still retrying: nothing to send again yet

    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED)
    again = erp.post(f"/api/v1/webhooks/deliveries/{logged['id']}/send-again/")
    assert again.status_code == 202
    webhook_relay()
    assert [r.headers["market-link-event-id"] for r in receiver.received] == [logged["event_id"]] * 2


def test_rotate_disable_enable(erp, receiver):
    created = register(erp, receiver.url)
    rotated = erp.post(f"{ENDPOINTS}{created['id']}/rotate-secret/", {"grace_hours": 0}, format="json").json()
    assert rotated["secret"] != created["secret"]
    assert rotated["has_previous_secret"] is False

    disabled = erp.post(f"{ENDPOINTS}{created['id']}/disable/").json()
    assert disabled["is_active"] is False
    assert erp.post(f"{ENDPOINTS}{created['id']}/ping/").status_code == 409
    assert erp.post(f"{ENDPOINTS}{created['id']}/disable/").status_code == 409
    assert erp.post(f"{ENDPOINTS}{created['id']}/enable/").json()["is_active"] is True


def test_event_types_list_what_may_be_chosen(erp):
    names = {t["name"] for t in erp.get("/api/v1/webhooks/event-types/").json()}
    assert {
        "order.placed", "order.confirmed", "order.shipped", "order.delivered", "order.cancelled",
        "payment.received", "payment.refunded", "invoice.issued", "rfq.received", "quote.received",
        "quote.accepted", "contract.signed", "contract.amended", "calloff.due", "delivery.graded",
        "booth.assigned", "meeting.booked",
    } == names  # fmt: skip


def test_the_webhook_lists_are_pages_and_the_delivery_log_refuses_to_sync(erp, receiver):
    """They paged with DRF's paginator but were documented as bare arrays (found by schemathesis on the merge
    of schema-proof): now ListEndpoints, paged. Endpoints sync (test_endpoints_sync_and_a_failing_or_disabled_
    endpoint_comes_again); the delivery log, pruned without tombstones, does not."""
    created = register(erp, receiver.url)
    page = erp.get(ENDPOINTS, {"page_size": 1}).json()
    assert set(page) == {"next", "previous", "results"}
    assert [e["id"] for e in page["results"]] == [created["id"]]
    assert erp.get(ENDPOINTS, {"stauts": "x"}).json()["error"]["code"] == "unknown_parameter"

    response = erp.get(f"{ENDPOINTS}{created['id']}/deliveries/", {"updated_since": "2026-12-01T00:00:00Z"})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "sync_not_available"
    assert list(response.json()["error"]["fields"]) == ["updated_since"]


def test_endpoints_sync_and_a_failing_or_disabled_endpoint_comes_again(erp, receiver, settings):
    """An integration learns that its endpoint is failing (`failing_since`) or was switched off by polling the
    endpoints with `updated_since`, like every list whose rows are change-tracked (docs/api-sync.md)."""
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    created = register(erp, receiver.url)
    first = erp.get(ENDPOINTS, {"updated_since": "2000-01-01T00:00:00Z"})
    assert first.status_code == 200, first.content
    assert [e["id"] for e in first.json()["results"]] == [created["id"]]
    cursor = first.json()["sync_cursor"]
    assert erp.get(ENDPOINTS, {"cursor": cursor}).json()["results"] == []

    receiver.answers = [500]
    assert erp.post(f"{ENDPOINTS}{created['id']}/ping/").status_code in (200, 202)
    webhook_relay()
    failing = erp.get(ENDPOINTS, {"cursor": cursor}).json()
    assert [(e["id"], e["failing_since"] is not None) for e in failing["results"]] == [(created["id"], True)]

    assert erp.post(f"{ENDPOINTS}{created['id']}/disable/").status_code == 200
    disabled = erp.get(ENDPOINTS, {"cursor": failing["sync_cursor"]}).json()
    assert [(e["id"], e["is_active"]) for e in disabled["results"]] == [(created["id"], False)]
