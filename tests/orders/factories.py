"""Orders test data, made through the services (cart, checkout) so that every derived row is right."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from market.core.quantity import Unit
from market.organisations.models import Organisation, Role
from market.organisations.permissions import Actor
from orders import services
from orders.commands import CheckoutDetails, RfqRequest
from orders.models import Checkout, Order
from tests.catalog.factories import actor_for, make_lot, make_product

D = Decimal

DETAILS = {
    "delivery_address": "Kho số 3, KCN Tân Tạo, TP. Hồ Chí Minh",
    "po_number": "PO-2026-117",
    "invoice_email": "ketoan@muahang.example",
}


def buyer_actor(buyer: Organisation, role: str = Role.OWNER) -> Actor:
    return actor_for(buyer, role)


def stocked_product(cooperative: Organisation, *, quantity: str = "5000", code: str = "LOT-01", **data: Any):
    product = make_product(cooperative, **data)
    lot = make_lot(product, code=code, quantity=quantity)
    return product, lot


def place(actor: Actor, lines: list[tuple[Any, str]], *, key: str = "", **details: Any) -> Checkout:
    """Fill the cart with (product or (product, lot), quantity) and check out."""
    for item, quantity in lines:
        product, lot = item if isinstance(item, tuple) else (item, None)
        services.cart_line_set(actor=actor, product_id=product.pk, lot_id=lot.pk if lot else None, quantity=D(quantity))
    checkout, _created = services.checkout_place(
        actor=actor, details=CheckoutDetails(**{**DETAILS, **details}), idempotency_key=key
    )
    return checkout


def only_order(checkout: Checkout) -> Order:
    orders = list(checkout.orders.all())
    assert len(orders) == 1
    return orders[0]


def rfq_request(product: Any = None, **extra: Any) -> RfqRequest:
    """A request for 2.000 kg of a product (or of the rice category when none is given), for rfq_create."""
    today = timezone.localdate()
    values: dict[str, Any] = {
        "title": "Gạo ST25 cho bếp ăn công nghiệp",
        "product_id": product.pk if product else None,
        "category_id": None if product else 2,
        "quantity": D(2000),
        "unit": Unit.KG,
        "delivery_from": today + timedelta(days=10),
        "delivery_to": today + timedelta(days=20),
        "delivery_province_code": 79,
        "target_unit_price": 27000,
    }
    return RfqRequest(**{**values, **extra})


def rfq_data(product: Any = None, **extra: Any) -> dict[str, Any]:
    """The same request as the API's JSON body."""
    today = timezone.localdate()
    return {
        "title": "Gạo ST25 cho bếp ăn công nghiệp",
        "product": product.pk if product else None,
        "category": None if product else 2,
        "quantity": "2000",
        "unit": "kg",
        "delivery_from": (today + timedelta(days=10)).isoformat(),
        "delivery_to": (today + timedelta(days=20)).isoformat(),
        "delivery_province_code": 79,
        "target_unit_price": 27000,
        **extra,
    }
