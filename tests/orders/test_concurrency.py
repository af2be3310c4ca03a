"""Stock under real concurrency on PostgreSQL: threads, each with its own connection and transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from catalog.models import HarvestLot
from market.core.errors import Conflict
from market.organisations.models import OrganisationKind, Role
from orders import services
from orders.commands import CheckoutDetails
from orders.models import Checkout, Order, OrderLine
from tests.catalog.factories import actor_for, make_lot, make_product
from tests.factories import OrganisationFactory
from tests.orders.factories import DETAILS

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at once (a barrier), each on its own database connection; results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a checkout hung"
    return results


def buyers(n: int) -> list[Any]:
    return [
        actor_for(OrganisationFactory(kind=OrganisationKind.BUYER, name=f"Công ty {i}"), Role.OWNER) for i in range(n)
    ]


def test_buyers_racing_for_the_last_units_never_oversell(cooperative):
    """12 buyers each want 100 kg of a lot holding 500 kg: exactly 5 win, the rest get 'not enough stock'."""
    product = make_product(cooperative)
    lot = make_lot(product, code="LAST", quantity="500")
    actors = buyers(12)
    for actor in actors:
        services.cart_line_set(actor=actor, product_id=product.pk, lot_id=lot.pk, quantity=D("100"))
    results = run_together(
        [
            lambda a=a: services.checkout_place(actor=a, details=CheckoutDetails(**DETAILS), idempotency_key="race")
            for a in actors
        ]
    )
    wins = [r for r in results if isinstance(r, tuple)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 5, results
    assert len(losses) == 7
    assert all(isinstance(e, Conflict) and e.code == "insufficient_stock" for e in losses), losses
    lot.refresh_from_db()
    assert lot.quantity_available == 0
    assert sum(line.quantity_ordered for line in OrderLine.objects.all()) == D("500")


def test_two_checkouts_on_the_same_two_lots_in_opposite_order_never_deadlock(cooperative):
    """Carts list lots A,B and B,A; many rounds at once: all succeed (stock suffices), none deadlocks."""
    product_a = make_product(cooperative, name="Gạo A")
    product_b = make_product(cooperative, name="Gạo B")
    lot_a = make_lot(product_a, code="A", quantity="100000")
    lot_b = make_lot(product_b, code="B", quantity="100000")
    actors = buyers(8)
    for index, actor in enumerate(actors):
        pairs = [(product_a, lot_a), (product_b, lot_b)]
        for product, lot in pairs if index % 2 == 0 else reversed(pairs):
            services.cart_line_set(actor=actor, product_id=product.pk, lot_id=lot.pk, quantity=D("100"))
    results = run_together(
        [lambda a=a: services.checkout_place(actor=a, details=CheckoutDetails(**DETAILS)) for a in actors]
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert HarvestLot.objects.get(pk=lot_a.pk).quantity_available == D("99200")
    assert HarvestLot.objects.get(pk=lot_b.pk).quantity_available == D("99200")


def test_the_same_key_sent_concurrently_places_one_checkout(buyer, cooperative):
    product = make_product(cooperative)
    lot = make_lot(product, code="K", quantity="1000")
    actor = actor_for(buyer, Role.OWNER)
    services.cart_line_set(actor=actor, product_id=product.pk, quantity=D("100"))
    results = run_together(
        [
            lambda: services.checkout_place(
                actor=actor, details=CheckoutDetails(**DETAILS), idempotency_key="double-click"
            )
        ]
        * 6
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert len({checkout.pk for checkout, _created in results}) == 1
    assert sorted(created for _checkout, created in results) == [False] * 5 + [True]
    assert Checkout.objects.count() == 1
    assert Order.objects.count() == 1
    lot.refresh_from_db()
    assert lot.quantity_available == D("900")


def test_one_cart_checked_out_twice_at_once_is_placed_once(buyer, cooperative):
    """Two tabs, no idempotency key: the cart is not locked while it is read, but its lines leave it only as
    they were read, so the second checkout finds them gone (or the cart empty) and is rolled back whole."""
    product = make_product(cooperative)
    lot = make_lot(product, code="TAB", quantity="1000")
    actor = actor_for(buyer, Role.OWNER)
    services.cart_line_set(actor=actor, product_id=product.pk, quantity=D("100"))
    results = run_together([lambda: services.checkout_place(actor=actor, details=CheckoutDetails(**DETAILS))] * 4)
    placed = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(placed) == 1, results
    assert all(isinstance(e, Conflict) and e.code in {"cart_changed", "cart_empty"} for e in refused), refused
    assert Order.objects.count() == 1
    assert Checkout.objects.count() == 1
    lot.refresh_from_db()
    assert lot.quantity_available == D("900")


def test_the_database_refuses_negative_stock_even_without_the_lock(cooperative):
    """The CHECK constraint is the last line of defence."""
    from django.db import IntegrityError, transaction
    from django.db.models import F

    product = make_product(cooperative)
    lot = make_lot(product, code="C", quantity="100")
    with pytest.raises(IntegrityError), transaction.atomic():
        HarvestLot.objects.filter(pk=lot.pk).update(quantity_available=F("quantity_available") - 101)
    assert connection.vendor == "postgresql"


def test_first_adds_to_a_cart_at_once_make_one_cart_that_keeps_every_line(buyer, cooperative):
    """The cart is made on the first add and locked by the UPDATE that marks it changed: adds arriving together
    on a buyer without a cart make one cart, and none of their lines is lost."""
    from orders.models import Cart, CartLine

    products = [make_product(cooperative, name=f"Gạo lần đầu {i}") for i in range(6)]
    for product in products:
        make_lot(product, code=f"F{product.pk}", quantity="1000")
    actor = actor_for(buyer, Role.OWNER)
    results = run_together(
        [
            lambda product=product: services.cart_line_set(actor=actor, product_id=product.pk, quantity=D("100"))
            for product in products
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Cart.objects.filter(buyer=buyer).count() == 1
    assert sorted(CartLine.objects.filter(cart__buyer=buyer).values_list("product_id", flat=True)) == sorted(
        p.pk for p in products
    )


def test_adds_at_once_never_take_a_cart_past_its_line_limit(buyer, cooperative, monkeypatch):
    """The cart's lines are counted under its row lock: of four adds racing for the last free line, one wins."""
    from orders.models import CartLine
    from orders.services import cart as cart_services

    monkeypatch.setattr(cart_services, "MAX_CART_LINES", 3)
    products = [make_product(cooperative, name=f"Gạo giới hạn {i}") for i in range(6)]
    for product in products:
        make_lot(product, code=f"L{product.pk}", quantity="1000")
    actor = actor_for(buyer, Role.OWNER)
    for product in products[:2]:
        services.cart_line_set(actor=actor, product_id=product.pk, quantity=D("100"))
    results = run_together(
        [
            lambda product=product: services.cart_line_set(actor=actor, product_id=product.pk, quantity=D("100"))
            for product in products[2:]
        ]
    )
    added = [r for r in results if isinstance(r, list)]  # the winner answers the cart's lines
    assert len(added) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, list)), results
    assert len(added[0]) == 3
    assert CartLine.objects.filter(cart__buyer=buyer).count() == 3
