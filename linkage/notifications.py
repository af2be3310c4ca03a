"""The notifications linkage contracts send, registered in LinkageConfig.ready(). Templates are in
linkage/templates/notifications/linkage/<event>/<language>/. They belong to the orders group: a person
choosing channels for orders and quotations gets the contracts' news the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind

CONTRACT_TO_SIGN = "linkage.contract_to_sign"
AMENDMENT_TO_SIGN = "linkage.amendment_to_sign"
CONTRACT_IN_FORCE = "linkage.contract_in_force"
CONTRACT_TERMINATED = "linkage.contract_terminated"
CALL_OFF_DUE = "linkage.call_off_due"
DELIVERY_RECORDED = "linkage.delivery_recorded"
DELIVERY_SHORT = "linkage.delivery_short"
DELIVERY_LATE = "linkage.delivery_late"
REFERENCE_PRICE = "linkage.reference_price"
FORCE_MAJEURE = "linkage.force_majeure"
DISPUTE_UPDATE = "linkage.dispute_update"

_SAMPLE: dict[str, Any] = {
    "contract_id": 1,
    "contract_number": "HDLK26-0000001",
    "title": "Lúa Đông Xuân 2026–2027, cánh đồng lớn Kênh 8",
    "buyer_name": "Công ty CP Lương thực Kiên Giang",
    "cooperative_name": "HTX Lúa gạo Tân Hiệp",
    "season": "Đông Xuân 2026–2027",
}


def _contract_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:linkage-contract", args=[context["contract_id"]])


def _prices_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:linkage-prices")


KINDS: tuple[tuple[str, Any, dict[str, Any]], ...] = (
    (
        CONTRACT_TO_SIGN,
        _("A linkage contract waits for your signature"),
        {"version": 1, "change_note": "", "signed_by": "Công ty CP Lương thực Kiên Giang"},
    ),
    (
        AMENDMENT_TO_SIGN,
        _("An amendment of a linkage contract waits for your signature"),
        {"version": 2, "change_note": "Tăng sản lượng cam kết lên 1.300 tấn.", "signed_by": "HTX Lúa gạo Tân Hiệp"},
    ),
    (CONTRACT_IN_FORCE, _("A linkage contract (or its amendment) is in force"), {"version": 1}),
    (
        CONTRACT_TERMINATED,
        _("A linkage contract was terminated"),
        {"reason": "Bên mua ngừng thu mua vụ này.", "terminated_by": "Công ty CP Lương thực Kiên Giang"},
    ),
    (
        CALL_OFF_DUE,
        _("A contract delivery is due in a few days"),
        {"call_off": 3, "due_on": "2027-02-20", "quantity": "50000", "unit": "kg", "ordered": True},
    ),
    (
        DELIVERY_RECORDED,
        _("A contract delivery was weighed and graded"),
        {
            "call_off": 3,
            "gross": "12500",
            "deduction": "75",
            "net": "12425",
            "unit": "kg",
            "unit_price": 7200,
            "amount": 89460000,
            "measurements": "Độ ẩm 14,5 %",
        },
    ),
    (
        DELIVERY_SHORT,
        _("A contract delivery was short"),
        {"call_off": 3, "quantity": "50000", "net": "41000", "unit": "kg"},
    ),
    (
        DELIVERY_LATE,
        _("A contract delivery is late"),
        {"call_off": 4, "due_on": "2027-02-25", "quantity": "50000", "unit": "kg"},
    ),
    (
        FORCE_MAJEURE,
        _("Force majeure was declared on a linkage contract"),
        {"event": "Xâm nhập mặn", "starts_on": "2027-03-01", "ends_on": "", "declared_by": "HTX Lúa gạo Tân Hiệp"},
    ),
    (
        DISPUTE_UPDATE,
        _("A dispute on a linkage contract has news"),
        {"subject": "Độ ẩm chuyến 3", "status": "open", "author": "HTX Lúa gạo Tân Hiệp", "text": "Đề nghị đo lại."},
    ),
)


def register_notification_kinds() -> None:
    for name, label, extra in KINDS:
        register_kind(
            NotificationKind(
                name=name,
                group=Group.ORDERS,
                label=label,
                template=f"notifications/linkage/{name.split('.', 1)[1]}",
                link=_contract_page,
                zalo_params={"so_hop_dong": "contract_number"},
                sample_context={**_SAMPLE, **extra},
            )
        )
    register_kind(
        NotificationKind(
            name=REFERENCE_PRICE,
            group=Group.ORDERS,
            label=_("A new reference price was published"),
            template="notifications/linkage/reference_price",
            link=_prices_page,
            zalo_params={"gia": "price"},
            sample_context={
                "series": "Lúa tươi Đài Thơm 8 tại ruộng",
                "publisher": "Công ty CP Lương thực Kiên Giang",
                "effective_on": "2027-02-15",
                "price": 7350,
                "unit": "kg",
            },
        )
    )
