"""Endpoint signing secrets are encrypted in the database: the column never holds the secret, deliveries still
verify with the docs' recipe, a key rotation keeps old rows readable, and the migration encrypts rows that were
stored in clear."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from market.integrations import services
from market.integrations.models import WebhookEndpoint
from market.integrations.outbox import queue_event
from market.integrations.relay import webhook_relay
from market.integrations.secret_box import SecretUnreadable
from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.integrations.conftest import Receiver
from tests.integrations.test_webhook_delivery import recipe

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def stored_columns(endpoint_id: int) -> str:
    """Every column of the row as the database holds it, as one text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(e)::text FROM integrations_webhookendpoint e WHERE id = %s", [endpoint_id])
        return str(cursor.fetchone()[0])


@pytest.fixture
def owner_actor(buyer):
    return actor_for(buyer, Role.OWNER)


def register(actor: Any, url: str) -> tuple[WebhookEndpoint, str]:
    return services.endpoint_create(actor=actor, url=url, description="ERP", events={"order.placed"})


def ping_and_verify(endpoint: WebhookEndpoint, receiver: Receiver, secret: str) -> dict[str, Any]:
    queue_event(
        organisation_id=endpoint.organisation_id,
        type="ping",
        object_type="test",
        object_id=str(len(receiver.received)),
        occurrence="",
        data={},
        created_at=endpoint.created_at,
        endpoints=[endpoint],
    )
    webhook_relay()
    request = receiver.received[-1]
    namespace: dict[str, Any] = {}
    exec(recipe("python"), namespace)  # noqa: S102 (the documentation's own code, run as a receiver would)
    return namespace["verify_webhook"](request.body, request.headers["market-link-signature"], secret)


def test_the_database_never_holds_the_secret_and_deliveries_still_verify(owner_actor, receiver):
    endpoint, secret = register(owner_actor, receiver.url)
    endpoint, rotated = services.endpoint_rotate_secret(actor=owner_actor, endpoint_id=endpoint.pk, grace_hours=24)

    stored = stored_columns(endpoint.pk)
    for plain in (secret, rotated, secret.removeprefix("whsec_"), rotated.removeprefix("whsec_")):
        assert plain not in stored
    assert ping_and_verify(endpoint, receiver, rotated)["type"] == "ping"
    # During the grace period the old secret still verifies too (its own v1=).
    assert ping_and_verify(endpoint, receiver, secret)["type"] == "ping"


def test_a_rotated_key_still_opens_old_rows_and_reseal_moves_them_to_the_new_key(settings, owner_actor, receiver):
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    endpoint, secret = register(owner_actor, receiver.url)
    sealed_with_old = WebhookEndpoint.objects.get(pk=endpoint.pk).secret_sealed
    assert Fernet(OLD_KEY.encode()).decrypt(sealed_with_old.encode()).decode() == secret

    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY, OLD_KEY]  # the new key first: it seals, both open
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).signing_secrets() == [secret]
    assert ping_and_verify(endpoint, receiver, secret)["type"] == "ping"

    call_command("webhook_secrets_reseal", stdout=open("/dev/null", "w"))  # noqa: SIM115
    resealed = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert Fernet(NEW_KEY.encode()).decrypt(resealed.secret_sealed.encode()).decode() == secret

    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY]  # the old key dropped: the resealed row still opens
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).signing_secrets() == [secret]


def test_a_row_no_configured_key_opens_is_a_clear_error_and_the_delivery_waits(settings, owner_actor, receiver):
    settings.WEBHOOK_SECRET_KEYS = [OLD_KEY]
    endpoint, _secret = register(owner_actor, receiver.url)
    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY]
    settings.SECRET_KEY = "another-secret-key-" * 4

    with pytest.raises(SecretUnreadable, match="was a key removed"):
        WebhookEndpoint.objects.get(pk=endpoint.pk).signing_secrets()
    services.endpoint_ping(actor=owner_actor, endpoint_id=endpoint.pk)
    stats = webhook_relay()
    assert stats.retried == 1  # logged and retried, never sent unsigned
    assert receiver.received == []


def test_a_key_derived_from_secret_key_moves_to_configured_keys_without_losing_a_secret(
    settings, owner_actor, receiver
):
    settings.WEBHOOK_SECRET_KEYS = []
    endpoint, secret = register(owner_actor, receiver.url)
    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY]

    assert WebhookEndpoint.objects.get(pk=endpoint.pk).signing_secrets() == [secret]


def test_the_settings_checks_refuse_a_bad_key_and_warn_about_the_derived_one_at_deploy(settings):
    settings.WEBHOOK_SECRET_KEYS = ["not-a-fernet-key"]
    assert "integrations.E001" in {m.id for m in checks.run_checks(tags=[checks.Tags.security])}
    settings.WEBHOOK_SECRET_KEYS = []
    deploy = {m.id for m in checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)}
    assert "integrations.W001" in deploy
    settings.WEBHOOK_SECRET_KEYS = [NEW_KEY]
    deploy = {m.id for m in checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)}
    assert not {"integrations.W001", "integrations.E001"} & deploy


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_secrets_stored_in_clear(buyer, receiver):
    executor = MigrationExecutor(connection)
    executor.migrate([("integrations", "0003_delivery_log_retention_indexes")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO integrations_webhookendpoint (created_at, updated_at, organisation_id, url, description,"
            " events, is_active, secret, previous_secret, previous_secret_expires_at, disabled_reason)"
            " VALUES (now(), now(), %s, %s, '', '[\"order.placed\"]', true, 'whsec_current', 'whsec_previous',"
            " now() + interval '1 hour', '') RETURNING id",
            [buyer.pk, receiver.url],
        )
        endpoint_id = cursor.fetchone()[0]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    stored = stored_columns(endpoint_id)
    assert "whsec_current" not in stored
    assert "whsec_previous" not in stored
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert endpoint.signing_secrets() == ["whsec_current", "whsec_previous"]
    assert ping_and_verify(endpoint, receiver, "whsec_current")["type"] == "ping"
