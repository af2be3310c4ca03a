"""Requests for quotation: a buyer asks, cooperatives quote, the accepted quote becomes an order."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from catalog.models import HarvestLot
from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.core.inputs import InputMode, read_input
from market.organisations.models import Role
from orders import services
from orders.commands import CheckoutDetails
from orders.inputs import RfqInput
from orders.models import Order, Quote, Rfq
from orders.selectors import quotes_for, rfq_list_for
from orders.services.rfq import end_of_day
from tests.catalog.factories import actor_for
from tests.orders.factories import DETAILS, rfq_data, rfq_request, stocked_product

pytestmark = pytest.mark.django_db
D = Decimal


def test_quote_accepted_becomes_an_order_at_the_quoted_price(buying, selling, rice, other_cooperative):
    product, lot = rice
    rfq = services.rfq_create(actor=buying, request=rfq_request(product))
    other = actor_for(other_cooperative, Role.OWNER)
    other_rice, _lot = stocked_product(other_cooperative, code="KHAC-01")
    losing = services.quote_submit(
        actor=other, rfq_id=rfq.pk, product_id=other_rice.pk, quantity=D("2000"), unit_price=28000
    )
    quote = services.quote_submit(
        actor=selling, rfq_id=rfq.pk, product_id=product.pk, quantity=D("2000"), unit_price=27500
    )
    # A cooperative sees its own quote only; the buyer sees both.
    assert [q.pk for q in quotes_for(actor=selling, rfq=rfq)] == [quote.pk]
    assert len(quotes_for(actor=buying, rfq=rfq)) == 2
    order = services.quote_accept(actor=buying, quote_id=quote.pk, details=CheckoutDetails(**DETAILS))
    line = order.lines.get()
    assert (order.source, line.unit_price, line.quantity_ordered) == ("quote", 27500, D("2000"))
    assert order.total == 55_000_000 + 2_750_000
    assert HarvestLot.objects.get(pk=lot.pk).quantity_available == D("3000")
    assert Rfq.objects.get(pk=rfq.pk).status == "awarded"
    assert Quote.objects.get(pk=losing.pk).status == "declined"
    assert Quote.objects.get(pk=quote.pk).order_id == order.pk
    with pytest.raises(Conflict):
        services.quote_accept(actor=buying, quote_id=quote.pk, details=CheckoutDetails(**DETAILS))
    assert Order.objects.count() == 1


def test_expired_quote_cannot_be_accepted(buying, selling, rice):
    rfq = services.rfq_create(actor=buying, request=rfq_request(rice[0]))
    quote = services.quote_submit(
        actor=selling, rfq_id=rfq.pk, product_id=rice[0].pk, quantity=D("100"), unit_price=30000
    )
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict) as error:
        services.quote_accept(actor=buying, quote_id=quote.pk, details=CheckoutDetails(**DETAILS))
    assert error.value.code == "quote_expired"
    assert not Order.objects.exists()


def test_rfq_rules_and_scoping(buying, selling, rice, cooperative, other_cooperative, english):
    with pytest.raises(ValidationFailed) as error:
        read_input(RfqInput, {**rfq_data(), "quantity": "0"}, mode=InputMode.JSON)
    assert set(error.value.fields) == {"quantity"}
    with pytest.raises(ValidationFailed) as error:
        services.rfq_create(actor=buying, request=rfq_request(category_id=None))
    assert set(error.value.fields) == {"category"}
    with pytest.raises(PermissionDenied):
        services.rfq_create(actor=selling, request=rfq_request(rice[0]))
    rfq = services.rfq_create(actor=buying, request=rfq_request(rice[0]))
    assert list(rfq_list_for(actor=selling)) == [rfq]  # open requests are visible to cooperatives
    services.quote_submit(actor=selling, rfq_id=rfq.pk, product_id=rice[0].pk, quantity=D("100"), unit_price=30000)
    with pytest.raises(Conflict):
        services.quote_submit(actor=selling, rfq_id=rfq.pk, product_id=rice[0].pk, quantity=D("100"), unit_price=29000)
    # Only its own products can be quoted.
    with pytest.raises(ValidationFailed):
        services.quote_submit(
            actor=actor_for(other_cooperative),
            rfq_id=rfq.pk,
            product_id=rice[0].pk,
            quantity=D("1"),
            unit_price=1,
        )
    services.rfq_close(actor=buying, rfq_id=rfq.pk)
    with pytest.raises(Conflict):
        services.quote_submit(
            actor=actor_for(other_cooperative),
            rfq_id=rfq.pk,
            product_id=rice[0].pk,
            quantity=D("1"),
            unit_price=1,
        )
    with pytest.raises(NotFound):
        services.rfq_close(actor=selling, rfq_id=rfq.pk)


def test_rfq_api(api, buyer, cooperative, rice):
    from tests.factories import member

    buyer_user, coop_user = member(buyer, Role.STAFF), member(cooperative, Role.MANAGER)
    created = api(buyer_user).post("/api/v1/rfqs/", rfq_data(rice[0]), format="json")
    assert created.status_code == 201, created.content
    rfq_id = created.json()["id"]
    assert api(coop_user).post("/api/v1/rfqs/", rfq_data(rice[0]), format="json").status_code == 403
    quote = api(coop_user).post(
        f"/api/v1/rfqs/{rfq_id}/quotes/", {"product": rice[0].pk, "quantity": "500", "unit_price": 28000}, format="json"
    )
    assert quote.status_code == 201, quote.content
    detail = api(buyer_user).get(f"/api/v1/rfqs/{rfq_id}/").json()
    assert [q["unit_price"] for q in detail["quotes"]] == [28000]
    accepted = api(buyer_user).post(f"/api/v1/quotes/{quote.json()['id']}/accept/", DETAILS, format="json")
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["source"] == "quote"
    assert accepted.json()["lines"][0]["unit_price"] == 28000
    assert api(None).get("/api/v1/rfqs/").status_code in (401, 403)


def test_a_request_for_a_product_in_a_unit_it_is_not_sold_in_is_a_400(api, buyer, rice):
    """A request for rice sold by the kg, asked in bottles, was stored: only the rice's cooperative is asked, and
    it could never quote the rice ("the request is counted in chai")."""
    from tests.factories import member

    client = api(member(buyer, Role.STAFF))
    refused = client.post("/api/v1/rfqs/", rfq_data(rice[0], unit="chai"), format="json")
    assert refused.status_code == 400, refused.content
    assert set(refused.json()["error"]["fields"]) == {"unit"}
    assert not Rfq.objects.exists()
    # Another unit of mass converts: 2 tấn of a product sold by the kg is a fair request.
    in_tonnes = client.post("/api/v1/rfqs/", rfq_data(rice[0], unit="tan", quantity="2"), format="json")
    assert in_tonnes.status_code == 201, in_tonnes.content


def test_a_request_for_a_product_under_another_category_is_a_400(api, buyer, rice):
    """The request is stored under the category given: rice asked under "thủy sản" was saved as a seafood request
    (and matched with seafood supply); the product's own category or one above it is fine."""
    from catalog.models import Category
    from tests.factories import member

    client = api(member(buyer, Role.STAFF))
    seafood, rice_family = Category.objects.get(slug="thuy-san"), Category.objects.get(slug="gao")
    refused = client.post("/api/v1/rfqs/", rfq_data(rice[0], category=seafood.pk), format="json")
    assert refused.status_code == 400, refused.content
    assert set(refused.json()["error"]["fields"]) == {"category"}
    assert not Rfq.objects.exists()
    above = client.post("/api/v1/rfqs/", rfq_data(rice[0], category=rice_family.pk), format="json")
    assert above.status_code == 201, above.content


def test_quotes_are_taken_until_the_last_delivery_day_at_the_latest(buying, rice):
    # A request for delivery within 10-20 days taking quotes for a year: cooperatives quoted, the buyer accepted,
    # for a window long over.
    request = rfq_request(rice[0])
    last_day = end_of_day(request.delivery_to)
    with translation.override("vi"), pytest.raises(ValidationFailed) as refused:
        services.rfq_create(actor=buying, request=replace(request, closes_at=last_day + timedelta(days=300)))
    assert refused.value.fields == {
        "closes_at": [f"Chỉ nhận báo giá muộn nhất đến ngày giao hàng cuối cùng ({request.delivery_to:%d/%m/%Y})."]
    }
    assert services.rfq_create(actor=buying, request=replace(request, closes_at=last_day)).closes_at == last_day
    # Left blank, quotes close after a week, or on the last delivery day when that comes first.
    soon = replace(request, delivery_from=timezone.localdate(), delivery_to=timezone.localdate() + timedelta(days=2))
    assert services.rfq_create(actor=buying, request=soon).closes_at == end_of_day(soon.delivery_to)
