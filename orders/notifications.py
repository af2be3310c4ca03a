"""The notifications orders send, registered in OrdersConfig.ready(). Templates are in
orders/templates/notifications/orders/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind

RECEIVED = "orders.received"
PLACED = "orders.placed"
CONFIRMED = "orders.confirmed"
SHIPPED = "orders.shipped"
CANCELLED = "orders.cancelled"
DELIVERED = "orders.delivered"
RFQ_RECEIVED = "orders.rfq_received"
QUOTE_RECEIVED = "orders.quote_received"
QUOTE_ACCEPTED = "orders.quote_accepted"
BALANCE_DUE = "orders.balance_due"
BALANCE_CREDITED = "orders.balance_credited"

_SAMPLE = {
    "order_id": 1,
    "order_number": "DH26-0000123",
    "buyer_name": "Công ty TNHH Sài Gòn Xanh",
    "cooperative_name": "HTX Lúa gạo Tân Hiệp",
    "total_vnd": 18_750_000,
    "line_count": 2,
}


def _order_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:order-detail", args=[context["order_id"]])


def _rfq_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:rfq", args=[context["rfq_id"]])


_RFQ_SAMPLE = {
    "rfq_id": 1,
    "title": "Gạo thơm ST25 cho chuỗi bếp ăn, 20 tấn/quý",
    "quantity": "20 tấn",
    "quantity_value": "20",
    "unit": "tấn",
    "buyer_name": "Công ty TNHH Sài Gòn Xanh",
    "deliver_by": "2027-01-15",
    "closes_at": "2026-12-01T17:00:00+07:00",
}


def register_notification_kinds() -> None:
    kinds: list[tuple[str, StrOrPromise, dict[str, Any]]] = [
        (RECEIVED, _("A new order was placed with your cooperative"), {}),
        (PLACED, _("Your order was placed"), {}),
        (
            CONFIRMED,
            _("The cooperative confirmed an order (or proposed changes)"),
            {"changes_proposed": False, "note": ""},
        ),
        (
            SHIPPED,
            _("An order was shipped"),
            {"shipment_number": 1, "carrier": "Xe tải HTX", "vehicle": "68C-123.45", "complete": True},
        ),
        (CANCELLED, _("An order was cancelled"), {"reason": "Hết hàng do mưa lớn."}),
        (DELIVERED, _("An order was delivered and invoiced"), {"invoice_number": "1C26TAA-0000042"}),
        (QUOTE_ACCEPTED, _("A buyer accepted your quote"), {}),
        (
            BALANCE_DUE,
            _("An order was delivered for less than was paid"),
            {"total_vnd": 14_790_000, "paid_vnd": 15_000_000, "balance_vnd": 210_000},
        ),
        (
            BALANCE_CREDITED,
            _("An over-payment was kept as credit for the next order"),
            {"balance_vnd": 210_000, "note": ""},
        ),
    ]
    for name, label, extra in kinds:
        event = name.split(".", 1)[1]
        register_kind(
            NotificationKind(
                name=name,
                group=Group.ORDERS,
                label=label,
                template=f"notifications/orders/{event}",
                link=_order_page,
                zalo_params={"ma_don": "order_number", "tong_tien": "total_vnd"},
                sample_context={**_SAMPLE, **extra},
            )
        )
    quotation_kinds = [
        (RFQ_RECEIVED, _("A buyer asks for a quotation"), {"yeu_cau": "title", "so_luong": "quantity"}, {}),
        (
            QUOTE_RECEIVED,
            _("A cooperative sent you a quote"),
            {"yeu_cau": "title", "don_gia": "unit_price"},
            {
                "cooperative_name": "HTX Lúa gạo Tân Hiệp",
                "unit_price": 27_800_000,
                "unit": "tấn",
                "valid_until": "2026-12-05T17:00:00+07:00",
            },
        ),
    ]
    for name, label, zalo_params, extra in quotation_kinds:
        register_kind(
            NotificationKind(
                name=name,
                group=Group.ORDERS,
                label=label,
                template=f"notifications/orders/{name.split('.', 1)[1]}",
                link=_rfq_page,
                zalo_params=zalo_params,
                sample_context={**_RFQ_SAMPLE, **extra},
            )
        )
