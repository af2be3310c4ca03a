"""One lock order across apps — owner → payable → payment — for the booth fee as for orders
(tests/orders/test_payment_locks.py): fairs lock the application, then its payable (a released booth cancels
what was still to pay: `lock_application` → `fee_clear` → `payable_cancel`), while a payment callback reaches the
application through the payable (`payment_transition` → `notify_payable_kind` → `fee_mark_paid`). Without the
payable kind's lock hook (`BoothFeePayable.owner_model`) the callback took payable → payment → application, and the
two deadlocked; with it the callback locks the application first and waits its turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections, transaction

from fairs.services.applications import lock_application
from fairs.services.fees import BOOTH_FEE_KIND, fee_clear
from market.payments.models import EventSource, Payable, PayableStatus, Payment, PaymentState, Provider
from market.payments.services.transitions import payment_transition
from tests.fairs.factories import apply, assign, make_fair

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(job: Callable[[], Any], results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = job()
        except Exception as error:  # reported by the assertion on `results`
            results[name] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_booth_released_while_its_fee_is_paid_by_card_never_deadlocks(alliance, cooperative):
    fair = make_fair(alliance, booths=1)
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    payable = Payable.objects.get(kind=BOOTH_FEE_KIND, object_id=str(application.pk))
    attempt = Payment.objects.create(payable=payable, provider=Provider.STRIPE, amount=payable.amount)
    application_locked = threading.Event()
    results: dict[str, Any] = {}

    def fairs_side() -> str:
        with transaction.atomic():
            locked = lock_application(application.pk)
            application_locked.set()
            time.sleep(0.8)  # the callback starts meanwhile
            fee_clear(application=locked)
        return "done"

    def payment_callback() -> str:
        application_locked.wait(10)
        payment_transition(
            payment_id=attempt.pk, to_state=PaymentState.SUCCEEDED, source=EventSource.WEBHOOK, provider_event_id="e1"
        )
        return "done"

    threads = [in_thread(fairs_side, results, "fairs"), in_thread(payment_callback, results, "payment")]
    for thread in threads:
        thread.join(30)
    assert results == {"fairs": "done", "payment": "done"}
    attempt.refresh_from_db()
    payable.refresh_from_db()
    assert attempt.state == PaymentState.SUCCEEDED
    # The release came first: the fee was called off, so what the card paid is an overpayment for staff.
    assert (payable.status, payable.overpaid) == (PayableStatus.CANCELLED, payable.amount_paid)
