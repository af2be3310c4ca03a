"""The notifications exports send, registered in ExportsConfig.ready(): a job's file is ready, or it failed.
Templates are in templates/notifications/exports/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Channel, Group
from market.notifications.registry import NotificationKind, register_kind

SAMPLE = {
    "job_id": 1,
    "what": "orders",
    "what_vi": "Đơn hàng",
    "what_en": "Orders",
    "rows": 125000,
    "date_from": "2026-01-01",
    "date_to": "2026-06-30",
    "file_format": "xlsx",
    "expires_at": "2026-07-08T09:00:00+07:00",
}


def _job_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:export-job", args=[context["job_id"]])


def register_notification_kinds() -> None:
    for name, label, template in (
        ("exports.ready", _("An export is ready to download"), "ready"),
        ("exports.failed", _("An export failed"), "failed"),
    ):
        register_kind(
            NotificationKind(
                name=name,
                group=Group.ACCOUNT,
                label=label,
                template=f"notifications/exports/{template}",
                channels=frozenset({Channel.IN_APP, Channel.EMAIL}),
                digestible=False,
                link=_job_page,
                sample_context=SAMPLE,
            )
        )
