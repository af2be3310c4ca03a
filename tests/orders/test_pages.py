"""Order pages: the cart, a double-click-safe checkout, the order lists and the detail with its actions."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from market.organisations.models import Role
from orders.models import CartLine, Checkout, Order, OrderStatus
from tests.factories import member
from tests.orders.factories import only_order, place

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_user(buyer):
    return member(buyer, Role.OWNER)


@pytest.fixture
def coop_user(cooperative):
    return member(cooperative, Role.OWNER)


def key_of(page):
    return re.search(r'name="key" value="([0-9a-f]+)"', page.content.decode()).group(1)


def test_cart_to_checkout_twice_places_once(client, buyer_user, rice, fish_sauce):
    client.force_login(buyer_user)
    client.post(reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": "150"})
    client.post(reverse("frontend:cart"), {"action": "add", "product": fish_sauce[0].pk, "quantity": "24"})
    cart = client.get(reverse("frontend:cart")).content.decode()
    assert "Nước mắm Phú Quốc" in cart
    assert "4.800.000" in cart
    form = client.get(reverse("frontend:checkout"))
    data = {"key": key_of(form), "delivery_address": "Kho 3, KCN Tân Tạo", "invoice_email": "kt@mua.example"}
    first = client.post(reverse("frontend:checkout"), data)
    second = client.post(reverse("frontend:checkout"), data)  # the double click
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Checkout.objects.count() == 1
    assert Order.objects.count() == 2
    done = client.get(first["Location"]).content.decode()
    assert done.count('class="card placed-order"') == 2
    assert not CartLine.objects.exists()


def test_the_checkout_form_sent_again_with_other_details_is_told_in_a_page_s_words(client, api, buyer_user, rice):
    """Its key is the form's hidden one: the page tells the person to reload it, where the API tells its client to
    send the request with a new Idempotency-Key."""
    client.force_login(buyer_user)
    client.post(reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": "150"})
    data = {"key": key_of(client.get(reverse("frontend:checkout"))), "delivery_address": "Kho 3, KCN Tân Tạo"}
    assert client.post(reverse("frontend:checkout"), data).status_code == 302
    client.post(reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": "200"})  # the next

    page = client.post(
        reverse("frontend:checkout"), {**data, "delivery_address": "Kho 5, KCN Tân Tạo"}, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    answer = api(buyer_user).post(
        "/api/v1/checkouts/",
        {"delivery_address": "Kho 5, KCN Tân Tạo"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=data["key"],
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert "Biểu mẫu này đã được gửi với giá trị khác: hãy tải lại trang." in page
    assert "khóa mới" not in page
    assert answer.json()["error"] == {
        "code": "idempotency_key_reused",
        "message": "Idempotency-Key này đã được dùng cho một lượt đặt hàng khác; "
        "hãy dùng khóa mới cho lượt đặt hàng mới.",
    }
    assert Checkout.objects.count() == 1


def test_a_deliver_by_day_in_the_past_is_refused_and_the_checkout_keeps_what_was_typed(client, buyer_user, rice):
    # Only "deliver from" was checked against today: a "deliver by" of 01/01/1900 alone placed the order.
    client.force_login(buyer_user)
    client.post(reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": "150"})
    form = client.get(reverse("frontend:checkout"))
    data = {
        "key": key_of(form),
        "delivery_address": "Kho 3, KCN Tân Tạo",
        "invoice_email": "kt@mua.example",
        "delivery_to": "01/01/1900",
    }
    response = client.post(reverse("frontend:checkout"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Hạn giao hàng không thể là một ngày đã qua." in page
    assert 'value="01/01/1900"' in page
    assert 'value="Kho 3, KCN Tân Tạo"' in page or "Kho 3, KCN Tân Tạo</textarea>" in page
    assert not Checkout.objects.exists()
    assert CartLine.objects.exists()


def test_add_to_cart_error_is_shown(client, buyer_user, rice):
    client.force_login(buyer_user)
    page = client.post(
        reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": "120"}, follow=True
    )
    assert "150 kg" in page.content.decode()
    assert not CartLine.objects.exists()


def test_a_cart_line_already_removed_is_not_a_missing_page(client, buyer_user, rice, fish_sauce):
    # "Remove" pressed twice (or a line removed in another tab, then changed here): the second request found no
    # line and answered the site's 404 page instead of the cart.
    client.force_login(buyer_user)
    client.post(reverse("frontend:cart"), {"action": "add", "product": rice[0].pk, "quantity": "150"})
    client.post(reverse("frontend:cart"), {"action": "add", "product": fish_sauce[0].pk, "quantity": "24"})
    line = CartLine.objects.get(product=rice[0])
    remove = {"action": "remove", "line": line.pk}
    assert client.post(reverse("frontend:cart"), remove).status_code == 302
    again = client.post(reverse("frontend:cart"), remove, follow=True)
    assert again.status_code == 200
    assert "Nước mắm Phú Quốc" in again.content.decode()  # the cart, with what is left in it
    stale = client.post(reverse("frontend:cart"), {"action": "update", "line": line.pk, "quantity": "200"}, follow=True)
    assert stale.status_code in (200, 400)
    assert [str(m) for m in stale.context["messages"]], "told that the line is no longer there"
    assert list(CartLine.objects.values_list("product", flat=True)) == [fish_sauce[0].pk]


def test_cooperative_confirms_and_ships_from_the_detail_page(client, buying, coop_user, rice):
    order = only_order(place(buying, [(rice[0], "1000")]))
    line = order.lines.get()
    client.force_login(coop_user)
    inbox = client.get(reverse("frontend:orders")).content.decode()
    assert order.number in inbox
    # The quantity is shown the way a Vietnamese person writes it, and reads back as itself.
    page = client.get(reverse("frontend:order-detail", args=[order.pk])).content.decode()
    assert f'name="quantities.{line.pk}" inputmode="decimal" autocomplete="off" value="1.000"' in page
    client.post(reverse("frontend:order-action", args=[order.pk, "confirm"]), {f"quantities.{line.pk}": "1.000"})
    order.refresh_from_db()
    assert order.status == "confirmed"
    client.post(
        reverse("frontend:order-action", args=[order.pk, "ship"]),
        {f"quantities.{line.pk}": "400", "ship-carrier": "Xe HTX", "ship-vehicle": "68C-123.45"},
    )
    order.refresh_from_db()
    assert order.status == "partly_shipped"
    detail = client.get(reverse("frontend:order-detail", args=[order.pk])).content.decode()
    assert "68C-123.45" in detail
    assert "status-partly_shipped" in detail


def test_order_pages_are_scoped(client, buying, rice, other_cooperative):
    order = only_order(place(buying, [(rice[0], "100")]))
    client.force_login(member(other_cooperative, Role.OWNER))
    assert client.get(reverse("frontend:order-detail", args=[order.pk])).status_code == 404
    assert client.post(reverse("frontend:order-action", args=[order.pk, "confirm"])).status_code == 404
    assert Order.objects.get(pk=order.pk).status == "placed"
    assert order.number not in client.get(reverse("frontend:orders")).content.decode()


def test_an_action_refused_because_the_order_moved_on_says_why(client, buying, coop_user, rice):
    # The cooperative's page still shows "Confirm" while the buyer has just cancelled: the refusal was
    # rendered with the action's form, which the page no longer shows, so the answer was a 400 without a word.
    from orders import services

    order = only_order(place(buying, [(rice[0], "100")]))
    services.order_cancel(actor=buying, order_id=order.pk, reason="Đặt nhầm")
    client.force_login(coop_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"
    response = client.post(reverse("frontend:order-action", args=[order.pk, "confirm"]))
    assert response.status_code == 400
    messages = [str(m) for m in response.context["messages"]]
    assert messages, "the person is told why nothing happened"
    assert all(text in response.content.decode() for text in messages)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_confirming_less_than_ordered_does_not_say_the_order_is_confirmed(client, buying, coop_user, rice):
    # Lowering a quantity proposes changes the buyer must accept; the page said "Order confirmed." all the same.
    order = only_order(place(buying, [(rice[0], "1000")]))
    line = order.lines.get()
    client.force_login(coop_user)
    url = reverse("frontend:order-action", args=[order.pk, "confirm"])
    page = client.post(url, {f"quantities.{line.pk}": "900"}, follow=True)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CHANGES_PROPOSED
    told = [str(m) for m in page.context["messages"]]
    assert told
    assert not any("Order confirmed" in text or "Đã xác nhận đơn hàng" in text for text in told)


def test_sales_summary_draws_a_chart(client, buying, selling, coop_user, rice):
    from orders import services

    order = only_order(place(buying, [(rice[0], "1000")]))
    services.order_confirm(actor=selling, order_id=order.pk)
    client.force_login(coop_user)
    page = client.get(reverse("frontend:sales")).content.decode()
    assert "<svg" in page
    assert "29.000.000" in page
    assert "Gạo ST25" in page
    assert "<script" not in page.split("<main", 1)[1]


def test_buyer_history_filters_and_reorder(client, buying, buyer_user, rice):
    order = only_order(place(buying, [(rice[0], "100")]))
    client.force_login(buyer_user)
    assert order.number in client.get(reverse("frontend:orders") + "?status=placed").content.decode()
    assert order.number not in client.get(reverse("frontend:orders") + "?status=shipped").content.decode()
    client.post(reverse("frontend:order-reorder", args=[order.pk]))
    assert CartLine.objects.get().quantity == 100


def test_invoice_pdf_download(client, buying, selling, buyer_user, rice):
    from orders import services
    from orders.models import Invoice

    order = only_order(place(buying, [(rice[0], "100")]))
    line = order.lines.get()
    services.order_confirm(actor=selling, order_id=order.pk)
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("100")})
    services.order_deliver(actor=selling, order_id=order.pk)
    client.force_login(buyer_user)
    response = client.get(reverse("frontend:invoice-pdf", args=[Invoice.objects.get().pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
