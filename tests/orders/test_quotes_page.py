"""Quotes through the request page, as a cooperative and a buyer met them: "valid until" answered 500 and lost
what was typed; the form dropped the request's unit ("2 tấn" became 2 kg at 29.000 ₫), ignored the minimum,
the order multiple and the stock (accepting then failed on stock); the order lost the request's delivery
window. Quotes now show unit, unit price and total, side by side for the buyer."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from market.core.quantity import Unit
from market.organisations.models import Role
from orders import services
from orders.models import Order, Quote
from tests.factories import member
from tests.matrix import shown_actions
from tests.orders.factories import rfq_request, stocked_product

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def rfq(buying, rice):
    """The buyer asks for 2 tấn of the cooperative's ST25 rice (sold by the kg)."""
    return services.rfq_create(actor=buying, request=rfq_request(rice[0], quantity=D(2), unit=Unit.TAN))


@pytest.fixture
def coop_page(client, cooperative):
    client.force_login(member(cooperative, Role.MANAGER))
    return client


def quote(client, rfq, **typed):
    return client.post(reverse("frontend:rfq", args=[rfq.pk]), {"action": "quote", **typed})


def test_a_quote_valid_until_a_day_is_stored_to_the_end_of_that_day(coop_page, rfq, rice):
    """The date picker sends yyyy-mm-dd: compared naive with aware, it answered 500."""
    next_year = timezone.localdate().year + 1
    for valid_until in (f"{next_year}-03-09", f"10/03/{next_year}"):
        response = quote(
            coop_page, rfq, product=rice[0].pk, quantity="2.000", unit_price="29.000", valid_until=valid_until
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
        stored = Quote.objects.latest("pk")
        day = date(next_year, 3, 9) if "-" in valid_until else date(next_year, 3, 10)
        assert timezone.localtime(stored.valid_until) == timezone.make_aware(datetime.combine(day, time(23, 59)))
        stored.status = "withdrawn"
        stored.save()


def test_the_quote_form_reads_the_requests_unit_and_keeps_what_was_typed_when_refused(coop_page, rfq, rice):
    form = coop_page.get(reverse("frontend:rfq", args=[rfq.pk])).content.decode()
    assert 'value="2.000"' in form  # 2 tấn asked, offered in the product's kg
    assert "Số lượng (kg)" in form
    assert "Đơn giá (₫/kg)" in form

    response = quote(coop_page, rfq, product=rice[0].pk, quantity="2 tấn", unit_price="0", note="Gạo vụ Đông Xuân")
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="2 tấn"' in page
    assert "Gạo vụ Đông Xuân" in page
    assert not Quote.objects.exists()

    assert quote(coop_page, rfq, product=rice[0].pk, quantity="2 tấn", unit_price="29.000").status_code == 302
    stored = Quote.objects.get()
    assert (stored.quantity, stored.unit, stored.unit_price, stored.amount) == (D(2000), "kg", 29000, 58_000_000)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("120", "150 kg"),  # below the minimum: the nearest orderable quantities are suggested
        ("1.020", "1.000 kg hoặc 1.050 kg"),  # not a multiple of 50 kg (grouped as Vietnamese write numbers)
        ("6 tấn", "5.000 kg"),  # more than in stock
    ],
)
def test_a_quote_must_be_orderable_and_in_stock(coop_page, rfq, rice, typed, message):
    response = quote(coop_page, rfq, product=rice[0].pk, quantity=typed, unit_price="29.000")
    assert response.status_code == 400
    assert message in response.content.decode().replace("&nbsp;", "\u00a0")
    assert not Quote.objects.exists()


def test_a_product_counted_in_pieces_cannot_answer_a_request_by_weight(rfq, fish_sauce, other_cooperative):
    from market.core.errors import ValidationFailed
    from tests.catalog.factories import actor_for

    with pytest.raises(ValidationFailed) as refused:
        services.quote_submit(
            actor=actor_for(other_cooperative, Role.OWNER),
            rfq_id=rfq.pk,
            product_id=fish_sauce[0].pk,
            quantity=D(24),
            unit_price=95000,
        )
    assert set(refused.value.fields) == {"product"}


def test_the_buyer_compares_quotes_and_the_order_keeps_the_requests_window(
    client, rfq, rice, selling, buyer, other_cooperative
):
    services.quote_submit(actor=selling, rfq_id=rfq.pk, product_id=rice[0].pk, quantity=D(2000), unit_price=29000)
    other_rice, _lot = stocked_product(other_cooperative, code="KHAC-01", name="Gạo ST25 Sóc Trăng")
    from tests.catalog.factories import actor_for

    cheaper = services.quote_submit(
        actor=actor_for(other_cooperative, Role.OWNER),
        rfq_id=rfq.pk,
        product_id=other_rice.pk,
        quantity=D(2000),
        unit_price=28500,
    )
    client.force_login(member(buyer, Role.STAFF))
    page = client.get(reverse("frontend:rfq", args=[rfq.pk])).content.decode()
    table = page.split('class="table-wrap quote-compare"', 1)[1].split("</table>", 1)[0]
    for text in (
        "HTX Khác",
        "2.000\u00a0kg",
        "29.000\u00a0₫/kg",
        "28.500\u00a0₫/kg",
        "58.000.000\u00a0₫",
        "57.000.000\u00a0₫",
    ):
        assert text in table, text
    assert shown_actions(table) == {"accept"}

    response = client.post(reverse("frontend:rfq", args=[rfq.pk]), {"action": "accept", "quote": cheaper.pk})
    order = Order.objects.get()
    assert response["Location"] == reverse("frontend:order-detail", args=[order.pk])
    assert (order.checkout.delivery_from, order.checkout.delivery_to) == (rfq.delivery_from, rfq.delivery_to)
    assert order.checkout.delivery_province_code == rfq.delivery_province_code
    line = order.lines.get()
    assert (line.quantity_ordered, line.unit, line.unit_price) == (D(2000), "kg", 28500)
