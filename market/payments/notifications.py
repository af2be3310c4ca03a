"""The notifications payments send, registered in PaymentsConfig.ready(): money received, a card attempt
that failed, a refund. Whatever the payable is (an order, a booth fee), the payer and the payee hear it.
Templates are in templates/notifications/payments/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind
from market.notifications.services import notify
from market.payments.models import Payable, Payment
from market.payments.registry import PayableEvent
from market.payments.webhooks import emit_payment_event

RECEIVED = "payments.received"
FAILED = "payments.failed"
REFUNDED = "payments.refunded"

SAMPLE = {
    "reference": "ML7K2Q9D",
    "description": "Đơn hàng HTX Lúa gạo Tân Hiệp",
    "amount": 1500000,
    "amount_due": 1500000,
    "amount_paid": 1500000,
    "amount_refunded": 0,
    "method": "bank_transfer",
    "payer_name": "Công ty TNHH Thực phẩm Sài Gòn Xanh",
    "payee_name": "HTX Lúa gạo Tân Hiệp",
    "failure_message": "",
}


def _pay_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:pay", args=[context["reference"]])


def register_notification_kinds() -> None:
    for name, label, template, extra in (
        (RECEIVED, _("Payment received"), "received", {}),
        (FAILED, _("Card payment failed"), "failed", {"failure_message": "Thẻ bị từ chối (card_declined)"}),
        (REFUNDED, _("Payment refunded"), "refunded", {"amount_refunded": 250000}),
    ):
        register_kind(
            NotificationKind(
                name=name,
                group=Group.PAYMENTS,
                label=label,
                template=f"notifications/payments/{template}",
                link=_pay_page,
                zalo_params={"ma_thanh_toan": "reference", "so_tien": "amount"},
                sample_context={**SAMPLE, **extra},
            )
        )


# Which payable events people hear about, and who: (kind, tell the payee too).
ANNOUNCED = {
    PayableEvent.SUCCEEDED: (RECEIVED, True),
    PayableEvent.FAILED: (FAILED, False),
    PayableEvent.REFUNDED: (REFUNDED, True),
}


def announce(payable: Payable, payment: Payment, event: PayableEvent) -> None:
    """Inside the transaction that moved the payment: tell the payer (and the payee) what happened, and
    their systems (webhooks)."""
    emit_payment_event(payable, payment, event)
    if event not in ANNOUNCED:
        return
    kind, to_payee = ANNOUNCED[event]
    recipients = [payable.payer, payable.payee] if to_payee else [payable.payer]
    notify(
        kind=kind,
        recipients=recipients,
        context={
            "reference": payable.reference,
            "description": payable.description,
            "amount": int(payment.amount),
            "amount_due": int(payable.amount),
            "amount_paid": int(payable.amount_paid),
            "amount_refunded": int(payment.amount_refunded),
            "method": payment.provider,
            "payer_name": payable.payer.name,
            "payee_name": payable.payee.name,
            "failure_message": payment.failure_message,
        },
        object_ref=payment,
        # A payment is received or fails once; each further refund of it is news again.
        occurrence=f"refund:{payment.amount_refunded}" if kind == REFUNDED else "",
    )
