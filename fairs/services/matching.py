"""Check-in and business matching: buyer registration, meeting requests in slots, accept/decline with a
table, reminders, outcomes.

No party is double-booked: the slot row is locked while a booking is decided (lock order: slot, then the
meeting), and partial unique indexes refuse a second booked meeting of a buyer, an exhibitor or a table in
one slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairs import notifications as kinds
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
)
from fairs.permissions import FAIRS_EXHIBIT, FAIRS_MEET
from fairs.services.applications import badge_ensure
from fairs.services.common import MATCHING_STATUSES, require_fair_status, require_staff
from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.core.quantity import Unit
from market.core.services import audit_record
from market.core.text import nfc
from market.notifications.services import notify
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from orders.models import Order, Rfq


# --- check-in ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckIn:
    badge: Badge
    first_time: bool


def checkin_scan(*, actor: Actor, fair: Fair, code: str) -> CheckIn:
    """Check a badge in once. A second scan answers "already checked in" with the first scan's time."""
    require_staff(actor)
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if code.startswith("ML") and len(code) > 8:
        code = code[-8:]
    badge = Badge.objects.filter(fair=fair, code=code).select_related("organisation").first()
    if badge is None:
        raise NotFound(_("No badge of this fair has the code %(code)s.") % {"code": code or "—"})
    with transaction.atomic():
        now = timezone.now()
        first = Badge.objects.filter(pk=badge.pk, checked_in_at__isnull=True).update(
            checked_in_at=now, checked_in_by=actor.user
        )
        if first:
            audit_record(actor=actor, action="fairs.checked_in", target=badge)
    badge.refresh_from_db()
    return CheckIn(badge=badge, first_time=bool(first))


def badge_payload(badge: Badge) -> str:
    """What the QR code holds: a short text that the scanner page (and a typed code) understand."""
    return f"ML-{badge.code}"


# --- buyers --------------------------------------------------------------------------------------
@transaction.atomic
def buyer_register(*, actor: Actor, fair: Fair, interests: str = "") -> BuyerRegistration:
    actor.require(FAIRS_MEET)
    require_fair_status(fair, MATCHING_STATUSES, _("Buyers register once the fair's plan is published."))
    registration, created = BuyerRegistration.objects.get_or_create(
        fair=fair,
        buyer=actor.organisation,
        defaults={"registered_by": actor.user, "interests": nfc(interests)[:500]},
    )
    if not created and interests:
        registration.interests = nfc(interests)[:500]
        registration.save(update_fields=["interests", "updated_at"])
    badge_ensure(fair=fair, kind=BadgeKind.BUYER, organisation=actor.organisation)  # type: ignore[arg-type]
    if created:
        audit_record(actor=actor, action="fairs.buyer_registered", target=registration)
    return registration


def exhibitor_at(fair: Fair, organisation_id: int) -> bool:
    return BoothAssignment.objects.filter(
        fair=fair,
        released_at__isnull=True,
        application__cooperative_id=organisation_id,
        application__status=ApplicationStatus.APPROVED,
    ).exists()


def _announce(meeting: Meeting, event: str, *, to: list[Organisation]) -> None:
    """Tell one side (or both) that a meeting was requested, accepted, declined, cancelled or is near."""
    notify(
        kind=kinds.MEETING_UPDATE,
        recipients=to,
        context=_meeting_context(meeting, event),
        object_ref=meeting,
        occurrence=event,
    )


def _meeting_context(meeting: Meeting, event: str) -> dict[str, Any]:
    return {
        "meeting_id": meeting.pk,
        "fair_name": meeting.fair.name_vi,
        "event": event,
        "buyer_name": meeting.buyer.name,
        "exhibitor_name": meeting.exhibitor.name,
        "starts_at": timezone.localtime(meeting.slot.starts_at).strftime("%H:%M %d/%m/%Y"),
        "table": meeting.table.name if meeting.table else "",
        "reason": meeting.decline_reason,
    }


# --- meetings ------------------------------------------------------------------------------------
@transaction.atomic
def meeting_request(
    *, actor: Actor, fair: Fair, exhibitor: Organisation, slot: MeetingSlot, message: str = ""
) -> Meeting:
    actor.require(FAIRS_MEET)
    require_fair_status(fair, MATCHING_STATUSES, _("Meetings are booked once the fair's plan is published."))
    if slot.fair_id != fair.pk:
        raise NotFound()
    if not BuyerRegistration.objects.filter(fair=fair, buyer=actor.organisation).exists():
        raise Conflict(
            _("Register for the fair's business matching before requesting meetings."), code="not_registered"
        )
    if not exhibitor_at(fair, exhibitor.pk):
        raise NotFound(_("This cooperative does not exhibit at this fair."))
    MeetingSlot.objects.select_for_update().get(pk=slot.pk)
    booked = Meeting.objects.filter(slot=slot, status__in=BOOKED)
    if booked.filter(buyer=actor.organisation).exists():
        raise Conflict(_("You already have a meeting at this time."), code="buyer_busy")
    if booked.filter(exhibitor=exhibitor).exists():
        raise Conflict(
            _("%(name)s already has a meeting at this time; choose another slot.") % {"name": exhibitor.name},
            code="exhibitor_busy",
        )
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                fair=fair,
                slot=slot,
                buyer=actor.organisation,
                exhibitor=exhibitor,
                requested_by=actor.user,
                message=nfc(message)[:500],
            )
    except IntegrityError:
        raise Conflict(_("This time was just booked; choose another slot."), code="slot_taken") from None
    audit_record(actor=actor, action="fairs.meeting_requested", target=meeting)
    _announce(meeting, "requested", to=[exhibitor])
    return meeting


def _lock_meeting_for(actor: Actor, meeting_id: int, *, side: str) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound()
    MeetingSlot.objects.select_for_update().get(pk=meeting.slot_id)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("fair", "slot", "buyer", "exhibitor")
        .get(pk=meeting_id)
    )
    party = meeting.exhibitor_id if side == "exhibitor" else meeting.buyer_id
    if actor.organisation_id != party:
        if actor.organisation_id in (meeting.buyer_id, meeting.exhibitor_id) or require_staff_silently(actor):
            raise PermissionDenied()
        raise NotFound()
    return meeting


def require_staff_silently(actor: Actor) -> bool:
    from fairs.permissions import FAIRS_MANAGE

    return actor.can(FAIRS_MANAGE)


@transaction.atomic
def meeting_accept(*, actor: Actor, meeting: Meeting) -> Meeting:
    """The exhibitor accepts; the first free table in the slot is assigned."""
    actor.require(FAIRS_EXHIBIT)
    locked = _lock_meeting_for(actor, meeting.pk, side="exhibitor")
    if locked.status != MeetingStatus.REQUESTED:
        raise Conflict(_("Only a requested meeting can be accepted."), code="illegal_transition")
    busy = Meeting.objects.filter(slot=locked.slot, status__in=BOOKED, table__isnull=False).values("table_id")
    table = MeetingTable.objects.filter(fair=locked.fair).exclude(pk__in=busy).order_by("pk").first()
    if table is None:
        raise Conflict(_("Every meeting table is taken at this time; ask the buyer for another slot."), code="no_table")
    locked.table = table
    locked.status = MeetingStatus.ACCEPTED
    try:
        with transaction.atomic():
            locked.save(update_fields=["table", "status", "updated_at"])
    except IntegrityError:
        raise Conflict(_("This table was just taken; try again.")) from None
    audit_record(actor=actor, action="fairs.meeting_accepted", target=locked)
    _announce(locked, "accepted", to=[locked.buyer])
    return locked


@transaction.atomic
def meeting_decline(*, actor: Actor, meeting: Meeting, reason: str = "") -> Meeting:
    actor.require(FAIRS_EXHIBIT)
    locked = _lock_meeting_for(actor, meeting.pk, side="exhibitor")
    if locked.status not in (MeetingStatus.REQUESTED, MeetingStatus.ACCEPTED):
        raise Conflict(_("This meeting can no longer be declined."), code="illegal_transition")
    locked.status = MeetingStatus.DECLINED
    locked.decline_reason = nfc(reason)[:300]
    locked.table = None
    locked.save(update_fields=["status", "decline_reason", "table", "updated_at"])
    audit_record(actor=actor, action="fairs.meeting_declined", target=locked)
    _announce(locked, "declined", to=[locked.buyer])
    return locked


@transaction.atomic
def meeting_cancel(*, actor: Actor, meeting: Meeting) -> Meeting:
    actor.require(FAIRS_MEET)
    locked = _lock_meeting_for(actor, meeting.pk, side="buyer")
    if locked.status not in (MeetingStatus.REQUESTED, MeetingStatus.ACCEPTED):
        raise Conflict(_("This meeting can no longer be cancelled."), code="illegal_transition")
    locked.status = MeetingStatus.CANCELLED
    locked.table = None
    locked.save(update_fields=["status", "table", "updated_at"])
    audit_record(actor=actor, action="fairs.meeting_cancelled", target=locked)
    _announce(locked, "cancelled", to=[locked.exhibitor])
    return locked


@transaction.atomic
def meeting_outcome_record(
    *,
    actor: Actor,
    meeting: Meeting,
    kind: str,
    volume: Decimal | str | None = None,
    unit: str = "",
    value: int = 0,
    note: str = "",
    rfq_id: int | None = None,
    order_id: int | None = None,
) -> MeetingOutcome:
    """Either side records what came of the meeting; the meeting counts as held from then on. An RFQ outcome
    names the buyer's request for quotation, an order outcome an order the buyer placed with the exhibitor;
    the order's total is then its value."""
    if actor.organisation_id not in (meeting.buyer_id, meeting.exhibitor_id):
        if require_staff_silently(actor):
            raise PermissionDenied()
        raise NotFound()
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status not in (MeetingStatus.ACCEPTED, MeetingStatus.HELD):
        raise Conflict(_("Record an outcome for an accepted meeting."), code="illegal_transition")
    errors: dict[str, list[str]] = {}
    if kind not in OutcomeKind.values:
        errors["kind"] = [_("Choose interest, RFQ, order or MoU.")]
    quantity = None
    if volume not in (None, ""):
        try:
            quantity = Decimal(str(volume).replace(",", "."))
            if quantity <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["volume"] = [_("Enter a positive volume, e.g. 12.5.")]
        if unit not in Unit.values:
            errors["unit"] = [_("Choose the unit of the volume.")]
    try:
        value = int(value or 0)
        if value < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["value"] = [_("Enter the value in whole đồng.")]
    rfq, order = _outcome_links(locked, kind=kind, rfq_id=rfq_id, order_id=order_id, errors=errors)
    if order is not None:
        value = order.total
    if errors:
        raise ValidationFailed(fields=errors)
    outcome = MeetingOutcome.objects.create(
        meeting=locked,
        kind=kind,
        volume=quantity,
        unit=unit if quantity is not None else "",
        value=value,
        note=nfc(note)[:1000],
        recorded_by=actor.user,
        recorded_for=actor.organisation,
        rfq=rfq,
        order=order,
    )
    if locked.status != MeetingStatus.HELD:
        locked.status = MeetingStatus.HELD
        locked.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="fairs.meeting_outcome", target=locked, data={"kind": kind, "value": value})
    return outcome


def _outcome_links(
    meeting: Meeting, *, kind: str, rfq_id: int | None, order_id: int | None, errors: dict[str, list[str]]
) -> tuple[Rfq | None, Order | None]:
    """The RFQ or order an outcome of that kind must name, found only among this meeting's parties."""
    rfq = order = None
    if kind == OutcomeKind.RFQ:
        rfq = Rfq.objects.filter(pk=rfq_id or 0, buyer_id=meeting.buyer_id).first()
        if rfq is None:
            errors["rfq"] = [_("Choose a request for quotation that this buyer sent.")]
    elif kind == OutcomeKind.ORDER:
        order = Order.objects.filter(
            pk=order_id or 0, buyer_id=meeting.buyer_id, cooperative_id=meeting.exhibitor_id
        ).first()
        if order is None:
            errors["order"] = [_("Choose an order that this buyer placed with this exhibitor.")]
    return rfq, order


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
            _announce(meeting, "reminder", to=[meeting.buyer, meeting.exhibitor])
            sent += 1
    return sent


@transaction.atomic
def slots_create(*, actor: Actor, fair: Fair, starts: list[datetime], minutes: int = 30) -> list[MeetingSlot]:
    require_staff(actor)
    made = []
    for start in starts:
        slot, _created = MeetingSlot.objects.get_or_create(
            fair=fair, starts_at=start, defaults={"ends_at": start + timedelta(minutes=minutes)}
        )
        made.append(slot)
    return made


@transaction.atomic
def tables_create(*, actor: Actor, fair: Fair, names: list[str]) -> list[MeetingTable]:
    require_staff(actor)
    return [MeetingTable.objects.get_or_create(fair=fair, name=nfc(n)[:40])[0] for n in names if n.strip()]
