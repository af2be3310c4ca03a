"""A Stripe API that accepts connections and never answers holds a caller for seconds, not minutes."""

from __future__ import annotations

import socket
import time

import pytest
import stripe
from django.urls import reverse

from market.organisations.actors import resolve_actor
from market.payments import services
from market.payments import stripe_gateway as gateway
from market.payments.models import PaymentState
from tests.payments.fixtures import card_token
from tests.payments.test_broker_faults import frozen_redis  # noqa: F401 (a fixture: a server that never answers)
from tests.payments.test_cards import THREE_D_SECURE

UNREACHABLE_VI = "Dịch vụ thanh toán thẻ tạm thời không kết nối được. Vui lòng thử lại sau giây lát."


def test_a_frozen_stripe_api_gives_up_after_the_configured_timeout_and_retries(settings, frozen_redis):  # noqa: F811
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{frozen_redis}"
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        gateway.payment_intent_retrieve("pi_frozen")
    assert time.monotonic() - started < 4  # 2 × 0.5 s plus the SDK's backoff; never its 80 s × 3


def closed_port() -> int:
    """A port nobody listens on: Stripe 'down' (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_stripe_out_of_reach_while_refreshing_a_payment_is_a_503_to_try_again(
    api, client, localstripe, make_invoice, payer_user, settings
):
    payable = make_invoice(2_000_000)
    payment, _secret = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe, THREE_D_SECURE)
    )
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed_port()}"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0

    answer = api(payer_user).post(f"/api/v1/payments/payments/{payment.pk}/refresh/")
    assert answer.status_code == 503, answer.content
    assert answer.json()["error"]["code"] == "payment_provider_unavailable"
    assert answer["Retry-After"] == "10"

    client.force_login(payer_user)  # the pay page's script asks the same after 3-D Secure
    page = client.post(
        reverse("frontend:pay-card-refresh", args=[payable.reference, payment.pk]), HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert page.status_code == 503
    assert page.json() == {"state": "error", "message": UNREACHABLE_VI}
    payment.refresh_from_db()
    assert (payment.state, payment.provider_status) == (PaymentState.PENDING, "requires_action")  # nothing lost
