"""What orders, requests for quotation and quotes tell people, through the notification outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from catalog.models import Category
from market.notifications.models import Channel, Notification
from market.notifications.registry import get_kind
from market.notifications.rendering import render_email, render_inbox_line
from orders import services
from orders.commands import CheckoutDetails
from tests.orders.factories import DETAILS, only_order, place, rfq_request

D = Decimal
pytestmark = pytest.mark.django_db


def told(kind: str) -> list[tuple[int, str]]:
    """(organisation, object id) of the in-app rows of `kind`, in the order written."""
    rows = Notification.objects.filter(kind=kind, channel=Channel.IN_APP).order_by("pk")
    return [(row.organisation_id, row.object_id) for row in rows]


def test_an_order_tells_the_cooperative_and_the_buyer_and_its_delivery_sends_the_invoice(
    buying, selling, rice, cooperative, buyer
):
    order = only_order(place(buying, [(rice[0], "1000")]))
    assert told("orders.received") == [(cooperative.pk, str(order.pk))]
    assert told("orders.placed") == [(buyer.pk, str(order.pk))]
    # The invoice e-mail of the checkout gets the confirmation too, without an account.
    assert Notification.objects.filter(kind="orders.placed", recipient_address=DETAILS["invoice_email"]).exists()

    services.order_confirm(actor=selling, order_id=order.pk)
    line = order.lines.get()
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("1000")})
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D("990")})
    assert told("orders.delivered") == [(buyer.pk, str(order.pk))]
    delivered = Notification.objects.get(kind="orders.delivered", channel=Channel.IN_APP)
    assert delivered.context["invoice_number"] == order.invoices.get().display_number
    assert delivered.context["total_vnd"] == type(order).objects.get(pk=order.pk).total


def test_a_request_reaches_the_cooperatives_that_sell_it_and_quotes_reach_the_buyer(
    buying, selling, rice, fish_sauce, cooperative, other_cooperative, buyer
):
    by_product = services.rfq_create(actor=buying, request=rfq_request(rice[0]))
    assert told("orders.rfq_received") == [(cooperative.pk, str(by_product.pk))]

    Notification.objects.all().delete()
    sauce_category = Category.objects.get(slug="nuoc-mam")
    by_category = services.rfq_create(actor=buying, request=rfq_request(category_id=sauce_category.pk))
    assert told("orders.rfq_received") == [(other_cooperative.pk, str(by_category.pk))]  # rice sellers are not asked

    quote = services.quote_submit(
        actor=selling, rfq_id=by_product.pk, product_id=rice[0].pk, quantity=D("1000"), unit_price=30000
    )
    assert told("orders.quote_received") == [(buyer.pk, str(quote.pk))]
    assert Notification.objects.get(kind="orders.quote_received", channel=Channel.IN_APP).context["unit"] == "kg"

    order = services.quote_accept(actor=buying, quote_id=quote.pk, details=CheckoutDetails(**DETAILS))
    # One message to the cooperative for the order its quote won, not a second "new order" one.
    assert told("orders.quote_accepted") == [(cooperative.pk, str(order.pk))]
    assert told("orders.received") == []


def test_quantities_in_quotation_messages_are_written_in_the_recipients_language_not_the_senders(
    buying, selling, rice, buyer
):
    """A buyer working in English asked for 2,000.5 kg: the cooperative reading Vietnamese was told "2,000.5 kg"
    (two kilograms, to a Vietnamese reader), because the quantity was written into the message in the sender's
    language when it was queued."""
    with translation.override("en"):
        rfq = services.rfq_create(actor=buying, request=rfq_request(rice[0], quantity=D("2000.5")))
    with translation.override("en"):
        quote = services.quote_submit(
            actor=selling, rfq_id=rfq.pk, product_id=rice[0].pk, quantity=D("1500"), unit_price=30000
        )
    asked = Notification.objects.get(kind="orders.rfq_received", channel=Channel.IN_APP).context
    quoted = Notification.objects.get(kind="orders.quote_received", channel=Channel.IN_APP).context
    assert str(quote.pk) == Notification.objects.get(kind="orders.quote_received", channel=Channel.IN_APP).object_id

    for kind, context, vietnamese, english in [
        ("orders.rfq_received", asked, "2.000,5 kg", "2,000.5 kg"),
        ("orders.quote_received", quoted, "1.500 kg", "1,500 kg"),
    ]:
        assert vietnamese in render_email(get_kind(kind), context, language="vi").text
        assert english in render_email(get_kind(kind), context, language="en").text
    assert "2.000,5 kg" in render_inbox_line(get_kind("orders.rfq_received"), asked, language="vi")
    assert "2,000.5 kg" in render_inbox_line(get_kind("orders.rfq_received"), asked, language="en")


def test_a_quotation_message_queued_before_quantities_were_kept_as_numbers_still_shows_its_quantity():
    """Rows queued by the previous code hold the quantity as text in the sender's language, with its unit."""
    old = {**get_kind("orders.rfq_received").sample_context, "quantity": "20 tấn"}
    old.pop("quantity_value", None)

    assert "20 tấn" in render_email(get_kind("orders.rfq_received"), old, language="vi").text
