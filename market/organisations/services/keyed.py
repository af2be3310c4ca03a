"""The organisations' writes under a one-time key (market.core.once): the key of a page's form, sent twice by a
double click, or an API request's Idempotency-Key, sent again by a client after a lost answer. The same key answers
with what the first send made or changed, not a second one nor a refusal of a step already taken; sent again for
another object or with other values, it is refused (`idempotency_key_reused`). Without a key each call acts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from market.core.models import AuditEvent
from market.core.once import Once, Reuse, once, once_step, reused_elsewhere
from market.organisations import selectors
from market.organisations.authentication import hash_secret
from market.organisations.inputs import BankAccount, OrganisationProfile
from market.organisations.models import (
    ApiScope,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from market.organisations.permissions import Actor
from market.organisations.services import (
    api_token_create,
    api_token_renew,
    api_token_revoke,
    api_token_rotate,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    organisation_register,
    organisation_reject,
    organisation_resubmit,
    organisation_verify,
)


def _scopes(scopes: frozenset[ApiScope]) -> list[str]:
    return sorted(scope.value for scope in scopes)


# --- organisations -------------------------------------------------------------------------------
def organisation_register_once(
    *, user: User, once_key: str, kind: OrganisationKind, profile: OrganisationProfile, bank: BankAccount | None
) -> Once[Organisation]:
    """organisation_register under the API request's Idempotency-Key: a retry answers with the organisation the
    first request registered, not a second one (a cooperative group needs no tax code to tell them apart)."""
    return once(
        action="organisations.organisation_registered",
        key=once_key,
        actor=Actor(user=user, organisation=None, role=None),
        model=Organisation,
        make=lambda: organisation_register(user=user, kind=kind, profile=profile, bank=bank),
        reuse=Reuse(
            lambda first: first.kind == kind,
            reused_elsewhere(),
            asked=(kind, asdict(profile), asdict(bank) if bank else None),
        ),
    )


def organisation_verify_once(*, actor: Actor, organisation_id: int, once_key: str) -> Once[Organisation]:
    return once_step(
        action="organisations.organisation_verified",
        key=once_key,
        actor=actor,
        model=Organisation,
        object_id=organisation_id,
        make=lambda: organisation_verify(actor=actor, organisation_id=organisation_id),
    )


def organisation_reject_once(*, actor: Actor, organisation_id: int, reason: str, once_key: str) -> Once[Organisation]:
    return once_step(
        action="organisations.organisation_rejected",
        key=once_key,
        actor=actor,
        model=Organisation,
        object_id=organisation_id,
        make=lambda: organisation_reject(actor=actor, organisation_id=organisation_id, reason=reason),
        asked=(reason,),
    )


def organisation_resubmit_once(*, actor: Actor, organisation_id: int, once_key: str) -> Once[Organisation]:
    return once_step(
        action="organisations.organisation_resubmitted",
        key=once_key,
        actor=actor,
        model=Organisation,
        object_id=organisation_id,
        make=lambda: organisation_resubmit(actor=actor, organisation_id=organisation_id),
    )


# --- memberships and invitations -----------------------------------------------------------------
def membership_change_role_once(*, actor: Actor, membership_id: int, role: Role, once_key: str) -> Once[Membership]:
    return once_step(
        action="organisations.membership_role_changed",
        key=once_key,
        actor=actor,
        model=Membership,
        object_id=membership_id,
        make=lambda: membership_change_role(actor=actor, membership_id=membership_id, role=role),
        asked=(actor.organisation_id, role),
    )


def membership_remove_once(*, actor: Actor, membership_id: int, once_key: str) -> Once[AuditEvent]:
    """membership_remove under the API request's Idempotency-Key: a retry learns the member was removed, not that
    the membership is not found. The row is gone, so the key remembers the record of its removal."""
    return once(
        action="organisations.membership_removed",
        key=once_key,
        actor=actor,
        model=AuditEvent,
        make=lambda: membership_remove(
            actor=actor, membership_id=selectors.membership_get_for(actor=actor, membership_id=membership_id).pk
        ),
        reuse=Reuse(
            lambda first: first.target_id == str(membership_id),
            reused_elsewhere(),
            asked=(membership_id, actor.organisation_id),
        ),
    )


def invitation_create_once(
    *, actor: Actor, organisation_id: int, once_key: str, email: str, role: Role
) -> tuple[Once[Invitation], str | None]:
    """invitation_create under the key of the members page's form (a double click on "Create invitation") or the
    API request's Idempotency-Key: the same key answers with the invitation the first send made, instead of a
    second one that would revoke the link already e-mailed. The token comes back only from the send that made it
    (it is stored hashed)."""
    tokens: list[str] = []

    def make() -> Invitation:
        invitation, token = invitation_create(actor=actor, organisation_id=organisation_id, email=email, role=role)
        tokens.append(token)
        return invitation

    same = Reuse[Invitation](
        lambda first: first.organisation_id == organisation_id,
        reused_elsewhere(),
        asked=(organisation_id, email.strip().lower(), role),
    )
    done = once(
        action="organisations.invitation_created", key=once_key, actor=actor, model=Invitation, make=make, reuse=same
    )
    return done, (tokens[0] if tokens else None)


def invitation_revoke_once(*, actor: Actor, invitation_id: int, once_key: str) -> Once[Invitation]:
    return once_step(
        action="organisations.invitation_revoked",
        key=once_key,
        actor=actor,
        model=Invitation,
        object_id=invitation_id,
        make=lambda: invitation_revoke(actor=actor, invitation_id=invitation_id),
        asked=(actor.organisation_id,),
    )


def invitation_accept_once(*, user: User, token: str, once_key: str) -> Once[Membership]:
    """invitation_accept under the API request's Idempotency-Key: a retry answers with the membership the first
    request made, not "this invitation link is already used"."""
    return once(
        action="organisations.invitation_accepted",
        key=once_key,
        actor=Actor(user=user, organisation=None, role=None),
        model=Membership,
        make=lambda: invitation_accept(user=user, token=token),
        reuse=Reuse(lambda first: first.user_id == user.pk, reused_elsewhere(), asked=hash_secret(token)),
    )


# --- API tokens ----------------------------------------------------------------------------------
def api_token_create_once(
    *, actor: Actor, once_key: str, name: str, scopes: frozenset[ApiScope], expires_on: date | None
) -> tuple[Once[ApiToken], str | None]:
    """api_token_create under the key of the tokens page's form (a double click on "Create token") or the API
    request's Idempotency-Key: the same key answers with the token the first send made, not a second live token
    nobody holds the secret of. The secret is stored hashed, so it comes back only from the send that made it."""
    secrets_made: list[str] = []

    def make() -> ApiToken:
        token, secret = api_token_create(actor=actor, name=name, scopes=scopes, expires_on=expires_on)
        secrets_made.append(secret)
        return token

    same = Reuse[ApiToken](
        lambda first: first.organisation_id == actor.organisation_id,
        reused_elsewhere(),
        asked=(actor.organisation_id, name, _scopes(scopes), expires_on),
    )
    done = once(
        action="organisations.api_token_created", key=once_key, actor=actor, model=ApiToken, make=make, reuse=same
    )
    return done, (secrets_made[0] if secrets_made else None)


def api_token_renew_once(*, actor: Actor, token_id: int, expires_on: date | None, once_key: str) -> Once[ApiToken]:
    return once_step(
        action="organisations.api_token_renewed",
        key=once_key,
        actor=actor,
        model=ApiToken,
        object_id=token_id,
        make=lambda: api_token_renew(actor=actor, token_id=token_id, expires_on=expires_on),
        asked=(actor.organisation_id, expires_on),
    )


def api_token_rotate_once(
    *, actor: Actor, once_key: str, token_id: int, scopes: frozenset[ApiScope], expires_on: date | None
) -> tuple[Once[ApiToken], str | None]:
    """api_token_rotate under the key of the token page's form (a double click on "Rotate") or the API request's
    Idempotency-Key: the same key answers with the token the first send made (`replayed`), not a refusal that the
    token is revoked. The new secret is stored hashed, so it comes back only from the send that made it; the page
    offers to rotate the new token again to whoever did not see that first answer."""
    secrets_made: list[str] = []

    def make() -> ApiToken:
        token, secret = api_token_rotate(actor=actor, token_id=token_id, scopes=scopes, expires_on=expires_on)
        secrets_made.append(secret)
        return token

    # A rotation keeps the token's name: the key made a token of this one's name, in this organisation.
    same = Reuse[ApiToken](
        lambda first: (
            first.organisation_id == actor.organisation_id
            and ApiToken.objects.filter(pk=token_id, organisation_id=first.organisation_id, name=first.name).exists()
        ),
        reused_elsewhere(),
        asked=(token_id, _scopes(scopes), expires_on),
    )
    done = once(
        action="organisations.api_token_rotated", key=once_key, actor=actor, model=ApiToken, make=make, reuse=same
    )
    return done, (secrets_made[0] if secrets_made else None)


def api_token_revoke_once(*, actor: Actor, token_id: int, once_key: str) -> Once[ApiToken]:
    return once_step(
        action="organisations.api_token_revoked",
        key=once_key,
        actor=actor,
        model=ApiToken,
        object_id=token_id,
        make=lambda: api_token_revoke(actor=actor, token_id=token_id),
        asked=(actor.organisation_id,),
    )
