"""Shapes of the orders API's answers. What it reads is in orders/inputs.py (one schema per command); what
an actor may do next is `allowed_actions` on every detail resource (orders/policy.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.policy import OrderAction, QuoteAction, RfqAction, quote_actions, rfq_actions


def dec(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


# --- cart ----------------------------------------------------------------------------------------
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
    vat_exempt = serializers.BooleanField()
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
    allowed_actions = serializers.ListField(child=serializers.CharField())


# --- checkout ------------------------------------------------------------------------------------
class OrderLineOut(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    lot_id = serializers.IntegerField(allow_null=True)
    product_name = serializers.CharField()
    sku = serializers.CharField()
    unit = serializers.CharField()
    unit_price = serializers.IntegerField()
    vat_rate_percent = serializers.SerializerMethodField()
    vat_rate = serializers.CharField(source="vat_rate_label", help_text="'KCT' (not subject to VAT) or '5%'.")
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
    status = serializers.CharField()
    payment_status = serializers.CharField()
    subtotal = serializers.IntegerField()
    vat_total = serializers.IntegerField()
    total = serializers.IntegerField()
    placed_total = serializers.IntegerField()
    payment_due_at = serializers.DateTimeField(allow_null=True)
    ship_by = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # "source" is also an attribute of every DRF field: declared here, not as a class attribute.
        return {**super().get_fields(), "source": serializers.CharField()}


class OrderEventOut(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor_name = serializers.SerializerMethodField()
    actor_organisation = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # "data" is also the serializer's output property: declared here, not as a class attribute.
        return {**super().get_fields(), "data": serializers.JSONField()}

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


class VatLineOut(serializers.Serializer):
    rate = serializers.CharField(help_text="'KCT' for goods not subject to VAT, else the rate ('0%', '5%').")
    rate_percent = serializers.CharField()
    taxable = serializers.IntegerField()
    vat = serializers.IntegerField()


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
    vat_breakdown = serializers.SerializerMethodField()
    corrects_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()

    @extend_schema_field(VatLineOut(many=True))
    def get_vat_breakdown(self, obj: Any) -> list[dict[str, Any]]:
        from orders.invoice_documents import rate_of

        return [{**group, "rate": rate_of(group, "rate_percent")} for group in obj.vat_breakdown]


class BalanceOut(serializers.Serializer):
    paid = serializers.IntegerField(help_text="Paid towards the order: received, less refunds and credit kept.")
    outstanding = serializers.IntegerField(help_text="Still to pay.")
    over_paid = serializers.IntegerField(help_text="Paid beyond what the order costs, not yet settled.")


class OrderOut(OrderSummaryOut):
    lines = OrderLineOut(many=True)
    events = OrderEventOut(many=True)
    shipments = ShipmentOut(many=True)
    invoices = InvoiceOut(many=True)
    cancel_reason = serializers.CharField()
    pay_reference = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    def get_pay_reference(self, obj: Any) -> str:
        balance = self.context["balance"]
        return balance.payable.reference if balance.payable else ""

    @extend_schema_field(BalanceOut)
    def get_balance(self, obj: Any) -> dict[str, int]:
        balance = self.context["balance"]
        paid = balance.payable.net_paid if balance.payable else 0
        return {"paid": paid, "outstanding": balance.outstanding, "over_paid": balance.over_paid}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=[a.value for a in OrderAction])))
    def get_allowed_actions(self, obj: Any) -> list[str]:
        return sorted(self.context["actions"])


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

    @extend_schema_field(OrderSummaryOut(many=True))
    def get_orders(self, obj: Any) -> Any:
        placed = obj.placed_orders
        orders = (
            obj.orders.select_related("buyer", "cooperative").order_by("cooperative_id")
            if placed is None
            else sorted(placed, key=lambda order: order.cooperative_id)
        )
        return OrderSummaryOut(orders, many=True).data


# --- verbs ---------------------------------------------------------------------------------------
class ReorderOut(serializers.Serializer):
    added = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())


# --- quotations ----------------------------------------------------------------------------------
class QuoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    rfq_id = serializers.IntegerField()
    cooperative_id = serializers.IntegerField()
    cooperative_name = serializers.CharField(source="cooperative.name")
    product_id = serializers.IntegerField()
    product_name = serializers.CharField(source="product.name")
    quantity = serializers.SerializerMethodField()
    unit = serializers.CharField(help_text="The quoted product's unit; quantity and unit price are in it.")
    unit_price = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Quantity × unit price, before VAT.")
    valid_until = serializers.DateTimeField()
    note = serializers.CharField()
    status = serializers.CharField()
    order_id = serializers.IntegerField(allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    def get_quantity(self, obj: Any) -> str:
        return dec(obj.quantity) or "0"

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=[a.value for a in QuoteAction])))
    def get_allowed_actions(self, obj: Any) -> list[str]:
        return sorted(quote_actions(actor=self.context["actor"], quote=obj))


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


class RfqDetailOut(RfqOut):
    quotes = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(QuoteOut(many=True))
    def get_quotes(self, obj: Any) -> Any:
        return QuoteOut(self.context["quotes"], many=True, context=self.context).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=[a.value for a in RfqAction])))
    def get_allowed_actions(self, obj: Any) -> list[str]:
        return sorted(rfq_actions(actor=self.context["actor"], rfq=obj))
