"""Check-in badges and business matching: decode the QR, scan once within the check-in window, meeting
times that fit the fair, meetings and outcomes counted once in the report."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import segno
import zxingcpp
from defusedxml import ElementTree
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from fairs import services
from fairs.inputs import OutcomeSpec
from fairs.models import Badge, BadgeKind, MeetingStatus, OutcomeKind
from fairs.selectors import checkin_counts, fair_report, outcome_links_for
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.quantity import Unit
from market.notifications.models import Notification
from market.organisations.models import OrganisationKind, Role
from orders import services as order_services
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import add_slots, apply, assign, make_fair, publish, staff_actor
from tests.orders.factories import only_order, place, rfq_request, stocked_product

pytestmark = pytest.mark.django_db


def _exhibiting(alliance, cooperative, *, starts_in: int = 30):
    fair = make_fair(alliance, booths=2, starts_in=starts_in)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    add_slots(alliance, fair, count=2)
    services.tables_create(actor=staff_actor(alliance), fair_id=fair.pk, count=1)
    return fair


@pytest.fixture
def fair_with_exhibitor(alliance, cooperative):
    return _exhibiting(alliance, cooperative)


@pytest.fixture
def fair_tomorrow(alliance, cooperative):
    """A fair opening tomorrow: exhibitors set up today, so check-in is open."""
    return _exhibiting(alliance, cooperative, starts_in=1)


def _meeting(fair, cooperative, *, accept: bool = True):
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    services.buyer_register(actor=buyer, fair_id=fair.pk)
    slot = fair.slots.order_by("starts_at").first()
    meeting = services.meeting_request(actor=buyer, fair_id=fair.pk, exhibitor_id=cooperative.pk, slot_id=slot.pk)
    if accept:
        meeting = services.meeting_accept(actor=actor_for(cooperative), meeting_id=meeting.pk)
    return buyer, meeting


# --- badges and check-in ---------------------------------------------------------------------------
def test_badge_qr_decodes_to_a_code_that_checks_in_once(alliance, cooperative, fair_tomorrow, tmp_path):
    badge = Badge.objects.get(fair=fair_tomorrow, organisation=cooperative)
    path = tmp_path / "badge.png"
    segno.make(services.badge_payload(badge), error="m").save(str(path), scale=8, light="white")
    decoded = zxingcpp.read_barcodes(Image.open(path))[0].text
    staff = staff_actor(alliance)
    from fairs.inputs import CheckInInput
    from market.core.inputs import InputMode, read_input

    code = read_input(CheckInInput, {"code": decoded}, mode=InputMode.JSON)["code"]
    first = services.checkin_scan(actor=staff, fair_id=fair_tomorrow.pk, code=code)
    typed = read_input(CheckInInput, {"code": badge.code.lower()}, mode=InputMode.JSON)["code"]
    second = services.checkin_scan(actor=staff, fair_id=fair_tomorrow.pk, code=typed)

    assert first.first_time
    assert first.badge.pk == badge.pk
    assert not second.first_time
    assert second.badge.checked_in_at == first.badge.checked_in_at


def test_the_badge_qr_is_a_standalone_svg_a_browser_shows(alliance, cooperative, fair_with_exhibitor):
    """Served as image/svg+xml for an <img>, the SVG needs its namespace: without it only the alt text
    shows. The drawn QR decodes to the badge's payload."""
    badge = Badge.objects.get(fair=fair_with_exhibitor, organisation=cooperative)
    client = Client()
    client.force_login(member(alliance, Role.STAFF))
    response = client.get(reverse("frontend:fair-badge-qr", args=[fair_with_exhibitor.slug, badge.code]))
    assert response["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_check_in_is_refused_seven_weeks_before_the_fair(alliance, cooperative):
    fair = _exhibiting(alliance, cooperative, starts_in=49)
    badge = Badge.objects.get(fair=fair, organisation=cooperative)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.checkin_scan(actor=staff_actor(alliance), fair_id=fair.pk, code=badge.code)
    opens = (fair.starts_on - timedelta(days=1)).strftime("%d/%m/%Y")
    assert opens in refused.value.message
    assert Badge.objects.get(pk=badge.pk).checked_in_at is None


def test_the_check_in_window_runs_from_set_up_day_to_the_last_day_and_is_set_per_fair(alliance, cooperative):
    fair = _exhibiting(alliance, cooperative, starts_in=3)
    badge = Badge.objects.get(fair=fair, organisation=cooperative)
    staff = staff_actor(alliance)
    with pytest.raises(Conflict):
        services.checkin_scan(actor=staff, fair_id=fair.pk, code=badge.code)
    type(fair).objects.filter(pk=fair.pk).update(checkin_days_before=3)  # a big fair: three days to set up
    assert services.checkin_scan(actor=staff, fair_id=fair.pk, code=badge.code).first_time
    yesterday = timezone.localdate() - timedelta(days=1)
    type(fair).objects.filter(pk=fair.pk).update(starts_on=yesterday - timedelta(days=2), ends_on=yesterday)
    with pytest.raises(Conflict):
        services.checkin_scan(actor=staff, fair_id=fair.pk, code=badge.code)


def test_unknown_badge_is_not_found(alliance, fair_tomorrow):
    with pytest.raises(NotFound):
        services.checkin_scan(actor=staff_actor(alliance), fair_id=fair_tomorrow.pk, code="ZZZZZZZZ")


def test_a_scan_answers_with_the_new_counters(alliance, cooperative, fair_tomorrow):
    """The htmx answer to a scan swaps the counters out of band: they move at once, not at the next poll."""
    badge = Badge.objects.get(fair=fair_tomorrow, organisation=cooperative)
    client = Client()
    client.force_login(member(alliance, Role.STAFF, language="vi"))
    url = reverse("frontend:fair-checkin", args=[fair_tomorrow.slug])
    answer = client.post(url, {"code": f"ML-{badge.code}"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="outerHTML"' in answer
    assert '<p class="stat" id="checkin-count">1 / 1</p>' in answer
    assert checkin_counts(fair=fair_tomorrow).done == 1


# --- meeting times -------------------------------------------------------------------------------
@pytest.mark.parametrize(("count", "message"), [("-3", "Nhập một số từ 0 trở lên."), ("99999", "Nhập nhiều nhất 40.")])
def test_meeting_slot_counts_are_bounded(alliance, staff_user, fair_with_exhibitor, count, message):
    client = Client()
    client.force_login(staff_user)
    url = reverse("frontend:fair-slots-add", args=[fair_with_exhibitor.slug])
    before = fair_with_exhibitor.slots.count()
    with translation.override("vi"):
        data = {"slots-day": fair_with_exhibitor.starts_on.strftime("%d/%m/%Y"), "slots-first": "9h"}
        response = client.post(url, {**data, "slots-count": count, "slots-minutes": "30"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert fair_with_exhibitor.slots.count() == before


def test_too_many_meeting_slots_are_counted_grouped(alliance):
    """The count asked for is written as people write numbers ("1.000"), not the bare "1000"."""
    fair = make_fair(alliance)
    with translation.override("vi"), pytest.raises(ValidationFailed) as late:
        services.slots_create(
            actor=staff_actor(alliance), fair_id=fair.pk, day=fair.starts_on, first=time(8), count=1000, minutes=30
        )
    assert late.value.fields["count"][0].startswith("1.000 cuộc gặp 30 phút từ 08:00")


def test_meeting_slots_fit_the_fairs_day_and_hours(alliance, fair_with_exhibitor):
    fair = fair_with_exhibitor
    staff = staff_actor(alliance)
    fair.slots.all().delete()
    with translation.override("en"), pytest.raises(ValidationFailed) as late:
        services.slots_create(
            actor=staff, fair_id=fair.pk, day=fair.starts_on, first=time(14, 30), count=40, minutes=30
        )
    assert list(late.value.fields) == ["count"]
    assert "at most 5" in late.value.fields["count"][0]
    with pytest.raises(ValidationFailed) as night:
        services.slots_create(actor=staff, fair_id=fair.pk, day=fair.starts_on, first=time(0, 0), count=6, minutes=30)
    assert list(night.value.fields) == ["first"]
    with pytest.raises(ValidationFailed) as before:
        services.slots_create(
            actor=staff, fair_id=fair.pk, day=fair.starts_on - timedelta(days=1), first=time(9), count=2, minutes=30
        )
    assert list(before.value.fields) == ["day"]
    assert not fair.slots.exists()

    made = services.slots_create(
        actor=staff, fair_id=fair.pk, day=fair.starts_on, first=time(14, 30), count=5, minutes=30
    )
    local = [timezone.localtime(s.starts_at).strftime("%H:%M") for s in made]
    assert local == ["14:30", "15:00", "15:30", "16:00", "16:30"]
    assert timezone.localtime(made[-1].ends_at).time() == time(17, 0)
    # The same times again are kept; times overlapping them are refused.
    assert (
        services.slots_create(actor=staff, fair_id=fair.pk, day=fair.starts_on, first=time(14, 30), count=2, minutes=30)
        == made[:2]
    )
    with pytest.raises(ValidationFailed):
        services.slots_create(actor=staff, fair_id=fair.pk, day=fair.starts_on, first=time(14, 45), count=1, minutes=30)
    assert fair.slots.count() == 5


def test_staff_set_up_meeting_times_typed_the_vietnamese_way(alliance, staff_user, fair_with_exhibitor):
    fair = fair_with_exhibitor
    fair.slots.all().delete()
    client = Client()
    client.force_login(staff_user)
    data = {"slots-day": fair.starts_on.strftime("%d/%m/%Y"), "slots-first": "14h30", "slots-count": "3"}
    with translation.override("vi"):
        response = client.post(reverse("frontend:fair-slots-add", args=[fair.slug]), {**data, "slots-minutes": "20"})
    assert response.status_code == 302
    times = [timezone.localtime(s.starts_at) for s in fair.slots.order_by("starts_at")]
    assert [(t.date(), t.strftime("%H:%M")) for t in times] == [
        (fair.starts_on, "14:30"),
        (fair.starts_on, "14:50"),
        (fair.starts_on, "15:10"),
    ]


# --- meetings --------------------------------------------------------------------------------------
def test_meeting_request_accept_outcome(alliance, cooperative, fair_with_exhibitor):
    fair = fair_with_exhibitor
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    slot = fair.slots.first()
    with pytest.raises(Conflict):
        services.meeting_request(actor=buyer, fair_id=fair.pk, exhibitor_id=cooperative.pk, slot_id=slot.pk)
    services.buyer_register(actor=buyer, fair_id=fair.pk, interests="Gạo thơm, 50 tấn/tháng")
    assert Badge.objects.filter(fair=fair, organisation=buyer.organisation, kind=BadgeKind.BUYER).exists()

    meeting = services.meeting_request(
        actor=buyer, fair_id=fair.pk, exhibitor_id=cooperative.pk, slot_id=slot.pk, message="Xin gặp"
    )
    assert Notification.objects.filter(kind="fairs.meeting_update", organisation=cooperative).exists()
    meeting = services.meeting_accept(actor=actor_for(cooperative), meeting_id=meeting.pk)
    assert meeting.status == MeetingStatus.ACCEPTED
    assert meeting.table.name.endswith("1")

    mou = OutcomeSpec(
        kind=OutcomeKind.MOU, volume=Decimal(50), unit=Unit.TAN, value=900_000_000, note="Biên bản ghi nhớ"
    )
    outcome = services.meeting_outcome_record(actor=buyer, meeting_id=meeting.pk, outcome=mou)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert (outcome.value, outcome.unit, outcome.volume) == (900_000_000, "tan", 50)
    assert services.meeting_reminders() == 0  # held meetings are not reminded


def test_reminder_is_sent_once(alliance, cooperative, fair_with_exhibitor):
    _buyer, meeting = _meeting(fair_with_exhibitor, cooperative)
    an_hour_before = meeting.slot.starts_at - timedelta(hours=1)

    assert services.meeting_reminders(now=an_hour_before) == 1
    assert services.meeting_reminders(now=an_hour_before) == 0


def test_only_exhibitors_of_the_fair_can_be_requested(alliance, other_cooperative, fair_with_exhibitor):
    fair = fair_with_exhibitor
    buyer = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER))
    services.buyer_register(actor=buyer, fair_id=fair.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.meeting_request(
            actor=buyer, fair_id=fair.pk, exhibitor_id=other_cooperative.pk, slot_id=fair.slots.first().pk
        )
    assert list(refused.value.fields) == ["exhibitor"]


def test_rfq_and_order_outcomes_point_at_the_real_objects_of_the_two_parties(
    alliance, cooperative, other_cooperative, fair_with_exhibitor
):
    fair = fair_with_exhibitor
    buyer, meeting = _meeting(fair, cooperative)
    rice, _lot = stocked_product(cooperative)
    sauce, _lot = stocked_product(other_cooperative, code="NM-01", name="Nước mắm Phú Quốc")
    order = only_order(place(buyer, [(rice, "1000")], key="after-the-meeting"))
    elsewhere = only_order(place(buyer, [(sauce, "100")], key="another-cooperative"))
    rfq = order_services.rfq_create(actor=buyer, request=rfq_request(rice))

    # An order outcome names an order of this buyer with this exhibitor; nothing is recorded otherwise.
    for wrong in (None, elsewhere.pk, 999_999):
        with pytest.raises(ValidationFailed) as refused:
            services.meeting_outcome_record(
                actor=buyer, meeting_id=meeting.pk, outcome=OutcomeSpec(kind=OutcomeKind.ORDER, order_id=wrong, value=5)
            )
        assert set(refused.value.fields) == {"order_id"}
    with pytest.raises(ValidationFailed):
        services.meeting_outcome_record(actor=buyer, meeting_id=meeting.pk, outcome=OutcomeSpec(kind=OutcomeKind.RFQ))
    assert not meeting.outcomes.exists()
    assert outcome_links_for(meetings=[meeting])[meeting.pk].orders == [order]
    # What the buyer ordered long before the fair is not what the meeting led to.
    months_ago = fair.starts_on - timedelta(days=31)
    type(order).objects.filter(pk=order.pk).update(created_at=timezone.make_aware(datetime.combine(months_ago, time())))
    assert outcome_links_for(meetings=[meeting])[meeting.pk].orders == []
    type(order).objects.filter(pk=order.pk).update(created_at=timezone.now())

    linked = services.meeting_outcome_record(
        actor=buyer, meeting_id=meeting.pk, outcome=OutcomeSpec(kind=OutcomeKind.ORDER, order_id=order.pk, value=5)
    )
    assert (linked.order, linked.value) == (order, order.total)  # the order's worth, not a typed figure
    asked = services.meeting_outcome_record(
        actor=actor_for(cooperative), meeting_id=meeting.pk, outcome=OutcomeSpec(kind=OutcomeKind.RFQ, rfq_id=rfq.pk)
    )
    assert (asked.rfq, asked.order) == (rfq, None)

    # The report counts the linked order at its current total (delivered weight may change it later).
    type(order).objects.filter(pk=order.pk).update(subtotal=F("subtotal") + 1_000, total=F("total") + 1_000)
    by_kind = {row.kind: row for row in fair_report(fair=fair).outcomes}
    assert (by_kind[OutcomeKind.ORDER].count, by_kind[OutcomeKind.ORDER].value) == (1, order.total + 1_000)
    assert by_kind[OutcomeKind.RFQ].count == 1


def test_the_report_counts_an_outcome_once_when_both_sides_record_it(alliance, cooperative, fair_with_exhibitor):
    """The buyer and the cooperative both record the one order and the one MoU they signed: the report
    says one order worth its total and one MoU of 500 million, not two of each at twice the value."""
    fair = fair_with_exhibitor
    buyer, meeting = _meeting(fair, cooperative)
    rice, _lot = stocked_product(cooperative)
    order = only_order(place(buyer, [(rice, "1050")], key="signed-at-the-fair"))
    rfq = order_services.rfq_create(actor=buyer, request=rfq_request(rice))
    exhibitor = actor_for(cooperative)
    for side in (buyer, exhibitor):
        for outcome in (
            OutcomeSpec(kind=OutcomeKind.ORDER, order_id=order.pk),
            OutcomeSpec(kind=OutcomeKind.MOU, value=500_000_000),
            OutcomeSpec(kind=OutcomeKind.RFQ, rfq_id=rfq.pk),
        ):
            services.meeting_outcome_record(actor=side, meeting_id=meeting.pk, outcome=outcome)

    by_kind = {row.kind: (row.count, row.value) for row in fair_report(fair=fair).outcomes}

    assert by_kind[OutcomeKind.ORDER] == (1, order.total)
    assert by_kind[OutcomeKind.MOU] == (1, 500_000_000)
    assert by_kind[OutcomeKind.RFQ] == (1, 0)


def test_the_database_refuses_an_order_outcome_without_its_order(alliance, cooperative, fair_with_exhibitor):
    from django.db import IntegrityError, transaction

    from fairs.models import MeetingOutcome

    buyer, meeting = _meeting(fair_with_exhibitor, cooperative, accept=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingOutcome.objects.create(meeting=meeting, kind="order", value=1, recorded_for=buyer.organisation)
