"""Demo orders: four months of orders between the demo buyers and cooperatives, in every state, placed and
moved through the real services (stock taken, events, payables, invoices), then dated back. Orders past
placement are paid by a recognised bank transfer; one checkout spans two cooperatives; a request for
quotation waits for quotes. Idempotent: each scenario is keyed by its PO number.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from market.core.demo import DemoContext
from market.core.errors import ApplicationError
from market.core.quantity import Unit
from market.organisations.models import Membership, Organisation, Role
from market.organisations.permissions import Actor
from orders import services
from orders.commands import CheckoutDetails, RfqRequest
from orders.models import Checkout, Order, OrderEvent, OrderStatus, Rfq

S = OrderStatus

# (PO number, buyer key, [(sku, how many MOQs)], days ago, state to reach, paid)
SCENARIOS: list[tuple[str, str, list[tuple[str, int]], int, str, bool]] = [
    ("DEMO-01", "buyer_saigonxanh", [("TH-ST25-5", 5), ("HT-40-500", 2)], 118, S.COMPLETED, True),
    ("DEMO-02", "buyer_mekongexport", [("TH-ST24", 4)], 104, S.COMPLETED, True),
    ("DEMO-03", "buyer_hanoimart", [("UM-TRAM-500", 2)], 90, S.COMPLETED, True),
    ("DEMO-04", "buyer_saigonxanh", [("HD-TOMKHO", 3)], 75, S.CANCELLED, False),
    ("DEMO-05", "buyer_mekongexport", [("TH-ST25-5", 4), ("HT-43", 2)], 61, S.DELIVERED, True),
    ("DEMO-06", "buyer_hanoimart", [("TH-ST24", 2)], 44, S.COMPLETED, True),
    ("DEMO-07", "buyer_saigonxanh", [("HT-40-500", 3)], 30, S.SHIPPED, True),
    ("DEMO-08", "buyer_mekongexport", [("UM-TRAM-500", 3)], 16, S.PARTLY_SHIPPED, True),
    ("DEMO-09", "buyer_saigonxanh", [("TH-ST25-5", 3)], 6, S.CONFIRMED, True),
    ("DEMO-10", "buyer_hanoimart", [("HD-TOMKHO", 2)], 2, S.CHANGES_PROPOSED, False),
    ("DEMO-11", "buyer_saigonxanh", [("TH-ST24", 3), ("UM-TRAM-500", 1)], 0, S.PLACED, False),
]


def _actor(organisation: Organisation, role: str = Role.OWNER) -> Actor:
    membership = (
        Membership.objects.filter(organisation=organisation).select_related("user").order_by("role", "id").first()
    )
    assert membership is not None, organisation
    return Actor(user=membership.user, organisation=organisation, role=membership.role)


def _pay(order: Order, when: Any) -> None:
    from market.payments.models import TransactionSource
    from market.payments.services import bank_transaction_record
    from orders.selectors import payable_for

    payable = payable_for(order)
    if payable is None or not payable.account_number:
        return
    bank_transaction_record(
        account_number=payable.account_number,
        bank_reference=f"DEMO-{order.number}",
        booked_at=when,
        amount=payable.amount,
        description=f"{payable.reference} {order.buyer.name.upper()} TT DON HANG",
        counterparty=order.buyer.legal_name.upper(),
        source=TransactionSource.STATEMENT,
    )


def _drive(order: Order, target: str, paid: bool, placed_at: Any) -> None:
    seller = _actor(order.cooperative)
    buyer = _actor(order.buyer)
    lines = list(order.lines.all())
    if paid:
        _pay(order, placed_at + timedelta(hours=5))
    if target == S.CANCELLED:
        services.order_cancel(actor=seller, order_id=order.pk, reason="Hết hàng do triều cường, HTX xin lỗi quý khách.")
        return
    if target == S.PLACED:
        return
    if target == S.CHANGES_PROPOSED:
        half = {line.pk: line.quantity_ordered / 2 for line in lines}
        services.order_confirm(actor=seller, order_id=order.pk, quantities=half, note="Chỉ còn một nửa số lượng.")
        return
    services.order_confirm(actor=seller, order_id=order.pk, note="HTX xác nhận, giao đúng hẹn.")
    if target == S.CONFIRMED:
        return
    if target == S.PARTLY_SHIPPED:
        services.shipment_create(
            actor=seller,
            order_id=order.pk,
            quantities={lines[0].pk: lines[0].quantity_confirmed / 2},
            carrier="Xe tải HTX",
            vehicle="68C-123.45",
            tracking_note="Chuyến 1, phần còn lại giao tuần sau.",
        )
        return
    services.shipment_create(
        actor=seller,
        order_id=order.pk,
        quantities={line.pk: line.quantity_confirmed for line in lines},
        carrier="Nhà xe Phương Trang",
        vehicle="51C-456.78",
    )
    if target == S.SHIPPED:
        return
    # Bulk produce arrives a little lighter: 0,8 % short on mass units, within the 2 % tolerance.
    lines = list(order.lines.all())
    delivered = {
        line.pk: (line.quantity_shipped * Decimal("0.992")).quantize(Decimal("0.001"))
        if line.unit in ("kg", "ta", "tan")
        else line.quantity_shipped
        for line in lines
    }
    services.order_deliver(actor=seller, order_id=order.pk, quantities=delivered)
    if target == S.DELIVERED:
        return
    services.order_complete(actor=buyer, order_id=order.pk)


def _date_back(checkout: Checkout, placed_at: Any) -> None:
    now = timezone.now()
    Checkout.objects.filter(pk=checkout.pk).update(created_at=placed_at)
    for order in checkout.orders.all():
        Order.objects.filter(pk=order.pk).update(
            created_at=placed_at, ship_by=(placed_at + timedelta(days=7)).date(), payment_due_at=order.payment_due_at
        )
        for index, event in enumerate(OrderEvent.objects.filter(order=order).order_by("id")):
            OrderEvent.objects.filter(pk=event.pk).update(created_at=min(now, placed_at + timedelta(days=index)))


def seed_orders(context: DemoContext) -> None:
    products = {p.sku: p for p in Product.objects.filter(sku__in={sku for s in SCENARIOS for sku, _ in s[2]})}
    now = timezone.now()
    made = 0
    for po, buyer_key, items, days_ago, target, paid in SCENARIOS:
        buyer = context.objects.get(buyer_key)
        if buyer is None or Checkout.objects.filter(buyer=buyer, po_number=po).exists():
            continue
        actor = _actor(buyer)
        placed_at = now - timedelta(days=days_ago, hours=3)
        try:
            with transaction.atomic():
                services.cart_clear(actor=actor)
                for sku, times in items:
                    product = products[sku]
                    services.cart_line_set(actor=actor, product_id=product.pk, quantity=product.moq * times)
                checkout, _created = services.checkout_place(
                    actor=actor,
                    details=CheckoutDetails(po_number=po, delivery_address=buyer.full_address),
                    idempotency_key=po,
                )
                for order in checkout.orders.all():
                    _drive(order, target, paid, placed_at)
                _date_back(checkout, placed_at)
                made += 1
        except (ApplicationError, KeyError) as error:  # a demo catalogue without these products or stock
            detail = getattr(error, "fields", None) or error
            context.notes.append(f"Orders: scenario {po} skipped ({detail}).")
    buyer = context.objects.get("buyer_saigonxanh")
    if buyer is not None and not Rfq.objects.filter(buyer=buyer).exists():
        from catalog.models import Category

        today = timezone.localdate()
        services.rfq_create(
            actor=_actor(buyer),
            request=RfqRequest(
                title="Gạo thơm ST25 cho chuỗi bếp ăn, 20 tấn/quý",
                category_id=Category.objects.get(slug="gao-thom").pk,
                quantity=Decimal(20),
                unit=Unit.TAN,
                delivery_from=today + timedelta(days=14),
                delivery_to=today + timedelta(days=45),
                delivery_province_code=buyer.province_code,
                target_unit_price=27_500_000,
                note="Giao làm 4 đợt tại kho Tân Tạo; cần VietGAP và hóa đơn GTGT.",
            ),
        )
    count = Order.objects.filter(checkout__po_number__startswith="DEMO-").count()
    context.notes.append(
        f"Orders: {count} demo orders in every state ({made} placed now); muahang@saigonxanh.example has one "
        "waiting for payment, chunhiem@htx-tanhiep.example an inbox with orders to confirm and ship."
    )
