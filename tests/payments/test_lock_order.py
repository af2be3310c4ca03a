"""One lock order across apps — owner → payable → payment — for the booth fee as for orders
(tests/orders/test_payment_locks.py): fairs lock the application, then its payable (a released booth cancels
what was still to pay: `lock_application` → `fee_clear` → `payable_cancel`), while a payment callback reaches the
application through the payable (`payment_transition` → `notify_payable_kind` → `fee_mark_paid`). Without the
payable kind's lock hook (`BoothFeePayable.owner_model`) the callback took payable → payment → application, and the
two deadlocked; with it the callback locks the application first and waits its turn."""

from __future__ import annotations

import pytest

from fairs.services.applications import lock_application
from fairs.services.fees import BOOTH_FEE_KIND, fee_clear
from market.payments.models import Payable, PayableStatus, Payment, PaymentState, Provider
from tests.fairs.factories import apply, assign, make_fair
from tests.payments.lock_races import owner_side_races_a_payment_callback

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_booth_released_while_its_fee_is_paid_by_card_never_deadlocks(alliance, cooperative):
    fair = make_fair(alliance, booths=1)
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    payable = Payable.objects.get(kind=BOOTH_FEE_KIND, object_id=str(application.pk))
    attempt = Payment.objects.create(payable=payable, provider=Provider.STRIPE, amount=payable.amount)
    results = owner_side_races_a_payment_callback(
        lambda: lock_application(application.pk), lambda locked: fee_clear(application=locked), attempt.pk
    )
    assert results == {"owner": "done", "payment": "done"}
    attempt.refresh_from_db()
    payable.refresh_from_db()
    assert attempt.state == PaymentState.SUCCEEDED
    # The release came first: the fee was called off, so what the card paid is an overpayment for staff.
    assert (payable.status, payable.overpaid) == (PayableStatus.CANCELLED, payable.amount_paid)
