"""The demo: orders in every state, placed through the services, paid through payments, idempotent."""

import pytest
from django.core.management import call_command

from market.payments.models import Payable
from orders.models import Order, OrderStatus, Rfq

pytestmark = pytest.mark.django_db


def test_seed_demo_orders_in_every_state_twice_the_same():
    call_command("seed_demo", verbosity=0)
    first = sorted(Order.objects.values_list("number", "status", "payment_status", "total"))
    call_command("seed_demo", verbosity=0)
    assert sorted(Order.objects.values_list("number", "status", "payment_status", "total")) == first
    assert {status for _n, status, _p, _t in first} == set(OrderStatus.values)
    # Orders are the real payable kind now (the payments app's stand-in is gone).
    kinds = set(Payable.objects.values_list("kind", flat=True))
    assert "demo.order" not in kinds
    paid = Payable.objects.filter(kind="orders.order", status="paid").count()
    assert paid >= 5
    assert Payable.objects.filter(kind="orders.order", status="unpaid").exists()
    assert Order.objects.filter(status="delivered", invoices__isnull=False).exists()
    assert Rfq.objects.count() == 1
