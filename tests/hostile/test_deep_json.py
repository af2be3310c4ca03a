"""JSON nested ~1,000 deep answered 500 (RecursionError in the decoder) on every JSON endpoint, the signed
webhooks and the card form: it is a 400 before anything decodes it."""

import base64
import json

import pytest
from django.conf import settings
from django.test import Client

from catalog.selectors.browse import decode_cursor
from catalog.supply.geometry import read_outline
from market.core.errors import ValidationFailed
from market.core.json_input import MAX_JSON_DEPTH, JSONTooDeep, check_json_depth
from market.organisations.models import Role
from market.payments import bank_webhook
from market.payments.models import WebhookEvent, WebhookEventStatus
from tests.factories import member
from tests.payments.fixtures import sign_stripe

DEEP = ("[" * 1000 + "]" * 1000).encode()
DEEP_OBJECT = ('{"a":' * 1000 + "1" + "}" * 1000).encode()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_the_depth_is_counted_outside_strings():
    check_json_depth(nested(MAX_JSON_DEPTH))
    check_json_depth(json.dumps({"note": "[" * 5000, "quoted": '\\"[[[[' * 100}))
    with pytest.raises(JSONTooDeep):
        check_json_depth(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(JSONTooDeep):
        check_json_depth(json.dumps([{"x": "]]]"}]) + nested(MAX_JSON_DEPTH + 1))


def test_a_deep_body_is_a_400_naming_the_problem_on_an_api_endpoint(db, buyer):
    client = Client()
    client.force_login(member(buyer, Role.OWNER))
    for body in (DEEP, DEEP_OBJECT):
        response = client.post(
            "/api/v1/me/acting-organisation/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "json_too_deep"
        assert "nested too deeply" in response.json()["error"]["message"]


def test_a_deep_body_is_a_400_on_views_that_name_their_parsers(db, cooperative):
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
    response = client.post("/api/v1/certificates/", DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "json_too_deep"


def test_the_message_is_vietnamese_for_a_vietnamese_caller(db, buyer):
    client = Client()
    client.force_login(member(buyer, Role.OWNER))
    response = client.post(
        "/api/v1/me/acting-organisation/", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]["message"]
    assert "nested" not in response.json()["error"]["message"]


def test_a_signed_deep_stripe_webhook_is_a_400_kept_as_rejected_for_staff(db):
    body, header = sign_stripe(DEEP)
    response = Client().post(
        "/api/v1/payments/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 400, response.content
    # Signed but unreadable: kept for staff to see (issue 13), never processed or retried.
    assert list(WebhookEvent.objects.values_list("status", flat=True)) == [WebhookEventStatus.REJECTED]


def test_a_signed_deep_bank_webhook_is_a_400_kept_as_rejected_for_staff(db):
    signature = bank_webhook.sign(DEEP_OBJECT, settings.BANK_WEBHOOK_SECRET)
    response = Client().post(
        "/api/v1/payments/webhooks/bank/", DEEP_OBJECT, content_type="application/json",
        HTTP_X_MARKET_SIGNATURE=signature,
    )  # fmt: skip
    assert response.status_code == 400, response.content
    # Signed but unreadable: kept for staff to see (issue 13), never processed or retried.
    assert list(WebhookEvent.objects.values_list("status", flat=True)) == [WebhookEventStatus.REJECTED]


def test_a_deep_body_on_the_card_form_is_refused(db, make_invoice, payer_user):
    payable = make_invoice()
    client = Client()
    client.force_login(payer_user)
    response = client.post(f"/pay/{payable.reference}/card/", DEEP, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["state"] == "error"


def test_a_deep_cursor_is_a_page_link_no_longer_valid():
    cursor = base64.urlsafe_b64encode(DEEP).decode().rstrip("=")
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor, "price_asc")


def test_a_deep_outline_is_refused():
    with pytest.raises(ValidationFailed):
        read_outline(DEEP.decode())
