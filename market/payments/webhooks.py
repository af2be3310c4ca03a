"""The webhook event types of payments (registered in PaymentsConfig.ready()): `data` is the API's PaymentOut.
Emitted by `notifications.announce`, in the transaction that moved the payment, to the payer and the payee."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from market.integrations.registry import WebhookEventType, emit_event, register_event_type
from market.payments.models import Payable, Payment
from market.payments.registry import PayableEvent

PAYMENT_RECEIVED = "payment.received"
PAYMENT_REFUNDED = "payment.refunded"

EMITTED = {PayableEvent.SUCCEEDED: PAYMENT_RECEIVED, PayableEvent.REFUNDED: PAYMENT_REFUNDED}


def payment_data(payment: Payment) -> dict[str, Any]:
    from market.payments.api import PaymentOut  # the API module reads the registries filled in ready()

    return dict(PaymentOut(Payment.objects.select_related("payable").get(pk=payment.pk)).data)


def register_webhook_event_types() -> None:
    sample = {
        "id": 512,
        "reference": "ML7K2Q9D",
        "provider": "bank_transfer",
        "state": "succeeded",
        "amount": 18500000,
        "currency": "VND",
        "amount_refunded": 0,
    }
    register_event_type(
        WebhookEventType(name=PAYMENT_RECEIVED, label=_("Payment received"), serialize=payment_data, sample=sample)
    )
    register_event_type(
        WebhookEventType(
            name=PAYMENT_REFUNDED,
            label=_("Payment refunded"),
            serialize=payment_data,
            sample={**sample, "state": "refunded", "amount_refunded": 18500000},
        )
    )


def emit_payment_event(payable: Payable, payment: Payment, event: PayableEvent) -> None:
    if event not in EMITTED:
        return
    emit_event(
        type=EMITTED[event],
        obj=payment,
        organisations=[payable.payer, payable.payee],
        # Each further refund of one payment is an event of its own.
        occurrence=f"refund:{payment.amount_refunded}" if event == PayableEvent.REFUNDED else "",
    )
