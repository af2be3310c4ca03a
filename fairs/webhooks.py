"""The webhook event types of fairs (registered in FairsConfig.ready()); `data` is what the API answers for the
object (allowed_actions empty: an event has no acting person)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fairs.models import Application, Meeting
from market.integrations.registry import WebhookEventType, register_event_type

BOOTH_ASSIGNED = "booth.assigned"
MEETING_BOOKED = "meeting.booked"


def application_data(application: Application) -> dict[str, Any]:
    """ApplicationOut, as GET /api/v1/fair-applications/{id}/ answers it (booth: the code now assigned)."""
    from fairs.api import ApplicationOut  # fairs.api imports the services that emit these events

    fresh = Application.objects.select_related("cooperative", "fair").get(pk=application.pk)
    return dict(ApplicationOut(fresh).data)


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    from fairs.api import MeetingOut

    fresh = Meeting.objects.select_related("buyer", "exhibitor", "slot", "table").get(pk=meeting.pk)
    return dict(MeetingOut(fresh).data)


def register_webhook_event_types() -> None:
    register_event_type(
        WebhookEventType(
            name=BOOTH_ASSIGNED,
            label=_("Fair booth assigned"),
            serialize=application_data,
            sample={
                "id": 45,
                "fair": "hoi-cho-ocop-an-giang-2027",
                "cooperative_id": 3,
                "status": "approved",
                "booth": "A-12",
            },
        )
    )
    register_event_type(
        WebhookEventType(
            name=MEETING_BOOKED,
            label=_("Fair meeting booked"),
            serialize=meeting_data,
            sample={
                "id": 130,
                "fair": 4,
                "buyer_id": 12,
                "exhibitor_id": 3,
                "starts_at": "2027-04-10T09:30:00+07:00",
                "table": "B3",
                "status": "accepted",
            },
        )
    )
