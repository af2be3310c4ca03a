"""The demo: orders in every state, placed through the services, paid through payments, idempotent."""

import pytest
from django.core.management import call_command

from market.payments.models import Payable
from orders.models import Order, OrderStatus, Rfq

pytestmark = pytest.mark.django_db


def test_seed_demo_orders_in_every_state_twice_the_same():
    call_command("seed_demo", verbosity=0)
    first = sorted(Order.objects.values_list("number", "status", "payment_status", "total"))
    requests = sorted(Rfq.objects.values_list("buyer_id", "title"))
    call_command("seed_demo", verbosity=0)
    assert sorted(Order.objects.values_list("number", "status", "payment_status", "total")) == first
    assert sorted(Rfq.objects.values_list("buyer_id", "title")) == requests
    assert {status for _n, status, _p, _t in first} == set(OrderStatus.values)
    # Orders are the real payable kind now (the payments app's stand-in is gone).
    kinds = set(Payable.objects.values_list("kind", flat=True))
    assert "demo.order" not in kinds
    paid = Payable.objects.filter(kind="orders.order", status="paid").count()
    assert paid >= 5
    assert Payable.objects.filter(kind="orders.order", status="unpaid").exists()
    assert Order.objects.filter(status="delivered", invoices__isnull=False).exists()
    # The buyers' open request, and the one a buyer sent after meeting an exhibitor at the demo fair.
    assert Rfq.objects.filter(title__startswith="Gạo thơm ST25 cho chuỗi bếp ăn").count() == 1
    assert Rfq.objects.filter(fair_outcomes__isnull=False).count() == 1
