"""Every write to users, organisations, memberships, invitations and tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.core.services import audit_record
from market.core.text import nfc
from market.notifications.services import Address, notify
from market.organisations import notifications as kinds
from market.organisations import validators
from market.organisations.authentication import format_token, hash_secret, new_token_parts
from market.organisations.models import (
    TAX_CODE_OPTIONAL_KINDS,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from market.organisations.permissions import (
    MEMBERS_MANAGE,
    ORGANISATION_BANK_UPDATE,
    ORGANISATION_UPDATE,
    ORGANISATIONS_VERIFY,
    ORGANISATIONS_VIEW_ALL,
    TOKENS_MANAGE,
    Actor,
)

INVITATION_LIFETIME = timedelta(days=14)
# Kinds anyone may register through sign-up; alliances are created by the operator.
SELF_SERVICE_KINDS = frozenset(OrganisationKind.values) - {OrganisationKind.ALLIANCE}
PROFILE_FIELDS = (
    "name",
    "legal_name",
    "tax_code",
    "description",
    "province_code",
    "commune_code",
    "address_line",
    "legacy_address",
    "phone",
    "email",
    "website",
)
BANK_FIELDS = ("bank_bin", "bank_account_number", "bank_account_holder")
TEXT_FIELDS = ("name", "legal_name", "description", "address_line", "legacy_address", "bank_account_holder")

# Verification moves: pending -> verified | rejected; a rejected organisation that fixed its profile
# goes back to pending; staff may revoke a verification or reverse a rejection.
VERIFICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    VerificationStatus.PENDING: frozenset({VerificationStatus.VERIFIED, VerificationStatus.REJECTED}),
    VerificationStatus.REJECTED: frozenset({VerificationStatus.PENDING, VerificationStatus.VERIFIED}),
    VerificationStatus.VERIFIED: frozenset({VerificationStatus.REJECTED}),
}


def _validation_failed(error: ValidationError) -> ValidationFailed:
    fields = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    return ValidationFailed(fields=fields)


# --- users ---------------------------------------------------------------------------------------
def user_create(*, email: str, password: str, full_name: str, language: str = "vi", phone: str = "") -> User:
    email = User.objects.normalize_email(email).strip().lower()
    errors: dict[str, list[str]] = {}
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("An account with this e-mail already exists. Log in instead.")]
    user = User(email=email, full_name=nfc(full_name), language=language)
    if phone:
        try:
            user.phone = validators.normalise_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    try:
        user.full_clean(exclude=["password", "email"] if "email" in errors else ["password"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    user.set_password(password)
    user.save()
    return user


def user_update(
    *, user: User, full_name: str | None = None, language: str | None = None, phone: str | None = None
) -> User:
    changed: list[str] = []
    if full_name is not None:
        user.full_name = nfc(full_name)
        changed.append("full_name")
    if language is not None:
        user.language = language
        changed.append("language")
    if phone is not None:
        try:
            user.phone = validators.normalise_phone(phone) if phone else ""
        except ValidationError as exc:
            raise ValidationFailed(fields={"phone": exc.messages}) from None
        changed.append("phone")
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise _validation_failed(exc) from None
    if changed:
        user.save(update_fields=changed)
    return user


def acting_organisation_switch(*, user: User, organisation_id: int) -> Organisation:
    membership = (
        Membership.objects.select_related("organisation").filter(user=user, organisation_id=organisation_id).first()
    )
    if membership is None:
        raise NotFound()
    user.acting_organisation = membership.organisation
    user.save(update_fields=["acting_organisation"])
    return membership.organisation


# --- organisations -------------------------------------------------------------------------------
def _apply_fields(organisation: Organisation, data: dict[str, Any]) -> list[str]:
    """Normalise and set the given fields; collect every field error before raising."""
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    for field, value in data.items():
        if field in TEXT_FIELDS and isinstance(value, str):
            value = nfc(value)
        try:
            if field == "tax_code" and value:
                value = validators.normalise_tax_code(value)
            elif field == "phone" and value:
                value = validators.normalise_phone(value)
            elif field == "province_code":
                validators.validate_province_code(value)
            elif field == "bank_bin" and value:
                validators.validate_bank_bin(value)
            elif field == "bank_account_number" and value:
                validators.validate_bank_account_number(value)
        except ValidationError as exc:
            errors[field] = exc.messages
            continue
        if getattr(organisation, field) != value:
            setattr(organisation, field, value)
            changed.append(field)
    if "province_code" not in errors:
        try:
            validators.validate_commune(organisation.province_code, organisation.commune_code)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if not organisation.tax_code and organisation.kind not in TAX_CODE_OPTIONAL_KINDS and "tax_code" not in errors:
        errors["tax_code"] = [_("A tax code (MST) is required for this kind of organisation.")]
    if organisation.tax_code and "tax_code" not in errors:
        taken = Organisation.objects.filter(tax_code=organisation.tax_code).exclude(pk=organisation.pk).exists()
        if taken:
            errors["tax_code"] = [_("An organisation with this tax code is already registered.")]
    bank_values = [getattr(organisation, name) for name in BANK_FIELDS]
    if any(bank_values) and not all(bank_values):
        for name in BANK_FIELDS:
            if not getattr(organisation, name):
                errors.setdefault(name, []).append(_("Fill in bank, account number and holder together."))
    try:
        organisation.full_clean(exclude=[*errors, "verified_by"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    return changed


@transaction.atomic
def organisation_register(*, user: User, kind: str, data: dict[str, Any]) -> Organisation:
    """A user registers an organisation, becomes its owner and acts for it; staff verify it later."""
    if kind not in SELF_SERVICE_KINDS:
        raise ValidationFailed(fields={"kind": [_("Choose cooperative, cooperative group, union or buyer.")]})
    organisation = Organisation(kind=kind, verification_status=VerificationStatus.PENDING)
    allowed = {k: v for k, v in data.items() if k in (*PROFILE_FIELDS, *BANK_FIELDS)}
    _apply_fields(organisation, allowed)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        raise ValidationFailed(
            fields={"tax_code": [_("An organisation with this tax code is already registered.")]}
        ) from None
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
    *, email: str, password: str, full_name: str, language: str, kind: str, organisation: dict[str, Any]
) -> User:
    """Account + organisation in one step; either both exist afterwards or neither does."""
    field_errors: dict[str, list[str]] = {}
    user: User | None = None
    try:
        user = user_create(email=email, password=password, full_name=full_name, language=language)
    except ValidationFailed as exc:
        field_errors.update(exc.fields)
    try:
        if user is None:
            # Validate the organisation too, so the form shows every problem at once.
            probe = Organisation(kind=kind)
            _apply_fields(probe, {k: v for k, v in organisation.items() if k in (*PROFILE_FIELDS, *BANK_FIELDS)})
        else:
            organisation_register(user=user, kind=kind, data=organisation)
    except ValidationFailed as exc:
        field_errors.update(exc.fields)
    if field_errors:
        transaction.set_rollback(True)
        raise ValidationFailed(fields=field_errors)
    assert user is not None
    return user


def _locked(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


@transaction.atomic
def organisation_update(*, actor: Actor, organisation: Organisation, data: dict[str, Any]) -> Organisation:
    _require_own(actor, organisation)
    actor.require(ORGANISATION_UPDATE)
    wanted = {k: v for k, v in data.items() if k in (*PROFILE_FIELDS, *BANK_FIELDS)}
    if any(k in BANK_FIELDS for k in wanted) and not actor.can(ORGANISATION_BANK_UPDATE):
        bank_changes = [k for k in BANK_FIELDS if k in wanted and wanted[k] != getattr(organisation, k)]
        if bank_changes:
            raise PermissionDenied(_("Only an owner can change the bank account."))
    organisation = _locked(organisation)
    changed = _apply_fields(organisation, wanted)
    if not changed:
        return organisation
    # A verified legal identity that changes must be checked again.
    reverify = organisation.verification_status == VerificationStatus.VERIFIED and (
        "tax_code" in changed or "legal_name" in changed
    )
    if reverify:
        organisation.verification_status = VerificationStatus.PENDING
        organisation.verification_note = ""
        changed += ["verification_status", "verification_note"]
    organisation.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="organisation.updated",
        target=organisation,
        data={"fields": sorted(changed), "reverify": reverify},
    )
    return organisation


def _require_own(actor: Actor, organisation: Organisation) -> None:
    """Only members acting for the organisation change it. Staff, who can see it, are told no;
    everyone else cannot tell it from a missing one."""
    if actor.organisation is not None and actor.organisation.pk == organisation.pk:
        return
    if actor.can(ORGANISATIONS_VIEW_ALL):
        raise PermissionDenied()
    raise NotFound()


def _verification_move(*, actor: Actor | None, organisation: Organisation, to: str, note: str = "") -> Organisation:
    organisation = _locked(organisation)
    current = organisation.verification_status
    if to not in VERIFICATION_TRANSITIONS[current]:
        raise Conflict(
            _("An organisation that is %(current)s cannot become %(target)s.")
            % {"current": VerificationStatus(current).label, "target": VerificationStatus(to).label}
        )
    organisation.verification_status = to
    organisation.verification_note = note
    organisation.verified_at = timezone.now() if to != VerificationStatus.PENDING else None
    organisation.verified_by = actor.user if actor and to != VerificationStatus.PENDING else None
    organisation.save(
        update_fields=["verification_status", "verification_note", "verified_at", "verified_by", "updated_at"]
    )
    event = audit_record(
        actor=actor,
        action=f"organisation.verification.{to}",
        target=organisation,
        data={"from": current, "note": note},
    )
    if to in (VerificationStatus.VERIFIED, VerificationStatus.REJECTED):
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
def organisation_verify(*, actor: Actor, organisation: Organisation) -> Organisation:
    actor.require(ORGANISATIONS_VERIFY)
    return _verification_move(actor=actor, organisation=organisation, to=VerificationStatus.VERIFIED)


@transaction.atomic
def organisation_reject(*, actor: Actor, organisation: Organisation, reason: str) -> Organisation:
    actor.require(ORGANISATIONS_VERIFY)
    reason = nfc(reason or "")
    if len(reason) < 5:
        raise ValidationFailed(fields={"reason": [_("Tell the organisation why, so that it can fix it.")]})
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": [_("Keep the reason under 500 characters.")]})
    return _verification_move(actor=actor, organisation=organisation, to=VerificationStatus.REJECTED, note=reason)


@transaction.atomic
def organisation_resubmit(*, actor: Actor, organisation: Organisation) -> Organisation:
    """A rejected organisation asks to be checked again after fixing its profile."""
    _require_own(actor, organisation)
    actor.require(ORGANISATION_UPDATE)
    return _verification_move(actor=actor, organisation=organisation, to=VerificationStatus.PENDING)


# --- memberships and invitations -----------------------------------------------------------------
def _require_manage_members(actor: Actor, organisation: Organisation) -> None:
    _require_own(actor, organisation)
    actor.require(MEMBERS_MANAGE)


def _owner_count(organisation_id: int) -> int:
    return Membership.objects.filter(organisation_id=organisation_id, role=Role.OWNER).count()


@transaction.atomic
def invitation_create(*, actor: Actor, organisation: Organisation, email: str, role: str) -> tuple[Invitation, str]:
    """Returns the invitation and its token; the token is shown once (in the link) and stored hashed."""
    _require_manage_members(actor, organisation)
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Choose owner, manager or staff.")]})
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can invite another owner."))
    email = User.objects.normalize_email(email).strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(fields={"email": exc.messages}) from None
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
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
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    _require_manage_members(actor, invitation.organisation)
    if invitation.accepted_at or invitation.revoked_at:
        raise Conflict(_("This invitation is no longer open."))
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
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    _require_manage_members(actor, membership.organisation)
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Choose owner, manager or staff.")]})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if Role.OWNER in (role, membership.role) and actor.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can grant or take away the owner role."))
    if membership.role == role:
        return membership
    # Lock the organisation's owners so two demotions at once cannot leave it without one.
    list(Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id, role=Role.OWNER))
    if membership.role == Role.OWNER and _owner_count(membership.organisation_id) <= 1:
        raise Conflict(_("An organisation needs at least one owner. Make someone else owner first."))
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(actor=actor, action="membership.role_changed", target=membership, data={"from": previous, "to": role})
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    leaving_self = actor.user is not None and membership.user_id == actor.user.pk
    if leaving_self:
        _require_own(actor, membership.organisation)
    else:
        _require_manage_members(actor, membership.organisation)
        if membership.role == Role.OWNER and actor.role != Role.OWNER:
            raise PermissionDenied(_("Only an owner can remove an owner."))
    list(Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id, role=Role.OWNER))
    if membership.role == Role.OWNER and _owner_count(membership.organisation_id) <= 1:
        raise Conflict(_("An organisation needs at least one owner. Make someone else owner first."))
    ApiToken.objects.filter(
        user_id=membership.user_id, organisation_id=membership.organisation_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    User.objects.filter(pk=membership.user_id, acting_organisation_id=membership.organisation_id).update(
        acting_organisation=None
    )
    audit_record(
        actor=actor,
        action="membership.removed",
        target=membership,
        data={"user": membership.user_id, "organisation": membership.organisation_id, "role": membership.role},
    )
    membership.delete()


# --- API tokens ----------------------------------------------------------------------------------
@transaction.atomic
def api_token_create(*, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its full secret, which is never shown again."""
    actor.require(TOKENS_MANAGE)
    name = nfc(name or "")
    if not name or len(name) > 100:
        raise ValidationFailed(fields={"name": [_("Give the token a name of at most 100 characters, e.g. 'ERP'.")]})
    assert actor.user is not None
    assert actor.organisation is not None
    prefix, secret = new_token_parts()
    token = ApiToken.objects.create(
        user=actor.user, organisation=actor.organisation, name=name, prefix=prefix, key_hash=hash_secret(secret)
    )
    audit_record(actor=actor, action="api_token.created", target=token, data={"name": name, "prefix": prefix})
    return token, format_token(prefix, secret)


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    actor.require(TOKENS_MANAGE)
    if token.organisation_id != actor.organisation_id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="api_token.revoked", target=token)
    return token
