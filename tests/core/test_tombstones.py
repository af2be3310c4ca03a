"""Every hard delete of a row an API client could have listed leaves a tombstone in the same transaction, seen
at /api/v1/deletions/ only by the organisation whose list it was in and only through a token of that list's
scope (docs/api-sync.md). Intakes and memberships: tests/supply/test_sync_deletions.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from market.core.errors import NotFound
from market.core.models import Deletion
from market.integrations import services as integration_services
from market.integrations.models import WebhookEndpoint
from market.organisations import services as organisation_services
from market.organisations.actors import resolve_actor
from market.organisations.models import ApiScope, Organisation, Role, User
from market.organisations.permissions import Actor
from market.payments import services as payment_services
from market.payments.models import SettlementRun
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


def _client(organisation: Organisation, user: User, scopes: set[ApiScope]) -> APIClient:
    actor = Actor(user=user, organisation=organisation, role=Role.OWNER)
    _token, secret = organisation_services.api_token_create(
        actor=actor, name="ERP", scopes=frozenset(scopes), expires_on=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _deletions(client: APIClient) -> list[tuple[str, int]]:
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    response = client.get("/api/v1/deletions/", {"updated_since": since})
    assert response.status_code == 200, response.content
    return [(row["resource"], row["object_id"]) for row in response.json()["results"]]


def test_a_deleted_webhook_endpoint_leaves_a_tombstone_for_its_organisation_only(buyer, cooperative) -> None:
    owner = member(buyer, Role.OWNER)
    endpoint, _secret = integration_services.endpoint_create(
        actor=resolve_actor(owner), url="http://127.0.0.1:9/hook", description="ERP", events={"order.placed"}
    )
    integration_services.endpoint_delete(actor=resolve_actor(owner), endpoint_id=endpoint.pk)

    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert _deletions(_client(buyer, owner, {ApiScope.WEBHOOKS_MANAGE})) == [
        ("integrations.webhook_endpoint", endpoint.pk)
    ]
    assert _deletions(_client(buyer, owner, {ApiScope.ORDERS_READ})) == []
    stranger = member(cooperative, Role.OWNER)
    assert _deletions(_client(cooperative, stranger, {ApiScope.WEBHOOKS_MANAGE})) == []


def test_a_cancelled_settlement_run_leaves_a_tombstone_for_alliance_staff(alliance, cooperative) -> None:
    manager = member(alliance, Role.MANAGER)
    yesterday = timezone.localdate() - timedelta(days=1)
    run = payment_services.settlement_run_create(
        actor=resolve_actor(manager), period_start=yesterday - timedelta(days=30), period_end=yesterday
    )
    payment_services.settlement_run_cancel(actor=resolve_actor(manager), run_id=run.pk)

    assert not SettlementRun.objects.filter(pk=run.pk).exists()
    assert _deletions(_client(alliance, manager, {ApiScope.PAYMENTS_READ})) == [("payments.settlement_run", run.pk)]
    assert _deletions(_client(alliance, manager, {ApiScope.FAIRS})) == []
    owner = member(cooperative, Role.OWNER)
    assert _deletions(_client(cooperative, owner, {ApiScope.PAYMENTS_READ})) == []


def test_a_refused_delete_leaves_no_tombstone(buyer, cooperative) -> None:
    """The tombstone is written in the delete's transaction: a delete the policy refuses writes none."""
    owner = member(buyer, Role.OWNER)
    endpoint, _secret = integration_services.endpoint_create(
        actor=resolve_actor(owner), url="http://127.0.0.1:9/hook", description="ERP", events={"order.placed"}
    )
    outsider = resolve_actor(member(cooperative, Role.OWNER))
    with pytest.raises(NotFound):  # another organisation's endpoint does not exist for it
        integration_services.endpoint_delete(actor=outsider, endpoint_id=endpoint.pk)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not Deletion.objects.exists()
