"""The checkout's lock of its lots (orders/checkout_rows.py) takes and answers what its ORM definition,
`catalog.services.lots_lock_for_order`, does: the chosen lots whatever their state, the products' lots for sale
today (not a draft, an expired or an empty one, nor another product's), NotFound for a chosen lot that does
not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import HarvestLot
from catalog.services import lots_lock_for_order
from market.core.errors import NotFound
from orders.checkout_rows import lots_lock_for_checkout
from tests.catalog.factories import make_lot
from tests.orders.factories import stocked_product

pytestmark = pytest.mark.django_db


def _values(found: dict[int, HarvestLot]) -> list[dict[str, Any]]:
    return [{f.attname: getattr(lot, f.attname) for f in lot._meta.concrete_fields} for lot in found.values()]


@pytest.fixture
def lots(cooperative, rice):
    """Rice's lot for sale, a second one expiring sooner, an expired one, a draft and an empty one; another
    product with a lot for sale."""
    product, lot = rice
    today = timezone.localdate()
    sooner = make_lot(product, code="SOON", quantity="200", expiry_date=today + timedelta(days=3))
    expired = make_lot(product, code="OLD", quantity="300", expiry_date=today + timedelta(days=1))
    HarvestLot.objects.filter(pk=expired.pk).update(expiry_date=today - timedelta(days=1))
    draft = make_lot(product, code="DRAFT", quantity="700", publish=False)
    empty = make_lot(product, code="EMPTY", quantity="100")
    HarvestLot.objects.filter(pk=empty.pk).update(quantity_available=0)
    other, other_lot = stocked_product(cooperative, name="Gạo Nàng Hoa", code="NH-01")
    return {
        "product": product,
        "other": other,
        "lot": lot,
        "sooner": sooner,
        "expired": expired,
        "draft": draft,
        "empty": empty,
        "other_lot": other_lot,
    }


@pytest.mark.parametrize(
    ("chosen", "products"),
    [
        ([], ["product"]),
        (["draft"], ["product"]),
        (["expired", "other_lot"], []),
        (["empty"], ["product", "other"]),
        ([], ["other"]),
        ([], []),
    ],
)
def test_the_checkout_locks_the_lots_the_orm_definition_locks(lots, chosen, products):
    lot_ids = [lots[name].pk for name in chosen]
    product_ids = [lots[name].pk for name in products]
    with transaction.atomic():
        ours = lots_lock_for_checkout(lot_ids=lot_ids, product_ids=product_ids, on=timezone.localdate())
    with transaction.atomic():
        definition = lots_lock_for_order(lot_ids=lot_ids, product_ids=product_ids)
    assert list(ours) == list(definition) == sorted(definition)
    assert _values(ours) == _values(definition)
    if products == ["product"]:
        assert set(ours) - set(lot_ids) == {lots["lot"].pk, lots["sooner"].pk}


def test_a_chosen_lot_that_does_not_exist_is_not_found(lots):
    missing = HarvestLot.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    for lock in (
        lambda: lots_lock_for_checkout(lot_ids=[missing], product_ids=[lots["product"].pk], on=timezone.localdate()),
        lambda: lots_lock_for_order(lot_ids=[missing], product_ids=[lots["product"].pk]),
    ):
        with pytest.raises(NotFound), transaction.atomic():
            lock()
