"""Correctly signed but malformed provider bodies: a clear 400, kept for staff to see as a rejected event,
and never handed to the worker or the relay (nothing to retry)."""

from __future__ import annotations

import pytest
from django.conf import settings

from market.payments import bank_webhook
from market.payments.models import WebhookEvent, WebhookEventStatus
from market.payments.tasks import relay_webhook_events
from tests.payments.fixtures import sign_stripe

pytestmark = pytest.mark.django_db

BANK_URL = "/api/v1/payments/webhooks/bank/"
STRIPE_URL = "/api/v1/payments/webhooks/stripe/"


def post_bank_body(client, body: bytes):
    signature = bank_webhook.sign(body, settings.BANK_WEBHOOK_SECRET)
    return client.post(BANK_URL, data=body, content_type="application/json", HTTP_X_MARKET_SIGNATURE=signature)


def post_stripe_body(client, body: bytes):
    body, header = sign_stripe(body)
    return client.post(STRIPE_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": null}',
        b'{"data": [1]}',
        b'{"data": {"id": 7, "amount": "many"}}',
        b'{"id": 1, "transferAmount": 1e400, "content": "MLABC"}',
        b'{"id": 1, "transferAmount": 1.5, "content": "MLABC"}',
        b'{"hello": "world"}',
        b"[1, 2]",
        b"not json at all",
    ],
)
def test_a_signed_but_malformed_bank_body_is_refused_and_kept_for_staff(client, body):
    response = post_bank_body(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_event"
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEventStatus.REJECTED
    assert event.error
    # Sent again, it is the same rejected row (not a second one), and nothing ever retries it.
    assert post_bank_body(client, body).status_code == 400
    assert WebhookEvent.objects.count() == 1
    WebhookEvent.objects.update(received_at=event.received_at.replace(year=2020))
    assert relay_webhook_events() == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 1, "type": "x"}',
        b'{"id": "evt_1", "type": ["payment_intent.succeeded"]}',
        b'{"id": "evt_2", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}}',
        b'{"id": "evt_3", "type": "payment_intent.succeeded", "data": null}',
        b"[]",
    ],
)
def test_a_signed_but_malformed_stripe_body_is_refused_and_kept_for_staff(client, localstripe, body):
    response = post_stripe_body(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_event"
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEventStatus.REJECTED
    assert event.error
    WebhookEvent.objects.update(received_at=event.received_at.replace(year=2020))
    assert relay_webhook_events() == 0
