"""A payment received (a bank transfer matched) emits payment.received to the payer and the payee, with the
API's PaymentOut as data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from market.payments import services
from market.payments.models import Payment
from tests.integrations.helpers import events_for, listen

pytestmark = pytest.mark.django_db


def test_a_matched_transfer_emits_payment_received(make_invoice, payer, payee):
    listen(payer, payee)
    payable = make_invoice(1_500_000)
    services.bank_transaction_record(
        account_number="7700201099999",
        bank_reference="FT-WEBHOOK-1",
        booked_at=datetime(2026, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        amount=1_500_000,
        description=f"CT {payable.reference} thanh toan",
        source="statement",
    )
    payment = Payment.objects.get()
    for organisation in (payer, payee):
        [received] = events_for(organisation, "payment.received")
        assert received.data["id"] == payment.pk
        assert received.data["amount"] == 1_500_000
        assert received.data["reference"] == payable.reference
