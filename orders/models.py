"""Orders: the buyer's cart, checkouts that place one order per cooperative, order lines with their price
snapshot and the lots their stock came from, lifecycle events, shipments, invoices, and requests for
quotation with the cooperatives' quotes.

Stock lives in the catalogue (`HarvestLot.quantity_available`, CHECK >= 0); orders take and return it only
through `catalog.services.lot_stock_take/lot_stock_return`. Amounts are whole đồng (BigInteger).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from market.core.fields import quantity_field, vnd_field
from market.core.inputs import MAX_VND
from market.core.models import TimeStampedModel
from market.core.money import Money
from market.core.quantity import UNIT_SYMBOLS, Unit

# The most an order (VAT included), or one of its lines, may be worth: a thousand billion đồng less one. A
# larger amount is refused with this limit named, never left to overflow a column.
MAX_ORDER_TOTAL = MAX_VND


# --- per-cooperative settings --------------------------------------------------------------------
class SellerSettings(TimeStampedModel):
    """How a cooperative sells: the variable-weight tolerance, how long unpaid orders hold stock, and its
    invoice series (symbol and the last number issued, moved only under a row lock)."""

    cooperative = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="order_settings"
    )
    weight_tolerance_percent = models.DecimalField(
        _("variable-weight tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text=_("How far a delivered quantity may differ from the shipped one."),
    )
    payment_window_hours = models.PositiveIntegerField(_("payment window (hours)"), default=72)
    invoice_symbol = models.CharField(_("invoice symbol"), max_length=12, default="1C26TAA")
    last_invoice_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("seller settings")
        verbose_name_plural = _("seller settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_tolerance_percent__gte=0, weight_tolerance_percent__lte=50),
                name="seller_settings_tolerance_range",
            ),
            models.CheckConstraint(condition=Q(payment_window_hours__gte=1), name="seller_settings_window_positive"),
        ]

    def __str__(self) -> str:
        return str(self.cooperative)


# --- cart ----------------------------------------------------------------------------------------
class Cart(TimeStampedModel):
    """One per buying organisation: saved in the database, so it follows its members across devices."""

    buyer = models.OneToOneField("organisations.Organisation", on_delete=models.CASCADE, related_name="cart")

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return f"{self.buyer}"


class CartLine(TimeStampedModel):
    """A product (and optionally a chosen lot) and a quantity. Holds no stock: stock is taken at checkout."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    lot = models.ForeignKey("catalog.HarvestLot", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    quantity = quantity_field(_("quantity"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product"], condition=Q(lot__isnull=True), name="cart_line_product_unique"
            ),
            models.UniqueConstraint(
                fields=["cart", "product", "lot"], condition=Q(lot__isnull=False), name="cart_line_lot_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


# --- checkout and orders -------------------------------------------------------------------------
class Checkout(TimeStampedModel):
    """What a buyer placed at once: the delivery and invoice details shared by its orders (one per
    cooperative). `idempotency_key` + `request_hash` make a retried placement return this checkout."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    buyer = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="checkouts")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    idempotency_key = models.CharField(max_length=100, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=500)
    delivery_province_code = models.PositiveSmallIntegerField(_("delivery province"), null=True, blank=True)
    delivery_from = models.DateField(_("deliver from"), null=True, blank=True)
    delivery_to = models.DateField(_("deliver by"), null=True, blank=True)
    po_number = models.CharField(_("purchase order number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    invoice_tax_code = models.CharField(_("buyer tax code (MST)"), max_length=14, blank=True)
    invoice_legal_name = models.CharField(_("legal name on the invoice"), max_length=255)
    invoice_address = models.CharField(_("invoice address"), max_length=500)
    invoice_email = models.EmailField(_("invoice e-mail"))
    total = vnd_field(_("total"), default=0)

    # The orders the placement just created (with buyer and cooperative), so that its answer lists them
    # without reading them again; None on a checkout read from the database.
    placed_orders: list[Order] | None = None

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"], condition=~Q(idempotency_key=""), name="checkout_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(delivery_from__isnull=True)
                | Q(delivery_to__isnull=True)
                | Q(delivery_to__gte=F("delivery_from")),
                name="checkout_delivery_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"checkout {self.pk}"


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    CHANGES_PROPOSED = "changes_proposed", _("Changes proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentStatus(models.TextChoices):
    """Mirrors the payments side (payments.PayableStatus); moved only by the payable callbacks."""

    UNPAID = "unpaid", _("Unpaid")
    PARTIALLY_PAID = "partially_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")
    CANCELLED = "cancelled", _("Cancelled")


class OrderSource(models.TextChoices):
    CART = "cart", _("Cart")
    QUOTE = "quote", _("Accepted quote")
    REORDER = "reorder", _("Reorder")
    CONTRACT = "contract", _("Linkage contract call-off")


class Order(TimeStampedModel):
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("order number"), max_length=20, unique=True, null=True, blank=True)
    buyer = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="orders_placed")
    cooperative = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="orders_received"
    )
    source = models.CharField(_("source"), max_length=10, choices=OrderSource.choices, default=OrderSource.CART)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    payment_status = models.CharField(
        _("payment status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    subtotal = vnd_field(_("subtotal before VAT"), default=0)
    vat_total = vnd_field(_("VAT"), default=0)
    total = vnd_field(_("total"), default=0)
    # The total when placed; `total` follows confirmed and then delivered quantities.
    placed_total = vnd_field(_("total when placed"), default=0)
    payment_due_at = models.DateTimeField(_("pay by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    ship_by = models.DateField(_("ship by"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["checkout", "cooperative"], name="order_one_per_cooperative"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(condition=Q(payment_status__in=PaymentStatus.values), name="order_payment_valid"),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, vat_total__gte=0, total=F("subtotal") + F("vat_total")),
                name="order_totals_add_up",
            ),
            models.CheckConstraint(condition=Q(total__lte=MAX_ORDER_TOTAL), name="order_total_bounded"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_idx"),
            models.Index(fields=["cooperative", "status", "-created_at"], name="order_cooperative_idx"),
            models.Index(
                fields=["payment_due_at"],
                condition=Q(status__in=["placed", "changes_proposed", "confirmed"], payment_status="unpaid"),
                name="order_payment_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"order {self.pk}"

    @property
    def total_money(self) -> Money:
        return Money.vnd(self.total)

    @property
    def is_open(self) -> bool:
        return self.status not in (OrderStatus.COMPLETED, OrderStatus.CANCELLED)


class OrderLine(models.Model):
    """A snapshot of what was bought: product name, unit, unit price and VAT rate as they were when placed.

    Quantities: ordered (placed), confirmed (by the cooperative, ≤ ordered), shipped (sum of shipments),
    delivered (what arrived; the invoice follows it)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("catalog.HarvestLot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(_("product"), max_length=200)
    sku = models.CharField(max_length=40, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    unit_price = vnd_field(_("unit price"))
    vat_category_code = models.CharField(max_length=30)
    # Goods not subject to VAT print "KCT" on the invoice: a different line from a 0 % rate (exports).
    vat_exempt = models.BooleanField(_("not subject to VAT"), default=False)
    vat_rate_percent = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    quantity_ordered = quantity_field(_("ordered"))
    quantity_confirmed = quantity_field(_("confirmed"))
    quantity_shipped = quantity_field(_("shipped"), default=Decimal(0))
    quantity_delivered = quantity_field(_("delivered"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity_ordered__gt=0), name="order_line_ordered_positive"),
            models.CheckConstraint(
                condition=Q(quantity_confirmed__gte=0, quantity_confirmed__lte=F("quantity_ordered")),
                name="order_line_confirmed_within_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quantity_shipped__gte=0, quantity_shipped__lte=F("quantity_confirmed")),
                name="order_line_shipped_within_confirmed",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(vat_exempt=False) | Q(vat_rate_percent=0), name="order_line_exempt_has_no_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity_ordered}"

    @property
    def vat_rate_label(self) -> str:
        from orders.totals import vat_rate_label

        return vat_rate_label(exempt=self.vat_exempt, rate_percent=self.vat_rate_percent)

    @property
    def unit_symbol(self) -> str:
        return UNIT_SYMBOLS.get(self.unit, self.unit)

    @property
    def billed_quantity(self) -> Decimal:
        """What the invoice charges: delivered once known, else confirmed."""
        return self.quantity_delivered if self.quantity_delivered is not None else self.quantity_confirmed


class OrderAllocation(models.Model):
    """Stock a line took from one lot at placement (a line without a chosen lot may span lots)."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    lot = models.ForeignKey("catalog.HarvestLot", on_delete=models.PROTECT, related_name="+")
    quantity = quantity_field()
    released = quantity_field(default=Decimal(0))

    class Meta:
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0, released__gte=0, released__lte=F("quantity")),
                name="order_allocation_quantities",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.quantity}"

    @property
    def held(self) -> Decimal:
        return self.quantity - self.released


# Timeline labels of the events that are not a status reached.
EVENT_LABELS = {
    "placed": _("Placed"),
    "over_paid": _("Delivered for less than was paid"),
    "balance_refunded": _("Balance refunded to the buyer"),
    "balance_refund_requested": _("Card refund of the balance requested"),
    "balance_credited": _("Balance kept as credit for the buyer"),
}


class OrderEvent(models.Model):
    """One step of an order's timeline: a status change or a notable action, with who did it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}->{self.to_status}"

    @property
    def label(self) -> str:
        """What the timeline shows: the status reached, or what happened."""
        if self.action in EVENT_LABELS:
            return str(EVENT_LABELS[self.action])
        if self.action == "payment":
            status = self.data.get("to", "")
            return str(
                _("Payment: %(status)s")
                % {"status": PaymentStatus(status).label if status in PaymentStatus.values else status}
            )
        if self.to_status in OrderStatus.values:
            return str(OrderStatus(self.to_status).label)
        return self.action


class Shipment(TimeStampedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    number = models.PositiveSmallIntegerField()
    carrier = models.CharField(_("carrier"), max_length=120, blank=True)
    vehicle = models.CharField(_("vehicle / plate"), max_length=40, blank=True)
    tracking_note = models.CharField(_("tracking note"), max_length=500, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["order", "number"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [models.UniqueConstraint(fields=["order", "number"], name="shipment_number_unique")]

    def __str__(self) -> str:
        return f"{self.order} #{self.number}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = quantity_field(_("quantity"))

    class Meta:
        ordering = ["shipment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipment_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.quantity}"


# --- invoices ------------------------------------------------------------------------------------
class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Invoice(TimeStampedModel):
    """A numbered invoice (or credit note) of one order, numbered per cooperative and symbol. Amounts are a
    snapshot; `lines` holds the printed lines and `vat_breakdown` the VAT per rate."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    cooperative = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    symbol = models.CharField(_("symbol"), max_length=12)
    number = models.PositiveIntegerField(_("number"))
    issued_at = models.DateTimeField(_("issued"))
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes")
    subtotal = vnd_field()
    vat_total = vnd_field()
    total = vnd_field()
    lines = models.JSONField(default=list)
    vat_breakdown = models.JSONField(default=list)
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "symbol", "number"], name="invoice_number_unique"),
            models.UniqueConstraint(fields=["order"], condition=Q(kind="invoice"), name="invoice_one_per_order"),
            models.CheckConstraint(condition=Q(number__gte=1), name="invoice_number_positive"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.symbol}-{self.number:07d}"


# --- requests for quotation ----------------------------------------------------------------------
class RfqStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    CLOSED = "closed", _("Closed")


class Rfq(TimeStampedModel):
    """A buyer's demand: a product (or a category), a quantity and unit, a delivery window and province,
    and an optional target price. Cooperatives answer with quotes; the buyer accepts one."""

    buyer = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="rfqs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("what you need"), max_length=200)
    product = models.ForeignKey("catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = quantity_field(_("quantity"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    delivery_from = models.DateField(_("deliver from"))
    delivery_to = models.DateField(_("deliver by"))
    delivery_province_code = models.PositiveSmallIntegerField(_("delivery province"))
    target_unit_price = vnd_field(_("target unit price"), null=True, blank=True)
    note = models.CharField(_("details"), max_length=2000, blank=True)
    closes_at = models.DateTimeField(_("quotes until"))
    status = models.CharField(_("status"), max_length=10, choices=RfqStatus.choices, default=RfqStatus.OPEN)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request for quotation")
        verbose_name_plural = _("requests for quotation")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | Q(category__isnull=False), name="rfq_product_or_category"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rfq_quantity_positive"),
            models.CheckConstraint(condition=Q(delivery_to__gte=F("delivery_from")), name="rfq_window_ordered"),
        ]

    def __str__(self) -> str:
        return self.title


class QuoteStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Not chosen")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Quote(TimeStampedModel):
    """A cooperative's offer for an RFQ: one of its products, a unit price and quantity, valid until a date."""

    rfq = models.ForeignKey(Rfq, on_delete=models.CASCADE, related_name="quotes")
    cooperative = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="quotes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    # The quoted product's sales unit: the quantity and the unit price are in it, as the order will be.
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    quantity = quantity_field(_("quantity"))
    unit_price = vnd_field(_("unit price"))
    valid_until = models.DateTimeField(_("valid until"))
    note = models.CharField(_("note"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.SUBMITTED)
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="quote")

    class Meta:
        ordering = ["unit_price", "id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(
                fields=["rfq", "cooperative"], condition=Q(status="submitted"), name="quote_one_open_per_cooperative"
            ),
            models.UniqueConstraint(fields=["rfq"], condition=Q(status="accepted"), name="quote_one_accepted_per_rfq"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="quote_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} · {self.unit_price} ₫"

    @property
    def unit_symbol(self) -> str:
        return UNIT_SYMBOLS.get(self.unit, self.unit)

    @property
    def amount(self) -> int:
        """Quantity × unit price, before VAT, in whole đồng."""
        from orders.totals import line_amount

        return line_amount(self.unit_price, self.quantity)
