"""Fixtures of the payments tests whose Stripe answers are lost (tests/payments/dropping_stripe.py): localstripe
behind a dropping proxy for card attempts or for refunds, and a real worker that settles what was lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from market.payments.localstripe import LocalStripeThread
from market.payments.models import Payment, Refund
from tests.notifications.conftest import wait_until
from tests.payments.dropping_stripe import PAYMENT_INTENT_CREATE, REFUND_CREATE, DroppingStripe, dropping_stripe

Unknown = TypeVar("Unknown", Payment, Refund)


@pytest.fixture
def card_link(localstripe: LocalStripeThread, settings: Any) -> Iterator[DroppingStripe]:
    """localstripe behind a proxy that can lose the PaymentIntent create call."""
    yield from dropping_stripe(localstripe, settings, PAYMENT_INTENT_CREATE)


@pytest.fixture
def refund_link(localstripe: LocalStripeThread, settings: Any) -> Iterator[DroppingStripe]:
    """localstripe behind a proxy that can lose the refund create call."""
    yield from dropping_stripe(localstripe, settings, REFUND_CREATE)


@pytest.fixture
def settling_worker(celery_worker_process: Any, settings: Any) -> Callable[[Callable[[], Unknown]], Unknown]:
    """A real Celery worker that settles unknown outcomes, the task sent with no delay (the worker asks
    localstripe itself, not through the proxy). Returns settled(read): waits until the row `read()` returns is
    no longer unknown, and answers it. Tests using it need `transaction=True`."""
    celery_worker_process(concurrency=1)
    settings.STRIPE_OUTCOME_SETTLE_SECONDS = 0

    def settled(read: Callable[[], Unknown]) -> Unknown:
        wait_until(lambda: not read().outcome_unknown, timeout=60, what="the check")
        return read()

    return settled
