"""Booth applications and assignments: submit, decide, assign (by hand or by the allocation), withdraw,
release, and offer freed booths to the waitlist in order.

Lock order everywhere: (fair, only for the waitlist and the allocation) -> booth -> application -> subsidy
programme -> subsidy ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductStatus
from fairs import notifications as kinds
from fairs.models import (
    LIVE_APPLICATION_STATUSES,
    Application,
    ApplicationPreference,
    ApplicationStatus,
    Badge,
    BadgeKind,
    Booth,
    BoothAssignment,
    BoothType,
    Fair,
    FairStatus,
    FeeStatus,
    Zone,
)
from fairs.permissions import FAIRS_APPLY
from fairs.services.common import (
    APPLICATION_TRANSITIONS,
    ASSIGNING_STATUSES,
    check_transition,
    record,
    require_fair_status,
    require_own_application,
    require_staff,
)
from fairs.services.fees import fee_apply, fee_clear
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.services import audit_record
from market.core.text import nfc
from market.notifications.services import notify
from market.organisations.models import SELLER_KINDS, Organisation
from market.organisations.permissions import Actor

MAX_PREFERENCES = 5


def _lock_application(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",)).select_related("fair", "cooperative").get(pk=application_id)
    )


def _set_status(application: Application, status: str, *, actor: Actor | None, action: str, note: str = "") -> None:
    check_transition(APPLICATION_TRANSITIONS, application.status, status, _("booth application"))
    previous = application.status
    application.status = status
    fields = ["status", "updated_at"]
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WAITLISTED):
        application.decided_at = timezone.now()
        fields.append("decided_at")
    if status != ApplicationStatus.WAITLISTED and application.waitlist_position is not None:
        application.waitlist_position = None
        fields.append("waitlist_position")
    if note or status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
        application.decision_reason = note[:500]
        fields.append("decision_reason")
    application.save(update_fields=fields)
    record(application, actor=actor, action=action, from_status=previous, note=note)
    audit_record(actor=actor, action=f"fairs.application_{action}", target=application, data={"from": previous})


def _notify_decision(application: Application, decision: str, *, booth: Booth | None = None) -> None:
    notify(
        kind=kinds.APPLICATION_DECIDED,
        recipients=[application.cooperative],
        context={
            "application_id": application.pk,
            "fair_name": application.fair.name_vi,
            "decision": decision,
            "reason": application.decision_reason,
            "booth_code": booth.code if booth else "",
            "price": application.price,
            "subsidy": application.subsidy,
            "amount_due": application.amount_due,
            "payment_due_on": application.payment_due_on.isoformat() if application.payment_due_on else "",
            "waitlist_position": application.waitlist_position,
        },
        object_ref=application,
        occurrence=f"{decision}:{booth.pk if booth else ''}:{timezone.now().timestamp():.0f}",
    )


# --- submit --------------------------------------------------------------------------------------
@transaction.atomic
def application_submit(
    *,
    actor: Actor,
    fair: Fair,
    booth_type: str = BoothType.STANDARD,
    zone: Zone | None = None,
    preferences: Iterable[int] = (),
    products: Iterable[int] = (),
    co_exhibitors: Iterable[int] = (),
    samples: str = "",
    needs_cold_chain: bool = False,
    needs_power: bool = False,
    needs_water: bool = False,
    note: str = "",
) -> Application:
    actor.require(FAIRS_APPLY)
    cooperative = actor.organisation
    assert cooperative is not None
    today = timezone.localdate()
    if fair.status != FairStatus.OPEN or not (fair.applications_open_on <= today <= fair.applications_close_on):
        raise Conflict(_("This fair is not taking applications now."), code="fair_closed")
    errors: dict[str, list[str]] = {}
    if booth_type not in BoothType.values:
        errors["booth_type"] = [_("Choose standard, corner, premium or shared.")]
    if zone is not None and zone.fair_id != fair.pk:
        errors["zone"] = [_("This zone is not in this fair.")]
    ranked = list(dict.fromkeys(int(b) for b in preferences))
    if len(ranked) > MAX_PREFERENCES:
        errors["preferences"] = [_("Rank at most %(n)d booths.") % {"n": MAX_PREFERENCES}]
    booths = {b.pk: b for b in Booth.objects.filter(fair=fair, pk__in=ranked, blocked=False)}
    if len(booths) != len(ranked):
        errors["preferences"] = [_("Some of the chosen booths are not offered at this fair.")]
    product_ids = list(dict.fromkeys(int(p) for p in products))
    own_products = list(
        Product.objects.filter(pk__in=product_ids, cooperative=cooperative, status=ProductStatus.PUBLISHED)
    )
    if len(own_products) != len(product_ids):
        errors["products"] = [_("Showcase only your own published products.")]
    partner_ids = [int(o) for o in co_exhibitors if int(o) != cooperative.pk]
    partners = list(Organisation.objects.filter(pk__in=partner_ids, kind__in=SELLER_KINDS))
    if len(partners) != len(set(partner_ids)):
        errors["co_exhibitors"] = [_("Co-exhibitors must be cooperatives registered on Market Link.")]
    if partners and booth_type != BoothType.SHARED:
        errors["co_exhibitors"] = [_("Co-exhibitors share a booth: choose the shared booth type.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if Application.objects.filter(fair=fair, cooperative=cooperative, status__in=LIVE_APPLICATION_STATUSES).exists():
        raise Conflict(_("Your cooperative has already applied to this fair."), code="already_applied")
    first_time = not BoothAssignment.objects.filter(
        application__cooperative=cooperative, application__fair__ends_on__lt=fair.starts_on
    ).exists()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                fair=fair,
                cooperative=cooperative,
                submitted_by=actor.user,
                booth_type=booth_type,
                zone=zone,
                samples=nfc(samples)[:500],
                needs_cold_chain=needs_cold_chain,
                needs_power=needs_power,
                needs_water=needs_water,
                note=nfc(note)[:1000],
                first_time=first_time,
            )
    except IntegrityError:
        raise Conflict(_("Your cooperative has already applied to this fair."), code="already_applied") from None
    ApplicationPreference.objects.bulk_create(
        [ApplicationPreference(application=application, booth_id=b, rank=i) for i, b in enumerate(ranked, start=1)]
    )
    application.products.set(own_products)
    application.co_exhibitors.set(partners)
    record(application, actor=actor, action="submitted", from_status="")
    audit_record(actor=actor, action="fairs.application_submitted", target=application)
    return application


# --- decisions -----------------------------------------------------------------------------------
@transaction.atomic
def application_approve(*, actor: Actor, application: Application, booth: Booth | None = None) -> Application:
    """Approve; with a booth, assign it in the same transaction (lock order booth -> application)."""
    require_staff(actor)
    if booth is not None:
        return booth_assign(actor=actor, application=application, booth=booth)
    locked = _lock_application(application.pk)
    require_fair_status(locked.fair, ASSIGNING_STATUSES, _("Applications are decided while the fair is open."))
    _set_status(locked, ApplicationStatus.APPROVED, actor=actor, action="approved")
    _notify_decision(locked, "approved")
    return locked


@transaction.atomic
def application_waitlist(*, actor: Actor, application: Application, note: str = "") -> Application:
    require_staff(actor)
    # Lock order as in the allocation: the fair (the waitlist's lock) before the application.
    Fair.objects.select_for_update().filter(pk=application.fair_id).first()
    locked = _lock_application(application.pk)
    require_fair_status(locked.fair, ASSIGNING_STATUSES, _("Applications are decided while the fair is open."))
    _waitlist(locked, actor=actor, note=note)
    return locked


def _waitlist(application: Application, *, actor: Actor | None, note: str = "") -> None:
    # The fair row is the waitlist's lock: positions are handed out one at a time, in order.
    Fair.objects.select_for_update().filter(pk=application.fair_id).first()
    last = Application.objects.filter(fair_id=application.fair_id).aggregate(m=Max("waitlist_position"))["m"] or 0
    _set_status(application, ApplicationStatus.WAITLISTED, actor=actor, action="waitlisted", note=note)
    application.waitlist_position = last + 1
    application.save(update_fields=["waitlist_position", "updated_at"])
    _notify_decision(application, "waitlisted")


@transaction.atomic
def application_reject(*, actor: Actor, application: Application, reason: str) -> Application:
    require_staff(actor)
    reason = nfc(reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(fields={"reason": [_("Tell the cooperative why, so that it can do better next time.")]})
    locked = _lock_application(application.pk)
    _set_status(locked, ApplicationStatus.REJECTED, actor=actor, action="rejected", note=reason)
    _notify_decision(locked, "rejected")
    return locked


@transaction.atomic
def application_withdraw(*, actor: Actor, application: Application, reason: str = "") -> Application:
    """The cooperative withdraws; its booth (if any) is freed and offered to the waitlist."""
    require_own_application(actor, application)
    actor.require(FAIRS_APPLY)
    return _end_application(
        application_id=application.pk, actor=actor, action="withdrawn", reason=nfc(reason or "")[:500]
    )


def _end_application(*, application_id: int, actor: Actor | None, action: str, reason: str) -> Application:
    live = BoothAssignment.objects.filter(application_id=application_id, released_at__isnull=True).first()
    booth = Booth.objects.select_for_update().get(pk=live.booth_id) if live else None
    locked = _lock_application(application_id)
    check_transition(APPLICATION_TRANSITIONS, locked.status, ApplicationStatus.WITHDRAWN, _("booth application"))
    if booth is not None:
        _release(locked, booth=booth, reason=action)
    _set_status(locked, ApplicationStatus.WITHDRAWN, actor=actor, action=action, note=reason)
    if booth is not None:
        waitlist_offer(booth=booth, actor=actor)
    return locked


# --- assignment ----------------------------------------------------------------------------------
def _booth_fits(booth: Booth, application: Application) -> bool:
    if booth.blocked:
        return False
    if application.needs_cold_chain and not booth.cold_storage:
        return False
    if application.needs_water and not booth.water:
        return False
    return not (application.needs_power and not booth.power)


class _NoLongerWaiting(Exception):
    """A waitlisted application was served by a concurrent offer while this one waited for its lock."""


def _offer(*, actor: Actor | None, application: Application, booth: Booth) -> Application:
    return booth_assign(actor=actor, application=application, booth=booth, staff=False, from_waitlist=True)


@transaction.atomic
def booth_assign(
    *,
    actor: Actor | None,
    application: Application,
    booth: Booth,
    staff: bool = True,
    from_waitlist: bool = False,
) -> Application:
    """Give `booth` to `application` (approving it if needed). Two staff assigning one booth at once: the
    booth lock makes the second wait and then see it taken; the partial unique index refuses it anyway."""
    if staff:
        require_staff(actor)  # type: ignore[arg-type]
    locked_booth = Booth.objects.select_for_update(of=("self",)).select_related("fair").get(pk=booth.pk)
    locked = _lock_application(application.pk)
    if locked_booth.fair_id != locked.fair_id:
        raise NotFound()
    if from_waitlist and locked.status != ApplicationStatus.WAITLISTED:
        raise _NoLongerWaiting()
    require_fair_status(locked.fair, ASSIGNING_STATUSES, _("Booths are assigned while the fair is open."))
    if locked_booth.blocked:
        raise Conflict(_("Booth %(code)s is blocked.") % {"code": locked_booth.code}, code="booth_blocked")
    taken = (
        BoothAssignment.objects.filter(booth=locked_booth, released_at__isnull=True)
        .select_related("application__cooperative")
        .first()
    )
    if taken is not None:
        if taken.application_id == locked.pk:
            return locked
        raise Conflict(
            _("Booth %(code)s is already assigned to %(name)s.")
            % {"code": locked_booth.code, "name": taken.application.cooperative.name},
            code="booth_taken",
        )
    if (
        locked.status != ApplicationStatus.APPROVED
        and ApplicationStatus.APPROVED not in APPLICATION_TRANSITIONS[locked.status]
    ):
        raise Conflict(_("Only a submitted, waitlisted or approved application can get a booth."))
    if locked.status == ApplicationStatus.APPROVED and locked.fee_status == FeeStatus.PAID:
        raise Conflict(_("This exhibitor has paid for its booth; release it by hand before moving them."))
    previous = BoothAssignment.objects.filter(application=locked, released_at__isnull=True).first()
    if previous is not None:
        previous.released_at = timezone.now()
        previous.release_reason = "moved"
        previous.save(update_fields=["released_at", "release_reason"])
    try:
        with transaction.atomic():
            BoothAssignment.objects.create(
                fair_id=locked.fair_id,
                booth=locked_booth,
                application=locked,
                assigned_by=actor.user if actor and getattr(actor.user, "pk", None) else None,
            )
    except IntegrityError:
        raise Conflict(_("Booth %(code)s was just assigned to someone else.") % {"code": locked_booth.code}) from None
    if locked.status != ApplicationStatus.APPROVED:
        _set_status(locked, ApplicationStatus.APPROVED, actor=actor, action="approved")
    fee_apply(application=locked, booth=locked_booth)
    record(locked, actor=actor, action="assigned", from_status=locked.status, note=locked_booth.code)
    audit_record(actor=actor, action="fairs.booth_assigned", target=locked_booth, data={"application": locked.pk})
    badge_ensure(fair=locked.fair, kind=BadgeKind.EXHIBITOR, organisation=locked.cooperative)
    _notify_decision(locked, "assigned", booth=locked_booth)
    if previous is not None:
        old = Booth.objects.select_for_update().get(pk=previous.booth_id)
        waitlist_offer(booth=old, actor=actor)
    return locked


def _release(application: Application, *, booth: Booth, reason: str) -> None:
    BoothAssignment.objects.filter(application=application, booth=booth, released_at__isnull=True).update(
        released_at=timezone.now(), release_reason=reason[:200]
    )
    fee_clear(application=application)
    application.save(
        update_fields=[
            "price",
            "subsidy",
            "amount_due",
            "subsidy_programme",
            "fee_status",
            "payment_due_on",
            "updated_at",
        ]
    )


@transaction.atomic
def assignment_release(*, actor: Actor, application: Application, reason: str) -> Application:
    """Staff take a booth back (the application stays approved, waiting for another booth)."""
    require_staff(actor)
    live = BoothAssignment.objects.filter(application_id=application.pk, released_at__isnull=True).first()
    if live is None:
        raise Conflict(_("This application has no booth to release."))
    booth = Booth.objects.select_for_update().get(pk=live.booth_id)
    locked = _lock_application(application.pk)
    _release(locked, booth=booth, reason=reason or "released")
    record(locked, actor=actor, action="released", from_status=locked.status, note=booth.code)
    waitlist_offer(booth=booth, actor=actor)
    return locked


def waitlist_offer(*, booth: Booth, actor: Actor | None) -> Application | None:
    """Offer a freed booth to the first waitlisted application (in waitlist order) that it suits.
    Runs inside the caller's transaction with the booth locked."""
    if booth.blocked or booth.fair.status not in ASSIGNING_STATUSES:
        return None
    candidates = (
        Application.objects.filter(fair_id=booth.fair_id, status=ApplicationStatus.WAITLISTED)
        .select_related("fair", "cooperative")
        .prefetch_related("preferences")
        .order_by("waitlist_position", "pk")
    )
    for candidate in candidates:
        wanted = {p.booth_id for p in candidate.preferences.all()}
        suits_type = candidate.booth_type == booth.booth_type or booth.pk in wanted
        if suits_type and _booth_fits(booth, candidate):
            try:
                with transaction.atomic():
                    _offer(actor=actor, application=candidate, booth=booth)
            except _NoLongerWaiting:
                continue  # served by a concurrent offer meanwhile: the next in line gets it
            return candidate
    return None


# --- badges --------------------------------------------------------------------------------------
BADGE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def badge_ensure(*, fair: Fair, kind: str, organisation: Organisation) -> Badge:
    import secrets

    existing = Badge.objects.filter(fair=fair, kind=kind, organisation=organisation).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        code = "".join(secrets.choice(BADGE_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                return Badge.objects.create(fair=fair, kind=kind, organisation=organisation, code=code)
        except IntegrityError:
            existing = Badge.objects.filter(fair=fair, kind=kind, organisation=organisation).first()
            if existing is not None:
                return existing
    raise Conflict(_("A badge code could not be made; try again."))


# --- payment deadlines (beat) ---------------------------------------------------------------------
def fee_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """Past the deadline and unpaid: a reminder; still unpaid `grace_days` later: the booth is released to the
    waitlist. Safe to run twice: each step is recorded on the application."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = released = 0
    due = Application.objects.filter(
        status=ApplicationStatus.APPROVED, fee_status=FeeStatus.UNPAID, payment_due_on__lt=today
    ).values_list("pk", "reminder_sent_at", "fair__grace_days")
    for pk, reminder_sent_at, grace_days in due:
        if reminder_sent_at is None:
            with transaction.atomic():
                locked = _lock_application(pk)
                if locked.fee_status != FeeStatus.UNPAID or locked.reminder_sent_at is not None:
                    continue
                locked.reminder_sent_at = now
                locked.save(update_fields=["reminder_sent_at", "updated_at"])
                record(locked, actor=None, action="fee_reminder", from_status=locked.status)
                notify(
                    kind=kinds.FEE_REMINDER,
                    recipients=[locked.cooperative],
                    context={
                        "application_id": locked.pk,
                        "fair_name": locked.fair.name_vi,
                        "amount_due": locked.amount_due,
                        "release_on": (today + timedelta(days=grace_days)).isoformat(),
                    },
                    object_ref=locked,
                    occurrence=f"reminder:{locked.payment_due_on}",
                )
                reminded += 1
        elif timezone.localdate(reminder_sent_at) + timedelta(days=grace_days) <= today:
            with transaction.atomic():
                current = Application.objects.get(pk=pk)
                if current.fee_status != FeeStatus.UNPAID or current.status != ApplicationStatus.APPROVED:
                    continue
                ended = _end_application(
                    application_id=pk,
                    actor=None,
                    action="released_unpaid",
                    reason=_("The booth fee was not paid by the deadline."),
                )
                _notify_decision(ended, "released")
                released += 1
    return {"reminded": reminded, "released": released}
