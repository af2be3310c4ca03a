"""Invoices and credit notes, numbered per cooperative and invoice symbol under a row lock (no gaps from
concurrent issues, no duplicates: a unique constraint backs it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from market.core.errors import Conflict
from market.core.services import audit_record
from market.integrations.registry import emit_event
from market.organisations.permissions import Actor
from orders import webhooks
from orders.models import Invoice, InvoiceKind, Order, SellerSettings
from orders.services.common import order_totals, seller_settings
from orders.totals import line_amount


def _next_number(cooperative_id: int) -> tuple[str, int]:
    seller_settings(cooperative_id)
    row = SellerSettings.objects.select_for_update().get(cooperative_id=cooperative_id)
    row.last_invoice_number += 1
    row.save(update_fields=["last_invoice_number", "updated_at"])
    return row.invoice_symbol, row.last_invoice_number


def _party(
    organisation: Any, *, tax_code: str = "", legal_name: str = "", address: str = "", email: str = ""
) -> dict[str, str]:
    return {
        "name": organisation.name,
        "legal_name": legal_name or organisation.legal_name,
        "tax_code": tax_code or organisation.tax_code,
        "address": address or organisation.full_address,
        "email": email or organisation.email,
        "phone": organisation.phone,
        "bank_account": organisation.bank_account_number,
    }


@transaction.atomic
def invoice_issue(*, order: Order, actor: Actor | None) -> Invoice:
    """The order's invoice on its billed (delivered) quantities; issuing twice returns the first one."""
    existing = Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).first()
    if existing is not None:
        return existing
    lines = list(order.lines.order_by("position", "id"))
    totals = order_totals(lines)
    symbol, number = _next_number(order.cooperative_id)
    checkout = order.checkout
    invoice = Invoice.objects.create(
        order=order,
        cooperative_id=order.cooperative_id,
        kind=InvoiceKind.INVOICE,
        symbol=symbol,
        number=number,
        issued_at=timezone.now(),
        subtotal=totals.subtotal,
        vat_total=totals.vat_total,
        total=totals.total,
        lines=[
            {
                "name": line.product_name,
                "unit": line.unit_symbol,
                "quantity": f"{line.billed_quantity.normalize():f}",
                "unit_price": line.unit_price,
                "amount": line_amount(line.unit_price, line.billed_quantity),
                "vat_rate": line.vat_rate_label,
                "vat_rate_percent": f"{line.vat_rate_percent.normalize():f}",
            }
            for line in lines
            if line.billed_quantity > 0
        ],
        vat_breakdown=[group.as_json() for group in totals.groups],
        seller=_party(order.cooperative),
        buyer=_party(
            order.buyer,
            tax_code=checkout.invoice_tax_code,
            legal_name=checkout.invoice_legal_name,
            address=checkout.invoice_address,
            email=checkout.invoice_email,
        ),
    )
    audit_record(actor=actor, action="invoice.issued", target=invoice, data={"order": order.pk, "number": number})
    emit_event(type=webhooks.INVOICE_ISSUED, obj=invoice, organisations=[order.buyer, order.cooperative])
    return invoice


@transaction.atomic
def credit_note_issue(*, order: Order, amount: int, reason: str, actor: Actor | None = None) -> Invoice:
    """A credit note against the order's invoice for `amount` đồng (VAT included) given back to the buyer.
    The amount is split over the VAT rates in proportion to the invoice."""
    invoice = Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).first()
    if invoice is None:
        raise Conflict("The order has no invoice yet.")
    credited = Invoice.objects.filter(corrects=invoice).aggregate(total=Sum("total"))["total"] or 0
    if amount <= 0 or credited + amount > invoice.total:
        raise Conflict("A credit note cannot exceed what the invoice charged.")
    groups = []
    remaining = amount
    breakdown = invoice.vat_breakdown or []
    for index, group in enumerate(breakdown):
        share = (
            remaining
            if index == len(breakdown) - 1
            else round(amount * (group["taxable"] + group["vat"]) / invoice.total)
        )
        remaining -= share
        rate = group["rate_percent"]
        taxable = int((Decimal(share) * 100 / (100 + Decimal(rate))).to_integral_value())
        label = group.get("rate") or f"{Decimal(rate).normalize():f}%"
        groups.append({"rate": label, "rate_percent": rate, "taxable": taxable, "vat": share - taxable})
    symbol, number = _next_number(order.cooperative_id)
    note = Invoice.objects.create(
        order=order,
        cooperative_id=order.cooperative_id,
        kind=InvoiceKind.CREDIT_NOTE,
        symbol=symbol,
        number=number,
        issued_at=timezone.now(),
        corrects=invoice,
        subtotal=sum(g["taxable"] for g in groups),
        vat_total=sum(g["vat"] for g in groups),
        total=amount,
        lines=[],
        vat_breakdown=groups,
        seller=invoice.seller,
        buyer=invoice.buyer,
        reason=reason,
    )
    audit_record(
        actor=actor, action="invoice.credit_note_issued", target=note, data={"order": order.pk, "amount": amount}
    )
    emit_event(type=webhooks.INVOICE_ISSUED, obj=note, organisations=[order.buyer, order.cooperative])
    return note
