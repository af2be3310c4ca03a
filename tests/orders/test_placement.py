"""Cart and checkout placement: rules checked, one order per cooperative, exact totals, stock taken,
idempotency, payables and notifications written with the orders."""

from datetime import date
from decimal import Decimal

import pytest

from catalog.models import HarvestLot
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.notifications.models import Notification
from market.payments.models import Payable
from orders import services
from orders.commands import CheckoutDetails
from orders.models import CartLine, Checkout, Order, OrderAllocation, OrderEvent
from orders.services import IdempotencyMismatch
from orders.totals import TaxedAmount, totals_of
from tests.catalog.factories import make_lot, make_product
from tests.orders.factories import DETAILS, only_order, place, stocked_product

pytestmark = pytest.mark.django_db
D = Decimal


def test_cart_checks_moq_multiple_and_stock(buying, rice, english):
    product, lot = rice
    with pytest.raises(ValidationFailed) as below_moq:
        services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("50"))
    assert "minimum order is 100 kg" in below_moq.value.fields["quantity"][0]
    with pytest.raises(ValidationFailed) as not_multiple:
        services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("120"))
    assert "100 kg or 150 kg" in not_multiple.value.fields["quantity"][0]
    with pytest.raises(Conflict) as too_much:
        services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("5050"))
    assert too_much.value.code == "insufficient_stock"
    assert "5,000 kg" in too_much.value.message
    [line] = services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("150"))
    services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("100"), add=True)
    line.refresh_from_db()
    assert line.quantity == D("250")
    assert CartLine.objects.count() == 1
    lot.refresh_from_db()
    assert lot.quantity_available == D("5000")  # a cart holds no stock


def test_cart_refuses_unpublished_products_and_other_products_lots(buying, cooperative, rice):
    draft = make_product(cooperative, name="Gạo chưa đăng", publish=False)
    with pytest.raises(NotFound):
        services.cart_line_set(actor=buying, product_id=draft.pk, quantity=D("100"))
    _other, other_lot = stocked_product(cooperative, name="Gạo nếp", code="NEP-1")
    with pytest.raises(ValidationFailed):
        services.cart_line_set(actor=buying, product_id=rice[0].pk, lot_id=other_lot.pk, quantity=D("100"))


def test_an_order_is_due_by_its_sellers_payment_window_and_a_checkout_writes_no_settings(
    buying, rice, fish_sauce, other_cooperative
):
    """A cooperative that never chose sells on the default window (72 h) without a settings row being made
    by the checkout (it is made when something is written to it); another's own window counts."""
    from datetime import timedelta

    from orders.models import SellerSettings

    SellerSettings.objects.create(cooperative=other_cooperative, payment_window_hours=24)
    checkout = place(buying, [(rice[0], "100"), (fish_sauce[0], "24")])

    windows = {o.cooperative_id: o.payment_due_at - checkout.created_at for o in checkout.orders.all()}
    assert abs(windows[rice[0].cooperative_id] - timedelta(hours=72)) < timedelta(seconds=5)
    assert abs(windows[other_cooperative.pk] - timedelta(hours=24)) < timedelta(seconds=5)
    assert list(SellerSettings.objects.values_list("cooperative_id", flat=True)) == [other_cooperative.pk]


def test_checkout_places_one_order_per_cooperative_with_snapshots(
    buying, rice, fish_sauce, cooperative, other_cooperative
):
    product, lot = rice
    sauce, sauce_lot = fish_sauce
    checkout = place(buying, [(product, "1000"), (sauce, "24")])
    orders = list(checkout.orders.order_by("cooperative_id"))
    assert [o.cooperative_id for o in orders] == sorted([cooperative.pk, other_cooperative.pk])
    rice_order = next(o for o in orders if o.cooperative_id == cooperative.pk)
    line = rice_order.lines.get()
    # 1.000 kg is in the second tier (29.000 ₫); 5 % VAT.
    assert (line.unit_price, line.vat_rate_percent, line.product_name) == (29000, D("5"), product.name_vi)
    assert (rice_order.subtotal, rice_order.vat_total, rice_order.total) == (29_000_000, 1_450_000, 30_450_000)
    sauce_order = next(o for o in orders if o.cooperative_id == other_cooperative.pk)
    assert (sauce_order.subtotal, sauce_order.vat_total, sauce_order.total) == (2_280_000, 228_000, 2_508_000)
    assert checkout.total == 30_450_000 + 2_508_000
    assert rice_order.number.startswith("DH")
    assert checkout.number.startswith("CK")
    lot.refresh_from_db()
    sauce_lot.refresh_from_db()
    assert (lot.quantity_available, sauce_lot.quantity_available) == (D("4000"), D("576"))
    assert not CartLine.objects.exists()
    assert set(Payable.objects.values_list("kind", "object_id", "amount", "payee_id")) == {
        ("orders.order", str(rice_order.pk), 30_450_000, cooperative.pk),
        ("orders.order", str(sauce_order.pk), 2_508_000, other_cooperative.pk),
    }
    kinds = set(Notification.objects.values_list("kind", "recipient_address"))
    assert ("orders.placed", "ketoan@muahang.example") in kinds
    assert {k for k, _ in kinds} == {"orders.placed", "orders.received"}
    assert OrderEvent.objects.filter(action="placed").count() == 2


def test_a_line_without_a_lot_takes_from_the_first_lots_to_expire(buying, cooperative):
    from datetime import timedelta

    from django.utils import timezone

    product = make_product(cooperative)
    today = timezone.localdate()
    late = make_lot(product, code="LATE", quantity="300", expiry_date=today + timedelta(days=90))
    soon = make_lot(product, code="SOON", quantity="200", expiry_date=today + timedelta(days=10))
    order = only_order(place(buying, [(product, "400")]))
    taken = {a.lot_id: a.quantity for a in OrderAllocation.objects.filter(line__order=order)}
    assert taken == {soon.pk: D("200"), late.pk: D("200")}
    assert HarvestLot.objects.get(pk=soon.pk).quantity_available == 0


def test_not_enough_stock_rolls_everything_back(buying, rice, fish_sauce, english):
    product, lot = rice
    sauce, _ = fish_sauce
    services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("1000"))
    services.cart_line_set(actor=buying, product_id=sauce.pk, quantity=D("24"))
    HarvestLot.objects.filter(pk=lot.pk).update(quantity_available=D("900"))  # sold elsewhere meanwhile
    with pytest.raises(Conflict) as error:
        services.checkout_place(actor=buying, details=CheckoutDetails(**DETAILS), idempotency_key="k-1")
    assert error.value.code == "insufficient_stock"
    assert "only 900 kg left" in error.value.message
    assert not Checkout.objects.exists()
    assert not Order.objects.exists()
    assert not Payable.objects.exists()
    assert CartLine.objects.count() == 2
    assert HarvestLot.objects.get(pk=lot.pk).quantity_available == D("900")


def test_empty_cart_cannot_be_placed(buying):
    with pytest.raises(Conflict) as error:
        services.checkout_place(actor=buying, details=CheckoutDetails(**DETAILS))
    assert error.value.code == "cart_empty"


def test_same_key_same_body_returns_the_same_checkout(buying, rice):
    product, lot = rice
    first = place(buying, [(product, "100")], key="abc")
    services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("200"))  # a new cart meanwhile
    again, created = services.checkout_place(actor=buying, details=CheckoutDetails(**DETAILS), idempotency_key="abc")
    assert (again.pk, created) == (first.pk, False)
    assert Order.objects.count() == 1
    lot.refresh_from_db()
    assert lot.quantity_available == D("4900")


def test_same_key_different_body_is_refused(buying, rice):
    product, _ = rice
    place(buying, [(product, "100")], key="abc")
    with pytest.raises(IdempotencyMismatch) as error:
        services.checkout_place(
            actor=buying, details=CheckoutDetails(**{**DETAILS, "po_number": "PO-OTHER"}), idempotency_key="abc"
        )
    assert error.value.status_code == 422
    assert Checkout.objects.count() == 1


def test_keys_belong_to_their_buyer(buying, rice, cooperative):
    """Another buyer's identical key is another checkout."""
    from market.organisations.models import OrganisationKind, Role
    from tests.catalog.factories import actor_for
    from tests.factories import OrganisationFactory

    product, _ = rice
    place(buying, [(product, "100")], key="same")
    other = actor_for(OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty khác"), Role.OWNER)
    place(other, [(product, "100")], key="same")
    assert Checkout.objects.count() == 2


def test_totals_are_exact_for_billions(buying, cooperative):
    """30.000 tấn at 12.345 ₫/kg... as tấn at 12.345.678 ₫: 370.370.340.000 ₫ + 8 % VAT, no floats."""
    product = make_product(
        cooperative, name="Gạo xuất khẩu", unit="tan", moq="1", order_multiple="0.5", tiers=[("1", 12_345_678)],
        vat_category="vat-8",
    )  # fmt: skip
    make_lot(product, code="XK-1", quantity="40000")
    order = only_order(place(buying, [(product, "30000.5")]))
    assert order.subtotal == 370_376_512_839  # 12.345.678 × 30.000,5 = 370.376.512.839 exactly
    assert order.vat_total == 29_630_121_027  # 8 %, half-up
    assert order.total == 400_006_633_866
    assert order.total == order.subtotal + order.vat_total


def test_vat_is_computed_per_rate_on_the_sum_of_its_lines():
    totals = totals_of(
        [
            TaxedAmount(33333, D("1"), D("5")),
            TaxedAmount(33333, D("1"), D("5")),
            TaxedAmount(10001, D("3"), D("10")),
            TaxedAmount(5000, D("2"), D("0")),
            TaxedAmount(7000, D("1"), D("0"), exempt=True),
        ]
    )
    assert [(g.label, g.taxable, g.vat) for g in totals.groups] == [
        ("KCT", 7000, 0),  # not subject to VAT: its own line, printed KCT
        ("0%", 10000, 0),  # a 0 % rate (exports) is another line
        ("5%", 66666, 3333),  # 3.333,3 → 3.333 (per rate, not 1.666,65 × 2 rounded twice)
        ("10%", 30003, 3000),
    ]
    assert (totals.subtotal, totals.vat_total, totals.total) == (113669, 6333, 120002)


def test_a_produce_not_subject_to_vat_has_no_vat(buying, cooperative):
    product = make_product(cooperative, name="Lúa tươi", vat_category="khong-chiu-thue")
    make_lot(product, code="L-1", quantity="1000")
    order = only_order(place(buying, [(product, "100")]))
    assert (order.subtotal, order.vat_total, order.total) == (3_200_000, 0, 3_200_000)


def test_checkout_details_are_validated(buying, rice, english):
    product, _ = rice
    services.cart_line_set(actor=buying, product_id=product.pk, quantity=D("100"))
    with pytest.raises(ValidationFailed) as error:
        services.checkout_place(
            actor=buying,
            details=CheckoutDetails(
                **DETAILS,
                invoice_tax_code="0312345679",
                delivery_from=date(2099, 2, 10),
                delivery_to=date(2099, 2, 1),
                delivery_province_code=99,
            ),
        )
    assert set(error.value.fields) == {"invoice_tax_code", "delivery_to", "delivery_province_code"}
    assert not Checkout.objects.exists()


def test_checkout_queries_do_not_grow_with_its_lines(buying, cooperative):
    """Placing a cart costs the same number of queries whatever its number of lines: products, lots, stock,
    order lines, allocations, audit and notifications are read and written in batches. Before the edge work:
    46, 55 and 91 queries for 1, 2 and 5 lines; before the batching: 47, 56 and 92; 31 before the payable,
    the audit events, the recipients' preferences and the products came in one query each. Outgoing webhooks
    add one per checkout (does an endpoint of the buyer or a cooperative listen for order.placed?)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.orders.factories import stocked_product

    products = [stocked_product(cooperative, code=f"L{i}", name=f"Gạo ST25 lô {i}")[0] for i in range(5)]
    counts = {}
    for size in (0, 1, 2, 5):  # 0: a first checkout of one line, unmeasured (it makes the seller's settings)
        for product in products[: size or 1]:
            services.cart_line_set(actor=buying, product_id=product.pk, quantity=D(100))
        with CaptureQueriesContext(connection) as queries:
            services.checkout_place(actor=buying, details=CheckoutDetails(**DETAILS))
        counts[size] = len(queries.captured_queries)
    assert counts[1] == counts[2] == counts[5]
    assert counts[5] <= 21  # with the savepoints the test's transaction adds (and the invoice address's account)
