"""Shapes of the orders API. Input serializers check types only; the services check the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers


def dec(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


class QuantityField(serializers.CharField):
    """A decimal quantity written as a string ("9.86"); a JSON number is accepted too."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, float):
            data = repr(data)
        return super().to_internal_value(str(data))


# --- cart ----------------------------------------------------------------------------------------
class CartLineIn(serializers.Serializer):
    product = serializers.IntegerField(min_value=1)
    lot = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    quantity = QuantityField(max_length=20)
    add = serializers.BooleanField(required=False, default=False)


class CartLineUpdateIn(serializers.Serializer):
    quantity = QuantityField(max_length=20)


class CartRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    lot_id = serializers.IntegerField(allow_null=True)
    quantity = serializers.CharField()
    unit = serializers.CharField()
    unit_price = serializers.IntegerField(allow_null=True)
    amount = serializers.IntegerField(allow_null=True)
    vat_rate_percent = serializers.CharField()
    problem = serializers.CharField()


class CartGroupOut(serializers.Serializer):
    cooperative_id = serializers.IntegerField()
    cooperative_name = serializers.CharField()
    lines = CartRowOut(many=True)
    subtotal = serializers.IntegerField()
    vat_total = serializers.IntegerField()
    total = serializers.IntegerField()


class CartOut(serializers.Serializer):
    groups = CartGroupOut(many=True)
    total = serializers.IntegerField()


# --- checkout ------------------------------------------------------------------------------------
class CheckoutIn(serializers.Serializer):
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    delivery_province_code = serializers.IntegerField(required=False, allow_null=True)
    delivery_from = serializers.DateField(required=False, allow_null=True)
    delivery_to = serializers.DateField(required=False, allow_null=True)
    po_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    invoice_tax_code = serializers.CharField(max_length=14, required=False, allow_blank=True)
    invoice_legal_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    invoice_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    invoice_email = serializers.CharField(max_length=254, required=False, allow_blank=True)


class OrderLineOut(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    lot_id = serializers.IntegerField(allow_null=True)
    product_name = serializers.CharField()
    sku = serializers.CharField()
    unit = serializers.CharField()
    unit_price = serializers.IntegerField()
    vat_rate_percent = serializers.SerializerMethodField()
    quantity_ordered = serializers.SerializerMethodField()
    quantity_confirmed = serializers.SerializerMethodField()
    quantity_shipped = serializers.SerializerMethodField()
    quantity_delivered = serializers.SerializerMethodField()

    def get_vat_rate_percent(self, obj: Any) -> str:
        return dec(obj.vat_rate_percent) or "0"

    def get_quantity_ordered(self, obj: Any) -> str:
        return dec(obj.quantity_ordered) or "0"

    def get_quantity_confirmed(self, obj: Any) -> str:
        return dec(obj.quantity_confirmed) or "0"

    def get_quantity_shipped(self, obj: Any) -> str:
        return dec(obj.quantity_shipped) or "0"

    def get_quantity_delivered(self, obj: Any) -> str | None:
        return dec(obj.quantity_delivered)


class OrderSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    checkout_id = serializers.IntegerField()
    buyer_id = serializers.IntegerField()
    buyer_name = serializers.CharField(source="buyer.name")
    cooperative_id = serializers.IntegerField()
    cooperative_name = serializers.CharField(source="cooperative.name")
    source = serializers.CharField()
    status = serializers.CharField()
    payment_status = serializers.CharField()
    subtotal = serializers.IntegerField()
    vat_total = serializers.IntegerField()
    total = serializers.IntegerField()
    placed_total = serializers.IntegerField()
    payment_due_at = serializers.DateTimeField(allow_null=True)
    ship_by = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


class OrderEventOut(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor_name = serializers.SerializerMethodField()
    actor_organisation = serializers.SerializerMethodField()
    note = serializers.CharField()
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()

    def get_actor_name(self, obj: Any) -> str:
        return obj.actor_user.full_name if obj.actor_user else ""

    def get_actor_organisation(self, obj: Any) -> str:
        return obj.actor_organisation.name if obj.actor_organisation else ""


class ShipmentLineOut(serializers.Serializer):
    line_id = serializers.IntegerField()
    quantity = serializers.SerializerMethodField()

    def get_quantity(self, obj: Any) -> str:
        return dec(obj.quantity) or "0"


class ShipmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    number = serializers.IntegerField()
    carrier = serializers.CharField()
    vehicle = serializers.CharField()
    tracking_note = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    lines = ShipmentLineOut(many=True)


class InvoiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    kind = serializers.CharField()
    number = serializers.CharField(source="display_number")
    symbol = serializers.CharField()
    sequence = serializers.IntegerField(source="number")
    issued_at = serializers.DateTimeField()
    subtotal = serializers.IntegerField()
    vat_total = serializers.IntegerField()
    total = serializers.IntegerField()
    vat_breakdown = serializers.JSONField()
    corrects_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class OrderOut(OrderSummaryOut):
    lines = OrderLineOut(many=True)
    events = OrderEventOut(many=True)
    shipments = ShipmentOut(many=True)
    invoices = InvoiceOut(many=True)
    cancel_reason = serializers.CharField()
    pay_reference = serializers.SerializerMethodField()

    def get_pay_reference(self, obj: Any) -> str:
        payable = self.context.get("payable")
        return payable.reference if payable else ""


class CheckoutOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    buyer_id = serializers.IntegerField()
    total = serializers.IntegerField()
    delivery_address = serializers.CharField()
    delivery_from = serializers.DateField(allow_null=True)
    delivery_to = serializers.DateField(allow_null=True)
    po_number = serializers.CharField()
    invoice_tax_code = serializers.CharField()
    invoice_legal_name = serializers.CharField()
    invoice_address = serializers.CharField()
    invoice_email = serializers.CharField()
    created_at = serializers.DateTimeField()
    orders = serializers.SerializerMethodField()

    def get_orders(self, obj: Any) -> list[dict[str, Any]]:
        return OrderSummaryOut(
            obj.orders.select_related("buyer", "cooperative").order_by("cooperative_id"), many=True
        ).data


# --- verbs ---------------------------------------------------------------------------------------
class QuantitiesIn(serializers.Serializer):
    quantities = serializers.DictField(child=QuantityField(max_length=20), required=False)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ShipIn(serializers.Serializer):
    quantities = serializers.DictField(child=QuantityField(max_length=20))
    carrier = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    vehicle = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    tracking_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReorderOut(serializers.Serializer):
    added = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())


# --- quotations ----------------------------------------------------------------------------------
class RfqIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    product = serializers.IntegerField(required=False, allow_null=True)
    category = serializers.IntegerField(required=False, allow_null=True)
    quantity = QuantityField(max_length=20)
    unit = serializers.CharField(max_length=8, required=False, allow_blank=True)
    delivery_from = serializers.DateField()
    delivery_to = serializers.DateField()
    delivery_province_code = serializers.IntegerField()
    target_unit_price = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    closes_at = serializers.DateTimeField(required=False, allow_null=True)


class QuoteIn(serializers.Serializer):
    product = serializers.IntegerField()
    quantity = QuantityField(max_length=20)
    unit_price = serializers.IntegerField()
    valid_until = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class QuoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    rfq_id = serializers.IntegerField()
    cooperative_id = serializers.IntegerField()
    cooperative_name = serializers.CharField(source="cooperative.name")
    product_id = serializers.IntegerField()
    quantity = serializers.SerializerMethodField()
    unit_price = serializers.IntegerField()
    valid_until = serializers.DateTimeField()
    note = serializers.CharField()
    status = serializers.CharField()
    order_id = serializers.IntegerField(allow_null=True)

    def get_quantity(self, obj: Any) -> str:
        return dec(obj.quantity) or "0"


class RfqOut(serializers.Serializer):
    id = serializers.IntegerField()
    buyer_id = serializers.IntegerField()
    buyer_name = serializers.CharField(source="buyer.name")
    title = serializers.CharField()
    product_id = serializers.IntegerField(allow_null=True)
    category_id = serializers.IntegerField(allow_null=True)
    quantity = serializers.SerializerMethodField()
    unit = serializers.CharField()
    delivery_from = serializers.DateField()
    delivery_to = serializers.DateField()
    delivery_province_code = serializers.IntegerField()
    target_unit_price = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    closes_at = serializers.DateTimeField()
    status = serializers.CharField()
    quote_count = serializers.IntegerField(required=False)

    def get_quantity(self, obj: Any) -> str:
        return dec(obj.quantity) or "0"
