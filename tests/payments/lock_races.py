"""Two sides racing for the locks of one payable on real threads, each with its own connection: the owner's
service (an order, a booth application) and a payment callback. Shared by tests/orders/test_payment_locks.py and
tests/payments/test_lock_order.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connections, transaction

from market.payments.models import EventSource, PaymentState
from market.payments.services.transitions import payment_transition


def in_thread(job: Callable[[], Any], results: dict[str, Any], name: str) -> threading.Thread:
    """Run `job` on a thread with its own connection; its result or its exception lands in results[name]."""

    def run() -> None:
        try:
            results[name] = job()
        except Exception as error:  # reported by the caller's assertion on `results`
            results[name] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def owner_side_races_a_payment_callback(
    lock_owner: Callable[[], Any], then: Callable[[Any], object], payment_id: int
) -> dict[str, Any]:
    """In one transaction, lock the owner and hold it while a webhook's callback marks the payment succeeded,
    then call `then(owner)` (which reaches the payable): each side's result, "done" or the exception."""
    owner_locked = threading.Event()
    results: dict[str, Any] = {}

    def owner_side() -> str:
        with transaction.atomic():
            owner = lock_owner()
            owner_locked.set()
            time.sleep(0.8)  # the callback starts meanwhile
            then(owner)
        return "done"

    def payment_callback() -> str:
        owner_locked.wait(10)
        payment_transition(
            payment_id=payment_id, to_state=PaymentState.SUCCEEDED, source=EventSource.WEBHOOK, provider_event_id="e1"
        )
        return "done"

    threads = [in_thread(owner_side, results, "owner"), in_thread(payment_callback, results, "payment")]
    for thread in threads:
        thread.join(30)
    return results
