"""Listening endpoints and the events queued for them, for the tests that check each service emits its event."""

from __future__ import annotations

from market.integrations import services
from market.integrations.models import WebhookEvent
from market.integrations.registry import subscribable_event_types
from market.organisations.models import Organisation, Role
from tests.catalog.factories import actor_for


def listen(*organisations: Organisation) -> None:
    """Each organisation registers an endpoint for every event (nothing is sent: the relay is not run)."""
    for organisation in organisations:
        services.endpoint_create(
            actor=actor_for(organisation, Role.OWNER),
            url="http://127.0.0.1:9/never-called",
            description="",
            events={t.name for t in subscribable_event_types()},
        )


def events_for(organisation: Organisation, type_name: str) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(organisation=organisation, type=type_name).order_by("created_at"))
