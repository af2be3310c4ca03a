"""Writing webhook events and their deliveries (the outbox rows), shared by emit_event() and the ping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from market.integrations.config import API_VERSION, webhook_settings
from market.integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def queue_event(
    *,
    organisation_id: int,
    type: str,
    object_type: str,
    object_id: str,
    occurrence: str,
    data: dict[str, Any],
    created_at: datetime,
    endpoints: list[WebhookEndpoint] | None = None,
) -> int:
    """One event (unless this change was announced already) and a delivery to each enabled endpoint of the
    organisation listening for `type` (or to `endpoints`, for a ping). Returns the deliveries written."""
    event, created = WebhookEvent.objects.get_or_create(
        organisation_id=organisation_id,
        type=type,
        object_type=object_type[:80],
        object_id=object_id[:64],
        occurrence=occurrence[:64],
        defaults={"api_version": API_VERSION, "data": data, "created_at": created_at},
    )
    if not created:
        return 0
    if endpoints is None:
        # Filtered here, not by a JSON `contains` lookup, which SQLite (`make run`) does not have.
        active = WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True)
        endpoints = [endpoint for endpoint in active if type in endpoint.events]
    retry_until = created_at + webhook_settings().retry_window
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=created_at, retry_until=retry_until)
            for endpoint in endpoints
        ],
        ignore_conflicts=True,
    )
    return len(rows)
