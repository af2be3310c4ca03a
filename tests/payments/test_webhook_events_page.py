"""Staff see every provider event received (Stripe and bank), filter them, read why one was refused or failed,
and process a failed one again through the worker's own path; nobody else reaches the page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import stripe
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from market.core.models import AuditEvent
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import bank_webhook, services
from market.payments.models import WebhookEvent, WebhookEventStatus
from market.payments.services.webhooks import webhook_event_failed
from tests.factories import member
from tests.payments.fixtures import card_token, sign_stripe

pytestmark = pytest.mark.django_db

PAGE = "/staff/payments/events/"
BANK_URL = "/api/v1/payments/webhooks/bank/"
STRIPE_URL = "/api/v1/payments/webhooks/stripe/"
HOSTILE = "<script>alert(1)</script>"


def post_bank(client, body: bytes):
    signature = bank_webhook.sign(body, settings.BANK_WEBHOOK_SECRET)
    return client.post(BANK_URL, data=body, content_type="application/json", HTTP_X_MARKET_SIGNATURE=signature)


def post_stripe(client, payload: dict | bytes):
    body, header = sign_stripe(payload)
    return client.post(STRIPE_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def intent_event(event_id: str, intent_id: str) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": 1_764_000_000,
        "data": {"object": {"id": intent_id, "object": "payment_intent"}},
    }


def fail_while_stripe_is_down(event: WebhookEvent, settings_) -> None:
    """What the worker records when Stripe cannot be reached: the claim counted, the reason kept."""
    settings_.STRIPE_API_BASE, base = "http://127.0.0.1:9", settings_.STRIPE_API_BASE
    settings_.STRIPE_MAX_NETWORK_RETRIES = 0
    try:
        with pytest.raises(stripe.APIConnectionError) as raised:
            services.webhook_event_process(event_id=event.pk)
        webhook_event_failed(event_id=event.pk, error=str(raised.value))
    finally:
        settings_.STRIPE_API_BASE = base


def store_events(client, payment, settings_) -> dict[str, WebhookEvent]:
    """Real rows, as the webhook views store them: waiting, rejected, a duplicate, one whose processing failed."""
    bank = {"id": 9001, "transferAmount": 2_750_000, "content": "ML12345678 thanh toan", "accountNumber": "7700"}
    assert post_bank(client, json.dumps(bank).encode()).status_code == 200
    assert post_bank(client, json.dumps({"data": [1], "note": HOSTILE}).encode()).status_code == 400
    assert post_stripe(client, intent_event("evt_twice", payment.provider_reference)).status_code == 200
    assert post_stripe(client, intent_event("evt_twice", payment.provider_reference)).json()["duplicate"] is True
    assert post_stripe(client, intent_event("evt_failed", payment.provider_reference)).status_code == 200
    fail_while_stripe_is_down(WebhookEvent.objects.get(event_id="evt_failed"), settings_)
    return {
        "waiting": WebhookEvent.objects.get(event_id="sepay:9001"),
        "rejected": WebhookEvent.objects.get(status=WebhookEventStatus.REJECTED),
        "duplicate": WebhookEvent.objects.get(event_id="evt_twice"),
        "failed": WebhookEvent.objects.get(event_id="evt_failed"),
    }


@pytest.fixture
def received(client, localstripe, make_invoice, payer_user, settings):
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=make_invoice(1_500_000).pk, token_id=card_token(localstripe)
    )
    return store_events(client, payment, settings)


def shown(client, query: str = "") -> str:
    response = client.get(PAGE + query)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_see_each_event_with_its_reason_and_an_escaped_bounded_body(client, received, alliance):
    client.force_login(member(alliance, Role.STAFF))
    html = shown(client)
    for event in ("waiting", "rejected", "duplicate", "failed"):
        assert f'id="event-{received[event].pk}"' in html, event
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Connection" in html or "connect" in html  # the failed one's reason
    assert received["rejected"].error[:30] in html
    assert 'data-action="process_again"' in html
    assert html.count('data-action="process_again"') == 1  # only the failed one


def test_a_long_body_is_shown_as_its_start(client, alliance):
    long_note = "x" * 5000
    assert post_bank(client, json.dumps({"data": [1], "note": long_note}).encode()).status_code == 400
    client.force_login(member(alliance, Role.STAFF))
    html = shown(client)
    assert "x" * 500 in html
    assert "x" * 700 not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?outcome=rejected", {"rejected"}),
        ("?outcome=failed", {"failed"}),
        ("?outcome=duplicate", {"duplicate"}),
        ("?outcome=waiting", {"waiting", "duplicate"}),
        ("?provider=bank_transfer", {"waiting", "rejected"}),
        ("?provider=stripe&outcome=failed", {"failed"}),
        ("", {"waiting", "rejected", "duplicate", "failed"}),
    ],
)
def test_filters_by_source_and_status(client, received, alliance, query, expected):
    client.force_login(member(alliance, Role.STAFF))
    html = shown(client, query)
    listed = {
        name for name in ("waiting", "rejected", "duplicate", "failed") if f'id="event-{received[name].pk}"' in html
    }
    assert listed == expected


def test_filters_by_the_day_received(client, received, alliance):
    WebhookEvent.objects.filter(pk=received["rejected"].pk).update(received_at=timezone.now() - timedelta(days=10))
    client.force_login(member(alliance, Role.STAFF))
    old_day = (timezone.localdate() - timedelta(days=10)).isoformat()
    html = shown(client, f"?received_from={old_day}&received_to={old_day}")
    assert f'id="event-{received["rejected"].pk}"' in html
    assert f'id="event-{received["failed"].pk}"' not in html
    assert client.get(PAGE + "?received_from=soon").status_code == 400


def test_process_again_takes_the_workers_path_and_applies_it(client, received, alliance):
    client.force_login(member(alliance, Role.STAFF))
    failed = received["failed"]
    url = reverse("frontend:staff-webhook-event-retry", args=[failed.pk])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == WebhookEventStatus.PROCESSED
    assert failed.error == ""
    assert failed.attempts == 2
    assert AuditEvent.objects.filter(action="payments.webhook_event_retried", target_id=str(failed.pk)).exists()
    # Processed (or rejected) events are not processed again.
    again = client.post(url, follow=True)
    assert "Only an event whose processing failed" in again.content.decode() or again.status_code == 200
    rejected = received["rejected"]
    client.post(reverse("frontend:staff-webhook-event-retry", args=[rejected.pk]))
    rejected.refresh_from_db()
    assert rejected.status == WebhookEventStatus.REJECTED


def test_process_again_that_fails_again_says_why(client, received, alliance, settings):
    client.force_login(member(alliance, Role.STAFF))
    failed = received["failed"]
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    client.post(reverse("frontend:staff-webhook-event-retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.status == WebhookEventStatus.FAILED
    assert failed.error
    assert failed.attempts == 2


@pytest.mark.parametrize(
    ("organisation", "role", "status"),
    [
        ("alliance", Role.STAFF, 200),
        ("alliance", Role.OWNER, 200),
        ("payee", Role.OWNER, 403),
        ("payer", Role.OWNER, 403),
    ],
)
def test_only_alliance_staff_reach_the_page_and_the_action(client, received, request, organisation, role, status):
    client.force_login(member(request.getfixturevalue(organisation), role))
    assert client.get(PAGE).status_code == status
    failed = received["failed"]
    response = client.post(reverse("frontend:staff-webhook-event-retry", args=[failed.pk]))
    assert response.status_code == (302 if status == 200 else status)
    failed.refresh_from_db()
    assert (failed.status == WebhookEventStatus.FAILED) == (status != 200)


def test_anonymous_visitors_are_sent_to_log_in(client, received):
    assert client.get(PAGE).status_code == 302
    assert client.post(reverse("frontend:staff-webhook-event-retry", args=[received["failed"].pk])).status_code == 302
    assert received["failed"].status == WebhookEventStatus.FAILED


def test_a_missing_event_is_404(client, alliance):
    client.force_login(member(alliance, Role.STAFF))
    assert client.post(reverse("frontend:staff-webhook-event-retry", args=[987654])).status_code == 404
