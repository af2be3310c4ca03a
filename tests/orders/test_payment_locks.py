"""One lock order across apps — owner (order) → payable → payment — and a bounded wait for each lock.

The order's own services lock the order, then its payable (`lock_order` → `payment_refresh`); a payment
callback used to lock the payable, then the payment, then the order (`payment_transition` →
`notify_payable_kind` → `order_payment_status_set`): run at once, the two deadlocked."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import transaction

from market.core.errors import ApplicationError, Busy
from market.payments.models import EventSource, Payable, PayableStatus, Payment, PaymentState, Provider
from market.payments.services.transitions import payment_transition
from orders.models import Order
from orders.services.common import PAYABLE_KIND, lock_order, payment_refresh
from tests.orders.factories import only_order, place
from tests.payments.lock_races import in_thread, owner_side_races_a_payment_callback

pytestmark = pytest.mark.django_db(transaction=True)


def card_attempt(order: Order) -> Payment:
    payable = Payable.objects.get(kind=PAYABLE_KIND, object_id=str(order.pk))
    return Payment.objects.create(payable=payable, provider=Provider.STRIPE, amount=payable.amount)


def test_the_order_side_and_a_payment_callback_racing_never_deadlock(buying, selling, rice):
    order = only_order(place(buying, [(rice, "100")]))
    payment = card_attempt(order)
    results = owner_side_races_a_payment_callback(
        lambda: lock_order(actor=selling, order_id=order.pk), payment_refresh, payment.pk
    )
    assert results == {"owner": "done", "payment": "done"}
    order.refresh_from_db()
    payable = Payable.objects.get(kind=PAYABLE_KIND, object_id=str(order.pk))
    assert payable.status == PayableStatus.PAID
    assert order.payment_status == PayableStatus.PAID


def test_a_lock_held_too_long_is_a_clear_busy_error_not_a_hung_worker(settings, buying, selling, rice):
    settings.LOCK_TIMEOUT_SECONDS = 1
    order = only_order(place(buying, [(rice, "100")]))
    payment = card_attempt(order)
    held, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def holder() -> str:
        with transaction.atomic():
            lock_order(actor=selling, order_id=order.pk)
            held.set()
            release.wait(20)
        return "done"

    def callback() -> str:
        held.wait(10)
        payment_transition(payment_id=payment.pk, to_state=PaymentState.SUCCEEDED, source=EventSource.WEBHOOK)
        return "done"

    holding = in_thread(holder, results, "holder")
    started = time.monotonic()
    in_thread(callback, results, "callback").join(15)
    waited = time.monotonic() - started
    release.set()
    holding.join(15)
    error = results["callback"]
    assert isinstance(error, Busy)
    assert isinstance(error, ApplicationError)
    assert error.status_code == 503
    assert waited < 5
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING  # nothing half-done
