"""Permission matrix for every organisations/memberships endpoint: denial answers the right status and
changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from market.core.models import AuditEvent
from market.organisations import services
from market.organisations.models import ApiScope, ApiToken, Invitation, Membership, Organisation, Role
from market.organisations.permissions import Actor
from tests.factories import member

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "other_org_owner", "member_without_role", "member_with_role", "alliance_staff"]


@dataclass
class World:
    coop: Organisation
    users: dict[str, Any]
    target_membership: Membership
    invitation: Invitation
    token: ApiToken


@pytest.fixture
def world(cooperative, other_cooperative, alliance) -> World:
    owner = member(cooperative, Role.OWNER)
    users = {
        "anonymous": None,
        "other_org_owner": member(other_cooperative, Role.OWNER),
        "member_without_role": member(cooperative, Role.STAFF),
        "member_with_role": owner,
        "alliance_staff": member(alliance, Role.STAFF),
    }
    colleague = member(cooperative, Role.STAFF)
    owner_actor = Actor(user=owner, organisation=cooperative, role=Role.OWNER)
    invitation, _ = services.invitation_create(
        actor=owner_actor, organisation_id=cooperative.pk, email="new@test.example", role=Role.STAFF
    )
    token, _ = services.api_token_create(
        actor=owner_actor, name="ERP", scopes=frozenset({ApiScope.ORDERS_READ}), expires_on=None
    )
    return World(
        coop=cooperative,
        users=users,
        target_membership=Membership.objects.get(user=colleague),
        invitation=invitation,
        token=token,
    )


def snapshot(world: World) -> tuple:
    coop = Organisation.objects.get(pk=world.coop.pk)
    return (
        coop.name,
        coop.verification_status,
        sorted(Membership.objects.filter(organisation=coop).values_list("user_id", "role")),
        sorted(Invitation.objects.filter(organisation=coop).values_list("email", "revoked_at")),
        sorted(ApiToken.objects.filter(organisation=coop).values_list("name", "revoked_at")),
        AuditEvent.objects.count(),
    )


# endpoint -> (method, path, body, expected status for: anonymous, other org's owner, member without the role,
#              member with the role, alliance staff)
MATRIX: dict[str, tuple[str, str, dict | None, tuple[int, int, int, int, int]]] = {
    "me": ("get", "/api/v1/me/", None,
        (401, 200, 200, 200, 200)),
    "organisation_read": ("get", "/api/v1/organisations/{coop}/", None,
        (401, 404, 200, 200, 200)),
    "organisation_update": ("patch", "/api/v1/organisations/{coop}/", {"name": "HTX Đổi tên"},
        (401, 404, 403, 200, 403)),
    "organisation_reject": ("post", "/api/v1/organisations/{coop}/reject/", {"reason": "Giấy phép không khớp"},
        (401, 403, 403, 403, 200)),
    "memberships_list": ("get", "/api/v1/organisations/{coop}/memberships/", None,
        (401, 404, 200, 200, 200)),
    "membership_read": ("get", "/api/v1/memberships/{membership}/", None,
        (401, 404, 200, 200, 200)),
    "membership_change_role": ("post", "/api/v1/memberships/{membership}/change-role/", {"role": "manager"},
        (401, 404, 403, 200, 403)),
    "membership_remove": ("delete", "/api/v1/memberships/{membership}/", None,
        (401, 404, 403, 204, 403)),
    "invitations_list": ("get", "/api/v1/organisations/{coop}/invitations/", None,
        (401, 404, 200, 200, 200)),
    "invitation_create": ("post", "/api/v1/organisations/{coop}/invitations/",
        {"email": "a@t.example", "role": "staff"},
        (401, 404, 403, 201, 403)),
    "invitation_revoke": ("post", "/api/v1/invitations/{invitation}/revoke/", None,
        (401, 404, 403, 200, 403)),
    "tokens_list": ("get", "/api/v1/tokens/", None,
        (401, 200, 403, 200, 403)),
    "token_create": ("post", "/api/v1/tokens/", {"name": "Kế toán", "scopes": ["orders:read"]},
        (401, 201, 403, 201, 403)),
    "token_revoke": ("post", "/api/v1/tokens/{token}/revoke/", None,
        (401, 404, 403, 200, 403)),
}  # fmt: skip
WRITES = {name for name, (method, *_rest) in MATRIX.items() if method != "get"}


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_permission_matrix(endpoint, actor_name, world, api):
    method, template, body, statuses = MATRIX[endpoint]
    expected = dict(zip(ACTORS, statuses, strict=True))
    path = template.format(
        coop=world.coop.pk, membership=world.target_membership.pk, invitation=world.invitation.pk, token=world.token.pk
    )
    before = snapshot(world)
    response = getattr(api(world.users[actor_name]), method)(path, body, format="json")
    assert response.status_code == expected[actor_name], response.content
    if response.status_code >= 400:
        assert "error" in response.json()
        assert snapshot(world) == before, "a denied request changed something"
    elif endpoint in WRITES:
        assert AuditEvent.objects.count() > before[-1], "a write must leave an audit event"


def test_foreign_and_missing_ids_answer_alike(world, api):
    client = api(world.users["other_org_owner"])
    foreign = client.get(f"/api/v1/organisations/{world.coop.pk}/")
    missing = client.get("/api/v1/organisations/987654/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"]


def test_staff_verifies_a_pending_organisation(world, api):
    Organisation.objects.filter(pk=world.coop.pk).update(verification_status="pending")
    response = api(world.users["alliance_staff"]).post(f"/api/v1/organisations/{world.coop.pk}/verify/")
    assert response.status_code == 200
    assert response.json()["verification"]["status"] == "verified"
    event = AuditEvent.objects.filter(action="organisation.verification.verified").get()
    assert event.actor_user == world.users["alliance_staff"]


def test_verifying_twice_is_a_conflict(world, api):
    response = api(world.users["alliance_staff"]).post(f"/api/v1/organisations/{world.coop.pk}/verify/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
