"""What an actor may do now with an organisation, a membership or an invitation (docs/edge.md): the services
authorise through these tables, the pages show exactly these controls and the API returns them as
`allowed_actions`."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from market.organisations.models import (
    ApiScope,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    Role,
    VerificationStatus,
)
from market.organisations.permissions import (
    MEMBERS_MANAGE,
    MEMBERS_VIEW,
    ORGANISATION_BANK_UPDATE,
    ORGANISATION_UPDATE,
    ORGANISATIONS_VERIFY,
    TOKENS_MANAGE,
    Actor,
)
from market.organisations.policy import Policy, Rule

# Verification moves: pending -> verified | rejected; a rejected organisation that fixed its profile goes back
# to pending; staff may revoke a verification (rejected) or reverse a rejection (verified).
VERIFICATION_TRANSITIONS: dict[VerificationStatus, frozenset[VerificationStatus]] = {
    VerificationStatus.PENDING: frozenset({VerificationStatus.VERIFIED, VerificationStatus.REJECTED}),
    VerificationStatus.REJECTED: frozenset({VerificationStatus.PENDING, VerificationStatus.VERIFIED}),
    VerificationStatus.VERIFIED: frozenset({VerificationStatus.REJECTED}),
}


def can_move(organisation: Organisation, to: VerificationStatus) -> bool:
    return to in VERIFICATION_TRANSITIONS[VerificationStatus(organisation.verification_status)]


# --- organisations -------------------------------------------------------------------------------
class OrganisationAction(StrEnum):
    EDIT = "edit"
    EDIT_BANK = "edit_bank"
    RESUBMIT = "resubmit"
    INVITE = "invite"
    VERIFY = "verify"
    REJECT = "reject"  # also revokes a verification: the organisation sees why and can fix and resubmit


def acts_for(actor: Actor, organisation: Organisation) -> bool:
    return actor.organisation_id == organisation.pk


def is_other_organisation(actor: Actor, organisation: Organisation) -> bool:
    """Staff decide on others' verification, never on their own alliance's."""
    return actor.organisation_id != organisation.pk


ORGANISATION_POLICY: Policy[OrganisationAction, Organisation] = Policy(
    {
        OrganisationAction.EDIT: Rule(ORGANISATION_UPDATE, party=acts_for),
        OrganisationAction.EDIT_BANK: Rule(ORGANISATION_BANK_UPDATE, party=acts_for),
        OrganisationAction.RESUBMIT: Rule(
            ORGANISATION_UPDATE,
            party=acts_for,
            when=lambda o: o.verification_status == VerificationStatus.REJECTED,
            conflict=_("Only a rejected organisation asks to be checked again."),
        ),
        OrganisationAction.INVITE: Rule(MEMBERS_MANAGE, party=acts_for),
        OrganisationAction.VERIFY: Rule(
            ORGANISATIONS_VERIFY,
            party=is_other_organisation,
            when=lambda o: can_move(o, VerificationStatus.VERIFIED),
            conflict=_("This organisation is already verified."),
        ),
        OrganisationAction.REJECT: Rule(
            ORGANISATIONS_VERIFY,
            party=is_other_organisation,
            when=lambda o: can_move(o, VerificationStatus.REJECTED),
            conflict=_("This organisation is already rejected."),
        ),
    },
    scopes=dict.fromkeys(OrganisationAction, ApiScope.ORGANISATION),
)


def organisation_actions(*, actor: Actor, organisation: Organisation) -> frozenset[OrganisationAction]:
    return ORGANISATION_POLICY.actions(actor=actor, obj=organisation)


# --- memberships ---------------------------------------------------------------------------------
class MembershipAction(StrEnum):
    CHANGE_ROLE = "change_role"
    REMOVE = "remove"
    LEAVE = "leave"


def owner_count(organisation_id: int) -> int:
    return Membership.objects.filter(organisation_id=organisation_id, role=Role.OWNER).count()


def keeps_an_owner(membership: Membership) -> bool:
    """An organisation always keeps at least one owner."""
    return membership.role != Role.OWNER or owner_count(membership.organisation_id) > 1


def manages_this_member(actor: Actor, membership: Membership) -> bool:
    """A manager of the same organisation; only an owner touches an owner."""
    own = actor.organisation_id == membership.organisation_id
    return own and (membership.role != Role.OWNER or actor.role == Role.OWNER)


def manages_another_member(actor: Actor, membership: Membership) -> bool:
    """Removing someone else (one's own membership is left, not removed)."""
    return manages_this_member(actor, membership) and not is_own_membership(actor, membership)


def is_own_membership(actor: Actor, membership: Membership) -> bool:
    same_person = actor.user is not None and membership.user_id == actor.user.pk
    return same_person and actor.organisation_id == membership.organisation_id


def grantable_roles(actor: Actor) -> tuple[Role, ...]:
    """The roles this actor may give, by invitation or by a role change: only an owner makes another owner."""
    return tuple(role for role in Role if role != Role.OWNER or actor.role == Role.OWNER)


LAST_OWNER = _("An organisation needs at least one owner. Make someone else owner first.")

MEMBERSHIP_POLICY: Policy[MembershipAction, Membership] = Policy(
    {
        MembershipAction.CHANGE_ROLE: Rule(
            MEMBERS_MANAGE, party=manages_this_member, when=keeps_an_owner, conflict=LAST_OWNER
        ),
        MembershipAction.REMOVE: Rule(
            MEMBERS_MANAGE, party=manages_another_member, when=keeps_an_owner, conflict=LAST_OWNER
        ),
        MembershipAction.LEAVE: Rule(MEMBERS_VIEW, party=is_own_membership, when=keeps_an_owner, conflict=LAST_OWNER),
    },
    scopes=dict.fromkeys(MembershipAction, ApiScope.ORGANISATION),
)


def membership_actions(*, actor: Actor, membership: Membership) -> frozenset[MembershipAction]:
    return MEMBERSHIP_POLICY.actions(actor=actor, obj=membership)


# --- invitations ---------------------------------------------------------------------------------
class InvitationAction(StrEnum):
    REVOKE = "revoke"


def is_pending(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.revoked_at is None


INVITATION_POLICY: Policy[InvitationAction, Invitation] = Policy(
    {
        InvitationAction.REVOKE: Rule(
            MEMBERS_MANAGE,
            party=lambda actor, invitation: actor.organisation_id == invitation.organisation_id,
            when=is_pending,
            conflict=_("This invitation is no longer open."),
        ),
    },
    scopes=dict.fromkeys(InvitationAction, ApiScope.ORGANISATION),
)


def invitation_actions(*, actor: Actor, invitation: Invitation) -> frozenset[InvitationAction]:
    return INVITATION_POLICY.actions(actor=actor, obj=invitation)


# --- API tokens ----------------------------------------------------------------------------------
class ApiTokenAction(StrEnum):
    RENEW = "renew"
    ROTATE = "rotate"
    REVOKE = "revoke"


def is_own_organisations_token(actor: Actor, token: ApiToken) -> bool:
    return actor.organisation_id == token.organisation_id


def is_unrevoked(token: ApiToken) -> bool:
    return token.revoked_at is None


API_TOKEN_POLICY: Policy[ApiTokenAction, ApiToken] = Policy(
    {
        # A legacy token never expires: it is rotated into a scoped one, not renewed.
        ApiTokenAction.RENEW: Rule(
            TOKENS_MANAGE,
            party=is_own_organisations_token,
            when=lambda token: is_unrevoked(token) and not token.is_legacy,
            conflict=_("Only a scoped token that is not revoked can be renewed; rotate a legacy token instead."),
        ),
        ApiTokenAction.ROTATE: Rule(
            TOKENS_MANAGE,
            party=is_own_organisations_token,
            when=is_unrevoked,
            conflict=_("This token is revoked."),
        ),
        ApiTokenAction.REVOKE: Rule(
            TOKENS_MANAGE, party=is_own_organisations_token, when=is_unrevoked, conflict=_("This token is revoked.")
        ),
    },
    scopes=dict.fromkeys(ApiTokenAction, ApiScope.ORGANISATION),
)


def api_token_actions(*, actor: Actor, token: ApiToken) -> frozenset[ApiTokenAction]:
    return API_TOKEN_POLICY.actions(actor=actor, obj=token)
