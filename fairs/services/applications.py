"""Booth applications and assignments: submit, decide, assign (by hand or by the allocation), withdraw,
release, and offer freed booths to the waitlist in order.

Every public service resolves and locks what it changes, then asks the policies (fairs.policy) whether the
actor may do it now. Lock order everywhere: (fair, only for the waitlist and the allocation) -> booth ->
application -> subsidy programme -> subsidy ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductStatus
from fairs import notifications as kinds
from fairs import webhooks
from fairs.inputs import ApplicationRequest
from fairs.models import (
    Application,
    ApplicationEventKind,
    ApplicationPreference,
    ApplicationStatus,
    BadgeKind,
    Booth,
    BoothAssignment,
    BoothType,
    Fair,
    FeeStatus,
    Zone,
)
from fairs.policy import (
    APPLICATION_POLICY,
    BOOTH_POLICY,
    ApplicationAction,
    BoothAction,
    FairAction,
    booth_state,
)
from fairs.selectors import applications_for
from fairs.services.badges import badge_ensure
from fairs.services.common import authorize_fair, fair_for, move, record
from fairs.services.fees import fee_apply, fee_clear
from fairs.services.plan import lock_booth
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.locking import bounded_lock_wait
from market.core.once import Once, Reuse, once, once_step
from market.core.services import audit_record
from market.integrations.registry import emit_event
from market.notifications.services import notify
from market.organisations.models import SELLER_KINDS, Organisation
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed


def _visible(actor: Actor, application_id: int) -> Application:
    """The application if the actor may know it exists (its cooperative, alliance staff), else NotFound."""
    application = applications_for(actor=actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    return application


def lock_application(application_id: int) -> Application:
    with bounded_lock_wait():
        return (
            Application.objects.select_for_update(of=("self",))
            .select_related("fair", "cooperative")
            .get(pk=application_id)
        )


def _set_status(
    application: Application,
    status: ApplicationStatus,
    *,
    actor: Actor | None,
    kind: ApplicationEventKind,
    note: str = "",
) -> None:
    previous = move(application, status)
    fields = ["status", "updated_at"]
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WAITLISTED):
        application.decided_at = timezone.now()
        fields.append("decided_at")
    if status != ApplicationStatus.WAITLISTED and application.waitlist_position is not None:
        application.waitlist_position = None
        fields.append("waitlist_position")
    if note or status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
        application.decision_reason = note
        fields.append("decision_reason")
    application.save(update_fields=fields)
    record(application, actor=actor, kind=kind, from_status=previous, note=note)
    audit_record(actor=actor, action=f"fairs.application_{kind}", target=application, data={"from": previous})
    storefront_changed([application.cooperative_id])  # the fairs it exhibits at (approved, with a booth)


def _notify_decision(application: Application, decision: ApplicationEventKind, *, booth: Booth | None = None) -> None:
    notify(
        kind=kinds.APPLICATION_DECIDED,
        recipients=[application.cooperative],
        context={
            "application_id": application.pk,
            "fair_name": application.fair.name_vi,
            "decision": decision.value,
            "reason": application.decision_reason,
            "booth_code": booth.code if booth else "",
            "price": application.price,
            "subsidy": application.subsidy,
            "amount_due": application.amount_due,
            "payment_due_on": application.payment_due_on.isoformat() if application.payment_due_on else "",
            "waitlist_position": application.waitlist_position,
        },
        object_ref=application,
        occurrence=f"{decision.value}:{booth.pk if booth else ''}:{timezone.now().timestamp():.0f}",
    )


# --- submit --------------------------------------------------------------------------------------
def _request_errors(fair: Fair, cooperative: Organisation, request: ApplicationRequest) -> dict[str, list[str]]:
    """What in the request does not fit this fair and this cooperative (ids of other fairs, others' products)."""
    errors: dict[str, list[str]] = {}
    if request.zone_id is not None and not Zone.objects.filter(fair=fair, pk=request.zone_id).exists():
        errors["zone_id"] = [_("This zone is not in this fair.")]
    offered = Booth.objects.filter(fair=fair, pk__in=request.preferences, blocked=False).count()
    if offered != len(request.preferences):
        errors["preferences"] = [_("Some of the chosen booths are not offered at this fair.")]
    own = Product.objects.filter(pk__in=request.products, cooperative=cooperative, status=ProductStatus.PUBLISHED)
    if own.count() != len(request.products):
        errors["products"] = [_("Showcase only your own published products.")]
    partners = [pk for pk in request.co_exhibitors if pk != cooperative.pk]
    if Organisation.objects.filter(pk__in=partners, kind__in=SELLER_KINDS).count() != len(partners):
        errors["co_exhibitors"] = [_("Co-exhibitors must be cooperatives registered on Market Link.")]
    elif partners and request.booth_type != BoothType.SHARED:
        errors["co_exhibitors"] = [_("Co-exhibitors share a booth: choose the shared booth type.")]
    return errors


@transaction.atomic
def application_submit(*, actor: Actor, fair_id: int, request: ApplicationRequest) -> Application:
    fair = fair_for(actor, fair_id)
    authorize_fair(actor, fair, FairAction.APPLY)
    cooperative = actor.organisation
    assert cooperative is not None  # the policy asked for a cooperative's owner or manager
    errors = _request_errors(fair, cooperative, request)
    if errors:
        raise ValidationFailed(fields=errors)
    first_time = not BoothAssignment.objects.filter(
        application__cooperative=cooperative, application__fair__ends_on__lt=fair.starts_on
    ).exists()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                fair=fair,
                cooperative=cooperative,
                submitted_by=actor.user,
                booth_type=request.booth_type,
                zone_id=request.zone_id,
                samples=request.samples,
                needs_cold_chain=request.needs_cold_chain,
                needs_power=request.needs_power,
                needs_water=request.needs_water,
                note=request.note,
                first_time=first_time,
            )
    except IntegrityError:
        raise Conflict(_("Your cooperative has already applied to this fair."), code="already_applied") from None
    ApplicationPreference.objects.bulk_create(
        [
            ApplicationPreference(application=application, booth_id=booth_id, rank=rank)
            for rank, booth_id in enumerate(request.preferences, start=1)
        ]
    )
    application.products.set(request.products)
    application.co_exhibitors.set([pk for pk in request.co_exhibitors if pk != cooperative.pk])
    record(application, actor=actor, kind=ApplicationEventKind.SUBMITTED, from_status="")
    audit_record(actor=actor, action="fairs.application_submitted", target=application)
    return application


def application_submit_once(
    *, actor: Actor, fair_id: int, request: ApplicationRequest, once_key: str
) -> Once[Application]:
    """application_submit under the key of the form it was typed in or the API request's Idempotency-Key: sent
    twice (a double click on its button, a form sent again after a timeout, a client's retry after a lost answer)
    the same key answers with the application the first send made, not "already applied". The key sent again with
    another application (another fair, other booths, another note…) is refused, not answered with the first."""
    return once(
        action="fairs.application_submitted",
        key=once_key,
        actor=actor,
        model=Application,
        make=lambda: application_submit(actor=actor, fair_id=fair_id, request=request),
        reuse=Reuse(
            lambda first: _is_request_of(first, actor=actor, fair_id=fair_id, request=request),
            _("This Idempotency-Key was already used for another application: send this one with a new key."),
        ),
    )


def _is_request_of(application: Application, *, actor: Actor, fair_id: int, request: ApplicationRequest) -> bool:
    """Whether the application is what `request` asks of this fair for the actor's cooperative (its ranked booths,
    products, co-exhibitors and every answer as sent)."""
    cooperative_id = actor.organisation.pk if actor.organisation else None
    asked = (
        fair_id, cooperative_id, request.booth_type, request.zone_id, request.samples, request.needs_cold_chain,
        request.needs_power, request.needs_water, request.note,
    )  # fmt: skip
    made = (
        application.fair_id, application.cooperative_id, application.booth_type, application.zone_id,
        application.samples, application.needs_cold_chain, application.needs_power, application.needs_water,
        application.note,
    )  # fmt: skip
    preferences = application.preferences.order_by("rank").values_list("booth_id", flat=True)
    partners = {pk for pk in request.co_exhibitors if pk != cooperative_id}
    return (
        made == asked
        and list(preferences) == list(request.preferences)
        and set(application.products.values_list("pk", flat=True)) == set(request.products)
        and set(application.co_exhibitors.values_list("pk", flat=True)) == partners
    )


# --- decisions -----------------------------------------------------------------------------------
@transaction.atomic
def application_approve(*, actor: Actor, application_id: int) -> Application:
    _visible(actor, application_id)
    locked = lock_application(application_id)
    APPLICATION_POLICY.authorize(actor=actor, obj=locked, action=ApplicationAction.APPROVE)
    _set_status(locked, ApplicationStatus.APPROVED, actor=actor, kind=ApplicationEventKind.APPROVED)
    _notify_decision(locked, ApplicationEventKind.APPROVED)
    return locked


@transaction.atomic
def application_waitlist(*, actor: Actor, application_id: int, note: str = "") -> Application:
    visible = _visible(actor, application_id)
    # Lock order as in the allocation: the fair (the waitlist's lock) before the application.
    Fair.objects.select_for_update().filter(pk=visible.fair_id).first()
    locked = lock_application(application_id)
    APPLICATION_POLICY.authorize(actor=actor, obj=locked, action=ApplicationAction.WAITLIST)
    waitlist_append(locked, actor=actor, note=note)
    return locked


def waitlist_append(application: Application, *, actor: Actor | None, note: str = "") -> None:
    # The fair row is the waitlist's lock: positions are handed out one at a time, in order.
    Fair.objects.select_for_update().filter(pk=application.fair_id).first()
    last = Application.objects.filter(fair_id=application.fair_id).aggregate(m=Max("waitlist_position"))["m"] or 0
    _set_status(application, ApplicationStatus.WAITLISTED, actor=actor, kind=ApplicationEventKind.WAITLISTED, note=note)
    application.waitlist_position = last + 1
    application.save(update_fields=["waitlist_position", "updated_at"])
    _notify_decision(application, ApplicationEventKind.WAITLISTED)


@transaction.atomic
def application_reject(*, actor: Actor, application_id: int, reason: str) -> Application:
    _visible(actor, application_id)
    locked = lock_application(application_id)
    APPLICATION_POLICY.authorize(actor=actor, obj=locked, action=ApplicationAction.REJECT)
    if len(reason) < 5:
        raise ValidationFailed(fields={"reason": [_("Tell the cooperative why, so that it can do better next time.")]})
    _set_status(locked, ApplicationStatus.REJECTED, actor=actor, kind=ApplicationEventKind.REJECTED, note=reason)
    _notify_decision(locked, ApplicationEventKind.REJECTED)
    return locked


@transaction.atomic
def application_withdraw(*, actor: Actor, application_id: int, reason: str = "") -> Application:
    """The cooperative withdraws; its booth (if any) is freed and offered to the waitlist."""
    _visible(actor, application_id)
    live = BoothAssignment.objects.filter(application_id=application_id, released_at__isnull=True).first()
    booth = lock_booth(live.booth_id) if live else None
    locked = lock_application(application_id)
    APPLICATION_POLICY.authorize(actor=actor, obj=locked, action=ApplicationAction.WITHDRAW)
    return _end(locked, booth=booth, actor=actor, kind=ApplicationEventKind.WITHDRAWN, reason=reason)


def _end(
    application: Application, *, booth: Booth | None, actor: Actor | None, kind: ApplicationEventKind, reason: str
) -> Application:
    """Withdraw a locked application (the cooperative's choice, or an unpaid fee); its booth goes to the
    waitlist."""
    if booth is not None:
        _release(application, booth=booth, reason=kind)
    _set_status(application, ApplicationStatus.WITHDRAWN, actor=actor, kind=kind, note=reason)
    if booth is not None:
        waitlist_offer(booth=booth, actor=actor)
    return application


# --- assignment ----------------------------------------------------------------------------------
def booth_fits(booth: Booth, application: Application) -> bool:
    """The booth is offered and has what the application needs (cold storage, water, power)."""
    if booth.blocked:
        return False
    if application.needs_cold_chain and not booth.cold_storage:
        return False
    if application.needs_water and not booth.water:
        return False
    return not (application.needs_power and not booth.power)


@transaction.atomic
def booth_assign(*, actor: Actor, application_id: int, booth_id: int) -> Application:
    """Give a booth to an application (approving it if needed). Two staff assigning one booth at once: the
    booth lock makes the second wait and then see it taken; the partial unique index refuses it anyway."""
    visible = _visible(actor, application_id)
    booth = lock_booth(booth_id)
    if booth.fair_id != visible.fair_id:
        raise ValidationFailed(fields={"booth": [_("Choose a booth of this fair.")]})
    locked = lock_application(application_id)
    state = booth_state(booth)
    if state.live is not None and state.live.application_id == locked.pk:
        return locked  # already theirs: pressing twice changes nothing
    APPLICATION_POLICY.authorize(actor=actor, obj=locked, action=ApplicationAction.ASSIGN_BOOTH)
    BOOTH_POLICY.authorize(actor=actor, obj=state, action=BoothAction.ASSIGN)
    return assign(actor=actor, application=locked, booth=booth)


def assign(*, actor: Actor | None, application: Application, booth: Booth) -> Application:
    """Assign a locked, free booth to a locked application that may get one (checked by the caller: the
    policy for staff, the allocation's plan, the waitlist's order). Moves it from its previous booth."""
    previous = BoothAssignment.objects.filter(application=application, released_at__isnull=True).first()
    if previous is not None:
        previous.released_at = timezone.now()
        previous.release_reason = "moved"
        previous.save(update_fields=["released_at", "release_reason"])
    try:
        with transaction.atomic():
            BoothAssignment.objects.create(
                fair_id=application.fair_id,
                booth=booth,
                application=application,
                assigned_by=actor.user if actor is not None and actor.user is not None else None,
            )
    except IntegrityError:
        raise Conflict(_("Booth %(code)s was just assigned to someone else.") % {"code": booth.code}) from None
    if application.status != ApplicationStatus.APPROVED:
        _set_status(application, ApplicationStatus.APPROVED, actor=actor, kind=ApplicationEventKind.APPROVED)
    fee_apply(application=application, booth=booth)
    record(
        application, actor=actor, kind=ApplicationEventKind.ASSIGNED, from_status=application.status, note=booth.code
    )
    audit_record(actor=actor, action="fairs.booth_assigned", target=booth, data={"application": application.pk})
    storefront_changed([application.cooperative_id])
    badge_ensure(fair=application.fair, kind=BadgeKind.EXHIBITOR, organisation=application.cooperative)
    _notify_decision(application, ApplicationEventKind.ASSIGNED, booth=booth)
    emit_event(
        type=webhooks.BOOTH_ASSIGNED,
        obj=application,
        organisations=[application.cooperative],
        occurrence=f"booth-{booth.pk}",
    )
    if previous is not None:
        waitlist_offer(booth=lock_booth(previous.booth_id), actor=actor)
    return application


def _release(application: Application, *, booth: Booth, reason: str) -> None:
    BoothAssignment.objects.filter(application=application, booth=booth, released_at__isnull=True).update(
        released_at=timezone.now(), release_reason=reason
    )
    fee_clear(application=application)
    storefront_changed([application.cooperative_id])
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
def assignment_release(*, actor: Actor, application_id: int, reason: str = "") -> Application:
    """Staff take a booth back (the application stays approved, waiting for another booth)."""
    _visible(actor, application_id)
    live = BoothAssignment.objects.filter(application_id=application_id, released_at__isnull=True).first()
    booth = lock_booth(live.booth_id) if live else None
    locked = lock_application(application_id)
    APPLICATION_POLICY.authorize(actor=actor, obj=locked, action=ApplicationAction.RELEASE_BOOTH)
    assert booth is not None  # the policy saw a live booth
    return _release_and_offer(locked, booth=booth, actor=actor, reason=reason)


@transaction.atomic
def booth_release(*, actor: Actor, booth_id: int, reason: str = "") -> Application:
    """The same from the plan: free a booth; its application stays approved, waiting for another."""
    booth = lock_booth(booth_id)
    state = booth_state(booth)
    BOOTH_POLICY.authorize(actor=actor, obj=state, action=BoothAction.RELEASE)
    assert state.live is not None  # the policy saw it held
    locked = lock_application(state.live.application_id)
    return _release_and_offer(locked, booth=booth, actor=actor, reason=reason)


def _release_and_offer(application: Application, *, booth: Booth, actor: Actor, reason: str) -> Application:
    _release(application, booth=booth, reason=reason or ApplicationEventKind.RELEASED)
    record(
        application,
        actor=actor,
        kind=ApplicationEventKind.RELEASED,
        from_status=application.status,
        note=" · ".join(part for part in (booth.code, reason) if part),
    )
    # Staff's release is audited like their assignment (a withdrawal or an unpaid fee is audited by its own step).
    audit_record(
        actor=actor,
        action="fairs.booth_released",
        target=booth,
        data={"application": application.pk, **({"reason": reason} if reason else {})},
    )
    waitlist_offer(booth=booth, actor=actor)
    return application


def waitlist_offer(*, booth: Booth, actor: Actor | None) -> Application | None:
    """Offer a freed booth to the first waitlisted application (in waitlist order) that it suits.
    Runs inside the caller's transaction with the booth locked."""
    if BOOTH_POLICY.state_refusal(BoothAction.ASSIGN, booth_state(booth)) is not None:
        return None
    candidates = (
        Application.objects.filter(fair_id=booth.fair_id, status=ApplicationStatus.WAITLISTED)
        .prefetch_related("preferences")
        .order_by("waitlist_position", "pk")
    )
    for candidate in candidates:
        wanted = {p.booth_id for p in candidate.preferences.all()}
        if not ((candidate.booth_type == booth.booth_type or booth.pk in wanted) and booth_fits(booth, candidate)):
            continue
        locked = lock_application(candidate.pk)
        if locked.status != ApplicationStatus.WAITLISTED:
            continue  # served by a concurrent offer while this one waited for its lock: the next in line
        return assign(actor=actor, application=locked, booth=booth)
    return None


# --- decisions and booths under an Idempotency-Key -----------------------------------------------
def _step_once(
    *,
    action: str,
    actor: Actor,
    application_id: int,
    once_key: str,
    make: Callable[[], Application],
    asked: tuple[object, ...] = (),
) -> Once[Application]:
    """A step on one application under the API request's Idempotency-Key: a client's retry after a lost answer
    (the step done, its answer lost on a mobile network) is answered with the application, as the first was, not
    409 "cannot change that way now". The key remembers the application (its row) and what was asked of it (by
    whom, with which reason or booth): sent again for another application or with anything else, it is refused."""
    organisation_id = actor.organisation.pk if actor.organisation else None
    return once_step(
        action=action,
        key=once_key,
        actor=actor,
        model=Application,
        object_id=application_id,
        make=make,
        asked=(organisation_id, *asked),
        refused=_(
            "This key was already used on another application or with another reason or booth: send this "
            "request with a new key."
        ),
    )


def application_approve_once(*, actor: Actor, application_id: int, once_key: str) -> Once[Application]:
    return _step_once(
        action="fairs.application_approved",
        actor=actor,
        application_id=application_id,
        once_key=once_key,
        make=lambda: application_approve(actor=actor, application_id=application_id),
    )


def application_waitlist_once(*, actor: Actor, application_id: int, note: str, once_key: str) -> Once[Application]:
    return _step_once(
        action="fairs.application_waitlisted",
        actor=actor,
        application_id=application_id,
        once_key=once_key,
        make=lambda: application_waitlist(actor=actor, application_id=application_id, note=note),
        asked=(note,),
    )


def application_reject_once(*, actor: Actor, application_id: int, reason: str, once_key: str) -> Once[Application]:
    return _step_once(
        action="fairs.application_rejected",
        actor=actor,
        application_id=application_id,
        once_key=once_key,
        make=lambda: application_reject(actor=actor, application_id=application_id, reason=reason),
        asked=(reason,),
    )


def application_withdraw_once(*, actor: Actor, application_id: int, reason: str, once_key: str) -> Once[Application]:
    return _step_once(
        action="fairs.application_withdrawn",
        actor=actor,
        application_id=application_id,
        once_key=once_key,
        make=lambda: application_withdraw(actor=actor, application_id=application_id, reason=reason),
        asked=(reason,),
    )


def booth_assign_once(*, actor: Actor, application_id: int, booth_id: int, once_key: str) -> Once[Application]:
    return _step_once(
        action="fairs.booth_assigned",
        actor=actor,
        application_id=application_id,
        once_key=once_key,
        make=lambda: booth_assign(actor=actor, application_id=application_id, booth_id=booth_id),
        asked=(booth_id,),
    )


def assignment_release_once(*, actor: Actor, application_id: int, reason: str, once_key: str) -> Once[Application]:
    return _step_once(
        action="fairs.booth_released",
        actor=actor,
        application_id=application_id,
        once_key=once_key,
        make=lambda: assignment_release(actor=actor, application_id=application_id, reason=reason),
        asked=(reason,),
    )


def booth_release_once(*, actor: Actor, booth_id: int, once_key: str) -> Once[Application]:
    """booth_release from the plan's "Free" button under its one-time key: sent again, it answers with the application
    the first send took the booth from (the booth may have gone to the waitlist meanwhile: it is not freed again). The
    key remembers the booth; sent for another booth, it is refused."""
    return once(
        action="fairs.booth_freed",
        key=once_key,
        actor=actor,
        model=Application,
        make=lambda: booth_release(actor=actor, booth_id=booth_id),
        reuse=Reuse(
            lambda first: first.assignments.filter(booth_id=booth_id, released_at__isnull=False).exists(),
            _("This key was already used on another booth: send this request with a new key."),
            asked=(booth_id,),
        ),
    )


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
                locked = lock_application(pk)
                if locked.fee_status != FeeStatus.UNPAID or locked.reminder_sent_at is not None:
                    continue
                locked.reminder_sent_at = now
                locked.save(update_fields=["reminder_sent_at", "updated_at"])
                record(locked, actor=None, kind=ApplicationEventKind.FEE_REMINDER, from_status=locked.status)
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
                live = BoothAssignment.objects.filter(application_id=pk, released_at__isnull=True).first()
                booth = lock_booth(live.booth_id) if live else None
                locked = lock_application(pk)
                if locked.fee_status != FeeStatus.UNPAID or locked.status != ApplicationStatus.APPROVED:
                    continue
                ended = _end(
                    locked,
                    booth=booth,
                    actor=None,
                    kind=ApplicationEventKind.RELEASED_UNPAID,
                    reason=_("The booth fee was not paid by the deadline."),
                )
                _notify_decision(ended, ApplicationEventKind.RELEASED)
                released += 1
    return {"reminded": reminded, "released": released}
