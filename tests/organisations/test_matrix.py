"""Generated role × state matrices: every control a page shows is one the service accepts, and every action
the service accepts has its control on the page (organisations, memberships, invitations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import product

import pytest
from django.test import Client

from market.organisations import services
from market.organisations.actors import resolve_actor
from market.organisations.inputs import BankAccount, OrganisationProfile
from market.organisations.models import Invitation, Membership, Organisation, OrganisationKind, Role, User
from market.organisations.permissions import Actor
from market.organisations.policies import (
    InvitationAction,
    MembershipAction,
    OrganisationAction,
    invitation_actions,
    membership_actions,
    organisation_actions,
)
from tests.factories import OrganisationFactory, member
from tests.matrix import accepted, shown_actions, shown_actions_in

pytestmark = pytest.mark.django_db

STATES = ["pending", "verified", "rejected"]
MEMBER_ROLES = [Role.OWNER, Role.MANAGER, Role.STAFF]


def page(user: User, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code in (200, 403), (path, response.status_code)
    return response.content.decode() if response.status_code == 200 else ""


def organisation_presses(actor: Actor, org: Organisation) -> dict[OrganisationAction, Callable[[], object]]:
    profile = OrganisationProfile.of(org)
    return {
        OrganisationAction.EDIT: lambda: services.organisation_update(
            actor=actor, organisation_id=org.pk, profile=replace(profile, description="Mô tả mới")
        ),
        OrganisationAction.EDIT_BANK: lambda: services.organisation_update(
            actor=actor, organisation_id=org.pk, profile=profile, bank=BankAccount("970436", "0561000123456", "HTX")
        ),
        OrganisationAction.RESUBMIT: lambda: services.organisation_resubmit(actor=actor, organisation_id=org.pk),
        OrganisationAction.INVITE: lambda: services.invitation_create(
            actor=actor, organisation_id=org.pk, email="moi@test.example", role=Role.STAFF
        ),
        OrganisationAction.VERIFY: lambda: services.organisation_verify(actor=actor, organisation_id=org.pk),
        OrganisationAction.REJECT: lambda: services.organisation_reject(
            actor=actor, organisation_id=org.pk, reason="Giấy phép không khớp"
        ),
    }


@pytest.mark.parametrize(("state", "role"), list(product(STATES, MEMBER_ROLES)))
def test_organisation_matrix_for_its_members(state, role):
    org = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, verification_status=state)
    user = member(org, role)
    actor = resolve_actor(user)
    pages = ("/organisation/", "/organisation/members/", "/organisation/edit/")
    shown = set().union(*(shown_actions(page(user, path)) for path in pages)) & set(OrganisationAction)
    allowed = {action.value for action in organisation_actions(actor=actor, organisation=org)}
    assert shown == allowed
    for action, press in organisation_presses(actor, org).items():
        assert accepted(press) == (action.value in shown), (state, role, action)


@pytest.mark.parametrize(("state", "role"), list(product(STATES, MEMBER_ROLES)))
def test_organisation_matrix_for_alliance_staff_and_other_organisations(state, role, alliance):
    org = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, verification_status=state)
    member(org, Role.OWNER)
    staff = member(alliance, role)
    outsider = member(OrganisationFactory(kind=OrganisationKind.BUYER), Role.OWNER)
    for user in (staff, outsider):
        actor = resolve_actor(user)
        shown = shown_actions(page(user, f"/staff/verification/{org.pk}/"))
        assert shown == {action.value for action in organisation_actions(actor=actor, organisation=org)}
        for action, press in organisation_presses(actor, org).items():
            assert accepted(press) == (action.value in shown), (state, role, user, action)


# --- memberships -----------------------------------------------------------------------------------
TARGETS = ["sole_owner", "second_owner", "manager", "staff", "self"]


def target_membership(org: Organisation, viewer: User, target: str) -> Membership:
    if target == "self":
        return Membership.objects.get(user=viewer, organisation=org)
    if target == "sole_owner":
        return Membership.objects.get(organisation=org, role=Role.OWNER, user__full_name="Chủ duy nhất")
    role = {"second_owner": Role.OWNER, "manager": Role.MANAGER, "staff": Role.STAFF}[target]
    return Membership.objects.get(user=member(org, role), organisation=org)


@pytest.mark.parametrize(("viewer_role", "target"), list(product(MEMBER_ROLES, TARGETS)))
def test_membership_matrix(viewer_role, target):
    org = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    sole = member(org, Role.OWNER, full_name="Chủ duy nhất") if viewer_role != Role.OWNER else None
    viewer = member(org, viewer_role)
    if sole is None and target == "sole_owner":
        target = "self"  # the viewing owner is the only owner
    membership = target_membership(org, viewer, target)
    actor = resolve_actor(viewer)
    shown = shown_actions_in(page(viewer, "/organisation/members/"), f"membership-{membership.pk}")
    assert shown == {action.value for action in membership_actions(actor=actor, membership=membership)}
    presses = {
        MembershipAction.CHANGE_ROLE: lambda: services.membership_change_role(
            actor=actor,
            membership_id=membership.pk,
            role=Role.MANAGER if membership.role != Role.MANAGER else Role.STAFF,
        ),
        MembershipAction.REMOVE: lambda: services.membership_remove(actor=actor, membership_id=membership.pk),
        MembershipAction.LEAVE: lambda: services.membership_remove(actor=actor, membership_id=membership.pk),
    }
    mine = membership.user_id == viewer.pk
    for action, press in presses.items():
        if action == (MembershipAction.REMOVE if mine else MembershipAction.LEAVE):
            continue  # one press, two names: removing oneself is leaving
        assert accepted(press) == (action.value in shown), (viewer_role, target, action)


@pytest.mark.parametrize(("viewer_role", "state"), list(product(MEMBER_ROLES, ["open", "revoked", "accepted"])))
def test_invitation_matrix(viewer_role, state):
    org = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    owner = resolve_actor(member(org, Role.OWNER))
    invitation, _token = services.invitation_create(
        actor=owner, organisation_id=org.pk, email="moi@test.example", role=Role.STAFF
    )
    if state == "revoked":
        services.invitation_revoke(actor=owner, invitation_id=invitation.pk)
    if state == "accepted":
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=invitation.created_at)
    invitation.refresh_from_db()
    viewer = member(org, viewer_role)
    actor = resolve_actor(viewer)
    shown = shown_actions_in(page(viewer, "/organisation/members/"), f"invitation-{invitation.pk}")
    assert shown == {action.value for action in invitation_actions(actor=actor, invitation=invitation)}
    press = lambda: services.invitation_revoke(actor=actor, invitation_id=invitation.pk)  # noqa: E731
    assert accepted(press) == (InvitationAction.REVOKE.value in shown)
