"""The notifications the catalogue sends, registered in CatalogConfig.ready(). Templates are in
templates/notifications/catalog/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind

CERTIFICATE_EXPIRING = "catalog.certificate_expiring"


def _certificate_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:my-certificate", args=[context["certificate_id"]])


def register_notification_kinds() -> None:
    register_kind(
        NotificationKind(
            name=CERTIFICATE_EXPIRING,
            group=Group.CERTIFICATES,
            label=_("A certificate expires soon"),
            template="notifications/catalog/certificate_expiring",
            link=_certificate_page,
            zalo_params={"so_chung_nhan": "number", "ngay_het_han": "expires_on"},
            sample_context={
                "certificate_id": 1,
                "number": "VG-AG-2025-0142",
                "issuer": "Sở Nông nghiệp và Môi trường An Giang",
                "cooperative_name": "HTX Lúa gạo Tân Hiệp",
                "expires_on": "2026-12-20",
                "days_left": 27,
            },
        )
    )
