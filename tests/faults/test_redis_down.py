"""Redis killed (SIGKILL) while buyers check out through gunicorn: one private Redis is the server's cache and
throttle store and the Celery broker of a real worker (with beat) that relays the notification outbox.

Checkouts and pages go on being served (the cache and the throttles fail open, nothing is published from a
request); the orders' e-mails wait in the outbox and, once Redis is back on the same port, the worker delivers
each exactly once."""

from __future__ import annotations

import pytest
from django.db.models import QuerySet

from market.notifications.models import Channel, Notification, Status
from market.organisations import services as organisation_services
from market.organisations.models import ApiScope, OrganisationKind, Role
from orders.models import Checkout, Order
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.faults.conftest import MarketServer, PrivateRedis, bearer, idempotency_key, wait_until
from tests.orders.factories import stocked_product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow, pytest.mark.long]

BUYERS = 3


def check_out(server: MarketServer, token: str, product_id: int) -> list[int]:
    """One buyer's round as an ERP sends it: a line in the cart, the checkout, then the product's page.
    Returns the statuses."""
    added = server.request("POST", "/api/v1/cart/lines/", {"product": product_id, "quantity": "100"}, bearer(token))
    placed = server.request("POST", "/api/v1/checkouts/", {}, bearer(token, **{"Idempotency-Key": idempotency_key()}))
    page = server.request("GET", f"/products/{product_id}/")
    for answer in (added, placed, page):
        assert answer.status in (200, 201), answer.body[:2000]
    return [added.status, placed.status, page.status]


def emails() -> QuerySet[Notification]:
    return Notification.objects.filter(channel=Channel.EMAIL)


def test_checkouts_while_redis_is_killed_are_placed_and_their_emails_sent_once_it_is_back(
    private_redis: PrivateRedis, market_server, relay_worker, smtp_server, cooperative
):
    member(cooperative, Role.OWNER)
    product, _lot = stocked_product(cooperative, quantity="100000")
    tokens = []
    for index in range(BUYERS):
        buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name=f"Công ty Mua {index}")
        _token, secret = organisation_services.api_token_create(
            actor=actor_for(buyer, Role.OWNER), name="ERP", scopes=frozenset({ApiScope.ORDERS_PLACE}), expires_on=None
        )
        tokens.append(secret)
    cache, broker = f"redis://127.0.0.1:{private_redis.port}/0", f"redis://127.0.0.1:{private_redis.port}/1"
    server = market_server(REDIS_URL=cache, CELERY_BROKER_URL=broker)
    relay_worker(broker=broker, REDIS_URL=cache)

    for token in tokens:
        check_out(server, token, product.pk)
    wait_until(lambda: emails().filter(status=Status.SENT).count() == emails().count(), what="the first e-mails")
    sent_before = smtp_server.count()

    assert private_redis.process is not None
    private_redis.process.kill()
    private_redis.process.wait(10)
    for _round in range(2):
        for token in tokens:
            check_out(server, token, product.pk)
    assert Checkout.objects.count() == 3 * BUYERS
    # The orders stand; their e-mails wait in the outbox.
    assert emails().filter(status=Status.SENT).count() == smtp_server.count() == sent_before
    assert emails().count() > sent_before

    private_redis.start()  # the same port: the worker and the server reconnect by themselves
    for token in tokens:
        check_out(server, token, product.pk)

    wait_until(
        lambda: emails().count() == emails().filter(status=Status.SENT).count() == smtp_server.count(),
        timeout=120,
        what="every e-mail after Redis came back",
    )
    ids = smtp_server.notification_ids()
    assert len(ids) == len(set(ids)) == emails().count()
    orders = list(Order.objects.values_list("number", flat=True))
    assert len(orders) == 4 * BUYERS
    subjects = [str(message["Subject"]).strip() for message in smtp_server.messages]
    for number in orders:  # the cooperative hears of each order once
        assert sum(subject.startswith(f"Đơn hàng mới {number} ") for subject in subjects) == 1, (number, subjects)
