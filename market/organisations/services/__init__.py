"""Every write to users, organisations, memberships, invitations and tokens (`keyed`: the same under a one-time
key, for a page's form sent twice and an API client's retry).

Services take ids and typed values (`market.organisations.inputs` reads what people type) and authorise
through the policy tables of `market.organisations.policies`.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Literal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.core.models import AuditEvent
from market.core.services import audit_record, deletion_record
from market.core.text import nfc
from market.notifications.models import Channel
from market.notifications.services import Address, notify
from market.organisations import notifications as kinds
from market.organisations.authentication import format_token, hash_secret, new_token_parts
from market.organisations.changes import organisation_changed
from market.organisations.inputs import SELF_SERVICE_KINDS, BankAccount, OrganisationProfile
from market.organisations.models import (
    TAX_CODE_OPTIONAL_KINDS,
    ApiScope,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from market.organisations.names import user_renamed
from market.organisations.permissions import ORGANISATIONS_VIEW_ALL, TOKENS_MANAGE, Actor
from market.organisations.policies import (
    API_TOKEN_POLICY,
    INVITATION_POLICY,
    MEMBERSHIP_POLICY,
    ORGANISATION_POLICY,
    ApiTokenAction,
    InvitationAction,
    MembershipAction,
    OrganisationAction,
    can_move,
    grantable_roles,
)

INVITATION_LIFETIME = timedelta(days=14)
# What a removed membership's tombstone names (GET /api/v1/deletions/, docs/api-sync.md).
MEMBERSHIP_RESOURCE = "organisations.membership"
TAX_CODE_TAKEN = _("An organisation with this tax code is already registered.")


class Keep(Enum):
    """The bank account stays as it is (a profile edit that does not touch it)."""

    BANK = "keep"


BankChange = BankAccount | None | Literal[Keep.BANK]


# --- users ---------------------------------------------------------------------------------------
def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def user_create(*, email: str, password: str, full_name: str, language: str = "vi", phone: str = "") -> User:
    """A person's account. The e-mail address is compared without case: one account per address."""
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email=email).exists():
        errors["email"] = [_("An account with this e-mail already exists. Log in instead.")]
    user = User(email=email, full_name=nfc(full_name), language=language, phone=phone)
    if password_errors := _password_errors(password, user):
        errors["password"] = password_errors
    if errors:
        raise ValidationFailed(fields=errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same address signed up a moment ago
        raise ValidationFailed(
            fields={"email": [_("An account with this e-mail already exists. Log in instead.")]}
        ) from None
    return user


@transaction.atomic
def user_update(
    *, user: User, full_name: str | None = None, language: str | None = None, phone: str | None = None
) -> User:
    """The person's own details; None leaves a field as it is. A new name moves the synced rows that show it
    (market.organisations.names)."""
    changed = {
        name: value
        for name, value in (("full_name", full_name), ("language", language), ("phone", phone))
        if value is not None and getattr(user, name) != value
    }
    for name, value in changed.items():
        setattr(user, name, nfc(value) if name == "full_name" else value)
    if changed:
        user.save(update_fields=list(changed))
    if "full_name" in changed:
        user_renamed(user.pk)
    return user


def acting_organisation_switch(*, user: User, organisation_id: int) -> Organisation:
    membership = (
        Membership.objects.select_related("organisation").filter(user=user, organisation_id=organisation_id).first()
    )
    if membership is None:
        raise NotFound(_("You are not a member of that organisation."))
    user.acting_organisation = membership.organisation
    user.save(update_fields=["acting_organisation"])
    return membership.organisation


# --- password reset ------------------------------------------------------------------------------
# At most one reset e-mail per account in this window: asking again within it sends nothing new (the first
# link still works), so the form cannot be used to flood someone's mailbox.
RESET_WINDOW = timedelta(minutes=10)


def password_reset_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{settings.SITE_URL}/password-reset/{uid}/{default_token_generator.make_token(user)}/"


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """E-mail a reset link to the account with this address, if there is one. The answer is the same
    either way, so the form never tells who has an account."""
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    window = int(timezone.now().timestamp() // RESET_WINDOW.total_seconds())
    notify(
        kind=kinds.PASSWORD_RESET,
        recipients=[user],
        channels=[Channel.EMAIL],
        context={
            "reset_url": password_reset_url(user),
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
        object_ref=user,
        occurrence=f"window-{window}",
    )
    audit_record(
        actor=Actor(user=user, organisation=None, role=None), action="user.password_reset_requested", target=user
    )


def password_reset_user(*, uid: str, token: str) -> User:
    """The account a reset link is for, while the link is valid (signed, unexpired, unused)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        pk = 0
    user = User.objects.filter(pk=pk, is_active=True).first() if 0 < pk < 2**63 else None
    if user is None or not default_token_generator.check_token(user, token):
        raise NotFound(_("This link is invalid, expired or already used. Ask for a new one."))
    return user


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, password: str) -> User:
    """Set a new password through a reset link. The link works once: the new password invalidates it."""
    user = password_reset_user(uid=uid, token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not default_token_generator.check_token(user, token):
        raise NotFound(_("This link is invalid, expired or already used. Ask for a new one."))
    if errors := _password_errors(password, user):
        raise ValidationFailed(fields={"password": errors})
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=Actor(user=user, organisation=None, role=None), action="user.password_reset", target=user)
    return user


# --- organisations -------------------------------------------------------------------------------
def _check_profile(*, kind: str, profile: OrganisationProfile, organisation_id: int | None = None) -> None:
    """What the profile must satisfy beyond its shape: a tax code for legal entities, and only once."""
    if not profile.tax_code:
        if kind not in TAX_CODE_OPTIONAL_KINDS:
            raise ValidationFailed(
                fields={"tax_code": [_("A tax code (MST) is required for this kind of organisation.")]}
            )
        return
    others = Organisation.objects.filter(tax_code=profile.tax_code)
    if organisation_id is not None:
        others = others.exclude(pk=organisation_id)
    if others.exists():
        raise ValidationFailed(fields={"tax_code": [TAX_CODE_TAKEN]})


def _apply_profile(organisation: Organisation, profile: OrganisationProfile) -> list[str]:
    changed = []
    for name in OrganisationProfile.__dataclass_fields__:
        new = getattr(profile, name)
        if getattr(organisation, name) != new:
            setattr(organisation, name, new)
            changed.append(name)
    return changed


def _apply_bank(organisation: Organisation, bank: BankAccount | None) -> list[str]:
    values = {
        "bank_bin": bank.bank_bin if bank else "",
        "bank_account_number": bank.account_number if bank else "",
        "bank_account_holder": bank.holder if bank else "",
    }
    changed = [name for name, value in values.items() if getattr(organisation, name) != value]
    for name in changed:
        setattr(organisation, name, values[name])
    return changed


def _save_new(organisation: Organisation) -> None:
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:  # registered a moment ago with the same tax code
        raise ValidationFailed(fields={"tax_code": [TAX_CODE_TAKEN]}) from None


@transaction.atomic
def organisation_register(
    *, user: User, kind: OrganisationKind, profile: OrganisationProfile, bank: BankAccount | None = None
) -> Organisation:
    """A user registers an organisation, becomes its owner and acts for it; staff verify it later."""
    if kind not in SELF_SERVICE_KINDS:
        raise ValidationFailed(fields={"kind": [_("Choose cooperative, cooperative group, union or buyer.")]})
    _check_profile(kind=kind, profile=profile)
    organisation = Organisation(kind=kind, verification_status=VerificationStatus.PENDING)
    _apply_profile(organisation, profile)
    _apply_bank(organisation, bank)
    _save_new(organisation)
    Membership.objects.create(user=user, organisation=organisation, role=Role.OWNER)
    user.acting_organisation = organisation
    user.save(update_fields=["acting_organisation"])
    audit_record(
        actor=Actor(user=user, organisation=organisation, role=Role.OWNER),
        action="organisation.registered",
        target=organisation,
        data={"kind": kind},
    )
    return organisation


@transaction.atomic
def sign_up(
    *, email: str, password: str, full_name: str, language: str, kind: OrganisationKind, profile: OrganisationProfile
) -> User | None:
    """Account + organisation in one step; either both exist afterwards or neither does. Every problem is
    reported at once. The new account is told by e-mail where to log in.

    An address that already has an account is never reported as taken (that would tell anyone who has an
    account): the rest is checked the same way, nothing is created, the account's owner gets an e-mail
    saying so, and None is returned. The page answers the same in both cases."""
    email = email.strip().lower()
    existing = User.objects.filter(email=email, is_active=True).first()
    if existing is not None:
        _sign_up_check(email=email, password=password, full_name=full_name, kind=kind, profile=profile)
        _sign_up_tell(user=existing, kind=kinds.SIGN_UP_EXISTING)
        return None
    field_errors: dict[str, list[str]] = {}
    user: User | None = None
    try:
        user = user_create(email=email, password=password, full_name=full_name, language=language)
    except ValidationFailed as exc:
        field_errors.update(exc.fields)
    try:
        if user is None:
            _check_profile(kind=kind, profile=profile)
        else:
            organisation_register(user=user, kind=kind, profile=profile)
    except ValidationFailed as exc:
        field_errors.update(exc.fields)
    if field_errors:
        transaction.set_rollback(True)
        raise ValidationFailed(fields=field_errors)
    assert user is not None
    _sign_up_tell(user=user, kind=kinds.SIGNED_UP, organisation_name=profile.name)
    return user


def _sign_up_check(*, email: str, password: str, full_name: str, kind: str, profile: OrganisationProfile) -> None:
    """What a sign-up with a taken address would have been refused for, besides the address."""
    errors: dict[str, list[str]] = {}
    if password_errors := _password_errors(password, User(email=email, full_name=nfc(full_name))):
        errors["password"] = password_errors
    try:
        _check_profile(kind=kind, profile=profile)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)


def _sign_up_tell(*, user: User, kind: str, organisation_name: str = "") -> None:
    # One e-mail per account per window, however often the form is sent (like a password reset).
    window = int(timezone.now().timestamp() // RESET_WINDOW.total_seconds())
    notify(
        kind=kind,
        recipients=[user],
        channels=[Channel.EMAIL],
        context={
            "login_url": f"{settings.SITE_URL}/login/",
            "password_reset_url": f"{settings.SITE_URL}/password-reset/",
            "organisation_name": organisation_name,
        },
        object_ref=user,
        occurrence=f"window-{window}",
    )


def _authorized(actor: Actor, organisation_id: int, action: OrganisationAction) -> Organisation:
    """The organisation, row-locked, once the policy allows `action`. A verb the actor's role never has is
    refused before anything is looked up (403); an organisation they cannot see answers like a missing one."""
    ORGANISATION_POLICY.require_capability(actor=actor, action=action)
    visible = actor.organisation_id == organisation_id or actor.can(ORGANISATIONS_VIEW_ALL)
    organisation = Organisation.objects.select_for_update().filter(pk=organisation_id).first() if visible else None
    if organisation is None:
        raise NotFound()
    ORGANISATION_POLICY.authorize(actor=actor, obj=organisation, action=action)
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: Actor, organisation_id: int, profile: OrganisationProfile, bank: BankChange = Keep.BANK
) -> Organisation:
    """The organisation's profile and (owners only) its bank account. A verified organisation whose legal
    identity (tax code, legal name) changes is checked again."""
    organisation = _authorized(actor, organisation_id, OrganisationAction.EDIT)
    bank_changes = bank is not Keep.BANK and bank != BankAccount.of(organisation)
    if bank_changes and OrganisationAction.EDIT_BANK not in ORGANISATION_POLICY.actions(actor=actor, obj=organisation):
        raise PermissionDenied(_("Only an owner can change the bank account."))
    _check_profile(kind=organisation.kind, profile=profile, organisation_id=organisation.pk)
    changed = _apply_profile(organisation, profile)
    if bank is not Keep.BANK:
        changed += _apply_bank(organisation, bank)
    if not changed:
        return organisation
    reverify = organisation.verification_status == VerificationStatus.VERIFIED and (
        "tax_code" in changed or "legal_name" in changed
    )
    if reverify:
        organisation.verification_status = VerificationStatus.PENDING
        organisation.verification_note = ""
        changed += ["verification_status", "verification_note"]
    try:
        with transaction.atomic():
            organisation.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise ValidationFailed(fields={"tax_code": [TAX_CODE_TAKEN]}) from None
    audit_record(
        actor=actor,
        action="organisation.updated",
        target=organisation,
        data={"fields": sorted(changed), "reverify": reverify},
    )
    organisation_changed(organisation.pk, changed)
    return organisation


def _verification_move(
    *, actor: Actor, organisation: Organisation, to: VerificationStatus, note: str = ""
) -> Organisation:
    """Move a locked organisation's verification (the policy has authorised it)."""
    current = VerificationStatus(organisation.verification_status)
    if not can_move(organisation, to):
        raise Conflict(
            _("An organisation that is %(current)s cannot become %(target)s.")
            % {"current": current.label, "target": to.label}
        )
    decided = to != VerificationStatus.PENDING
    organisation.verification_status = to
    organisation.verification_note = note
    organisation.verified_at = timezone.now() if decided else None
    organisation.verified_by = actor.user if decided else None
    organisation.save(
        update_fields=["verification_status", "verification_note", "verified_at", "verified_by", "updated_at"]
    )
    event = audit_record(
        actor=actor,
        action=f"organisation.verification.{to.value}",
        target=organisation,
        data={"from": current.value, "note": note},
    )
    organisation_changed(organisation.pk, ["verification_status"])  # a storefront, its products: while verified
    if decided:
        # Each decision is its own occurrence: a verification revoked and granted again is told again.
        notify(
            kind=kinds.VERIFIED if to == VerificationStatus.VERIFIED else kinds.REJECTED,
            recipients=[organisation],
            context={
                "organisation_id": organisation.pk,
                "organisation_name": organisation.name,
                "is_seller": organisation.is_seller,
                "reason": note,
            },
            object_ref=organisation,
            occurrence=f"decision-{event.pk}",
        )
    return organisation


@transaction.atomic
def organisation_verify(*, actor: Actor, organisation_id: int) -> Organisation:
    organisation = _authorized(actor, organisation_id, OrganisationAction.VERIFY)
    return _verification_move(actor=actor, organisation=organisation, to=VerificationStatus.VERIFIED)


@transaction.atomic
def organisation_reject(*, actor: Actor, organisation_id: int, reason: str) -> Organisation:
    """Reject (or revoke a verification) with the reason the organisation reads to fix its profile."""
    organisation = _authorized(actor, organisation_id, OrganisationAction.REJECT)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Tell the organisation why, so that it can fix it.")]})
    return _verification_move(actor=actor, organisation=organisation, to=VerificationStatus.REJECTED, note=reason)


@transaction.atomic
def organisation_resubmit(*, actor: Actor, organisation_id: int) -> Organisation:
    """A rejected organisation asks to be checked again after fixing its profile."""
    organisation = _authorized(actor, organisation_id, OrganisationAction.RESUBMIT)
    return _verification_move(actor=actor, organisation=organisation, to=VerificationStatus.PENDING)


# --- memberships and invitations -----------------------------------------------------------------
def _membership_locked(actor: Actor, membership_id: int, action: MembershipAction) -> Membership:
    MEMBERSHIP_POLICY.require_capability(actor=actor, action=action)
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not (
        actor.organisation_id == membership.organisation_id or actor.can(ORGANISATIONS_VIEW_ALL)
    ):
        raise NotFound()
    # Lock the organisation's owners too, so that two demotions at once cannot leave it without one.
    list(Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id, role=Role.OWNER))
    MEMBERSHIP_POLICY.authorize(actor=actor, obj=membership, action=action)
    return membership


@transaction.atomic
def invitation_create(*, actor: Actor, organisation_id: int, email: str, role: Role) -> tuple[Invitation, str]:
    """Returns the invitation and its token; the token is shown once (in the link) and stored hashed."""
    organisation = _authorized(actor, organisation_id, OrganisationAction.INVITE)
    if role not in grantable_roles(actor):
        raise PermissionDenied(_("Only an owner can invite another owner."))
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email=email).exists():
        raise Conflict(_("This person is already a member."), fields={"email": [_("Already a member.")]})
    # A new invitation replaces an open one for the same address.
    Invitation.objects.filter(
        organisation=organisation, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=hash_secret(token),
        invited_by=actor.user,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    audit_record(actor=actor, action="invitation.created", target=invitation, data={"email": email, "role": role})
    inviter = actor.user
    notify(
        kind=kinds.INVITATION,
        # Usually someone without an account: the address itself, in the inviter's language.
        recipients=[Address(email=email, language=getattr(inviter, "language", "") or settings.LANGUAGE_CODE)],
        context={
            "inviting_organisation": organisation.name,
            "inviter_name": getattr(inviter, "full_name", "") or organisation.name,
            "role": role,
            "accept_url": invitation_accept_url(token),
            "expires_on": timezone.localdate(invitation.expires_at).isoformat(),
        },
        object_ref=invitation,
    )
    return invitation, token


def invitation_accept_url(token: str) -> str:
    return f"{settings.SITE_URL}/invitations/{token}/"


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation_id: int) -> Invitation:
    INVITATION_POLICY.require_capability(actor=actor, action=InvitationAction.REVOKE)
    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
    if invitation is None or actor.organisation_id != invitation.organisation_id:
        raise NotFound()
    INVITATION_POLICY.authorize(actor=actor, obj=invitation, action=InvitationAction.REVOKE)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="invitation.revoked", target=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Membership:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if invitation is None or not invitation.is_open:
        raise NotFound(_("This invitation link is invalid, expired or already used."))
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address. Log in with that address."))
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    user.acting_organisation = invitation.organisation
    user.save(update_fields=["acting_organisation"])
    audit_record(
        actor=Actor(user=user, organisation=invitation.organisation, role=membership.role),
        action="invitation.accepted",
        target=membership,
        data={"invitation": invitation.pk, "new": created},
    )
    return membership


@transaction.atomic
def membership_change_role(*, actor: Actor, membership_id: int, role: Role) -> Membership:
    membership = _membership_locked(actor, membership_id, MembershipAction.CHANGE_ROLE)
    if role not in grantable_roles(actor):
        raise PermissionDenied(_("Only an owner can grant or take away the owner role."))
    if membership.role == role:
        return membership
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(actor=actor, action="membership.role_changed", target=membership, data={"from": previous, "to": role})
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership_id: int) -> AuditEvent:
    """A manager removes a member, or a member leaves (their own membership). Returns the record of the removal."""
    mine = actor.user is not None and Membership.objects.filter(pk=membership_id, user_id=actor.user.pk).exists()
    membership = _membership_locked(actor, membership_id, MembershipAction.LEAVE if mine else MembershipAction.REMOVE)
    ApiToken.objects.filter(
        user_id=membership.user_id, organisation_id=membership.organisation_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    User.objects.filter(pk=membership.user_id, acting_organisation_id=membership.organisation_id).update(
        acting_organisation=None
    )
    removal = audit_record(
        actor=actor,
        action="membership.removed",
        target=membership,
        data={"user": membership.user_id, "organisation": membership.organisation_id, "role": membership.role},
    )
    deletion_record(
        resource=MEMBERSHIP_RESOURCE,
        obj=membership,
        organisation_id=membership.organisation_id,
        scope=ApiScope.ORGANISATION,
    )
    membership.delete()
    return removal


# --- API tokens ----------------------------------------------------------------------------------
TOKEN_LIFETIME = timedelta(days=365)
TOKEN_LONGEST_LIFETIME = timedelta(days=2 * 365)


def _token_expiry(expires_on: date | None) -> datetime:
    """The end of the chosen day (local time): a year from today when none is chosen, two years at most."""
    today = timezone.localdate()
    if expires_on is None:
        expires_on = today + TOKEN_LIFETIME
    elif expires_on <= today:
        raise ValidationFailed(fields={"expires_on": _("Choose a day after today.")})
    elif expires_on > today + TOKEN_LONGEST_LIFETIME:
        raise ValidationFailed(fields={"expires_on": _("A token lasts at most two years: choose an earlier day.")})
    return timezone.make_aware(datetime.combine(expires_on, time.max))


def _require_scopes_held(actor: Actor, scopes: frozenset[ApiScope]) -> None:
    """A token may make or rotate tokens only within its own scopes, so no token can widen its reach."""
    if actor.scopes is not None and not scopes <= actor.scopes:
        missing = ", ".join(sorted(scopes - actor.scopes))
        raise PermissionDenied(
            _("This API token cannot grant scopes it does not have: %(scopes)s.") % {"scopes": missing}
        )


def _issue_token(
    *, actor: Actor, name: str, scopes: frozenset[ApiScope], expires_on: date | None
) -> tuple[ApiToken, str]:
    assert actor.user is not None
    assert actor.organisation is not None
    _require_scopes_held(actor, scopes)
    prefix, secret = new_token_parts()
    token = ApiToken.objects.create(
        user=actor.user,
        organisation=actor.organisation,
        name=name,
        prefix=prefix,
        key_hash=hash_secret(secret),
        scopes=sorted(scope.value for scope in scopes),
        expires_at=_token_expiry(expires_on),
    )
    return token, format_token(prefix, secret)


def _token_locked(actor: Actor, token_id: int, action: ApiTokenAction) -> ApiToken:
    API_TOKEN_POLICY.require_capability(actor=actor, action=action)
    token = ApiToken.objects.select_for_update().filter(pk=token_id, organisation=actor.organisation).first()
    if token is None:
        raise NotFound()
    return token


def _token_audit_data(token: ApiToken) -> dict[str, object]:
    expires = token.expires_at.isoformat() if token.expires_at else None
    return {"name": token.name, "prefix": token.prefix, "scopes": token.scopes, "expires_at": expires}


@transaction.atomic
def api_token_create(
    *, actor: Actor, name: str, scopes: frozenset[ApiScope], expires_on: date | None
) -> tuple[ApiToken, str]:
    """Returns the token and its full secret, which is never shown again."""
    actor.require(TOKENS_MANAGE)
    token, secret = _issue_token(actor=actor, name=name, scopes=scopes, expires_on=expires_on)
    audit_record(actor=actor, action="api_token.created", target=token, data=_token_audit_data(token))
    return token, secret


@transaction.atomic
def api_token_renew(*, actor: Actor, token_id: int, expires_on: date | None) -> ApiToken:
    """Moves the expiry (one year from now unless a day is chosen); the secret stays the same."""
    token = _token_locked(actor, token_id, ApiTokenAction.RENEW)
    API_TOKEN_POLICY.authorize(actor=actor, obj=token, action=ApiTokenAction.RENEW)
    previous = token.expires_at
    token.expires_at = _token_expiry(expires_on)
    token.save(update_fields=["expires_at", "updated_at"])
    audit_record(
        actor=actor,
        action="api_token.renewed",
        target=token,
        data={"from": previous.isoformat() if previous else None, "to": token.expires_at.isoformat()},
    )
    return token


@transaction.atomic
def api_token_rotate(
    *, actor: Actor, token_id: int, scopes: frozenset[ApiScope], expires_on: date | None
) -> tuple[ApiToken, str]:
    """Replaces a token (a legacy all-scopes one, or one whose secret may have leaked) by a new scoped token of
    the same name: the old one stops working at once, the new secret is shown once."""
    old = _token_locked(actor, token_id, ApiTokenAction.ROTATE)
    API_TOKEN_POLICY.authorize(actor=actor, obj=old, action=ApiTokenAction.ROTATE)
    old.revoked_at = timezone.now()
    old.save(update_fields=["revoked_at", "updated_at"])
    token, secret = _issue_token(actor=actor, name=old.name, scopes=scopes, expires_on=expires_on)
    audit_record(
        actor=actor, action="api_token.rotated", target=old, data={"replaced_by": token.pk, "was_legacy": old.is_legacy}
    )
    audit_record(actor=actor, action="api_token.created", target=token, data=_token_audit_data(token))
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    """Takes effect on the token's next request (every request reads it)."""
    token = _token_locked(actor, token_id, ApiTokenAction.REVOKE)
    API_TOKEN_POLICY.authorize(actor=actor, obj=token, action=ApiTokenAction.REVOKE)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="api_token.revoked", target=token)
    return token
