"""The checkout's API answer built by hand (`checkout_body`) is what its serializer (`CheckoutOut`, the
definition and the schema) writes: for a checkout just placed (its orders in hand) and one read again (a
retry with the same key), with and without a delivery window, in both languages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from market.organisations.models import Role
from orders import services
from orders.api import serializers as s
from orders.api.views import checkout_body
from orders.commands import CheckoutDetails
from orders.models import Checkout
from tests.factories import member
from tests.orders.factories import DETAILS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("window", [False, True])
def test_the_checkout_answer_is_the_serializers(buying, rice, fish_sauce, window):
    product, _lot = rice
    services.cart_line_set(actor=buying, product_id=product.pk, quantity=Decimal(100))
    services.cart_line_set(actor=buying, product_id=fish_sauce[0].pk, quantity=Decimal(24))
    today = timezone.localdate()
    details: dict[str, Any] = dict(DETAILS)
    if window:
        details.update(delivery_from=today + timedelta(days=2), delivery_to=today + timedelta(days=5))
    checkout, created = services.checkout_place(
        actor=buying, details=CheckoutDetails(**details), idempotency_key="body"
    )
    assert created
    assert len(checkout.placed_orders or []) == 2
    for language in ("vi", "en"):
        with translation.override(language):
            assert checkout_body(checkout) == s.CheckoutOut(checkout).data
            again = Checkout.objects.get(pk=checkout.pk)
            assert again.placed_orders is None
            assert checkout_body(again) == s.CheckoutOut(again).data == s.CheckoutOut(checkout).data


def test_the_api_answers_a_placed_and_a_replayed_checkout_alike(api, buyer, rice):
    product, _lot = rice
    client = api(member(buyer, Role.OWNER))
    client.post("/api/v1/cart/lines/", {"product": product.pk, "quantity": "100"}, format="json")
    placed = client.post("/api/v1/checkouts/", DETAILS, format="json", HTTP_IDEMPOTENCY_KEY="twice")
    replayed = client.post("/api/v1/checkouts/", DETAILS, format="json", HTTP_IDEMPOTENCY_KEY="twice")
    assert (placed.status_code, replayed.status_code) == (201, 200)
    checkout = Checkout.objects.get(buyer=buyer, idempotency_key="twice")
    assert placed.json() == replayed.json() == s.CheckoutOut(checkout).data
