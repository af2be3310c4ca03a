"""The notification the catalogue sends, registered in CatalogConfig.ready(): a certificate expires soon.
Templates are in catalog/templates/notifications/catalog/certificate_expiring/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind

CERTIFICATE_EXPIRING = "catalog.certificate_expiring"


def _certificates_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:my-certificates")


def register_notification_kinds() -> None:
    register_kind(
        NotificationKind(
            name=CERTIFICATE_EXPIRING,
            group=Group.CERTIFICATES,
            label=_("A certificate expires within 30 days"),
            template="notifications/catalog/certificate_expiring",
            link=_certificates_page,
            zalo_params={"chung_nhan": "certificate_label", "het_han": "valid_to"},
            sample_context={
                "certificate_id": 1,
                "certificate_label": "VietGAP",
                "number": "VG-2025-001",
                "valid_to": "2026-03-31",
                "cooperative_name": "HTX Lúa gạo Tân Hiệp",
            },
        )
    )
