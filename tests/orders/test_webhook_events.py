"""Each order, invoice, RFQ and quote change emits its webhook event, in its transaction, to the organisations
on both sides, with `data` equal to the API's answer for the object."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from orders import services
from orders.commands import CheckoutDetails
from tests.integrations.helpers import events_for, listen
from tests.orders.factories import DETAILS, only_order, place, rfq_request

pytestmark = pytest.mark.django_db
D = Decimal


def api_body(user, path: str) -> dict:
    client = APIClient()
    client.force_login(user)
    return client.get(path).json()


def test_the_order_lifecycle_emits_its_events_with_the_apis_data(buying, selling, rice, buyer, cooperative):
    listen(buyer, cooperative)
    product, _lot = rice
    order = only_order(place(buying, [(product, "1000")]))
    services.order_confirm(actor=selling, order_id=order.pk)
    line = order.lines.get()
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("1000")})
    services.order_deliver(actor=selling, order_id=order.pk)

    for organisation in (buyer, cooperative):
        for type_name in ("order.placed", "order.confirmed", "order.shipped", "order.delivered", "invoice.issued"):
            assert len(events_for(organisation, type_name)) == 1, (organisation, type_name)
    [delivered] = events_for(buyer, "order.delivered")
    api = api_body(buying.user, f"/api/v1/orders/{order.pk}/")
    assert delivered.data == {**api, "allowed_actions": []}
    [invoice] = events_for(cooperative, "invoice.issued")
    assert invoice.data == api_body(selling.user, f"/api/v1/invoices/{invoice.data['id']}/")
    assert events_for(buyer, "order.placed")[0].data["status"] == "placed"


def test_a_cancellation_emits_order_cancelled(buying, rice, buyer, cooperative):
    listen(buyer, cooperative)
    order = only_order(place(buying, [(rice[0], "1000")]))
    services.order_cancel(actor=buying, order_id=order.pk)
    assert events_for(cooperative, "order.cancelled")[0].data["status"] == "cancelled"


def test_rfq_quote_and_acceptance_emit_to_the_right_side(buying, selling, rice, buyer, cooperative):
    listen(buyer, cooperative)
    product, _lot = rice
    rfq = services.rfq_create(actor=buying, request=rfq_request(product))
    quote = services.quote_submit(
        actor=selling, rfq_id=rfq.pk, product_id=product.pk, quantity=D("2000"), unit_price=27500
    )
    services.quote_accept(actor=buying, quote_id=quote.pk, details=CheckoutDetails(**DETAILS))

    assert [e.data["id"] for e in events_for(cooperative, "rfq.received")] == [rfq.pk]
    assert events_for(buyer, "rfq.received") == []
    assert [e.data["unit_price"] for e in events_for(buyer, "quote.received")] == [27500]
    assert [e.data["status"] for e in events_for(cooperative, "quote.accepted")] == ["accepted"]
    assert len(events_for(cooperative, "order.placed")) == 1


class _Abandoned(Exception):
    pass


def _place_then_fail(buying, rice) -> None:
    with transaction.atomic():
        place(buying, [(rice[0], "1000")])
        raise _Abandoned


def test_a_rolled_back_change_leaves_no_event(buying, rice, buyer):
    listen(buyer)
    with pytest.raises(_Abandoned):
        _place_then_fail(buying, rice)
    assert events_for(buyer, "order.placed") == []
