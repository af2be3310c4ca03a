"""Fairs emit their webhook events: a booth assigned (to the cooperative), a meeting booked (to both)."""

from __future__ import annotations

import pytest

from fairs import services
from market.organisations.models import OrganisationKind
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.fairs.factories import add_slots, apply, assign, make_fair, publish, staff_actor
from tests.integrations.helpers import events_for, listen

pytestmark = pytest.mark.django_db


def test_booth_assigned_and_meeting_booked(alliance, cooperative):
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER)
    listen(cooperative, buyer)
    fair = make_fair(alliance, booths=2, starts_in=30)
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    add_slots(alliance, fair, count=2)
    services.tables_create(actor=staff_actor(alliance), fair_id=fair.pk, count=1)
    buying = actor_for(buyer)
    services.buyer_register(actor=buying, fair_id=fair.pk)
    slot = fair.slots.order_by("starts_at").first()
    meeting = services.meeting_request(actor=buying, fair_id=fair.pk, exhibitor_id=cooperative.pk, slot_id=slot.pk)
    assert events_for(buyer, "meeting.booked") == []  # requested is not booked
    services.meeting_accept(actor=actor_for(cooperative), meeting_id=meeting.pk)

    [assigned] = events_for(cooperative, "booth.assigned")
    assert (assigned.data["id"], assigned.data["booth"]) == (application.pk, "A-01")
    for organisation in (buyer, cooperative):
        [booked] = events_for(organisation, "meeting.booked")
        assert (booked.data["id"], booked.data["status"]) == (meeting.pk, "accepted")
