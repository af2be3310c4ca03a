"""Check-in and business matching: buyer registration, meeting requests in slots, accept/decline with a
table, reminders, outcomes, and the meeting times and tables staff set up.

No party is double-booked: the slot row is locked while a booking is decided (lock order: slot, then the
meeting), and partial unique indexes refuse a second booked meeting of a buyer, an exhibitor or a table in
one slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairs import notifications as kinds
from fairs import webhooks
from fairs.inputs import OutcomeSpec
from fairs.lifecycle import MEETING_TRANSITIONS
from fairs.models import (
    BOOKED,
    ApplicationStatus,
    Badge,
    BadgeKind,
    BoothAssignment,
    BuyerRegistration,
    Fair,
    Meeting,
    MeetingOutcome,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    OutcomeKind,
    ScanOutcome,
)
from fairs.policy import MEETING_POLICY, FairAction, MeetingAction
from fairs.selectors import meetings_for
from fairs.services.badges import badge_ensure
from fairs.services.checkin import checkin_badge, checkin_scan_once
from fairs.services.common import authorize_fair, fair_for
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.once import Once, Reuse, once, once_step
from market.core.parsing import format_date, format_decimal
from market.core.services import audit_record
from market.integrations.registry import emit_event
from market.notifications.services import notify
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from orders.models import Order, Rfq


# --- check-in ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckIn:
    badge: Badge
    first_time: bool
    message: str


def checkin_scan(*, actor: Actor, fair_id: int, code: str, device_id: str = "") -> CheckIn:
    """Check a badge in once, within the fair's check-in window. A second scan answers "already checked in"
    (or, from another phone, that it was checked in there first); a revoked badge is refused (Conflict), its
    scan kept. `code` is the badge's code
    (fairs.inputs.BadgeCodeInput reads a scan); `device_id` the scanning phone's, when a page sends it."""
    result = checkin_scan_once(actor=actor, fair_id=fair_id, code=code, device_id=device_id)
    if result.outcome == ScanOutcome.UNKNOWN:
        raise NotFound(result.message)
    if result.outcome == ScanOutcome.REVOKED:
        raise Conflict(result.message, code="badge_revoked")
    badge = checkin_badge(actor=actor, fair_id=fair_id, code=code)
    return CheckIn(badge=badge, first_time=result.outcome == ScanOutcome.CHECKED_IN, message=result.message)


def badge_payload(badge: Badge) -> str:
    """What the QR code holds: a short text that the scanner page (and a typed code) understand."""
    return f"ML-{badge.code}"


# --- buyers --------------------------------------------------------------------------------------
def buyer_register_once(*, actor: Actor, fair_id: int, once_key: str, interests: str = "") -> Once[BuyerRegistration]:
    """buyer_register under the key of the form it was typed in or the API request's Idempotency-Key: sent twice
    (a double click on "Register", a client's retry after a lost answer) the same key answers with the registration
    the first send made, not "already registered"; sent again for another fair or other interests, it is refused."""
    buyer_id = actor.organisation.pk if actor.organisation else None
    return once(
        action="fairs.buyer_registered",
        key=once_key,
        actor=actor,
        model=BuyerRegistration,
        make=lambda: buyer_register(actor=actor, fair_id=fair_id, interests=interests),
        reuse=Reuse(
            lambda first: (first.fair_id, first.buyer_id, first.interests) == (fair_id, buyer_id, interests),
            _("This Idempotency-Key was already used for another registration: send this one with a new key."),
        ),
    )


@transaction.atomic
def buyer_register(*, actor: Actor, fair_id: int, interests: str = "") -> BuyerRegistration:
    fair = fair_for(actor, fair_id)
    authorize_fair(actor, fair, FairAction.REGISTER)
    buyer = actor.organisation
    assert buyer is not None  # the policy asked for a buyer
    try:
        with transaction.atomic():
            registration = BuyerRegistration.objects.create(
                fair=fair, buyer=buyer, registered_by=actor.user, interests=interests
            )
    except IntegrityError:
        raise Conflict(_("You are already registered for this fair's business matching.")) from None
    badge_ensure(fair=fair, kind=BadgeKind.BUYER, organisation=buyer)
    audit_record(actor=actor, action="fairs.buyer_registered", target=registration)
    return registration


def exhibitor_at(fair: Fair, organisation_id: int) -> bool:
    return BoothAssignment.objects.filter(
        fair=fair,
        released_at__isnull=True,
        application__cooperative_id=organisation_id,
        application__status=ApplicationStatus.APPROVED,
    ).exists()


class MeetingEvent(StrEnum):
    """What the meeting notification tells (its templates read these words)."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    REMINDER = "reminder"


def _announce(meeting: Meeting, event: MeetingEvent, *, to: list[Organisation]) -> None:
    """Tell one side (or both) that a meeting was requested, accepted, declined, cancelled or is near."""
    notify(
        kind=kinds.MEETING_UPDATE,
        recipients=to,
        context=_meeting_context(meeting, event),
        object_ref=meeting,
        occurrence=event.value,
    )


def _meeting_context(meeting: Meeting, event: MeetingEvent) -> dict[str, Any]:
    return {
        "meeting_id": meeting.pk,
        "fair_name": meeting.fair.name_vi,
        "event": event.value,
        "buyer_name": meeting.buyer.name,
        "exhibitor_name": meeting.exhibitor.name,
        "starts_at": timezone.localtime(meeting.slot.starts_at).strftime("%H:%M %d/%m/%Y"),
        "table": meeting.table.name if meeting.table else "",
        "reason": meeting.decline_reason,
    }


# --- meetings ------------------------------------------------------------------------------------
def meeting_request_once(
    *, actor: Actor, fair_id: int, exhibitor_id: int, slot_id: int, once_key: str, message: str = ""
) -> Once[Meeting]:
    """meeting_request under the key of the form it was typed in or the API request's Idempotency-Key: sent twice
    (a double click on "Request a meeting", a client's retry after a lost answer) the same key answers with the
    meeting the first send requested, not "you already have a meeting at this time"; sent again for another
    exhibitor, time or message, it is refused."""
    buyer_id = actor.organisation.pk if actor.organisation else None
    asked = (fair_id, buyer_id, exhibitor_id, slot_id, message)
    return once(
        action="fairs.meeting_requested",
        key=once_key,
        actor=actor,
        model=Meeting,
        make=lambda: meeting_request(
            actor=actor, fair_id=fair_id, exhibitor_id=exhibitor_id, slot_id=slot_id, message=message
        ),
        reuse=Reuse(
            lambda first: (first.fair_id, first.buyer_id, first.exhibitor_id, first.slot_id, first.message) == asked,
            _("This Idempotency-Key was already used for another meeting request: send this one with a new key."),
        ),
    )


@transaction.atomic
def meeting_request(*, actor: Actor, fair_id: int, exhibitor_id: int, slot_id: int, message: str = "") -> Meeting:
    fair = fair_for(actor, fair_id)
    authorize_fair(actor, fair, FairAction.BOOK_MEETING)
    buyer = actor.organisation
    assert buyer is not None  # the policy asked for a registered buyer
    slot = MeetingSlot.objects.select_for_update().filter(fair=fair, pk=slot_id).first()
    if slot is None:
        raise ValidationFailed(fields={"slot": [_("Choose one of the fair's meeting times.")]})
    exhibitor = Organisation.objects.filter(pk=exhibitor_id).first()
    if exhibitor is None or not exhibitor_at(fair, exhibitor.pk):
        raise ValidationFailed(fields={"exhibitor": [_("This cooperative does not exhibit at this fair.")]})
    booked = Meeting.objects.filter(slot=slot, status__in=BOOKED)
    if booked.filter(buyer=buyer).exists():
        raise Conflict(_("You already have a meeting at this time."), code="buyer_busy")
    if booked.filter(exhibitor=exhibitor).exists():
        raise Conflict(
            _("%(name)s already has a meeting at this time; choose another slot.") % {"name": exhibitor.name},
            code="exhibitor_busy",
        )
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                fair=fair, slot=slot, buyer=buyer, exhibitor=exhibitor, requested_by=actor.user, message=message
            )
    except IntegrityError:
        raise Conflict(_("This time was just booked; choose another slot."), code="slot_taken") from None
    audit_record(actor=actor, action="fairs.meeting_requested", target=meeting)
    _announce(meeting, MeetingEvent.REQUESTED, to=[exhibitor])
    return meeting


def _lock_meeting(actor: Actor, meeting_id: int, action: MeetingAction) -> Meeting:
    """The meeting locked (slot first, then the meeting) and authorised; NotFound for those who may not know
    it exists."""
    visible = meetings_for(actor=actor).filter(pk=meeting_id).first()
    if visible is None:
        raise NotFound()
    MeetingSlot.objects.select_for_update().get(pk=visible.slot_id)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("fair", "slot", "buyer", "exhibitor", "table")
        .get(pk=meeting_id)
    )
    MEETING_POLICY.authorize(actor=actor, obj=meeting, action=action)
    return meeting


def _move(meeting: Meeting, target: MeetingStatus) -> None:
    if target not in MEETING_TRANSITIONS[MeetingStatus(meeting.status)]:
        raise Conflict(_("This meeting cannot change that way now."), code="illegal_transition")
    meeting.status = target


@transaction.atomic
def meeting_accept(*, actor: Actor, meeting_id: int) -> Meeting:
    """The exhibitor accepts; the first free table in the slot is assigned."""
    meeting = _lock_meeting(actor, meeting_id, MeetingAction.ACCEPT)
    busy = Meeting.objects.filter(slot=meeting.slot, status__in=BOOKED, table__isnull=False).values("table_id")
    table = MeetingTable.objects.filter(fair=meeting.fair).exclude(pk__in=busy).order_by("pk").first()
    if table is None:
        raise Conflict(_("Every meeting table is taken at this time; ask the buyer for another slot."), code="no_table")
    meeting.table = table
    _move(meeting, MeetingStatus.ACCEPTED)
    try:
        with transaction.atomic():
            meeting.save(update_fields=["table", "status", "updated_at"])
    except IntegrityError:
        raise Conflict(_("This table was just taken; try again.")) from None
    audit_record(actor=actor, action="fairs.meeting_accepted", target=meeting)
    _announce(meeting, MeetingEvent.ACCEPTED, to=[meeting.buyer])
    emit_event(type=webhooks.MEETING_BOOKED, obj=meeting, organisations=[meeting.buyer, meeting.exhibitor])
    return meeting


@transaction.atomic
def meeting_decline(*, actor: Actor, meeting_id: int, reason: str = "") -> Meeting:
    meeting = _lock_meeting(actor, meeting_id, MeetingAction.DECLINE)
    _move(meeting, MeetingStatus.DECLINED)
    meeting.decline_reason = reason
    meeting.table = None
    meeting.save(update_fields=["status", "decline_reason", "table", "updated_at"])
    audit_record(actor=actor, action="fairs.meeting_declined", target=meeting)
    _announce(meeting, MeetingEvent.DECLINED, to=[meeting.buyer])
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Actor, meeting_id: int) -> Meeting:
    meeting = _lock_meeting(actor, meeting_id, MeetingAction.CANCEL)
    _move(meeting, MeetingStatus.CANCELLED)
    meeting.table = None
    meeting.save(update_fields=["status", "table", "updated_at"])
    audit_record(actor=actor, action="fairs.meeting_cancelled", target=meeting)
    _announce(meeting, MeetingEvent.CANCELLED, to=[meeting.exhibitor])
    return meeting


def _meeting_step_once(
    *, action: str, actor: Actor, meeting_id: int, once_key: str, make: Callable[[], Meeting], reason: str = ""
) -> Once[Meeting]:
    """A step on one meeting under the API request's Idempotency-Key: a client's retry after a lost answer is
    answered with the meeting, as the first was, not a 409 refusal of a step already taken. The key remembers the
    meeting and what was asked of it (by whom, with which reason): sent again for another meeting or another
    reason, it is refused."""
    side_id = actor.organisation.pk if actor.organisation else None
    return once_step(
        action=action,
        key=once_key,
        actor=actor,
        model=Meeting,
        object_id=meeting_id,
        make=make,
        asked=(side_id, reason),
        refused=_(
            "This key was already used on another meeting or with another reason: send this request with a new key."
        ),
    )


def meeting_accept_once(*, actor: Actor, meeting_id: int, once_key: str) -> Once[Meeting]:
    return _meeting_step_once(
        action="fairs.meeting_accepted",
        actor=actor,
        meeting_id=meeting_id,
        once_key=once_key,
        make=lambda: meeting_accept(actor=actor, meeting_id=meeting_id),
    )


def meeting_decline_once(*, actor: Actor, meeting_id: int, reason: str, once_key: str) -> Once[Meeting]:
    return _meeting_step_once(
        action="fairs.meeting_declined",
        actor=actor,
        meeting_id=meeting_id,
        once_key=once_key,
        make=lambda: meeting_decline(actor=actor, meeting_id=meeting_id, reason=reason),
        reason=reason,
    )


def meeting_cancel_once(*, actor: Actor, meeting_id: int, once_key: str) -> Once[Meeting]:
    return _meeting_step_once(
        action="fairs.meeting_cancelled",
        actor=actor,
        meeting_id=meeting_id,
        once_key=once_key,
        make=lambda: meeting_cancel(actor=actor, meeting_id=meeting_id),
    )


def meeting_outcome_record_once(
    *, actor: Actor, meeting_id: int, outcome: OutcomeSpec, once_key: str
) -> Once[MeetingOutcome]:
    """meeting_outcome_record under the API request's Idempotency-Key: a client's retry after a lost answer
    answers with the outcome the first request recorded instead of recording it twice; the key sent again for
    another meeting or another outcome is refused."""
    side_id = actor.organisation.pk if actor.organisation else None
    return once(
        action="fairs.meeting_outcome_recorded",
        key=once_key,
        actor=actor,
        model=MeetingOutcome,
        make=lambda: meeting_outcome_record(actor=actor, meeting_id=meeting_id, outcome=outcome),
        reuse=Reuse(
            lambda first: _is_outcome_of(first, meeting_id=meeting_id, side_id=side_id, outcome=outcome),
            _("This key was already used for another meeting outcome: send a new one with a new key."),
        ),
    )


def _is_outcome_of(recorded: MeetingOutcome, *, meeting_id: int, side_id: int | None, outcome: OutcomeSpec) -> bool:
    """Whether `recorded` is what `outcome` asks for this meeting and side (as meeting_outcome_record stores it: no
    unit without a volume, an order's total as the value)."""
    unit = (outcome.unit or "") if outcome.volume is not None else ""
    asked = (meeting_id, side_id, outcome.kind, outcome.volume, unit, outcome.note, outcome.rfq_id, outcome.order_id)
    made = (
        recorded.meeting_id, recorded.recorded_for_id, recorded.kind, recorded.volume, recorded.unit, recorded.note,
        recorded.rfq_id, recorded.order_id,
    )  # fmt: skip
    return made == asked and (outcome.order_id is not None or recorded.value == outcome.value)


@transaction.atomic
def meeting_outcome_record(*, actor: Actor, meeting_id: int, outcome: OutcomeSpec) -> MeetingOutcome:
    """Either side records what came of the meeting; the meeting counts as held from then on. An RFQ outcome
    names the buyer's request for quotation, an order outcome an order the buyer placed with the exhibitor;
    the order's total is then its value. Both sides may record the same outcome: the report counts it once."""
    meeting = _lock_meeting(actor, meeting_id, MeetingAction.RECORD_OUTCOME)
    side = actor.organisation
    assert side is not None  # the policy asked for one of the two parties
    rfq, order = _outcome_links(meeting, outcome)
    recorded = MeetingOutcome.objects.create(
        meeting=meeting,
        kind=outcome.kind,
        volume=outcome.volume,
        unit=(outcome.unit or "") if outcome.volume is not None else "",
        value=order.total if order is not None else outcome.value,
        note=outcome.note,
        recorded_by=actor.user,
        recorded_for=side,
        rfq=rfq,
        order=order,
    )
    if meeting.status != MeetingStatus.HELD:
        _move(meeting, MeetingStatus.HELD)
        meeting.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="fairs.meeting_outcome",
        target=meeting,
        data={"kind": outcome.kind, "value": recorded.value},
    )
    return recorded


def _outcome_links(meeting: Meeting, outcome: OutcomeSpec) -> tuple[Rfq | None, Order | None]:
    """The RFQ or order an outcome of that kind must name, found only among this meeting's parties."""
    if outcome.kind == OutcomeKind.RFQ:
        rfq = Rfq.objects.filter(pk=outcome.rfq_id or 0, buyer_id=meeting.buyer_id).first()
        if rfq is None:
            raise ValidationFailed(fields={"rfq_id": [_("Choose a request for quotation that this buyer sent.")]})
        return rfq, None
    if outcome.kind == OutcomeKind.ORDER:
        order = Order.objects.filter(
            pk=outcome.order_id or 0, buyer_id=meeting.buyer_id, cooperative_id=meeting.exhibitor_id
        ).first()
        if order is None:
            raise ValidationFailed(
                fields={"order_id": [_("Choose an order that this buyer placed with this exhibitor.")]}
            )
        return None, order
    return None, None


def meeting_reminders(*, now: datetime | None = None, ahead: timedelta = timedelta(hours=2)) -> int:
    """Remind both sides of an accepted meeting once, within `ahead` of its start (beat)."""
    now = now or timezone.now()
    sent = 0
    ids = list(
        Meeting.objects.filter(
            status=MeetingStatus.ACCEPTED,
            reminder_sent_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + ahead,
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update(of=("self",))
                .select_related("fair", "slot", "buyer", "exhibitor", "table")
                .get(pk=pk)
            )
            if meeting.reminder_sent_at is not None or meeting.status != MeetingStatus.ACCEPTED:
                continue
            meeting.reminder_sent_at = now
            meeting.save(update_fields=["reminder_sent_at", "updated_at"])
            _announce(meeting, MeetingEvent.REMINDER, to=[meeting.buyer, meeting.exhibitor])
            sent += 1
    return sent


# --- meeting times and tables (staff) --------------------------------------------------------------
def _hhmm(moment: time | datetime) -> str:
    return moment.strftime("%H:%M")


def _slot_errors(fair: Fair, day: date, first: time, count: int, minutes: int) -> dict[str, list[str]]:
    """Meetings happen on a day of the fair, within its opening hours."""
    if not fair.starts_on <= day <= fair.ends_on:
        return {
            "day": [
                _("Choose a day of the fair, from %(first)s to %(last)s.")
                % {"first": format_date(fair.starts_on), "last": format_date(fair.ends_on)}
            ]
        }
    opens, closes = fair.day_opens_at, fair.day_closes_at
    if not opens <= first < closes:
        return {
            "first": [
                _("The fair is open from %(opens)s to %(closes)s; start the meetings within those hours.")
                % {"opens": _hhmm(opens), "closes": _hhmm(closes)}
            ]
        }
    start = datetime.combine(day, first)
    end = start + timedelta(minutes=minutes * count)
    closing = datetime.combine(day, closes)
    if end > closing:
        fit = (closing - start) // timedelta(minutes=minutes)
        return {
            "count": [
                _(
                    "%(count)s meetings of %(minutes)s minutes from %(first)s would end at %(end)s, after the fair "
                    "closes at %(closes)s: ask for at most %(fit)s."
                )
                % {
                    "count": format_decimal(count),
                    "minutes": format_decimal(minutes),
                    "first": _hhmm(first),
                    "end": _hhmm(end) if end.date() == day else f"{_hhmm(end)} {format_date(end.date())}",
                    "closes": _hhmm(closes),
                    "fit": format_decimal(fit),
                }
            ]
        }
    return {}


@transaction.atomic
def slots_create(*, actor: Actor, fair_id: int, day: date, first: time, count: int, minutes: int) -> list[MeetingSlot]:
    """`count` meeting times of `minutes` each from `first` on `day`, back to back. Times already set the
    same way are kept; times that would overlap others are refused."""
    fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, fair, FairAction.SET_UP_MATCHING)
    errors = _slot_errors(fair, day, first, count, minutes)
    if errors:
        raise ValidationFailed(fields=errors)
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, first), zone)
    wanted = [
        (start + timedelta(minutes=minutes * i), start + timedelta(minutes=minutes * (i + 1))) for i in range(count)
    ]
    existing = list(MeetingSlot.objects.filter(fair=fair, starts_at__lt=wanted[-1][1], ends_at__gt=wanted[0][0]))
    same = {(s.starts_at, s.ends_at): s for s in existing}
    clash = [s for s in existing if (s.starts_at, s.ends_at) not in set(wanted)]
    if clash:
        raise ValidationFailed(
            fields={
                "first": [
                    _("These times overlap the meeting time already set at %(time)s; start after it.")
                    % {"time": _hhmm(timezone.localtime(clash[0].starts_at))}
                ]
            }
        )
    made = [same.get(w) or MeetingSlot.objects.create(fair=fair, starts_at=w[0], ends_at=w[1]) for w in wanted]
    audit_record(actor=actor, action="fairs.slots_created", target=fair, data={"day": day.isoformat(), "count": count})
    return made


@transaction.atomic
def tables_create(*, actor: Actor, fair_id: int, count: int) -> list[MeetingTable]:
    """`count` more meeting tables, numbered after the fair's last one."""
    fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, fair, FairAction.SET_UP_MATCHING)
    existing = set(fair.tables.values_list("name", flat=True))
    made: list[MeetingTable] = []
    n = 0
    while len(made) < count:
        n += 1
        name = _("Table %(n)d") % {"n": n}
        if name not in existing:
            made.append(MeetingTable.objects.create(fair=fair, name=name))
    audit_record(actor=actor, action="fairs.tables_created", target=fair, data={"count": count})
    return made
