"""A deleted intake or a removed membership leaves a tombstone that /api/v1/deletions/ syncs, so that an API
client copying those lists learns of the deletion (docs/api-sync.md); a token sees only its scopes'."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.supply import services
from market.organisations import services as organisation_services
from market.organisations.models import ApiScope, Membership, Role
from market.organisations.permissions import Actor
from tests.factories import member
from tests.supply.conftest import World, record

pytestmark = pytest.mark.django_db


def bearer(world: World, scopes: set[ApiScope]) -> APIClient:
    _token, secret = organisation_services.api_token_create(
        actor=world.owner, name="ERP", scopes=frozenset(scopes), expires_on=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def deletions(client: APIClient) -> list[tuple[str, int]]:
    since = quote((timezone.now() - timedelta(hours=1)).isoformat())
    response = client.get(f"/api/v1/deletions/?updated_since={since}")
    assert response.status_code == 200, response.content
    return [(row["resource"], row["object_id"]) for row in response.json()["results"]]


def test_a_deleted_intake_is_synced_as_a_deletion_to_supply_tokens_only(world: World, settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    intake = record(world, 0, "100")
    services.intake_delete(actor=world.owner, intake_id=intake.pk)

    assert deletions(bearer(world, {ApiScope.SUPPLY})) == [("supply.intake", intake.pk)]
    assert deletions(bearer(world, {ApiScope.ORDERS_READ})) == []


def test_a_removed_membership_is_synced_as_a_deletion(world: World, settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    leaving = Membership.objects.get(user=member(world.cooperative, Role.STAFF), organisation=world.cooperative)
    owner = Actor(user=world.owner.user, organisation=world.cooperative, role=Role.OWNER)
    organisation_services.membership_remove(actor=owner, membership_id=leaving.pk)

    assert deletions(bearer(world, {ApiScope.ORGANISATION})) == [("organisations.membership", leaving.pk)]
