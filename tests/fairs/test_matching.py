"""Check-in badges and business matching: decode the QR, scan once, meetings and outcomes."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import segno
import zxingcpp
from django.db.models import F
from django.utils import timezone
from PIL import Image

from fairs import services
from fairs.models import Badge, FairStatus, MeetingStatus
from fairs.selectors import fair_report, outcome_links_for
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.notifications.models import Notification
from market.organisations.models import OrganisationKind
from orders import services as order_services
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.fairs.factories import apply, booth, make_fair, staff_actor
from tests.orders.factories import only_order, place, rfq_request, stocked_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair_with_exhibitor(alliance, cooperative):
    fair = make_fair(alliance, booths=2)
    staff = staff_actor(alliance)
    services.booth_assign(actor=staff, application=apply(cooperative, fair), booth=booth(fair, "A-01"))
    type(fair).objects.filter(pk=fair.pk).update(status=FairStatus.PUBLISHED)
    fair.refresh_from_db()
    services.slots_create(
        actor=staff, fair=fair, starts=[timezone.now() + timedelta(hours=1), timezone.now() + timedelta(days=1)]
    )
    services.tables_create(actor=staff, fair=fair, names=["Bàn 1"])
    return fair


def test_badge_qr_decodes_to_a_code_that_checks_in_once(alliance, cooperative, fair_with_exhibitor, tmp_path):
    badge = Badge.objects.get(fair=fair_with_exhibitor, organisation=cooperative)
    path = tmp_path / "badge.png"
    segno.make(services.badge_payload(badge), error="m").save(str(path), scale=8, light="white")
    decoded = zxingcpp.read_barcodes(Image.open(path))[0].text
    staff = staff_actor(alliance)

    first = services.checkin_scan(actor=staff, fair=fair_with_exhibitor, code=decoded)
    second = services.checkin_scan(actor=staff, fair=fair_with_exhibitor, code=badge.code.lower())

    assert first.first_time
    assert first.badge.pk == badge.pk
    assert not second.first_time
    assert second.badge.checked_in_at == first.badge.checked_in_at


def test_unknown_badge_is_not_found(alliance, fair_with_exhibitor):
    with pytest.raises(NotFound):
        services.checkin_scan(actor=staff_actor(alliance), fair=fair_with_exhibitor, code="ML-ZZZZZZZZ")


def test_meeting_request_accept_outcome(alliance, cooperative, fair_with_exhibitor):
    fair = fair_with_exhibitor
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    slot = fair.slots.first()
    with pytest.raises(Conflict):
        services.meeting_request(actor=buyer, fair=fair, exhibitor=cooperative, slot=slot)
    services.buyer_register(actor=buyer, fair=fair, interests="Gạo thơm, 50 tấn/tháng")
    assert Badge.objects.filter(fair=fair, organisation=buyer.organisation, kind="buyer").exists()

    meeting = services.meeting_request(actor=buyer, fair=fair, exhibitor=cooperative, slot=slot, message="Xin gặp")
    assert Notification.objects.filter(kind="fairs.meeting_update", organisation=cooperative).exists()
    meeting = services.meeting_accept(actor=actor_for(cooperative), meeting=meeting)
    assert meeting.status == MeetingStatus.ACCEPTED
    assert meeting.table.name == "Bàn 1"

    outcome = services.meeting_outcome_record(
        actor=buyer, meeting=meeting, kind="mou", volume="50", unit="tan", value=900_000_000, note="Biên bản ghi nhớ"
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert (outcome.value, outcome.unit, outcome.volume) == (900_000_000, "tan", 50)
    assert services.meeting_reminders() == 0  # held meetings are not reminded


def test_reminder_is_sent_once(alliance, cooperative, fair_with_exhibitor):
    fair = fair_with_exhibitor
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    services.buyer_register(actor=buyer, fair=fair)
    meeting = services.meeting_request(actor=buyer, fair=fair, exhibitor=cooperative, slot=fair.slots.first())
    services.meeting_accept(actor=actor_for(cooperative), meeting=meeting)

    assert services.meeting_reminders() == 1
    assert services.meeting_reminders() == 0


def test_only_exhibitors_of_the_fair_can_be_requested(alliance, other_cooperative, fair_with_exhibitor):
    fair = fair_with_exhibitor
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    services.buyer_register(actor=buyer, fair=fair)
    with pytest.raises(NotFound):
        services.meeting_request(actor=buyer, fair=fair, exhibitor=other_cooperative, slot=fair.slots.first())


def test_rfq_and_order_outcomes_point_at_the_real_objects_of_the_two_parties(
    alliance, cooperative, other_cooperative, fair_with_exhibitor
):
    fair = fair_with_exhibitor
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    services.buyer_register(actor=buyer, fair=fair)
    meeting = services.meeting_request(actor=buyer, fair=fair, exhibitor=cooperative, slot=fair.slots.first())
    meeting = services.meeting_accept(actor=actor_for(cooperative), meeting=meeting)
    rice, _lot = stocked_product(cooperative)
    sauce, _lot = stocked_product(other_cooperative, code="NM-01", name="Nước mắm Phú Quốc")
    order = only_order(place(buyer, [(rice, "1000")], key="after-the-meeting"))
    elsewhere = only_order(place(buyer, [(sauce, "100")], key="another-cooperative"))
    rfq = order_services.rfq_create(actor=buyer, request=rfq_request(rice))

    # An order outcome names an order of this buyer with this exhibitor; nothing is recorded otherwise.
    for wrong in (None, elsewhere.pk, 999_999):
        with pytest.raises(ValidationFailed) as refused:
            services.meeting_outcome_record(actor=buyer, meeting=meeting, kind="order", order_id=wrong, value=5)
        assert set(refused.value.fields) == {"order"}
    with pytest.raises(ValidationFailed):
        services.meeting_outcome_record(actor=buyer, meeting=meeting, kind="rfq")
    assert not meeting.outcomes.exists()
    assert outcome_links_for(meetings=[meeting])[meeting.pk].orders == [order]
    # What the buyer ordered long before the fair is not what the meeting led to.
    months_ago = fair.starts_on - timedelta(days=31)
    type(order).objects.filter(pk=order.pk).update(created_at=timezone.make_aware(datetime.combine(months_ago, time())))
    assert outcome_links_for(meetings=[meeting])[meeting.pk].orders == []
    type(order).objects.filter(pk=order.pk).update(created_at=timezone.now())

    linked = services.meeting_outcome_record(actor=buyer, meeting=meeting, kind="order", order_id=order.pk, value=5)
    assert (linked.order, linked.value) == (order, order.total)  # the order's worth, not a typed figure
    asked = services.meeting_outcome_record(actor=actor_for(cooperative), meeting=meeting, kind="rfq", rfq_id=rfq.pk)
    assert (asked.rfq, asked.order) == (rfq, None)

    # The report counts the linked order at its current total (delivered weight may change it later).
    type(order).objects.filter(pk=order.pk).update(subtotal=F("subtotal") + 1_000, total=F("total") + 1_000)
    by_kind = {row["kind"]: row for row in fair_report(fair=fair).outcomes}
    assert (by_kind["order"]["count"], by_kind["order"]["value"]) == (1, order.total + 1_000)
    assert by_kind["rfq"]["count"] == 1


def test_the_database_refuses_an_order_outcome_without_its_order(alliance, cooperative, fair_with_exhibitor):
    from django.db import IntegrityError, transaction

    from fairs.models import MeetingOutcome

    fair = fair_with_exhibitor
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    services.buyer_register(actor=buyer, fair=fair)
    meeting = services.meeting_request(actor=buyer, fair=fair, exhibitor=cooperative, slot=fair.slots.first())
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingOutcome.objects.create(meeting=meeting, kind="order", value=1, recorded_for=buyer.organisation)
