"""Fairs and their floor plans: create a fair and move it through its statuses; halls, zones, booths and
the plan imported from a spreadsheet. Values arrive typed (fairs.inputs); the plan's rules live here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from text_unidecode import unidecode

from fairs import notifications as kinds
from fairs.inputs import BoothChange, BoothSpec, FairSpec, PlanRow, booth_spec_of
from fairs.lifecycle import BADGE_CHANGE_STATUSES, FAIR_TRANSITIONS, FairTransition
from fairs.models import Application, Badge, Booth, BoothAssignment, Fair, Hall, SubsidyProgramme, Zone, ZoneKind
from fairs.policy import BOOTH_POLICY, BoothAction, FairAction, booth_state
from fairs.selectors import booth_get
from fairs.services.common import authorize_fair, fair_for, require_staff
from market.core.errors import NotFound, ValidationFailed
from market.core.models import AuditEvent
from market.core.once import Once, Reuse, once
from market.core.parsing import format_decimal
from market.core.services import audit_record
from market.notifications.services import notify
from market.organisations import geo
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed


def fair_create_once(*, actor: Actor, spec: FairSpec, once_key: str) -> Once[Fair]:
    """fair_create from a form that may be sent twice (a double press, a form sent again after a timeout): the
    same key answers with the fair the first made, so a fair is never created twice."""
    require_staff(actor)
    return once(
        action="fairs.fair_created",
        key=once_key,
        actor=actor,
        model=Fair,
        make=lambda: fair_create(actor=actor, spec=spec),
    )


@transaction.atomic
def fair_create(*, actor: Actor, spec: FairSpec) -> Fair:
    require_staff(actor)
    organiser = actor.organisation
    assert organiser is not None  # staff act for the alliance
    errors: dict[str, list[str]] = {}
    if geo.province(spec.province_code) is None:
        errors["province_code"] = [_("Choose a province (34 provinces since July 2025).")]
    if spec.commune_code is not None and geo.commune_province_code(spec.commune_code) != spec.province_code:
        errors["commune_code"] = [_("This commune is not in the chosen province.")]
    if spec.ends_on < spec.starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first day.")]
    if spec.day_closes_at <= spec.day_opens_at:
        errors["day_closes_at"] = [_("The fair closes after it opens each day.")]
    if spec.applications_close_on < spec.applications_open_on:
        errors["applications_close_on"] = [_("Applications cannot close before they open.")]
    elif spec.applications_close_on > spec.ends_on:
        errors["applications_close_on"] = [_("Applications must close before the fair ends.")]
    programme = None
    if spec.subsidy_programme_id is not None:
        programme = SubsidyProgramme.objects.filter(pk=spec.subsidy_programme_id).first()
        if programme is None:
            errors["subsidy_programme_id"] = [_("Choose a subsidy programme from the list.")]
    if errors:
        raise ValidationFailed(fields=errors)
    base = slugify(unidecode(spec.slug or f"{spec.name_vi} {spec.starts_on.year}"))[:70] or "fair"
    candidate, n = base, 1
    while Fair.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    fair = Fair.objects.create(
        organiser=organiser,
        slug=candidate,
        name_vi=spec.name_vi,
        name_en=spec.name_en,
        venue=spec.venue,
        province_code=spec.province_code,
        commune_code=spec.commune_code,
        address_line=spec.address_line,
        starts_on=spec.starts_on,
        ends_on=spec.ends_on,
        day_opens_at=spec.day_opens_at,
        day_closes_at=spec.day_closes_at,
        checkin_days_before=spec.checkin_days_before,
        applications_open_on=spec.applications_open_on,
        applications_close_on=spec.applications_close_on,
        rules_vi=spec.rules_vi,
        rules_en=spec.rules_en,
        payment_days=spec.payment_days,
        grace_days=spec.grace_days,
        subsidy_programme=programme,
    )
    audit_record(actor=actor, action="fairs.fair_created", target=fair)
    return fair


@transaction.atomic
def fair_transition(*, actor: Actor, fair_id: int, transition: FairTransition) -> Fair:
    require_staff(actor)
    fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, fair, FairAction(transition.value))
    previous, target = FAIR_TRANSITIONS[transition]
    fair.status = target
    fair.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="fairs.fair_status", target=fair, data={"from": previous, "to": target})
    if (previous in BADGE_CHANGE_STATUSES) != (target in BADGE_CHANGE_STATUSES):
        # The badge list's `allowed_actions` (revoke, issue again) read the fair's status: a closed fair's
        # badges change with it, so a client syncing them is handed them again (docs/api-sync.md).
        Badge.objects.filter(fair=fair).update()
    # Its exhibitors' storefronts list it while its plan is public.
    storefront_changed(
        BoothAssignment.objects.filter(fair=fair, released_at__isnull=True).values_list(
            "application__cooperative_id", flat=True
        )
    )
    return fair


def fair_transition_once(*, actor: Actor, fair_id: int, transition: FairTransition, once_key: str) -> Once[Fair]:
    """fair_transition under the API request's Idempotency-Key: a client's retry after a lost answer is answered
    with the fair, as the first was, not "cannot change that way". The key remembers the fair and the step asked:
    sent again for another fair or another step, it is refused."""
    return once(
        action="fairs.fair_transitioned",
        key=once_key,
        actor=actor,
        model=Fair,
        make=lambda: fair_transition(actor=actor, fair_id=fair_id, transition=transition),
        reuse=Reuse(
            lambda first: first.pk == fair_id,
            _("This key was already used on another fair or for another step: send this request with a new key."),
            asked=(fair_id, transition.value),
        ),
    )


@transaction.atomic
def hall_create(*, actor: Actor, fair_id: int, name: str, width_m: Decimal, depth_m: Decimal) -> Hall:
    require_staff(actor)
    fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, fair, FairAction.EDIT_PLAN)
    if Hall.objects.filter(fair=fair, name=name).exists():
        raise ValidationFailed(fields={"name": [_("This fair already has a hall with this name.")]})
    hall = Hall.objects.create(fair=fair, name=name, width_m=width_m, depth_m=depth_m, position=fair.halls.count())
    audit_record(actor=actor, action="fairs.hall_created", target=hall)
    return hall


@transaction.atomic
def zone_create(*, actor: Actor, fair_id: int, hall_id: int, name: str, kind: ZoneKind = ZoneKind.OTHER) -> Zone:
    require_staff(actor)
    fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, fair, FairAction.EDIT_PLAN)
    hall = Hall.objects.filter(fair=fair, pk=hall_id).first()
    if hall is None:
        raise ValidationFailed(fields={"hall": [_("Choose a hall of this fair.")]})
    if Zone.objects.filter(fair=fair, name=name).exists():
        raise ValidationFailed(fields={"name": [_("Give the zone a name not used yet in this fair.")]})
    zone = Zone.objects.create(fair=fair, hall=hall, name=name, kind=kind)
    audit_record(actor=actor, action="fairs.zone_created", target=zone)
    return zone


def _check_booth(fair: Fair, hall: Hall, spec: BoothSpec, *, booth_id: int | None) -> dict[str, list[str]]:
    """What is wrong with `spec` in this hall: a code taken, a zone of another hall, past the hall's walls."""
    errors: dict[str, list[str]] = {}
    same_code = Booth.objects.filter(fair=fair, code=spec.code)
    if (same_code.exclude(pk=booth_id) if booth_id is not None else same_code).exists():
        errors["code"] = [_("Booth %(code)s already exists.") % {"code": spec.code}]
    if spec.zone_id is not None and (zone_error := _zone_error(fair, hall, spec.zone_id)):
        errors["zone"] = [zone_error]
    if spec.x + spec.width > hall.width_m:
        errors["x"] = [_("The booth reaches past the hall's width (%(w)s m).") % {"w": format_decimal(hall.width_m)}]
    if spec.y + spec.depth > hall.depth_m:
        errors["y"] = [_("The booth reaches past the hall's depth (%(d)s m).") % {"d": format_decimal(hall.depth_m)}]
    if (other := _overlapped(hall, spec, booth_id=booth_id)) is not None:
        errors.setdefault("x", []).append(
            _("The booth overlaps booth %(code)s; move it or make it smaller.") % {"code": other.code}
        )
    return errors


def _zone_error(fair: Fair, hall: Hall, zone_id: int) -> str:
    """Why zone `zone_id` cannot hold a booth of `hall` (empty when it can): a zone is an area of one hall."""
    zone = Zone.objects.filter(fair=fair, pk=zone_id).select_related("hall").first()
    if zone is None:
        return _("Choose a zone of this fair.")
    if zone.hall_id != hall.pk:
        return _("Zone %(zone)s is in %(other)s; choose a zone of %(hall)s, or none.") % {
            "zone": zone.name,
            "other": zone.hall.name,
            "hall": hall.name,
        }
    return ""


def _overlapped(hall: Hall, spec: BoothSpec, *, booth_id: int | None) -> Booth | None:
    """A booth of the hall whose floor the booth of `spec` would cover in part (touching edges is fine: booths
    stand side by side)."""
    others = Booth.objects.filter(hall=hall, x__lt=spec.x + spec.width, y__lt=spec.y + spec.depth)
    if booth_id is not None:
        others = others.exclude(pk=booth_id)
    return (
        others.alias(right=F("x") + F("width"), bottom=F("y") + F("depth"))
        .filter(right__gt=spec.x, bottom__gt=spec.y)
        .order_by("code")
        .first()
    )


def _booth_values(spec: BoothSpec) -> dict[str, object]:
    return {
        "code": spec.code,
        "booth_type": spec.booth_type,
        "zone_id": spec.zone_id,
        "x": spec.x,
        "y": spec.y,
        "width": spec.width,
        "depth": spec.depth,
        "price": spec.price,
        "power": spec.power,
        "water": spec.water,
        "cold_storage": spec.cold_storage,
        "blocked": spec.blocked,
    }


def _create(fair: Fair, hall: Hall, spec: BoothSpec) -> Booth:
    errors = _check_booth(fair, hall, spec, booth_id=None)
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            booth = Booth.objects.create(fair=fair, hall=hall, **_booth_values(spec))
            _plan_changed(fair)
            return booth
    except IntegrityError:
        raise ValidationFailed(fields={"code": [_("Booth %(code)s already exists.") % {"code": spec.code}]}) from None


def _update(booth: Booth, spec: BoothSpec, *, hall: Hall) -> Booth:
    """Change a locked booth, in `hall` (its own or another of its fair's, checked as a new booth's would be there);
    an assigned booth keeps its price and cannot be blocked."""
    state = booth_state(booth)
    errors = _check_booth(booth.fair, hall, spec, booth_id=booth.pk)
    if state.live is not None and spec.blocked:
        errors["blocked"] = [_("This booth is assigned; release it before blocking it.")]
    if state.live is not None and spec.price != booth.price:
        errors["price"] = [_("This booth is assigned; its price is fixed until it is released.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before, previous_hall = booth_spec_of(booth), booth.hall
    for name, value in _booth_values(spec).items():
        setattr(booth, name, value)
    booth.hall = hall
    booth.save()
    _plan_changed(booth.fair)
    if state.live is not None:
        _tell_exhibitor_changed(state.live.application, booth=booth, before=before, previous_hall=previous_hall)
    return booth


def _tell_exhibitor_changed(application: Application, *, booth: Booth, before: BoothSpec, previous_hall: Hall) -> None:
    """The cooperative holding `booth` learns where it now stands, how big it is and its code, when that changed: it
    plans its set-up (stand, goods, cold storage) on it, and prints the code on its signage and badges."""
    changes = [
        name
        for name, changed in (
            ("hall", booth.hall_id != previous_hall.pk),
            ("position", (booth.x, booth.y) != (before.x, before.y)),
            ("size", (booth.width, booth.depth) != (before.width, before.depth)),
            ("code", booth.code != before.code),
        )
        if changed
    ]
    if not changes:
        return
    fair = booth.fair
    notify(
        kind=kinds.BOOTH_MOVED,
        recipients=[application.cooperative],
        context={
            "application_id": application.pk,
            "fair_name": fair.name_vi,
            "fair_name_en": fair.name_en,
            "booth_code": booth.code,
            "previous_code": before.code,
            "changes": changes,
            "hall": booth.hall.name,
            "previous_hall": previous_hall.name,
            "x": str(booth.x),
            "y": str(booth.y),
            "width": str(booth.width),
            "depth": str(booth.depth),
            "previous_width": str(before.width),
            "previous_depth": str(before.depth),
        },
        object_ref=application,
        occurrence=f"moved:{booth.pk}:{timezone.now().isoformat()}",
    )


def _hall_of(fair: Fair, hall_id: int | None) -> Hall:
    """The fair's hall `hall_id` (its first when None) for a booth to stand in."""
    halls = Hall.objects.filter(fair=fair)
    hall = halls.filter(pk=hall_id).first() if hall_id is not None else halls.first()
    if hall is None:
        raise ValidationFailed(fields={"hall": [_("Choose a hall of this fair; add one first if it has none.")]})
    return hall


@transaction.atomic
def booth_create(*, actor: Actor, fair_id: int, hall_id: int | None, spec: BoothSpec) -> Booth:
    """A new booth in `hall_id` (the fair's first hall when None)."""
    require_staff(actor)
    fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, fair, FairAction.EDIT_PLAN)
    booth = _create(fair, _hall_of(fair, hall_id), spec)
    audit_record(actor=actor, action="fairs.booth_created", target=booth, data={"code": booth.code})
    return booth


def booth_create_once(
    *, actor: Actor, fair_id: int, hall_id: int | None, spec: BoothSpec, once_key: str
) -> Once[Booth]:
    """booth_create under the API request's Idempotency-Key: a client's retry after a lost answer answers with the
    booth the first request added, not "already exists"; the key sent again for another booth is refused (as is a
    retry after the booth was changed: it no longer is what the request asks)."""
    asked = {"fair_id": fair_id, **_booth_values(spec)}
    if hall_id is not None:
        asked["hall_id"] = hall_id
    return once(
        action="fairs.booth_created",
        key=once_key,
        actor=actor,
        model=Booth,
        make=lambda: booth_create(actor=actor, fair_id=fair_id, hall_id=hall_id, spec=spec),
        reuse=Reuse(
            lambda first: all(getattr(first, field) == value for field, value in asked.items()),
            _("This key was already used for another booth: send a new one with a new key."),
        ),
    )


def lock_booth(booth_id: int) -> Booth:
    booth = Booth.objects.select_for_update(of=("self",)).select_related("hall", "fair").filter(pk=booth_id).first()
    if booth is None:
        raise NotFound()
    return booth


def _lock_fair_then_booth(actor: Actor, booth_id: int) -> Booth:
    """The booth, locked after its fair (the order allocation takes): its change moves the fair's updated_at."""
    fair_id = Booth.objects.filter(pk=booth_id).values_list("fair_id", flat=True).first()
    if fair_id is None:
        raise NotFound()
    fair_for(actor, fair_id, lock=True)
    return lock_booth(booth_id)


def _plan_changed(fair: Fair) -> None:
    """The API shows booths with their fair, not as a synced list: a change to one is a change of the fair, so
    that a client syncing /fairs/ reads its booths again (docs/api-sync.md), deleted booths included."""
    Fair.objects.filter(pk=fair.pk).update()


@transaction.atomic
def booth_update(*, actor: Actor, booth_id: int, change: BoothChange) -> Booth:
    """Set the fields `change` sends on the booth as locked here (not as the request read it: a change of other
    fields committed in between stays), moving it to another hall of its fair when the change names one."""
    require_staff(actor)
    booth = _lock_fair_then_booth(actor, booth_id)
    BOOTH_POLICY.authorize(actor=actor, obj=booth_state(booth), action=BoothAction.EDIT)
    hall = booth.hall if change.hall_id is None else _hall_of(booth.fair, change.hall_id)
    spec = change.onto(booth_spec_of(booth))
    if hall.pk != booth.hall_id and "zone_id" not in change.sent:
        # A zone is an area of one hall: the booth moved out of its hall has left its zone. Staff moving a booth
        # expect it moved, not refused for a zone they did not touch; they may name a zone of the new hall.
        spec = replace(spec, zone_id=None)
    _update(booth, spec, hall=hall)
    audit_record(actor=actor, action="fairs.booth_updated", target=booth, data={"code": booth.code})
    return booth


def booth_update_once(*, actor: Actor, booth_id: int, change: BoothChange, once_key: str) -> Once[Booth]:
    """booth_update under the API request's Idempotency-Key (or the booth form's one-time key): a retry after a lost
    answer (a form sent twice) is answered with the booth, not changed again. The key remembers the booth and the
    values the request set, its hall included: sent again for another booth or with other values (or other fields),
    it is refused."""
    return once(
        action="fairs.booth_updated",
        key=once_key,
        actor=actor,
        model=Booth,
        make=lambda: booth_update(actor=actor, booth_id=booth_id, change=change),
        reuse=Reuse(
            lambda first: first.pk == booth_id,
            _("This key was already used on another booth or with other values: send this request with a new key."),
            asked={"booth_id": booth_id, **change.asked()},
        ),
    )


@transaction.atomic
def booth_delete(*, actor: Actor, booth_id: int) -> AuditEvent:
    """Remove the booth; answers the record of its removal (what outlives the booth)."""
    require_staff(actor)
    booth = _lock_fair_then_booth(actor, booth_id)
    BOOTH_POLICY.authorize(actor=actor, obj=booth_state(booth), action=BoothAction.DELETE)
    removal = audit_record(actor=actor, action="fairs.booth_deleted", target=booth, data={"code": booth.code})
    _plan_changed(booth.fair)
    booth.delete()
    return removal


def booth_delete_once(*, actor: Actor, fair_id: int, booth_id: int, once_key: str) -> Once[AuditEvent]:
    """booth_delete of the fair's booth under the API request's Idempotency-Key: a client's retry after a lost
    answer learns the booth was removed, not that it is not found. The booth row is gone, so the key remembers the
    record of its removal; sent again for another booth, it is refused."""
    return once(
        action="fairs.booth_deleted",
        key=once_key,
        actor=actor,
        model=AuditEvent,
        make=lambda: booth_delete(actor=actor, booth_id=booth_get(actor=actor, fair_id=fair_id, booth_id=booth_id).pk),
        reuse=Reuse(
            lambda first: first.target_id == str(booth_id),
            _("This key was already used on another booth: send this request with a new key."),
            asked=(fair_id, booth_id),
        ),
    )


@transaction.atomic
def plan_import(*, actor: Actor, fair_id: int, rows: Sequence[PlanRow]) -> dict[str, int]:
    """Create or update booths from a spreadsheet's rows (fairs.inputs.read_plan_csv); halls and zones that
    do not exist yet are made. All or nothing: every bad line is reported."""
    require_staff(actor)
    fair = fair_for(actor, fair_id, lock=True)
    authorize_fair(actor, fair, FairAction.EDIT_PLAN)
    created = updated = 0
    errors: dict[str, list[str]] = {}
    for row in rows:
        hall = Hall.objects.filter(fair=fair, name=row.hall).first() or Hall.objects.create(
            fair=fair, name=row.hall, position=fair.halls.count()
        )
        spec = row.booth
        if row.zone:
            zone = Zone.objects.filter(fair=fair, name=row.zone).first() or Zone.objects.create(
                fair=fair, hall=hall, name=row.zone
            )
            spec = replace(spec, zone_id=zone.pk)
        existing = Booth.objects.select_for_update(of=("self",)).select_related("hall", "fair")
        booth = existing.filter(fair=fair, code=spec.code).first()
        try:
            if booth is None:
                _create(fair, hall, spec)
                created += 1
            else:
                _update(booth, spec, hall=hall)
                updated += 1
        except ValidationFailed as error:
            errors[_("line %(n)d") % {"n": row.line}] = [f"{k}: {'; '.join(v)}" for k, v in error.fields.items()]
    if errors:
        transaction.set_rollback(True)
        raise ValidationFailed(_("Nothing was imported; correct these lines and try again."), fields=errors)
    audit_record(actor=actor, action="fairs.plan_imported", target=fair, data={"created": created, "updated": updated})
    return {"created": created, "updated": updated}
