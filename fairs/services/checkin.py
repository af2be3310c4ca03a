"""Check-in at the entrance, online or from phones that scanned offline and sync later.

Every scan is a `CheckinScan` under the idempotency key the phone gave it, so a batch sent twice changes
nothing the second time. A badge counts as checked in by its earliest scan (the phone's scan time, never
later than its arrival here): when two phones scanned one badge while offline, the first scan by scan time
wins whichever phone synced first, and every scan of that badge from another phone is a conflict that its
phone is told about (in the sync's answer, or on its next contact when the outcome was revised).

A scan of a revoked badge checks no one in, whenever it was made: it is refused at once online and, from a
phone that queued it before it knew of the revocation, refused on sync and told to that phone with its
conflicts. Each sync also tells the phone which badges are revoked, so it refuses them offline from then on.

Each scan is decided in its own transaction with the badge row locked, so two phones syncing at once
cannot both win, and a revocation (which locks the row too) is either before a scan or after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fairs.models import REFUSED_SCAN_OUTCOMES, Badge, CheckinDevice, CheckinScan, Fair, ScanOutcome
from fairs.policy import FairAction
from fairs.services.common import authorize_fair, fair_for
from market.core.errors import Conflict, NotFound
from market.core.parsing import format_decimal
from market.core.services import audit_record
from market.organisations.permissions import Actor

# How many scans one sync may carry; a phone with more sends several batches.
MAX_BATCH = 200
# How many of its own conflicts a phone is told about on each contact.
MAX_CONFLICTS_TOLD = 200


@dataclass(frozen=True)
class ScanRecord:
    """One scan as the phone recorded it."""

    key: uuid.UUID
    code: str
    scanned_at: datetime


@dataclass(frozen=True)
class ScanResult:
    key: uuid.UUID
    code: str
    outcome: ScanOutcome
    name: str
    message: str
    checked_in_at: datetime | None
    replayed: bool


@dataclass(frozen=True)
class SyncResult:
    device: CheckinDevice
    results: list[ScanResult]
    conflicts: list[ScanResult]  # this phone's scans that checked no one in: scanned first elsewhere, or revoked
    revoked: list[str]  # the codes of the fair's revoked badges, for the phone to refuse offline


def checkin_sync(
    *,
    actor: Actor,
    fair_id: int,
    device_id: str,
    label: str,
    pending: int,
    scans: Sequence[ScanRecord],
) -> SyncResult:
    """Record a phone's queued scans (in scan-time order) and what the phone still holds; answer each scan's
    outcome, every conflict of this phone's scans and the fair's revoked badges. An empty batch is the phone's
    heartbeat."""
    fair = fair_for(actor, fair_id)
    authorize_fair(actor, fair, FairAction.CHECK_IN)
    if len(scans) > MAX_BATCH:
        raise Conflict(_("Send at most %(count)s scans at a time.") % {"count": format_decimal(MAX_BATCH)})
    device = _device_seen(fair=fair, actor=actor, device_id=device_id, label=label, pending=pending, synced=bool(scans))
    results = [
        _scan_record(actor=actor, fair=fair, device=device, record=record)
        for record in sorted(scans, key=lambda r: r.scanned_at)
    ]
    conflicts = CheckinScan.objects.filter(device=device, outcome__in=REFUSED_SCAN_OUTCOMES).select_related(
        "badge__organisation", "fair"
    )
    told = [_result(scan, replayed=True) for scan in conflicts.order_by("-scanned_at")[:MAX_CONFLICTS_TOLD]]
    revoked = list(
        Badge.objects.filter(fair=fair, revoked_at__isnull=False).order_by("code").values_list("code", flat=True)
    )
    return SyncResult(device=device, results=results, conflicts=told, revoked=revoked)


def checkin_scan_once(*, actor: Actor, fair_id: int, code: str, device_id: str = "") -> ScanResult:
    """A scan answered at once (the page online, the single-scan API): the same rules as a synced scan."""
    fair = fair_for(actor, fair_id)
    authorize_fair(actor, fair, FairAction.CHECK_IN)
    device = (
        _device_seen(fair=fair, actor=actor, device_id=device_id, label="", pending=None, synced=True)
        if device_id
        else None
    )
    record = ScanRecord(key=uuid.uuid4(), code=code, scanned_at=timezone.now())
    return _scan_record(actor=actor, fair=fair, device=device, record=record)


def _device_seen(
    *, fair: Fair, actor: Actor, device_id: str, label: str, pending: int | None, synced: bool
) -> CheckinDevice:
    now = timezone.now()
    changes: dict[str, object] = {"user": actor.user, "last_seen_at": now}
    if label:
        changes["label"] = label
    if pending is not None:
        changes["pending"] = pending
    if synced:
        changes["last_sync_at"] = now
    try:
        with transaction.atomic():
            device, _created = CheckinDevice.objects.update_or_create(fair=fair, device_id=device_id, defaults=changes)
    except IntegrityError:  # the same phone's two requests raced to create it
        CheckinDevice.objects.filter(fair=fair, device_id=device_id).update(**changes)
        device = CheckinDevice.objects.get(fair=fair, device_id=device_id)
    return device


def _scan_record(*, actor: Actor, fair: Fair, device: CheckinDevice | None, record: ScanRecord) -> ScanResult:
    existing = _replay(fair=fair, record=record)
    if existing is not None:
        return existing
    now = timezone.now()
    # A phone's clock may run fast: a scan is never later than its arrival.
    scanned_at = min(record.scanned_at, now)
    try:
        with transaction.atomic():
            badge = (
                Badge.objects.select_for_update(of=("self",))
                .select_related("organisation")
                .filter(fair=fair, code=record.code)
                .first()
            )
            scan = CheckinScan.objects.create(
                fair=fair,
                key=record.key,
                device=device,
                code=record.code,
                badge=badge,
                scanned_at=scanned_at,
                outcome=_first_outcome(badge),
                scanned_by=actor.user if actor.is_authenticated else None,
            )
            if badge is not None and not badge.is_revoked:
                _resolve(badge, actor=actor, new=scan, now=now)
    except IntegrityError:  # the same key arrived twice at once: the other request recorded it
        replayed = _replay(fair=fair, record=record)
        if replayed is None:
            raise
        return replayed
    scan.refresh_from_db()
    return _result(scan, replayed=False)


def _first_outcome(badge: Badge | None) -> ScanOutcome:
    """A new scan's outcome before the badge's scans are decided again (which only a badge in force needs)."""
    if badge is None:
        return ScanOutcome.UNKNOWN
    if badge.is_revoked:
        return ScanOutcome.REVOKED
    return ScanOutcome.CHECKED_IN


def _replay(*, fair: Fair, record: ScanRecord) -> ScanResult | None:
    """The stored outcome of a scan already received under this key (its current one, if revised since)."""
    scan = CheckinScan.objects.filter(key=record.key).select_related("badge__organisation", "fair").first()
    if scan is None:
        return None
    if scan.fair_id != fair.pk or scan.code != record.code:
        raise Conflict(_("This scan's key was already used for another scan."), code="idempotency_key_reused")
    return _result(scan, replayed=True)


def _resolve(badge: Badge, *, actor: Actor, new: CheckinScan, now: datetime) -> None:
    """Decide every scan of the (locked) badge again: the earliest wins; later ones from the winner's phone
    are repeats, from any other phone conflicts. A scan whose outcome changes after it was answered is
    marked revised, so its phone hears of it."""
    scans = list(CheckinScan.objects.filter(badge=badge).order_by("scanned_at", "pk"))
    winner = scans[0]
    for scan in scans:
        if scan.pk == winner.pk:
            outcome = ScanOutcome.CHECKED_IN
        elif scan.device_id == winner.device_id:
            outcome = ScanOutcome.ALREADY
        else:
            outcome = ScanOutcome.CONFLICT
        if scan.pk == new.pk:
            if scan.outcome != outcome:
                CheckinScan.objects.filter(pk=scan.pk).update(outcome=outcome)
        elif scan.outcome != outcome:
            CheckinScan.objects.filter(pk=scan.pk).update(outcome=outcome, revised_at=now)
    first_time = badge.checked_in_at is None
    if badge.checked_in_at != winner.scanned_at or badge.checked_in_by_id != winner.scanned_by_id:
        badge.checked_in_at = winner.scanned_at
        badge.checked_in_by_id = winner.scanned_by_id
        badge.save(update_fields=["checked_in_at", "checked_in_by"])
    if first_time:
        audit_record(actor=actor, action="fairs.checked_in", target=badge, data={"scan": str(winner.key)})


def _result(scan: CheckinScan, *, replayed: bool) -> ScanResult:
    badge = scan.badge
    outcome = ScanOutcome(scan.outcome)
    if badge is None:
        name = ""
        message = _unknown_message(scan)
    else:
        name = badge.display_name
        if outcome == ScanOutcome.REVOKED:
            message = _("Badge revoked: %(name)s (%(reason)s). Do not let them in with this badge.") % {
                "name": name,
                "reason": badge.revoke_reason,
            }
        elif outcome == ScanOutcome.CHECKED_IN:
            message = _("Welcome, %(name)s: checked in.") % {"name": name}
        elif outcome == ScanOutcome.ALREADY:
            message = _("%(name)s is already checked in.") % {"name": name}
        else:
            message = _("%(name)s was checked in first on another phone, at %(time)s.") % {
                "name": name,
                "time": timezone.localtime(badge.checked_in_at).strftime("%H:%M %d/%m/%Y")
                if badge.checked_in_at
                else "",
            }
    return ScanResult(
        key=scan.key,
        code=scan.code,
        outcome=outcome,
        name=name,
        message=message,
        checked_in_at=badge.checked_in_at if badge is not None and outcome != ScanOutcome.REVOKED else None,
        replayed=replayed,
    )


def _unknown_message(scan: CheckinScan) -> str:
    """Why a code checks no one in here: a badge of another fair (codes are unique across fairs; staff, who alone
    check in, see every fair), or no badge at all."""
    elsewhere = Badge.objects.filter(code=scan.code).exclude(fair_id=scan.fair_id).select_related("fair").first()
    if elsewhere is not None:
        return _("Badge %(code)s is for another fair, %(fair)s: not valid at this one.") % {
            "code": scan.code,
            "fair": elsewhere.fair.name,
        }
    return _("No badge of this fair has the code %(code)s.") % {"code": scan.code}


def checkin_badge(*, actor: Actor, fair_id: int, code: str) -> Badge:
    """The badge a code names at this fair (for the answer to a scan), else NotFound."""
    fair = fair_for(actor, fair_id)
    badge = Badge.objects.filter(fair=fair, code=code).select_related("organisation", "fair").first()
    if badge is None:
        raise NotFound(_("No badge of this fair has the code %(code)s.") % {"code": code})
    return badge


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment is not None else ""
