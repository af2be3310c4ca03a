"""Outgoing webhooks against a real receiver on 127.0.0.1: the signature (checked with the docs' own recipes),
retries driven by a controlled clock, the stable event id, giving up and switching the endpoint off, and
addresses refused at registration and at delivery."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from market.core.errors import ValidationFailed
from market.integrations import services
from market.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from market.integrations.notifications import ENDPOINT_DISABLED
from market.integrations.relay import webhook_relay
from market.notifications.models import Channel, Notification
from market.organisations.models import Role
from orders import services as order_services
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.integrations.conftest import Receiver
from tests.orders.factories import only_order, place, stocked_product

pytestmark = pytest.mark.django_db

DOCS = Path(django_settings.BASE_DIR) / "docs" / "webhooks.md"


class FixedRandom:
    """Jitter pinned to its middle, so that a test knows when each retry is due."""

    def uniform(self, low: float, high: float) -> float:
        return (low + high) / 2


def recipe(language: str) -> str:
    """The code block that follows `<!-- recipe: {language} -->` in docs/webhooks.md."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(rf"<!-- recipe: {language} -->\s*```{language}\n(.*?)```", text, re.S)
    assert found, f"docs/webhooks.md has no {language} recipe block"
    return found.group(1)


@pytest.fixture
def selling(cooperative):
    return actor_for(cooperative, Role.OWNER)


@pytest.fixture
def buying(buyer):
    return actor_for(buyer, Role.OWNER)


@pytest.fixture
def endpoint_and_secret(buying, receiver: Receiver) -> tuple[WebhookEndpoint, str]:
    return services.endpoint_create(
        actor=buying, url=receiver.url, description="ERP", events={"order.placed", "order.confirmed"}
    )


@pytest.fixture
def placed_order(buying, cooperative, endpoint_and_secret):
    product, _lot = stocked_product(cooperative)
    return only_order(place(buying, [(product, "1000")]))


def relay_until_settled(delivery: WebhookDelivery, *, limit: int = 100) -> list[Any]:
    """Run the relay at each moment the delivery is next due (no sleeping), until it is delivered or failed."""
    moments = []
    for _ in range(limit):
        delivery.refresh_from_db()
        if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            return moments
        moments.append(delivery.next_attempt_at)
        webhook_relay(now=delivery.next_attempt_at, rng=FixedRandom())
    raise AssertionError("the delivery never settled")


def test_an_order_event_arrives_signed_and_the_docs_python_recipe_verifies_it(
    placed_order, endpoint_and_secret, receiver
):
    _endpoint, secret = endpoint_and_secret
    stats = webhook_relay()

    assert stats.delivered == 1
    [request] = receiver.received
    namespace: dict[str, Any] = {}
    exec(recipe("python"), namespace)  # noqa: S102 (the documentation's own code, run as a receiver would)
    event = namespace["verify_webhook"](request.body, request.headers["market-link-signature"], secret)
    assert event["type"] == "order.placed"
    assert event["api_version"] == "2026-12-01"
    assert event["id"] == request.headers["market-link-event-id"]
    # data is the API's own answer for the order.
    assert event["data"]["id"] == placed_order.pk
    assert event["data"]["number"] == placed_order.number
    assert event["data"]["total"] == placed_order.total
    with pytest.raises(ValueError, match="no valid signature"):
        namespace["verify_webhook"](request.body + b" ", request.headers["market-link-signature"], secret)
    with pytest.raises(ValueError, match="no valid signature"):
        namespace["verify_webhook"](request.body, request.headers["market-link-signature"], "whsec_wrong")
    attempt = WebhookAttempt.objects.get()
    assert attempt.succeeded
    assert attempt.response_status == 200
    assert attempt.request_body.encode() == request.body
    assert attempt.duration_ms is not None


def test_the_docs_php_recipe_verifies_a_real_delivery(placed_order, endpoint_and_secret, receiver, tmp_path):
    _endpoint, secret = endpoint_and_secret
    webhook_relay()
    [request] = receiver.received
    (tmp_path / "body.json").write_bytes(request.body)
    script = tmp_path / "verify.php"
    script.write_text(
        recipe("php")
        + "\n$event = verify_webhook(file_get_contents($argv[1]), $argv[2], $argv[3]);\n"
        + 'echo $event["id"], " ", $event["type"], "\\n";\n'
    )
    header = request.headers["market-link-signature"]
    good = subprocess.run(
        ["php", str(script), str(tmp_path / "body.json"), header, secret], capture_output=True, text=True
    )
    assert good.returncode == 0, good.stderr + good.stdout
    assert good.stdout.split() == [request.headers["market-link-event-id"], "order.placed"]
    bad = subprocess.run(
        ["php", str(script), str(tmp_path / "body.json"), header, "whsec_x"], capture_output=True, text=True
    )
    assert bad.returncode != 0
    assert "no valid signature" in bad.stderr + bad.stdout


def test_a_receiver_failing_three_times_gets_the_same_event_each_time_then_once_accepted(
    placed_order, endpoint_and_secret, receiver
):
    receiver.answers = [500, 500, 500]
    delivery = WebhookDelivery.objects.get()

    moments = relay_until_settled(delivery)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 4 == delivery.attempts
    # At-least-once with a stable id: the four requests carry one event, byte for byte.
    assert {r.headers["market-link-event-id"] for r in receiver.received} == {delivery.event.public_id}
    assert len({r.body for r in receiver.received}) == 1
    # Exponential backoff (jitter pinned to its middle): 22.5 s, 45 s, 90 s with the 30 s base.
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(moments)]
    assert gaps == [22.5, 45.0, 90.0]
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [a.response_status for a in log] == [500, 500, 500, 200]
    assert log[0].response_excerpt == "receiver is having a bad day"
    assert log[0].error == "HTTP 500"
    # Nothing more once accepted.
    webhook_relay(now=timezone.now() + timedelta(days=5))
    assert len(receiver.received) == 4


def test_emitting_the_same_change_twice_queues_it_once_and_send_again_repeats_the_id(
    placed_order, endpoint_and_secret, buying, receiver
):
    from django.db import transaction

    from market.integrations.registry import emit_event

    with transaction.atomic():
        again = emit_event(type="order.placed", obj=placed_order, organisations=[placed_order.buyer])
    assert again == 0
    webhook_relay()
    delivery = WebhookDelivery.objects.get()
    services.delivery_send_again(actor=buying, delivery_id=delivery.pk)
    webhook_relay()

    assert len(receiver.received) == 2
    first, second = (json.loads(r.body) for r in receiver.received)
    assert first["id"] == second["id"] == delivery.event.public_id
    assert WebhookEvent.objects.count() == 1


def test_a_receiver_down_for_the_whole_window_fails_and_the_endpoint_is_switched_off_with_a_notice(
    placed_order, endpoint_and_secret, buyer, receiver
):
    owner = buyer.memberships.get(role=Role.OWNER).user
    manager = member(buyer, Role.MANAGER)
    receiver.stop()  # nothing listens on the port any more
    delivery = WebhookDelivery.objects.get()

    relay_until_settled(delivery)

    delivery.refresh_from_db()
    endpoint = WebhookEndpoint.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "connection refused" in delivery.last_error
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert len(attempts) == delivery.attempts > 10
    assert not any(a.succeeded for a in attempts)
    # Retried for about three days after the event, never beyond.
    span = attempts[-1].started_at - delivery.event.created_at
    assert timedelta(hours=60) < span <= timedelta(hours=72)
    assert not endpoint.is_active
    assert "72" in endpoint.disabled_reason
    notices = Notification.objects.filter(kind=ENDPOINT_DISABLED)
    assert {n.recipient_user_id for n in notices} == {owner.pk}  # the owners, not the manager
    assert manager.pk not in {n.recipient_user_id for n in notices}
    assert {n.channel for n in notices} == {Channel.IN_APP, Channel.EMAIL}
    # A disabled endpoint gets nothing new.
    order_services.order_confirm(actor=actor_for(placed_order.cooperative, Role.OWNER), order_id=placed_order.pk)
    assert WebhookDelivery.objects.count() == 1


def test_one_success_inside_the_window_keeps_the_endpoint_on(placed_order, endpoint_and_secret, selling, receiver):
    first = WebhookDelivery.objects.get()
    receiver.answers = [500] * 1000
    webhook_relay(rng=FixedRandom())  # the order's event fails once...
    receiver.answers = []
    order_services.order_confirm(actor=selling, order_id=placed_order.pk)
    webhook_relay(rng=FixedRandom())  # ...the confirmation is accepted
    receiver.answers = [500] * 1000

    relay_until_settled(first)

    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED
    assert WebhookEndpoint.objects.get().is_active


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.1.2.3]/hook",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "http://erp.example.vn/hook",
        "ftp://erp.example.vn/hook",
        "https://user:pw@erp.example.vn/hook",
    ],
)
def test_private_and_plain_addresses_are_refused_at_registration(buying, url, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationFailed) as refused:
        services.endpoint_create(actor=buying, url=url, description="", events={"order.placed"})
    assert refused.value.fields["url"]
    assert WebhookEndpoint.objects.count() == 0


def test_an_address_that_became_private_is_refused_at_delivery(buying, cooperative, receiver, settings):
    # Registered while loopback was allowed (development); in production the same name now points inside.
    _endpoint, _secret = services.endpoint_create(
        actor=buying, url=f"http://localhost:{receiver.port}/hook", description="", events={"order.placed"}
    )
    product, _lot = stocked_product(cooperative)
    place(buying, [(product, "1000")])
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    stats = webhook_relay(rng=FixedRandom())

    assert stats.retried == 1
    assert receiver.received == []  # the request never left
    attempt = WebhookAttempt.objects.get()
    assert attempt.response_status is None
    assert "https://" in attempt.error or "loopback" in attempt.error


def test_a_name_resolving_to_a_private_address_is_refused_after_resolution(buying, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    # "localhost" is a name, not a literal: refused because of what it resolves to.
    with pytest.raises(ValidationFailed) as refused:
        services.endpoint_create(
            actor=buying, url="https://localhost:8443/hook", description="", events={"order.placed"}
        )
    assert "loopback" in refused.value.fields["url"][0]


def test_rotation_signs_with_both_secrets_during_the_grace_then_only_the_new_one(
    placed_order, endpoint_and_secret, buying, receiver
):
    endpoint, old_secret = endpoint_and_secret
    endpoint, new_secret = services.endpoint_rotate_secret(actor=buying, endpoint_id=endpoint.pk, grace_hours=24)
    namespace: dict[str, Any] = {}
    exec(recipe("python"), namespace)  # noqa: S102
    verify = namespace["verify_webhook"]

    webhook_relay()
    header = receiver.received[0].headers["market-link-signature"]
    assert header.count("v1=") == 2
    verify(receiver.received[0].body, header, old_secret)
    verify(receiver.received[0].body, header, new_secret)

    later = timezone.now() + timedelta(hours=25)
    services.delivery_send_again(actor=buying, delivery_id=WebhookDelivery.objects.get().pk)
    webhook_relay(now=later)
    late_header = receiver.received[1].headers["market-link-signature"]
    assert late_header.count("v1=") == 1
    assert _signature_matches(receiver.received[1].body, late_header, new_secret)
    assert not _signature_matches(receiver.received[1].body, late_header, old_secret)


def _signature_matches(body: bytes, header: str, secret: str) -> bool:
    import hashlib
    import hmac

    parts = dict(p.split("=", 1) for p in header.split(",") if p.startswith("t="))
    signatures = [p.split("=", 1)[1] for p in header.split(",") if p.startswith("v1=")]
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return expected in signatures


def test_ping_reaches_the_endpoint(endpoint_and_secret, buying, receiver):
    endpoint, _secret = endpoint_and_secret
    services.endpoint_ping(actor=buying, endpoint_id=endpoint.pk)
    webhook_relay()

    [request] = receiver.received
    event = json.loads(request.body)
    assert event["type"] == "ping"
    assert event["data"]["endpoint_id"] == endpoint.pk


def test_nothing_is_queued_without_a_listening_endpoint(buying, cooperative):
    product, _lot = stocked_product(cooperative)
    place(buying, [(product, "1000")])
    assert WebhookEvent.objects.count() == 0
