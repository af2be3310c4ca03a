"""The organisations API's creating POSTs and state changes take an `Idempotency-Key` (market.core.once, as the fairs
and webhooks APIs): a client that lost an answer and sends the request again is answered what the first send was
answered, and nothing happens twice. Before, a retried token creation made a second live token, a retried invitation
revoked the link already e-mailed, and a retried revoke, rotation, removal or acceptance was refused for a step
already taken (and believed failed). A created secret is stored hashed: the retry answers the token (or invitation)
without it, 200. The key sent for another object or with another body is a 409 `idempotency_key_reused`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from market.core.models import AuditEvent
from market.organisations import services
from market.organisations.models import ApiScope, ApiToken, Invitation, Membership, Organisation, Role, User
from market.organisations.permissions import Actor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "erp-2026-12-08-organisation-0001"
TOKENS = "/api/v1/tokens/"


def keyed(key: str = KEY) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key}


@pytest.fixture
def owner_api(api, coop_owner: User) -> APIClient:
    return api(coop_owner)


def a_token(cooperative: Organisation, owner: User, name: str = "ERP") -> ApiToken:
    actor = Actor(user=owner, organisation=cooperative, role=Role.OWNER)
    token, _secret = services.api_token_create(
        actor=actor, name=name, scopes=frozenset({ApiScope.ORGANISATION}), expires_on=None
    )
    return token


def test_a_token_creation_sent_again_answers_the_first_token_without_its_secret(owner_api):
    body = {"name": "ERP", "scopes": ["orders:read"]}
    first = owner_api.post(TOKENS, body, format="json", **keyed())
    again = owner_api.post(TOKENS, body, format="json", **keyed())

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert "token" not in again.json()
    assert ApiToken.objects.count() == 1
    other = owner_api.post(TOKENS, {**body, "name": "POS"}, format="json", **keyed())
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert ApiToken.objects.count() == 1


def test_an_invitation_sent_again_keeps_the_emailed_link_working(owner_api, cooperative):
    path = f"/api/v1/organisations/{cooperative.pk}/invitations/"
    body = {"email": "moi@htx.example", "role": "staff"}
    first = owner_api.post(path, body, format="json", **keyed())
    again = owner_api.post(path, body, format="json", **keyed())

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Invitation.objects.get().is_open
    other = owner_api.post(path, {**body, "role": "manager"}, format="json", **keyed())
    assert other.status_code == 409
    assert Invitation.objects.count() == 1


def test_a_registration_without_a_tax_code_sent_again_answers_the_first_organisation(api, coop_owner):
    group = {
        "kind": "cooperative_group",
        "name": "Tổ hợp tác Rau Mỹ Hòa",
        "legal_name": "Tổ hợp tác Rau Mỹ Hòa",
        "province_code": 91,
        "commune_code": 30307,
    }
    client = api(coop_owner)
    first = client.post("/api/v1/organisations/", group, format="json", **keyed())
    again = client.post("/api/v1/organisations/", group, format="json", **keyed())

    assert first.status_code == again.status_code == 201, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Organisation.objects.filter(name=group["name"]).count() == 1
    other = client.post("/api/v1/organisations/", {**group, "name": "Tổ hợp tác khác"}, format="json", **keyed())
    assert other.status_code == 409
    assert Organisation.objects.filter(kind="cooperative_group").count() == 1


@pytest.mark.parametrize(
    ("step", "start", "body"),
    [
        ("verify", "pending", {}),
        ("reject", "pending", {"reason": "Giấy phép không khớp"}),
        ("resubmit", "rejected", {}),
    ],
)
def test_a_verification_step_sent_again_is_answered_as_the_first_and_acts_once(
    api, staff_user, coop_owner, cooperative, step, start, body
):
    Organisation.objects.filter(pk=cooperative.pk).update(verification_status=start)
    client = api(coop_owner if step == "resubmit" else staff_user)
    path = f"/api/v1/organisations/{cooperative.pk}/{step}/"
    audited = AuditEvent.objects.count()

    first = client.post(path, body, format="json", **keyed())
    again = client.post(path, body, format="json", **keyed())

    assert first.status_code == again.status_code == 200, again.content
    assert again.json()["verification"] == first.json()["verification"]
    assert AuditEvent.objects.count() == audited + 1


@pytest.fixture
def steps(cooperative, coop_owner, coop_staff, staff_user) -> dict[str, tuple[Callable[[APIClient, str], object], int]]:
    """Each state change: how to send it (with a key) and the status both answers carry."""
    token = a_token(cooperative, coop_owner)
    renewed = a_token(cooperative, coop_owner, name="renewed")
    staff = Membership.objects.get(user=coop_staff)
    actor = Actor(user=coop_owner, organisation=cooperative, role=Role.OWNER)
    invitation, invite_token = services.invitation_create(
        actor=actor, organisation_id=cooperative.pk, email="moi@htx.example", role=Role.STAFF
    )
    return {
        "token revoke": (lambda c, k: c.post(f"{TOKENS}{token.pk}/revoke/", **keyed(k)), 200),
        "token rotate": (
            lambda c, k: c.post(f"{TOKENS}{token.pk}/rotate/", {"scopes": ["orders:read"]}, format="json", **keyed(k)),
            201,
        ),
        "token renew": (lambda c, k: c.post(f"{TOKENS}{renewed.pk}/renew/", {}, format="json", **keyed(k)), 200),
        "role change": (
            lambda c, k: c.post(
                f"/api/v1/memberships/{staff.pk}/change-role/", {"role": "manager"}, format="json", **keyed(k)
            ),
            200,
        ),
        "member removal": (lambda c, k: c.delete(f"/api/v1/memberships/{staff.pk}/", **keyed(k)), 204),
        "invitation revoke": (lambda c, k: c.post(f"/api/v1/invitations/{invitation.pk}/revoke/", **keyed(k)), 200),
        "invitation accept": (
            lambda c, k: c.post("/api/v1/invitations/accept/", {"token": invite_token}, format="json", **keyed(k)),
            200,
        ),
    }


@pytest.mark.parametrize(
    "step",
    [
        "token revoke",
        "token rotate",
        "token renew",
        "role change",
        "member removal",
        "invitation revoke",
        "invitation accept",
    ],
)
def test_each_state_change_sent_again_with_its_key_is_answered_as_the_first_and_acts_once(api, coop_owner, steps, step):
    send, status = steps[step]
    invitee = UserFactory(email="moi@htx.example")
    client = api(invitee if step == "invitation accept" else coop_owner)
    audited = AuditEvent.objects.count()

    first = send(client, KEY)
    again = send(client, KEY)

    assert first.status_code == status, first.content
    assert again.status_code in (status, 200), again.content
    if status != 204:
        assert again.json()["id"] == first.json()["id"]
    assert AuditEvent.objects.count() == audited + (2 if step == "token rotate" else 1)


def test_a_role_changes_key_sent_for_another_role_or_member_is_refused_and_changes_nothing(
    api, coop_owner, coop_staff, coop_manager
):
    """A role change sent again already answered alike (the same role is no change); the key remembers what it asked."""
    client = api(coop_owner)
    staff, manager = Membership.objects.get(user=coop_staff), Membership.objects.get(user=coop_manager)
    change = "/api/v1/memberships/{}/change-role/"
    assert client.post(change.format(staff.pk), {"role": "manager"}, format="json", **keyed()).status_code == 200

    for membership, role in ((staff, "staff"), (manager, "staff")):
        refused = client.post(change.format(membership.pk), {"role": role}, format="json", **keyed())
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert Membership.objects.get(pk=staff.pk).role == Membership.objects.get(pk=manager.pk).role == Role.MANAGER
