"""The back office for orders. Orders, lines, shipments and invoices move only through the services, so
they are read-only here; staff change a cooperative's selling settings (tolerance, payment window, invoice
symbol)."""

from typing import Any

from django.contrib import admin

from orders.models import (
    Cart,
    CartLine,
    Checkout,
    Invoice,
    Order,
    OrderAllocation,
    OrderEvent,
    OrderLine,
    Quote,
    Rfq,
    SellerSettings,
    Shipment,
    ShipmentLine,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SellerSettings)
class SellerSettingsAdmin(admin.ModelAdmin):
    list_display = ["cooperative", "weight_tolerance_percent", "payment_window_hours", "invoice_symbol"]
    readonly_fields = ["last_invoice_number"]
    search_fields = ["cooperative__name"]
    autocomplete_fields = ["cooperative"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product_name", "unit", "unit_price", "vat_exempt", "vat_rate_percent", "quantity_ordered",
              "quantity_confirmed", "quantity_shipped", "quantity_delivered")  # fmt: skip
    readonly_fields = fields


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor_user", "actor_organisation", "note")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "buyer", "cooperative", "status", "payment_status", "total", "created_at"]
    list_filter = ["status", "payment_status", "source"]
    search_fields = ["number", "buyer__name", "cooperative__name", "checkout__po_number"]
    inlines = [OrderLineInline, OrderEventInline]


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["order", "number", "carrier", "vehicle", "shipped_at"]
    search_fields = ["order__number"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["display_number", "kind", "order", "cooperative", "total", "issued_at"]
    list_filter = ["kind"]
    search_fields = ["order__number", "cooperative__name"]


@admin.register(Rfq)
class RfqAdmin(ReadOnlyAdmin):
    list_display = ["title", "buyer", "quantity", "unit", "status", "closes_at"]
    list_filter = ["status"]


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["rfq", "cooperative", "unit_price", "quantity", "status", "valid_until"]
    list_filter = ["status"]


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ["number", "buyer", "po_number", "total", "created_at"]
    search_fields = ["number", "buyer__name", "po_number"]


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "product_name", "quantity_ordered", "quantity_confirmed", "quantity_delivered", "unit"]
    search_fields = ["order__number", "product_name"]


@admin.register(OrderAllocation)
class OrderAllocationAdmin(ReadOnlyAdmin):
    list_display = ["line", "lot", "quantity", "released"]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ["order", "action", "from_status", "to_status", "actor_user", "created_at"]
    list_filter = ["action"]
    search_fields = ["order__number"]


@admin.register(ShipmentLine)
class ShipmentLineAdmin(ReadOnlyAdmin):
    list_display = ["shipment", "line", "quantity"]


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    list_display = ["buyer", "updated_at"]


@admin.register(CartLine)
class CartLineAdmin(ReadOnlyAdmin):
    list_display = ["cart", "product", "lot", "quantity"]
