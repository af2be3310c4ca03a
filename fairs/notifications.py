"""The notifications fairs send, registered in FairsConfig.ready(). Templates are in
templates/notifications/fairs/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind

APPLICATION_DECIDED = "fairs.application_decided"
BOOTH_MOVED = "fairs.booth_moved"
FEE_REMINDER = "fairs.fee_reminder"
MEETING_UPDATE = "fairs.meeting_update"


def _application_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:fair-application", args=[context["application_id"]])


def _meetings_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:fair-meetings")


def register_notification_kinds() -> None:
    register_kind(
        NotificationKind(
            name=APPLICATION_DECIDED,
            group=Group.FAIRS,
            label=_("A booth application was decided"),
            template="notifications/fairs/application_decided",
            link=_application_page,
            zalo_params={"hoi_cho": "fair_name", "ket_qua": "decision", "gian_hang": "booth_code"},
            sample_context={
                "application_id": 1,
                "fair_name": "Hội chợ OCOP Đồng bằng sông Cửu Long 2026",
                "decision": "assigned",
                "reason": "",
                "booth_code": "A-07",
                "price": 4000000,
                "subsidy": 2800000,
                "amount_due": 1200000,
                "payment_due_on": "2026-12-01",
                "waitlist_position": None,
            },
        )
    )
    register_kind(
        NotificationKind(
            name=BOOTH_MOVED,
            group=Group.FAIRS,
            label=_("An assigned booth was moved, resized or given a new code"),
            template="notifications/fairs/booth_moved",
            link=_application_page,
            zalo_params={"hoi_cho": "fair_name", "gian_hang": "booth_code", "nha": "hall"},
            sample_context={
                "application_id": 1,
                "fair_name": "Hội chợ OCOP Đồng bằng sông Cửu Long 2026",
                "fair_name_en": "Mekong Delta OCOP Fair 2026",
                "booth_code": "B-07",
                "previous_code": "A-07",
                "changes": ["hall", "size", "code"],
                "hall": "Nhà B",
                "previous_hall": "Nhà A",
                "x": "12.00",
                "y": "4.50",
                "width": "6.00",
                "depth": "3.00",
                "previous_width": "3.00",
                "previous_depth": "3.00",
            },
        )
    )
    register_kind(
        NotificationKind(
            name=FEE_REMINDER,
            group=Group.FAIRS,
            label=_("A booth fee is overdue"),
            template="notifications/fairs/fee_reminder",
            link=_application_page,
            digestible=False,
            zalo_params={"hoi_cho": "fair_name", "so_tien": "amount_due"},
            sample_context={
                "application_id": 1,
                "fair_name": "Hội chợ OCOP Đồng bằng sông Cửu Long 2026",
                "amount_due": 1200000,
                "release_on": "2026-12-03",
            },
        )
    )
    register_kind(
        NotificationKind(
            name=MEETING_UPDATE,
            group=Group.FAIRS,
            label=_("A business-matching meeting changed"),
            template="notifications/fairs/meeting_update",
            link=_meetings_page,
            zalo_params={"hoi_cho": "fair_name", "gio": "starts_at"},
            sample_context={
                "meeting_id": 1,
                "fair_name": "Hội chợ OCOP Đồng bằng sông Cửu Long 2026",
                "event": "accepted",
                "buyer_name": "Công ty TNHH Thực phẩm Sài Gòn Xanh",
                "exhibitor_name": "HTX Nước mắm Phú Quốc",
                "starts_at": "09:30 05/12/2026",
                "table": "Bàn 3",
                "reason": "",
            },
        )
    )
