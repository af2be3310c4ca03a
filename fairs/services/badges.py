"""Badges: one per exhibitor and registered buyer, one per person they name; revoked (the QR stops letting
anyone in, at the door and on phones that check in offline) and issued again under a new code.

A revoked badge is never deleted: its scans and its check-in are history, and the audit trail says who
revoked it, when and why. The badge row is the lock that check-in takes too, so a scan and a revocation of
one badge never cross.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fairs.models import Badge, BadgeKind, Fair
from fairs.permissions import FAIRS_BADGES
from fairs.policy import BADGE_POLICY, BadgeAction, person_badge_refusal
from fairs.selectors import badges_for
from fairs.services.common import fair_for
from market.core.errors import Conflict, NotFound
from market.core.locking import bounded_lock_wait
from market.core.once import Once, Reuse, once
from market.core.parsing import format_decimal
from market.core.services import audit_record
from market.organisations.models import Organisation
from market.organisations.permissions import Actor

BADGE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# An organisation names at most this many people at one fair (staff at a booth, delegates of a buyer).
MAX_PERSON_BADGES = 30


def badge_ensure(*, fair: Fair, kind: BadgeKind, organisation: Organisation) -> Badge:
    """The organisation's own badge (no person's name on it): every exhibitor and registered buyer has one.
    A revoked one counts too: taking part again does not undo what staff revoked."""

    def existing() -> Badge | None:
        own = Badge.objects.filter(fair=fair, kind=kind, organisation=organisation, holder_name="")
        return own.order_by(F("revoked_at").asc(nulls_first=True)).first()

    found = existing()
    if found is not None:
        return found
    try:
        return _badge_create(fair=fair, kind=kind, organisation=organisation, holder_name="")
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found


def _badge_create(*, fair: Fair, kind: str, organisation: Organisation, holder_name: str) -> Badge:
    """A badge under a fresh random code; IntegrityError when the party's (or person's) badge in force exists."""
    for _attempt in range(5):
        code = "".join(secrets.choice(BADGE_ALPHABET) for _ in range(8))
        if Badge.objects.filter(code=code).exists():
            continue
        with transaction.atomic():
            return Badge.objects.create(
                fair=fair, kind=kind, organisation=organisation, holder_name=holder_name, code=code
            )
    raise Conflict(_("A badge code could not be made; try again."))


@transaction.atomic
def badge_issue_person(*, actor: Actor, fair_id: int, name: str) -> Badge:
    """A badge of its own for one of the organisation's people at this fair, with the organisation's kind
    (exhibitor or buyer). The organisation must already be at the fair (its own badge in force)."""
    actor.require(FAIRS_BADGES)
    organisation = actor.organisation
    assert organisation is not None  # the capability asked for one
    fair = fair_for(actor, fair_id)
    party = (
        Badge.objects.select_for_update()
        .filter(fair=fair, organisation=organisation, holder_name="", revoked_at__isnull=True)
        .order_by("kind")
        .first()
    )
    if (refusal := person_badge_refusal(fair=fair, party=party)) is not None:
        raise Conflict(refusal)
    assert party is not None  # refused above without one
    named = Badge.objects.filter(fair=fair, organisation_id=party.organisation_id, revoked_at__isnull=True).exclude(
        holder_name=""
    )
    if named.filter(holder_name__iexact=name).exists():
        raise Conflict(_("%(name)s already has a badge.") % {"name": name}, code="badge_exists")
    if named.count() >= MAX_PERSON_BADGES:
        raise Conflict(
            _("At most %(count)s people per organisation have badges.") % {"count": format_decimal(MAX_PERSON_BADGES)}
        )
    badge = _badge_create(fair=fair, kind=party.kind, organisation=party.organisation, holder_name=name)
    audit_record(actor=actor, action="fairs.badge_issued", target=badge, data={"name": name})
    return badge


def badge_issue_person_once(*, actor: Actor, fair_id: int, name: str, once_key: str) -> Once[Badge]:
    """badge_issue_person under the API request's Idempotency-Key: a client's retry after a lost answer answers
    with the badge the first request issued, not "already has a badge"; the key sent again for another person or
    fair is refused."""
    organisation_id = actor.organisation.pk if actor.organisation else None
    return once(
        action="fairs.badge_issued",
        key=once_key,
        actor=actor,
        model=Badge,
        make=lambda: badge_issue_person(actor=actor, fair_id=fair_id, name=name),
        reuse=Reuse(
            lambda first: (first.fair_id, first.organisation_id, first.holder_name) == (fair_id, organisation_id, name),
            _("This key was already used for another badge: send a new one with a new key."),
        ),
    )


def _badge_for_update(actor: Actor, fair_id: int, code: str) -> Badge:
    """The badge (locked) if the actor may see it (staff: every badge; others: their organisation's), else
    NotFound: a stranger learns nothing of another organisation's badges."""
    fair = fair_for(actor, fair_id)
    with bounded_lock_wait():  # a check-in holding the row a long while makes this a clear 503, not a hang
        badge = (
            badges_for(actor=actor, fair=fair)
            .select_related("fair")
            .select_for_update(of=("self",))
            .filter(code=code)
            .first()
        )
    if badge is None:
        raise NotFound()
    return badge


@transaction.atomic
def badge_revoke(*, actor: Actor, fair_id: int, code: str, reason: str) -> Badge:
    """Take a badge back: its QR is refused at the entrance from now on (online at once; offline once the
    phone has synced), and a scan queued offline before the phone knew is refused when it arrives."""
    BADGE_POLICY.require_capability(actor=actor, action=BadgeAction.REVOKE)
    badge = _badge_for_update(actor, fair_id, code)
    BADGE_POLICY.authorize(actor=actor, obj=badge, action=BadgeAction.REVOKE)
    badge.revoked_at = timezone.now()
    badge.revoked_by = actor.user if actor.is_authenticated else None
    badge.revoke_reason = reason
    badge.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action="fairs.badge_revoked",
        target=badge,
        data={"code": badge.code, "name": badge.display_name, "reason": reason},
    )
    return badge


def badge_revoke_once(*, actor: Actor, fair_id: int, code: str, reason: str, once_key: str) -> Once[Badge]:
    """badge_revoke under the API request's Idempotency-Key: a client's retry after a lost answer is answered with
    the revoked badge, as the first was, not "cannot be revoked". The key remembers the badge and what was asked
    (by whom, why): sent again for another badge or another reason, it is refused."""
    organisation_id = actor.organisation.pk if actor.organisation else None
    return once(
        action="fairs.badge_revoked",
        key=once_key,
        actor=actor,
        model=Badge,
        make=lambda: badge_revoke(actor=actor, fair_id=fair_id, code=code, reason=reason),
        reuse=Reuse(
            lambda first: (first.fair_id, first.code) == (fair_id, code),
            _("This key was already used on another badge or with another reason: send this request with a new key."),
            asked=(fair_id, code, organisation_id, reason),
        ),
    )


@transaction.atomic
def badge_reissue(*, actor: Actor, fair_id: int, code: str) -> Badge:
    """A new badge, under a new code, for the person (or organisation) whose badge was revoked; the old
    badge points to it, and its QR stays refused."""
    BADGE_POLICY.require_capability(actor=actor, action=BadgeAction.REISSUE)
    old = _badge_for_update(actor, fair_id, code)
    BADGE_POLICY.authorize(actor=actor, obj=old, action=BadgeAction.REISSUE)
    try:
        new = _badge_create(fair=old.fair, kind=old.kind, organisation=old.organisation, holder_name=old.holder_name)
    except IntegrityError:
        raise Conflict(
            _("%(name)s already has a badge in force.") % {"name": old.display_name}, code="badge_exists"
        ) from None
    old.reissued_as = new
    old.save(update_fields=["reissued_as"])
    audit_record(actor=actor, action="fairs.badge_reissued", target=new, data={"replaces": old.code})
    return new


def badge_reissue_once(*, actor: Actor, fair_id: int, code: str, once_key: str) -> Once[Badge]:
    """badge_reissue under the API request's Idempotency-Key: a client's retry after a lost answer answers with
    the badge the first request issued in the revoked one's place, not "cannot be issued again"; the key sent
    again for another badge is refused."""
    return once(
        action="fairs.badge_reissued",
        key=once_key,
        actor=actor,
        model=Badge,
        make=lambda: badge_reissue(actor=actor, fair_id=fair_id, code=code),
        reuse=Reuse(
            lambda first: Badge.objects.filter(fair_id=fair_id, code=code, reissued_as=first).exists(),
            _("This key was already used for another badge: send a new one with a new key."),
        ),
    )
