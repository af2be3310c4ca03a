"""The order lifecycle: every verb, the transitions table, stock release, variable weight, expiry."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from catalog.models import HarvestLot, Product, TraceEvent
from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.organisations.models import OrganisationKind, Role
from market.payments.models import Payable
from orders import services
from orders.models import Invoice, Order, OrderEvent, OrderLine, OrderStatus, SellerSettings, Shipment
from orders.transitions import TRANSITIONS, A
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.module_data import organisations_of_the_module, rows_of_the_module
from tests.orders.factories import only_order, place, stocked_product

pytestmark = pytest.mark.django_db
D = Decimal
S = OrderStatus


@pytest.fixture(scope="module")
def _rows(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """The organisations, the stocked rice and the order of 1.000 kg of it placed (their ids), made once for the
    module: every test takes the order, and what it does to it rolls back."""
    with rows_of_the_module(django_db_blocker):
        alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
        cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
        other_cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")
        buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Mua hàng")
        product, lot = stocked_product(cooperative)
        order = only_order(place(actor_for(buyer, Role.OWNER), [(product, "1000")]))
        yield {
            "alliance": alliance.pk, "cooperative": cooperative.pk, "other_cooperative": other_cooperative.pk,
            "buyer": buyer.pk, "product": product.pk, "lot": lot.pk, "order": order.pk,
        }  # fmt: skip


# The module's rows read afresh for each test: a test that moves the order on moves no other test's.
alliance, cooperative, other_cooperative, buyer = organisations_of_the_module("_rows")


@pytest.fixture
def rice(_rows: dict[str, int]) -> tuple[Product, HarvestLot]:
    """tests/orders/conftest.py's rice, of the module's cooperative."""
    return Product.objects.get(pk=_rows["product"]), HarvestLot.objects.get(pk=_rows["lot"])


@pytest.fixture
def order(_rows: dict[str, int]) -> Order:
    """The buyer's order of 1.000 kg of the rice, placed."""
    return Order.objects.get(pk=_rows["order"])


def state(order):
    """Everything a rejected action must leave untouched."""
    return (
        list(Order.objects.filter(pk=order.pk).values()),
        list(OrderLine.objects.filter(order=order).values()),
        list(HarvestLot.objects.order_by("pk").values("pk", "quantity_available")),
        OrderEvent.objects.filter(order=order).count(),
        Shipment.objects.filter(order=order).count(),
    )


def line_of(order):
    return order.lines.get()


def test_confirm_as_placed(order, selling):
    services.order_confirm(actor=selling, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
    assert order.confirmed_at is not None
    event = order.events.last()
    assert (event.action, event.from_status, event.to_status, event.actor_user_id) == (
        "confirmed", "placed", "confirmed", selling.user.pk,
    )  # fmt: skip


def test_confirm_with_smaller_quantities_waits_for_the_buyer_then_releases_stock(order, selling, buying, rice):
    _product, lot = rice
    line = line_of(order)
    services.order_confirm(actor=selling, order_id=order.pk, quantities={line.pk: D("800")}, note="Mưa, thiếu hàng")
    order.refresh_from_db()
    assert order.status == S.CHANGES_PROPOSED
    lot.refresh_from_db()
    assert lot.quantity_available == D("4000")  # held until the buyer accepts
    services.order_accept_changes(actor=buying, order_id=order.pk)
    order.refresh_from_db()
    lot.refresh_from_db()
    assert order.status == S.CONFIRMED
    assert lot.quantity_available == D("4200")
    # The tier price is kept (the buyer accepted), the total follows the confirmed quantity.
    assert (order.subtotal, order.vat_total, order.total) == (23_200_000, 1_160_000, 24_360_000)
    assert Payable.objects.get(object_id=str(order.pk)).amount == 24_360_000


def test_confirm_cannot_raise_quantities(order, selling, english):
    line = line_of(order)
    before = state(order)
    with pytest.raises(ValidationFailed) as error:
        services.order_confirm(actor=selling, order_id=order.pk, quantities={line.pk: D("1200")})
    assert "at most the 1,000 kg ordered" in error.value.fields[f"quantities.{line.pk}"][0]
    assert state(order) == before


def test_ship_partly_then_fully_with_trace_events(order, selling):
    services.order_confirm(actor=selling, order_id=order.pk)
    line = line_of(order)
    first = services.shipment_create(
        actor=selling, order_id=order.pk, quantities={line.pk: D("600")}, carrier="Xe HTX", vehicle="68C-123.45"
    )
    order.refresh_from_db()
    assert (order.status, first.number) == (S.PARTLY_SHIPPED, 1)
    with pytest.raises(ValidationFailed):
        services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("500")})
    second = services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("400")})
    order.refresh_from_db()
    assert (order.status, second.number) == (S.SHIPPED, 2)
    forward = TraceEvent.objects.filter(kind="shipment").order_by("id")
    assert [e.quantity for e in forward] == [D("600"), D("400")]
    assert forward[0].party_reference == order.number


def _shipped(order, selling):
    services.order_confirm(actor=selling, order_id=order.pk)
    line = line_of(order)
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("1000")})
    return line


def test_deliver_variable_weight_within_tolerance_reprices_and_invoices(order, selling):
    line = _shipped(order, selling)
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D("986")})  # 1,4 % short
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == S.DELIVERED
    assert line.quantity_delivered == D("986")
    assert (order.subtotal, order.vat_total, order.total, order.placed_total) == (
        28_594_000, 1_429_700, 30_023_700, 30_450_000,
    )  # fmt: skip
    assert Payable.objects.get(object_id=str(order.pk)).amount == 30_023_700
    invoice = Invoice.objects.get(order=order)
    assert invoice.total == 30_023_700
    assert invoice.lines[0]["quantity"] == "986"
    event = order.events.get(action="delivered")
    assert event.data == {"total_from": 30_450_000, "total_to": 30_023_700}


def test_deliver_outside_tolerance_is_refused_and_changes_nothing(order, selling, english):
    line = _shipped(order, selling)
    before = state(order)
    with pytest.raises(ValidationFailed) as error:
        services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D("970")})  # 3 % short
    assert "more than your tolerance of 2%" in error.value.fields[f"quantities.{line.pk}"][0]
    SellerSettings.objects.update_or_create(
        cooperative_id=order.cooperative_id, defaults={"weight_tolerance_percent": D("2.5")}
    )
    with translation.override("vi"), pytest.raises(ValidationFailed) as decimal_tolerance:
        services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D("970")})
    assert (
        "quá mức cho phép 2,5%" in decimal_tolerance.value.fields[f"quantities.{line.pk}"][0]
    )  # written as Vietnamese do
    assert state(order) == before
    # The cooperative widens its tolerance (its settings row is made then: a checkout makes none).
    SellerSettings.objects.update_or_create(
        cooperative_id=order.cooperative_id, defaults={"weight_tolerance_percent": 5}
    )
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D("970")})


def test_delivered_after_payment_leaves_an_excess_to_refund(order, selling):
    """Paid 30.450.000 ₫, delivered 986 kg: the payable is still paid, with 426.300 ₫ to give back."""
    from market.payments.services import bank_transaction_record

    payable = Payable.objects.get(object_id=str(order.pk))
    bank_transaction_record(
        account_number=payable.account_number or "x",
        bank_reference="T-1",
        booked_at=timezone.now(),
        amount=payable.amount,
        description=f"{payable.reference} thanh toan",
        counterparty="CONG TY MUA HANG",
        source="statement",
    )
    order.refresh_from_db()
    assert order.payment_status == "paid"
    line = _shipped(order, selling)
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D("986")})
    payable.refresh_from_db()
    assert (payable.amount, payable.amount_paid, payable.status) == (30_023_700, 30_450_000, "paid")
    assert payable.amount_paid - payable.amount == 426_300


def test_complete_after_delivery(order, selling, buying):
    line = _shipped(order, selling)
    with pytest.raises(Conflict):
        services.order_complete(actor=buying, order_id=order.pk)
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D("1000")})
    services.order_complete(actor=buying, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == S.COMPLETED


def test_buyer_cancels_before_confirmation_and_stock_returns(order, buying, rice):
    _product, lot = rice
    services.order_cancel(actor=buying, order_id=order.pk)
    order.refresh_from_db()
    lot.refresh_from_db()
    assert order.status == S.CANCELLED
    assert lot.quantity_available == D("5000")
    assert Payable.objects.get(object_id=str(order.pk)).status == "cancelled"


def test_buyer_cannot_cancel_a_confirmed_order(order, buying, selling, english):
    services.order_confirm(actor=selling, order_id=order.pk)
    before = state(order)
    with pytest.raises(Conflict) as error:
        services.order_cancel(actor=buying, order_id=order.pk)
    assert "ask them to cancel" in error.value.message
    assert state(order) == before


def test_cooperative_cancels_with_a_reason_only_as_manager(order, cooperative, selling, english):
    staff = actor_for(cooperative, Role.STAFF)
    with pytest.raises(PermissionDenied):
        services.order_cancel(actor=staff, order_id=order.pk, reason="Hết hàng")
    with pytest.raises(ValidationFailed):
        services.order_cancel(actor=selling, order_id=order.pk, reason="")
    services.order_cancel(actor=selling, order_id=order.pk, reason="Hết hàng do mưa lớn")
    order.refresh_from_db()
    assert order.cancel_reason == "Hết hàng do mưa lớn"


def test_other_organisations_cannot_touch_the_order(order, other_cooperative, alliance):
    stranger = actor_for(other_cooperative, Role.OWNER)
    staff = actor_for(alliance, Role.STAFF)
    before = state(order)
    with pytest.raises(NotFound):
        services.order_confirm(actor=stranger, order_id=order.pk)
    with pytest.raises(PermissionDenied):
        services.order_confirm(actor=staff, order_id=order.pk)
    assert state(order) == before


ALL = list(S.values)


def _drive(order, selling, buying, target):
    """Bring an order to `target` through the services."""
    line = line_of(order)
    if target == S.CANCELLED:
        services.order_cancel(actor=buying, order_id=order.pk)
        return
    if target == S.CHANGES_PROPOSED:
        services.order_confirm(actor=selling, order_id=order.pk, quantities={line.pk: D("500")})
        return
    if target == S.PLACED:
        return
    services.order_confirm(actor=selling, order_id=order.pk)
    if target == S.CONFIRMED:
        return
    if target == S.PARTLY_SHIPPED:
        services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("500")})
        return
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D("1000")})
    if target == S.SHIPPED:
        return
    services.order_deliver(actor=selling, order_id=order.pk)
    if target == S.DELIVERED:
        return
    services.order_complete(actor=buying, order_id=order.pk)


VERBS = {
    A.CONFIRM: lambda o, sel, buy: services.order_confirm(actor=sel, order_id=o.pk),
    A.ACCEPT_CHANGES: lambda o, sel, buy: services.order_accept_changes(actor=buy, order_id=o.pk),
    A.SHIP: lambda o, sel, buy: services.shipment_create(actor=sel, order_id=o.pk, quantities={line_of(o).pk: D("1")}),
    A.DELIVER: lambda o, sel, buy: services.order_deliver(actor=sel, order_id=o.pk),
    A.COMPLETE: lambda o, sel, buy: services.order_complete(actor=buy, order_id=o.pk),
    A.CANCEL: lambda o, sel, buy: services.order_cancel(actor=sel, order_id=o.pk, reason="Lý do thử"),
}


@pytest.mark.parametrize("start", ALL)
@pytest.mark.parametrize("verb", list(VERBS))
def test_every_illegal_transition_is_refused_and_changes_nothing(order, selling, buying, start, verb):
    _drive(order, selling, buying, start)
    order.refresh_from_db()
    if verb in TRANSITIONS[start]:
        return  # the legal moves are covered above
    before = state(order)
    with pytest.raises(Conflict) as error:
        VERBS[verb](order, selling, buying)
    assert error.value.code == "illegal_transition"
    assert state(order) == before


def test_unpaid_orders_expire_and_release_stock(order, rice, buying):
    _product, lot = rice
    paid_too = only_order(place(buying, [(rice[0], "100")]))
    Order.objects.filter(pk=paid_too.pk).update(payment_status="paid")
    assert services.orders_expire_unpaid() == 0
    later = timezone.now() + timedelta(hours=73)
    assert services.orders_expire_unpaid(now=later) == 1
    assert services.orders_expire_unpaid(now=later) == 0  # safe to run twice
    order.refresh_from_db()
    lot.refresh_from_db()
    assert order.status == S.CANCELLED
    assert order.events.last().action == "expired"
    assert lot.quantity_available == D("4900")
    assert Order.objects.get(pk=paid_too.pk).status == S.PLACED


def test_expiry_task_runs_the_service(order):
    from orders.tasks import expire_unpaid_orders

    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))
    assert expire_unpaid_orders.apply().get() == 1
