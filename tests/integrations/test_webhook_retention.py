"""The delivery log's keeping periods: real deliveries of different ages and states, sent by the real relay to a
real receiver, then pruned; what is still waiting or being sent is never removed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from market.integrations import services
from market.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from market.integrations.outbox import queue_event
from market.integrations.relay import webhook_relay
from market.integrations.retention import webhook_log_prune
from market.organisations.models import ApiScope, Role
from tests.catalog.factories import actor_for
from tests.integrations.conftest import Receiver
from tests.integrations.test_webhook_api import ENDPOINTS, token_client

pytestmark = pytest.mark.django_db

NOW = timezone.now()
WINDOW = timedelta(hours=72)


@pytest.fixture
def endpoint(buyer, receiver: Receiver) -> WebhookEndpoint:
    created, _secret = services.endpoint_create(
        actor=actor_for(buyer, Role.OWNER), url=receiver.url, description="ERP", events={"order.placed"}
    )
    return created


def queued(endpoint: WebhookEndpoint, *, at: datetime, name: str) -> WebhookDelivery:
    queue_event(
        organisation_id=endpoint.organisation_id,
        type="order.placed",
        object_type="orders.order",
        object_id=name,
        occurrence="",
        data={"id": name},
        created_at=at,
        endpoints=[endpoint],
    )
    return WebhookDelivery.objects.get(event__object_id=name)


def delivered(endpoint: WebhookEndpoint, receiver: Receiver, *, at: datetime, name: str) -> WebhookDelivery:
    """Queued at `at`, refused once, accepted at the retry: two attempts in the log."""
    delivery = queued(endpoint, at=at, name=name)
    receiver.answers = [500]
    webhook_relay(now=at)
    delivery.refresh_from_db()
    webhook_relay(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    return delivery


def failed(endpoint: WebhookEndpoint, receiver: Receiver, *, at: datetime, name: str) -> WebhookDelivery:
    """Queued at `at`, refused at the last moment of its retry window: it fails there."""
    delivery = queued(endpoint, at=at, name=name)
    receiver.answers = [500]
    webhook_relay(now=delivery.retry_until - timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=True)  # switched off for failing: back on
    return delivery


def ids(model: type[WebhookDelivery] | type[WebhookEvent]) -> set[object]:
    return set(model.objects.values_list("pk", flat=True))


def test_settled_deliveries_go_after_their_keeping_period_and_waiting_ones_never(endpoint, receiver):
    old_delivered = delivered(endpoint, receiver, at=NOW - timedelta(days=31), name="old-delivered")
    recent_delivered = delivered(endpoint, receiver, at=NOW - timedelta(days=29), name="recent-delivered")
    # A failure is kept 90 days from the end of its retry window, not from the event.
    old_failed = failed(endpoint, receiver, at=NOW - timedelta(days=91) - WINDOW, name="old-failed")
    recent_failed = failed(endpoint, receiver, at=NOW - timedelta(days=89) - WINDOW, name="recent-failed")
    # Half a year old and still retrying (a "send again" long after the event), and one a dead worker holds.
    retrying = queued(endpoint, at=NOW - timedelta(days=200), name="retrying")
    WebhookDelivery.objects.filter(pk=retrying.pk).update(next_attempt_at=NOW + timedelta(hours=1), attempts=7)
    sending = queued(endpoint, at=NOW - timedelta(days=200), name="sending")
    WebhookDelivery.objects.filter(pk=sending.pk).update(
        status=DeliveryStatus.SENDING, lease_expires_at=NOW - timedelta(days=199)
    )
    attempts_before = WebhookAttempt.objects.count()

    stats = webhook_log_prune(now=NOW)

    assert ids(WebhookDelivery) == {recent_delivered.pk, recent_failed.pk, retrying.pk, sending.pk}
    assert stats.deliveries == 2
    # The old delivered one had two attempts, the old failed one one; they went with their deliveries.
    assert stats.attempts == 3 == attempts_before - WebhookAttempt.objects.count()
    assert not WebhookAttempt.objects.filter(delivery_id__in=[old_delivered.pk, old_failed.pk]).exists()
    assert stats.events == 2
    assert ids(WebhookEvent) == {d.event_id for d in (recent_delivered, recent_failed, retrying, sending)}
    # Nothing more to do the next night.
    assert webhook_log_prune(now=NOW).as_dict() == {"deliveries": 0, "attempts": 0, "events": 0}


def test_an_event_stays_while_one_of_its_deliveries_is_kept(buyer, endpoint, receiver):
    second, _secret = services.endpoint_create(
        actor=actor_for(buyer, Role.OWNER), url=receiver.url, description="BI", events={"order.placed"}
    )
    at = NOW - timedelta(days=40)
    queue_event(
        organisation_id=endpoint.organisation_id,
        type="order.placed",
        object_type="orders.order",
        object_id="shared",
        occurrence="",
        data={},
        created_at=at,
        endpoints=[endpoint, second],
    )
    webhook_relay(now=at)  # both delivered 40 days ago
    WebhookDelivery.objects.filter(endpoint=second).update(status=DeliveryStatus.PENDING)  # "send again"
    [event] = WebhookEvent.objects.all()

    stats = webhook_log_prune(now=NOW)

    assert stats.deliveries == 1
    assert stats.events == 0
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [second.pk]
    assert ids(WebhookEvent) == {event.pk}


def test_small_batches_remove_everything_due(endpoint, receiver):
    for number in range(5):
        delivered(endpoint, receiver, at=NOW - timedelta(days=60 + number), name=f"n{number}")

    stats = webhook_log_prune(now=NOW, batch=2)

    assert (stats.deliveries, stats.attempts, stats.events) == (5, 10, 5)
    assert not WebhookDelivery.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_the_periods_follow_the_settings(settings, endpoint, receiver):
    settings.WEBHOOKS_KEEP_DELIVERED_DAYS = 7
    week_and_a_day = delivered(endpoint, receiver, at=NOW - timedelta(days=8), name="eight-days")
    six_days = delivered(endpoint, receiver, at=NOW - timedelta(days=6), name="six-days")

    webhook_log_prune(now=NOW)

    assert ids(WebhookDelivery) == {six_days.pk}
    assert not WebhookDelivery.objects.filter(pk=week_and_a_day.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_prune_skips_a_row_another_transaction_holds_instead_of_waiting(endpoint, receiver):
    """ "Send again" holds the delivery's row: the prune leaves it for the next night and does not block."""
    held = delivered(endpoint, receiver, at=NOW - timedelta(days=45), name="held")
    free = delivered(endpoint, receiver, at=NOW - timedelta(days=45), name="free")
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()
            done.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(30)
    try:
        stats = webhook_log_prune(now=NOW)
    finally:
        release.set()
        holder.join(30)

    assert done.is_set()
    assert stats.deliveries == 1
    assert ids(WebhookDelivery) == {held.pk}
    assert not WebhookDelivery.objects.filter(pk=free.pk).exists()
    assert webhook_log_prune(now=NOW).deliveries == 1


def test_the_api_and_the_page_say_how_long_entries_are_kept(client, buyer, endpoint, receiver):
    done = delivered(endpoint, receiver, at=NOW - timedelta(days=2), name="done")
    waiting = queued(endpoint, at=NOW, name="waiting")
    owner = buyer.memberships.get(role=Role.OWNER).user
    erp = token_client(buyer, owner, {ApiScope.WEBHOOKS_MANAGE})

    log = {row["id"]: row for row in erp.get(f"{ENDPOINTS}{endpoint.pk}/deliveries/").json()["results"]}

    assert log[waiting.pk]["kept_until"] is None
    kept_until = datetime.fromisoformat(log[done.pk]["kept_until"])
    assert kept_until == done.delivered_at + timedelta(days=30)
    client.force_login(owner)
    page = client.get(f"/organisation/webhooks/{endpoint.pk}/").content.decode()
    assert "Mục đã gửi được giữ 30 ngày sau khi gửi, mục thất bại giữ 90 ngày" in page
