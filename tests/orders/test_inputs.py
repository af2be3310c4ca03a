"""What people and programs type reaches the orders services one way: the schemas of orders/inputs.py on the
API's JSON, on its form-encoded bodies and on the pages. Quantities read in their unit ("1.000" is a thousand
kilograms, "1,5 tấn" is 1.500 kg), bad query parameters are a clear 400 everywhere, too long is an error
(never cut) and money is bounded with the limit named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from catalog.models import HarvestLot
from market.core.errors import ValidationFailed
from market.core.inputs import InputMode, read_input
from market.organisations.models import Role
from orders import inputs, services
from orders.commands import CheckoutDetails
from orders.models import CartLine, Checkout, Order
from tests.catalog.factories import make_lot, make_product
from tests.factories import member
from tests.orders.factories import DETAILS, only_order, place

pytestmark = pytest.mark.django_db
D = Decimal
HUGE = "9" * 20


@pytest.fixture
def buyer_user(buyer):
    return member(buyer, Role.OWNER)


# --- quantities as people write them ------------------------------------------------------------
@pytest.mark.parametrize(("typed", "stored"), [("1.000", D(1000)), ("1,5 tấn", D(1500)), ("2 tạ", D(200))])
def test_a_cart_quantity_is_read_in_the_products_unit_on_the_page(client, buyer_user, rice, typed, stored):
    """ "1.000" used to become 1 kg (the page replaced "," by "." and read the rest as English)."""
    client.force_login(buyer_user)
    response = client.post(reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": typed})
    assert response.status_code == 302
    assert CartLine.objects.get().quantity == stored


def test_the_api_reads_json_canonically_and_form_bodies_as_typed(api, buyer_user, rice):
    client = api(buyer_user)
    assert (
        client.post("/api/v1/cart/lines/", {"product": rice[0].pk, "quantity": "1000"}, format="json").status_code
        == 201
    )
    refused = client.post("/api/v1/cart/lines/", {"product": rice[0].pk, "quantity": "1.000,5"}, format="json")
    assert refused.status_code == 400
    assert "quantity" in refused.json()["error"]["fields"]
    CartLine.objects.all().delete()
    with translation.override("vi"):
        typed = client.post("/api/v1/cart/lines/", {"product": rice[0].pk, "quantity": "1,5 tấn"}, format="multipart")
    assert typed.status_code == 201, typed.content
    assert CartLine.objects.get().quantity == D(1500)


def test_per_line_quantities_read_in_each_lines_unit():
    posted = QueryDict(mutable=True)
    posted.update({"quantities.7": "1,2 tấn", "quantities.8": "24", "quantities.9": "", "note": "Cân tại kho"})
    with translation.override("vi"):
        fields = read_input(
            inputs.DeliverInput,
            posted,
            mode=InputMode.FORM,
            context={"line_units": {7: "kg", 8: "chai", 9: "kg"}},
        )
    assert fields == {"quantities": {7: D(1200), 8: D(24)}, "note": "Cân tại kho"}
    with translation.override("vi"), pytest.raises(ValidationFailed) as refused:
        read_input(
            inputs.ShipInput,
            {"quantities": {"7": "1.5", "abc": "1"}},
            mode=InputMode.JSON,
            context={"line_units": {7: "kg"}},
        )
    assert set(refused.value.fields) == {"quantities.abc"}


def test_the_confirm_form_reads_the_quantities_a_cooperative_types(client, buying, coop_owner, rice):
    order = only_order(place(buying, [(rice[0], "1000")]))
    line = order.lines.get()
    client.force_login(coop_owner)
    client.post(
        reverse("frontend:order-action", args=[order.pk, "confirm"]),
        {f"quantities.{line.pk}": "0,75 tấn", "confirm-note": "Mưa lớn, chỉ còn 750 kg"},
    )
    line.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, line.quantity_confirmed) == ("changes_proposed", D(750))
    assert order.events.last().note == "Mưa lớn, chỉ còn 750 kg"


def test_a_refused_quantity_keeps_what_was_typed_next_to_its_line(client, buying, coop_owner, rice):
    order = only_order(place(buying, [(rice[0], "1000")]))
    line = order.lines.get()
    client.force_login(coop_owner)
    response = client.post(
        reverse("frontend:order-action", args=[order.pk, "confirm"]), {f"quantities.{line.pk}": "1,200"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="1,200"' in page
    assert f'id="c-{line.pk}-error"' in page
    assert Order.objects.get(pk=order.pk).status == "placed"


# --- query parameters: one parser per list, a 400 that names the field -------------------------
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/orders/?buyer=" + HUGE, "buyer"),
        ("/api/v1/orders/?cooperative=abc", "cooperative"),
        ("/api/v1/orders/?status=lost", "status"),
        ("/api/v1/orders/?placed_from=31/02/2026", "placed_from"),
        ("/api/v1/invoices/?order=abc", "order"),
        ("/api/v1/invoices/?order=" + HUGE, "order"),
        ("/api/v1/invoices/export/?format=xml", "format"),
        ("/api/v1/invoices/export/?order=abc&format=csv", "order"),
        ("/api/v1/shipments/?order=" + HUGE, "order"),
        ("/api/v1/shipments/?order=-1", "order"),
        ("/api/v1/rfqs/?status=maybe", "status"),
        ("/api/v1/sales-summary/?since=hôm qua", "since"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_field(api, buyer_user, path, field):
    response = api(buyer_user).get(path)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_list_filters_read_vietnamese_dates_and_ids(api, buying, buyer_user, rice):
    order = only_order(place(buying, [(rice[0], "100")]))
    today = order.created_at.date().strftime("%d/%m/%Y")
    found = api(buyer_user).get(f"/api/v1/orders/?placed_from={today}&cooperative={order.cooperative_id}").json()
    assert [row["number"] for row in found["results"]] == [order.number]
    assert api(buyer_user).get(f"/api/v1/shipments/?order={order.pk}").status_code == 200


@pytest.mark.parametrize("query", [f"?buyer={HUGE}", "?placed_from=hôm nay", "?status=lost"])
def test_the_order_list_page_answers_a_bad_filter_with_a_400_page(client, buyer_user, query):
    client.force_login(buyer_user)
    response = client.get(reverse("frontend:orders") + query)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()


def test_the_rfq_list_page_filters_by_status(client, buyer_user):
    assert client.get(reverse("frontend:rfqs") + "?status=open").status_code in (200, 302)
    client.force_login(buyer_user)
    assert client.get(reverse("frontend:rfqs") + "?status=open").status_code == 200
    assert client.get(reverse("frontend:rfqs") + "?status=maybe").status_code == 400


# --- nothing is cut -----------------------------------------------------------------------------
def test_too_long_is_an_error_never_cut(api, buyer_user, buying, rice):
    services.cart_line_set(actor=buying, product_id=rice[0].pk, quantity=D(100))
    client = api(buyer_user)
    response = client.post("/api/v1/checkouts/", {**DETAILS, "po_number": "P" * 41, "note": "x" * 1001}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"po_number", "note"}
    key = client.post("/api/v1/checkouts/", DETAILS, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert key.status_code == 400
    assert "idempotency_key" in key.json()["error"]["fields"]
    assert not Checkout.objects.exists()


def test_the_checkout_page_keeps_what_was_typed_when_refused(client, buyer_user, buying, rice):
    services.cart_line_set(actor=buying, product_id=rice[0].pk, quantity=D(100))
    client.force_login(buyer_user)
    form = client.get(reverse("frontend:checkout")).content.decode()
    key = form.split('name="key" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        reverse("frontend:checkout"),
        {"key": key, "po_number": "PO-" + "9" * 40, "delivery_from": "31/02/2027", "note": "Giao buổi sáng"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "PO-" + "9" * 40 in page
    assert "Giao buổi sáng" in page
    assert "31/02/2027" in page
    assert not Checkout.objects.exists()


# --- bounded money ------------------------------------------------------------------------------
@pytest.fixture
def gold_rice(cooperative):
    """A price at the top of what a tier may hold, with stock beyond any real order."""
    product = make_product(cooperative, name="Gạo đắt", tiers=[("10", 9_999_999_999)], moq="10", order_multiple="10")
    make_lot(product, code="VANG-1", quantity="99999999999")
    return product


def test_a_line_beyond_the_bound_is_a_400_naming_the_limit(api, buyer_user, gold_rice):
    """9.999.999.999 ₫/kg × 9.999.999.990 kg answered 500 (OverflowError) at checkout."""
    response = api(buyer_user).post(
        "/api/v1/cart/lines/", {"product": gold_rice.pk, "quantity": "9999999990"}, format="json"
    )
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["quantity"]
    assert "999.999.999.999" in message
    assert not CartLine.objects.exists()


def test_an_order_beyond_the_bound_is_refused_at_checkout(api, buyer_user, buying, gold_rice, cooperative):
    """Two lines, each within the bound, that together pass it."""
    second = make_product(cooperative, name="Gạo đắt 2", tiers=[("10", 9_999_999_999)], moq="10", order_multiple="10")
    make_lot(second, code="VANG-2", quantity="1000")
    services.cart_line_set(actor=buying, product_id=gold_rice.pk, quantity=D(90))
    services.cart_line_set(actor=buying, product_id=second.pk, quantity=D(90))
    lot_before = HarvestLot.objects.get(code="VANG-1").quantity_available
    response = api(buyer_user).post("/api/v1/checkouts/", DETAILS, format="json")
    assert response.status_code == 400, response.content
    assert "999.999.999.999" in str(response.json()["error"])
    assert not Order.objects.exists()
    assert HarvestLot.objects.get(code="VANG-1").quantity_available == lot_before
    with pytest.raises(ValidationFailed):
        services.checkout_place(actor=buying, details=CheckoutDetails(**DETAILS))


# --- the largest quantity ------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["99.999.999.999,001", "99.999.999.999,999"])
def test_the_largest_quantities_an_input_accepts_are_refused_for_their_real_reason(client, buyer_user, rice, typed):
    """The input accepts up to 99.999.999.999,999 (what the column holds) but the cart's own bound was
    99.999.999.999, refused as "at most 3 decimals"; now there is one bound and the refusal says why."""
    client.force_login(buyer_user)
    response = client.post(
        reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": typed}, follow=True
    )
    told = [str(message) for message in response.context["messages"]]
    assert told == ["Hãy đặt theo bội số của 50 kg, ví dụ 99.999.999.950 kg."], told  # not beyond the bound
    assert not CartLine.objects.exists()


def test_a_quantity_beyond_the_bound_names_it(rice):
    from catalog.selectors import quantity_validate

    with translation.override("vi"), pytest.raises(ValidationFailed) as caught:
        quantity_validate(product=rice[0], quantity=D("100000000000"))
    assert caught.value.fields["quantity"] == ["Nhập nhiều nhất 99.999.999.999,999."]
