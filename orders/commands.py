"""The typed values of the orders commands that carry many fields. The input schemas (`orders/inputs.py`)
make them from what a page or the API received; services take them and never parse a string."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from market.core.quantity import Unit


@dataclass(frozen=True, slots=True)
class CheckoutDetails:
    """Delivery and invoice details of a checkout; blank ones default to the buyer's own (or, for an
    accepted quote, to its request's delivery window and province)."""

    delivery_address: str = ""
    delivery_province_code: int | None = None
    delivery_from: date | None = None
    delivery_to: date | None = None
    po_number: str = ""
    note: str = ""
    invoice_tax_code: str = ""
    invoice_legal_name: str = ""
    invoice_address: str = ""
    invoice_email: str = ""

    @classmethod
    def of(cls, values: dict[str, Any]) -> CheckoutDetails:
        """From a schema's validated values (absent and null ones keep their defaults)."""
        names = {field.name for field in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})

    def canonical(self) -> dict[str, str]:
        """The details as text, for the idempotency hash: the same request hashes the same."""
        return {field.name: "" if getattr(self, field.name) is None else str(getattr(self, field.name))
                for field in fields(self)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RfqRequest:
    """A request for quotation: a product or a category, how much, when and where."""

    title: str
    quantity: Decimal
    delivery_from: date
    delivery_to: date
    delivery_province_code: int
    unit: Unit | None = None  # the product's own when not given
    product_id: int | None = None
    category_id: int | None = None
    target_unit_price: int | None = None
    note: str = ""
    closes_at: datetime | None = None
