"""The webhooks API's writes take an `Idempotency-Key` (market.core.once, as the fairs API's): a client that lost an
answer and sends the request again is answered what the first send was answered, and nothing happens twice. Before,
a retried registration made a second endpoint (every event received twice) and a retried rotation rotated again: the
first new secret, never received, became the "old" one and the secret the receiver still checked stopped signing.
The key sent for another endpoint or with another body is a 409 `idempotency_key_reused`; without a key each request
acts as before."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from market.core.models import AuditEvent
from market.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from market.integrations.relay import webhook_relay
from market.organisations.models import ApiScope, Organisation, Role, User
from tests.factories import member
from tests.integrations.conftest import Receiver
from tests.integrations.test_webhook_api import ENDPOINTS, register, token_client
from tests.integrations.test_webhook_delivery import _signature_matches

pytestmark = pytest.mark.django_db

KEY = "erp-2026-12-08-webhooks-0001"
REUSED_VI = "Idempotency-Key này đã được dùng cho một yêu cầu khác: hãy gửi yêu cầu này với một khóa mới."


@pytest.fixture
def erp(buyer: Organisation) -> APIClient:
    owner: User = member(buyer, Role.OWNER)
    return token_client(buyer, owner, {ApiScope.WEBHOOKS_MANAGE}, language="vi")


def keyed(key: str = KEY) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key, "HTTP_ACCEPT_LANGUAGE": "vi"}


def test_a_registration_sent_again_with_its_key_answers_the_first_endpoint_and_its_secret(erp, receiver: Receiver):
    body = {"url": receiver.url, "events": ["order.placed"]}
    first = erp.post(ENDPOINTS, body, format="json", **keyed())
    again = erp.post(ENDPOINTS, body, format="json", **keyed())

    assert first.status_code == again.status_code == 201
    assert again.json() | {"updated_at": None} == first.json() | {"updated_at": None}
    assert WebhookEndpoint.objects.count() == 1

    other_body = erp.post(ENDPOINTS, {**body, "events": ["payment.received"]}, format="json", **keyed())
    assert other_body.status_code == 409
    assert other_body.json()["error"] == {"code": "idempotency_key_reused", "message": REUSED_VI}
    assert WebhookEndpoint.objects.count() == 1


def test_a_registration_sent_again_after_its_endpoint_was_removed_is_a_404_of_its_own_code(erp, receiver: Receiver):
    """In an API client's words (a new key); the same refusal on the page is worded for a form
    (tests/integrations/test_webhook_pages.py)."""
    body = {"url": receiver.url, "events": ["order.placed"]}
    assert erp.post(ENDPOINTS, body, format="json", **keyed()).status_code == 201
    WebhookEndpoint.objects.get().delete()

    again = erp.post(ENDPOINTS, body, format="json", **keyed())

    assert again.status_code == 404
    assert again.json()["error"] == {
        "code": "idempotency_key_target_gone",
        "message": "Thứ mà khóa này tạo ra lần đầu không còn nữa: hãy gửi lại yêu cầu với một khóa mới.",
    }
    assert not WebhookEndpoint.objects.exists()


def test_without_a_key_a_registration_sent_twice_still_makes_two(erp, receiver: Receiver):
    register(erp, receiver.url)
    register(erp, receiver.url)
    assert WebhookEndpoint.objects.count() == 2


def test_a_rotation_sent_again_answers_the_same_secret_and_the_receivers_secret_still_verifies(erp, receiver: Receiver):
    created = register(erp, receiver.url)
    checked_by_receiver = created["secret"]
    rotate = f"{ENDPOINTS}{created['id']}/rotate-secret/"

    first = erp.post(rotate, {"grace_hours": 24}, format="json", **keyed())  # its answer lost on the way
    again = erp.post(rotate, {"grace_hours": 24}, format="json", **keyed())

    assert first.status_code == again.status_code == 200
    assert again.json()["secret"] == first.json()["secret"] != checked_by_receiver
    assert AuditEvent.objects.filter(action="webhook_endpoint.secret_rotated").count() == 1
    assert erp.post(f"{ENDPOINTS}{created['id']}/ping/").status_code == 202
    webhook_relay()
    [delivered] = receiver.received
    signature = delivered.headers["market-link-signature"]
    assert _signature_matches(delivered.body, signature, checked_by_receiver)
    assert _signature_matches(delivered.body, signature, again.json()["secret"])


def test_the_rotations_key_sent_for_another_endpoint_or_grace_is_refused(erp, receiver: Receiver):
    one, two = register(erp, receiver.url), register(erp, receiver.url)
    assert erp.post(f"{ENDPOINTS}{one['id']}/rotate-secret/", {}, format="json", **keyed()).status_code == 200
    secret_of_two = WebhookEndpoint.objects.get(pk=two["id"]).secret_sealed

    for path, body in (
        (f"{ENDPOINTS}{two['id']}/rotate-secret/", {}),
        (f"{ENDPOINTS}{one['id']}/rotate-secret/", {"grace_hours": 0}),
    ):
        refused = erp.post(path, body, format="json", **keyed())
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert WebhookEndpoint.objects.get(pk=two["id"]).secret_sealed == secret_of_two
    assert AuditEvent.objects.filter(action="webhook_endpoint.secret_rotated").count() == 1


def _failed_delivery(erp: APIClient, endpoint_id: int) -> int:
    assert erp.post(f"{ENDPOINTS}{endpoint_id}/ping/").status_code == 202
    webhook_relay()
    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED)
    return WebhookDelivery.objects.get().pk


@pytest.mark.parametrize(
    ("step", "status"),
    [("disable", 200), ("enable", 200), ("ping", 202), ("send-again", 202), ("delete", 204)],
)
def test_each_step_sent_again_with_its_key_is_answered_as_the_first_and_acts_once(erp, receiver, step, status):
    created = register(erp, receiver.url)
    endpoint = f"{ENDPOINTS}{created['id']}/"
    if step == "enable":
        erp.post(f"{endpoint}disable/")
    send = {
        "disable": lambda: erp.post(f"{endpoint}disable/", **keyed()),
        "enable": lambda: erp.post(f"{endpoint}enable/", **keyed()),
        "ping": lambda: erp.post(f"{endpoint}ping/", **keyed()),
        "delete": lambda: erp.delete(endpoint, **keyed()),
    }
    if step == "send-again":
        delivery_id = _failed_delivery(erp, created["id"])
        send["send-again"] = lambda: erp.post(f"/api/v1/webhooks/deliveries/{delivery_id}/send-again/", **keyed())
    audited = AuditEvent.objects.count()
    deliveries = WebhookDelivery.objects.count()

    first, again = send[step](), send[step]()

    assert first.status_code == again.status_code == status, again.content
    if status != 204:
        assert again.json()["id"] == first.json()["id"]
    assert AuditEvent.objects.count() == audited + 1
    assert WebhookDelivery.objects.count() == deliveries + (step == "ping")


def test_a_steps_key_sent_for_another_endpoint_is_refused_and_changes_nothing(erp, receiver):
    one, two = register(erp, receiver.url), register(erp, receiver.url)
    assert erp.post(f"{ENDPOINTS}{one['id']}/disable/", **keyed()).status_code == 200

    refused = erp.post(f"{ENDPOINTS}{two['id']}/disable/", **keyed())

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert WebhookEndpoint.objects.get(pk=two["id"]).is_active
