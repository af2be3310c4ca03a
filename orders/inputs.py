"""One input schema per orders command and per list filter (docs/edge.md). The API reads them on JSON (or a
form-encoded body), the pages on form posts through `frontend.schema_forms.SchemaForm` or, for rows of
per-line quantities, `read_input(..., mode=InputMode.FORM)`: a limit, a message and a parse exist once.

Quantities are read in their unit: the product's for a cart line or a quote (`context={"unit": …}`), each
line's for confirming, shipping and recording a delivery (`context={"line_units": {line id: unit}}`), so
"1.000" is a thousand kilograms and "1,5 tấn" on a kg line is 1.500 kg.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from catalog.pricing import MAX_UNIT_PRICE
from market.core.inputs import (
    MAX_ID,
    ChoiceInput,
    DateInput,
    DateTimeInput,
    IdInput,
    InputMode,
    MoneyInput,
    QuantityInput,
    TextInput,
    read_input,
)
from market.core.quantity import Unit
from market.organisations import geo
from orders.commands import CheckoutDetails, RfqRequest
from orders.models import Checkout, OrderStatus, Quote, Rfq, RfqStatus, Shipment


def _length(model: Any, name: str) -> int:
    """A text field's limit is its column's: one number, in the model."""
    return int(model._meta.get_field(name).max_length)


def posted_id(data: Any, name: str) -> int | None:
    """An id among posted data when it is one (to look up what reading the rest depends on), else None:
    the schema then reports the bad value itself."""
    value = data.get(name) if hasattr(data, "get") else None
    try:
        return IdInput().to_internal_value(value)
    except serializers.ValidationError:
        return None


# --- cart ----------------------------------------------------------------------------------------
class CartLineInput(serializers.Serializer):
    """Put a product (and optionally one of its lots) in the cart; `add` adds to what the line holds."""

    product = IdInput(label=gettext_lazy("Product"))
    lot = IdInput(required=False, allow_null=True, label=gettext_lazy("Lot"))
    quantity = QuantityInput(label=gettext_lazy("Quantity"))
    add = serializers.BooleanField(required=False, default=False)


def read_cart_line(data: Any, mode: InputMode) -> dict[str, Any]:
    """The cart line's values, the quantity read in the product's unit ("1,5 tấn" for a kg product). Only what
    a person typed (a form post) is read in a unit: JSON carries canonical numbers, so the unit is not looked
    up for it (a query per API add)."""
    from orders.selectors import product_unit

    unit = product_unit(product_id=posted_id(data, "product")) if mode == InputMode.FORM else None
    return read_input(CartLineInput, data, mode=mode, context={"unit": unit})


class CartQuantityInput(serializers.Serializer):
    quantity = QuantityInput(label=gettext_lazy("Quantity"))


class CartLineRefInput(serializers.Serializer):
    """Which cart line a page's update or remove button is about."""

    line = IdInput()


class CartPageAction(StrEnum):
    ADD = "add"
    UPDATE = "update"
    REMOVE = "remove"


class CartPageInput(serializers.Serializer):
    """What the cart page's forms post besides the line: which of them, and where to go back to."""

    action = ChoiceInput(CartPageAction, required=False, default=CartPageAction.ADD)
    next = TextInput(max_length=2000, required=False)


# --- checkout ------------------------------------------------------------------------------------
def province_field(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=geo.province_choices(),
        error_messages={"invalid_choice": gettext_lazy("Choose a province.")},
        **kwargs,
    )


class CheckoutInput(serializers.Serializer):
    """Delivery and invoice details of a checkout (and of an accepted quote). Blank ones default to the
    buyer's own; an accepted quote is delivered in its request's window and province unless given."""

    delivery_address = TextInput(
        max_length=_length(Checkout, "delivery_address"), required=False, label=gettext_lazy("Delivery address")
    )
    delivery_province_code = province_field(required=False, allow_null=True, label=gettext_lazy("Delivery province"))
    delivery_from = DateInput(required=False, allow_null=True, label=gettext_lazy("Deliver from"))
    delivery_to = DateInput(required=False, allow_null=True, label=gettext_lazy("Deliver by"))
    po_number = TextInput(
        max_length=_length(Checkout, "po_number"), required=False, label=gettext_lazy("Your purchase order number")
    )
    note = TextInput(
        max_length=_length(Checkout, "note"),
        multiline=True,
        required=False,
        label=gettext_lazy("Note for the cooperatives"),
    )
    invoice_legal_name = TextInput(
        max_length=_length(Checkout, "invoice_legal_name"),
        required=False,
        label=gettext_lazy("Legal name on the invoice"),
    )
    invoice_tax_code = TextInput(max_length=20, required=False, label=gettext_lazy("Tax code (MST)"))
    invoice_address = TextInput(
        max_length=_length(Checkout, "invoice_address"), required=False, label=gettext_lazy("Invoice address")
    )
    invoice_email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        label=gettext_lazy("Invoice e-mail"),
        error_messages={"invalid": gettext_lazy("Enter the e-mail address invoices go to.")},
    )


class CheckoutPageInput(CheckoutInput):
    """The page's form also carries the one-time key it was shown with (the API sends Idempotency-Key)."""

    key = TextInput(max_length=100, required=False)


def checkout_details(fields: Mapping[str, Any]) -> CheckoutDetails:
    return CheckoutDetails.of(dict(fields))


# --- per-line quantities -------------------------------------------------------------------------
class _LineQuantity(QuantityInput):
    """One line's quantity, read in that line's unit."""

    def __init__(self, *, unit: str | None, **kwargs: Any) -> None:
        self.unit = unit
        super().__init__(allow_zero=True, **kwargs)

    def parse_typed(self, text: str) -> Decimal:
        from market.core import parsing

        return parsing.parse_quantity(text, unit=self.unit, places=3)


class LineQuantities(serializers.DictField):
    """{line id: quantity}: `{"quantities": {"12": "990.5"}}` in JSON, `quantities.12=990,5` on a page (a
    field left blank there is not given). Each quantity is read in its line's unit."""

    default_error_messages = {"not_a_dict": gettext_lazy("Give the quantities per line.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=QuantityInput(allow_zero=True), **kwargs)

    def to_internal_value(self, data: Any) -> dict[int, Decimal]:
        # A form post arrives already gathered from its "quantities.<id>" keys (DictField.get_value).
        if not isinstance(data, Mapping):
            self.fail("not_a_dict", input_type=type(data).__name__)
        form = self.context.get("input_mode") == InputMode.FORM
        units: Mapping[int, str] = self.context.get("line_units", {})
        result: dict[int, Decimal] = {}
        errors: dict[str, list[str]] = {}
        for key, value in data.items():
            text = str(key)
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
                errors[text] = [_("This line is not part of the order.")]
                continue
            if form and str(value).strip() == "":
                continue
            field = _LineQuantity(unit=units.get(int(text)))
            field.bind(field_name=text, parent=self.root)
            try:
                result[int(text)] = field.run_validation(value)
            except serializers.ValidationError as error:
                errors[text] = [str(message) for message in error.detail]
        if errors:
            raise serializers.ValidationError(errors)
        return result


class ConfirmInput(serializers.Serializer):
    """Confirm as ordered, or with smaller quantities for some lines (a proposal the buyer accepts)."""

    quantities = LineQuantities(required=False)
    note = TextInput(max_length=1000, multiline=True, required=False, label=gettext_lazy("Note for the buyer"))


class ShipInput(serializers.Serializer):
    quantities = LineQuantities()
    carrier = TextInput(max_length=_length(Shipment, "carrier"), required=False, label=gettext_lazy("Carrier"))
    vehicle = TextInput(max_length=_length(Shipment, "vehicle"), required=False, label=gettext_lazy("Vehicle / plate"))
    tracking_note = TextInput(
        max_length=_length(Shipment, "tracking_note"), required=False, label=gettext_lazy("Tracking note")
    )
    shipped_at = DateTimeInput(
        required=False,
        allow_null=True,
        label=gettext_lazy("Left at"),
        help_text=gettext_lazy("Leave empty for now."),
    )


class DeliverInput(serializers.Serializer):
    """The weighed quantities that arrived (a line left out arrived as shipped)."""

    quantities = LineQuantities(required=False)
    note = TextInput(max_length=1000, multiline=True, required=False, label=gettext_lazy("Note"))


class CancelInput(serializers.Serializer):
    reason = TextInput(max_length=500, required=False, label=gettext_lazy("Reason"))


class BalanceRefundInput(serializers.Serializer):
    bank_reference = TextInput(
        max_length=60,
        required=False,
        label=gettext_lazy("Reference of your transfer back"),
        help_text=gettext_lazy("As your bank shows it; only for money that reached you by bank transfer."),
    )
    note = TextInput(max_length=500, required=False, label=gettext_lazy("Note for the buyer"))


class BalanceCreditInput(serializers.Serializer):
    note = TextInput(max_length=500, required=False, label=gettext_lazy("Note for the buyer"))


# --- requests for quotation and quotes -----------------------------------------------------------
class RfqInput(serializers.Serializer):
    """A request for quotation. The quantity is read in the chosen unit ("2 tấn" with kg chosen is 2.000 kg;
    with tấn chosen, 2)."""

    title = TextInput(max_length=_length(Rfq, "title"), label=gettext_lazy("What you need"))
    product = IdInput(required=False, allow_null=True, label=gettext_lazy("Product"))
    category = IdInput(required=False, allow_null=True, label=gettext_lazy("Category"))
    quantity = QuantityInput(label=gettext_lazy("Quantity"))
    unit = ChoiceInput(Unit, required=False, allow_null=True, label=gettext_lazy("Unit"))
    delivery_from = DateInput(label=gettext_lazy("Deliver from"))
    delivery_to = DateInput(label=gettext_lazy("Deliver by"))
    delivery_province_code = province_field(label=gettext_lazy("Delivery province"))
    target_unit_price = MoneyInput(
        min_value=1,
        max_value=MAX_UNIT_PRICE,
        required=False,
        allow_null=True,
        label=gettext_lazy("Target unit price"),
    )
    note = TextInput(max_length=_length(Rfq, "note"), multiline=True, required=False, label=gettext_lazy("Details"))
    closes_at = DateTimeInput(required=False, allow_null=True, label=gettext_lazy("Quotes until"))

    def to_internal_value(self, data: Any) -> Any:
        # The quantity reads in the unit chosen beside it.
        unit = data.get("unit") if hasattr(data, "get") else None
        self._context = {**self.context, "unit": unit if unit in Unit.values else None}
        return super().to_internal_value(data)


def rfq_request(fields: Mapping[str, Any]) -> RfqRequest:
    return RfqRequest(
        title=fields["title"],
        quantity=fields["quantity"],
        unit=fields.get("unit") or None,
        delivery_from=fields["delivery_from"],
        delivery_to=fields["delivery_to"],
        delivery_province_code=fields["delivery_province_code"],
        product_id=fields.get("product"),
        category_id=fields.get("category"),
        target_unit_price=fields.get("target_unit_price"),
        note=fields.get("note", ""),
        closes_at=fields.get("closes_at"),
    )


class QuoteInput(serializers.Serializer):
    """A cooperative's quote: one of its products, a quantity and a unit price in that product's unit
    (`context={"unit": product.unit}`), valid until the end of a day."""

    product = IdInput(label=gettext_lazy("Product"))
    quantity = QuantityInput(
        label=gettext_lazy("Quantity"),
        help_text=gettext_lazy("In the product's unit; you may write another mass unit, e.g. “2 tấn”."),
    )
    unit_price = MoneyInput(min_value=1, max_value=MAX_UNIT_PRICE, label=gettext_lazy("Unit price"))
    valid_until = DateInput(required=False, allow_null=True, label=gettext_lazy("Valid until"))
    note = TextInput(max_length=_length(Quote, "note"), multiline=True, required=False, label=gettext_lazy("Note"))


def read_quote(data: Any, mode: InputMode) -> dict[str, Any]:
    """The quote's values, its quantity read in the quoted product's unit."""
    from orders.selectors import product_unit

    unit = product_unit(product_id=posted_id(data, "product"))
    return read_input(QuoteInput, data, mode=mode, context={"unit": unit})


class QuoteRefInput(serializers.Serializer):
    """Which quote a request page's accept or withdraw button is about."""

    quote = IdInput()


class RfqPageAction(StrEnum):
    QUOTE = "quote"
    CLOSE = "close"
    ACCEPT = "accept"
    WITHDRAW = "withdraw"


class RfqPageInput(serializers.Serializer):
    action = ChoiceInput(RfqPageAction)


# --- list filters (query parameters, API and pages alike) ----------------------------------------
class Inbox(models.TextChoices):
    """A cooperative's order inbox: what needs it now (and, for anyone, the orders not yet completed or
    cancelled)."""

    NEW = "new", gettext_lazy("New")
    TO_SHIP = "to_ship", gettext_lazy("To ship")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    OPEN = "open", gettext_lazy("Open orders")
    ALL = "all", gettext_lazy("All")


class OrderFilterInput(serializers.Serializer):
    status = ChoiceInput(OrderStatus, required=False, label=gettext_lazy("Status"))
    view = ChoiceInput(Inbox, required=False)
    search = TextInput(max_length=40, required=False, label=gettext_lazy("Order or PO number"))
    cooperative = IdInput(required=False)
    buyer = IdInput(required=False)
    placed_from = DateInput(required=False, label=gettext_lazy("Placed from"))
    placed_to = DateInput(required=False, label=gettext_lazy("Placed until"))


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class InvoiceFilterInput(serializers.Serializer):
    order = IdInput(required=False)
    issued_from = DateInput(required=False)
    issued_to = DateInput(required=False)


class InvoiceExportInput(InvoiceFilterInput):
    format = ChoiceInput(ExportFormat, required=False, default=ExportFormat.JSON)


class ShipmentFilterInput(serializers.Serializer):
    order = IdInput(required=False)


class RfqFilterInput(serializers.Serializer):
    status = ChoiceInput(RfqStatus, required=False)


class SalesFilterInput(serializers.Serializer):
    since = DateInput(required=False)
