"""The notifications orders send, registered in OrdersConfig.ready(). Templates are in
orders/templates/notifications/orders/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind

RECEIVED = "orders.received"
PLACED = "orders.placed"
CONFIRMED = "orders.confirmed"
SHIPPED = "orders.shipped"
CANCELLED = "orders.cancelled"

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


def register_notification_kinds() -> None:
    kinds = [
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
