"""The notification this app sends (registered in IntegrationsConfig.ready()); templates are in
templates/notifications/integrations/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Channel, Group
from market.notifications.registry import NotificationKind, register_kind

ENDPOINT_DISABLED = "integrations.webhook_endpoint_disabled"


def _endpoint_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:webhook-detail", args=[context["endpoint_id"]])


def register_notification_kinds() -> None:
    register_kind(
        NotificationKind(
            name=ENDPOINT_DISABLED,
            group=Group.ACCOUNT,
            label=_("A webhook endpoint was switched off after failing"),
            template="notifications/integrations/endpoint_disabled",
            channels=frozenset({Channel.IN_APP, Channel.EMAIL}),
            # The organisation's systems stopped hearing about orders: the owners must know, whatever they chose.
            essential=True,
            digestible=False,
            link=_endpoint_page,
            sample_context={
                "endpoint_id": 1,
                "url": "https://erp.example.vn/market-link/webhooks",
                "hours": 72,
                "last_error": "HTTP 503",
            },
        )
    )
