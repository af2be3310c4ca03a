"""A Stripe API that accepts connections and never answers holds a caller for seconds, not minutes."""

from __future__ import annotations

import time

import pytest
import stripe

from market.payments import stripe_gateway as gateway
from tests.payments.test_broker_faults import frozen_redis  # noqa: F401 (a fixture: a server that never answers)


def test_a_frozen_stripe_api_gives_up_after_the_configured_timeout_and_retries(settings, frozen_redis):  # noqa: F811
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{frozen_redis}"
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        gateway.payment_intent_retrieve("pi_frozen")
    assert time.monotonic() - started < 4  # 2 × 0.5 s plus the SDK's backoff; never its 80 s × 3
