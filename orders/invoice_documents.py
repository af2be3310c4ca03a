"""An invoice as a document: the PDF (Vietnamese layout, WeasyPrint) and the export rows an e-invoice
provider loads (CSV, one row per line; JSON, one object per invoice)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format

from market.core.words import vnd_in_words
from market.exports.registry import Column
from market.exports.writers import FixedTable, csv_text
from orders.models import Invoice, InvoiceKind
from orders.totals import NOT_SUBJECT


def _quantity_text(value: str) -> str:
    if not value:
        return ""
    number = Decimal(value)
    exponent = number.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(number, decimal_pos=places, force_grouping=True)


def rate_of(row: dict[str, Any], percent_key: str) -> str:
    """What the rate column prints: 'KCT' for goods not subject to VAT, else '5%'. Rows stored before the
    distinction was kept carry only the percentage."""
    return str(row.get("vat_rate") or row.get("rate") or f"{Decimal(str(row[percent_key])).normalize():f}%")


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    lines = [
        {**line, "quantity": _quantity_text(line["quantity"]), "vat_rate": rate_of(line, "vat_rate_percent")}
        for line in invoice.lines
    ]
    return {
        "invoice": invoice,
        "lines": lines,
        "vat_lines": [
            {**group, "rate": rate_of(group, "rate_percent"), "exempt": rate_of(group, "rate_percent") == NOT_SUBJECT}
            for group in invoice.vat_breakdown
        ],
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "issued": timezone.localtime(invoice.issued_at),
        "total_in_words": vnd_in_words(invoice.total),
        "order_number": invoice.order.number,
    }


def invoice_html(invoice: Invoice) -> str:
    with translation.override("vi"):
        return render_to_string("orders/invoice_pdf.html", invoice_context(invoice))


def invoice_pdf(invoice: Invoice) -> bytes:
    from weasyprint import HTML

    # No base_url: the document loads nothing (fonts come from the system, fonts-dejavu-core).
    return HTML(string=invoice_html(invoice)).write_pdf()


def _rows(invoices: Iterable[Invoice]) -> Iterable[dict[str, Any]]:
    for invoice in invoices:
        yield {
            "kind": invoice.kind,
            "symbol": invoice.symbol,
            "number": invoice.number,
            "issued_at": timezone.localtime(invoice.issued_at).isoformat(),
            "order_number": invoice.order.number,
            "corrects": invoice.corrects.display_number if invoice.corrects is not None else "",
            "seller": invoice.seller,
            "buyer": invoice.buyer,
            "lines": [{**line, "vat_rate": rate_of(line, "vat_rate_percent")} for line in invoice.lines],
            "vat_breakdown": [{**group, "rate": rate_of(group, "rate_percent")} for group in invoice.vat_breakdown],
            "subtotal": invoice.subtotal,
            "vat_total": invoice.vat_total,
            "total": invoice.total,
            "total_in_words": vnd_in_words(invoice.total),
            "currency": "VND",
            "reason": invoice.reason,
        }


def export_json(invoices: Iterable[Invoice]) -> str:
    return json.dumps({"invoices": list(_rows(invoices))}, ensure_ascii=False, indent=1)


CSV_COLUMNS = [
    "kind", "symbol", "number", "issued_at", "order_number", "corrects",
    "seller_tax_code", "seller_legal_name", "buyer_tax_code", "buyer_legal_name", "buyer_address", "buyer_email",
    "line_no", "item_name", "unit", "quantity", "unit_price", "amount", "vat_rate", "vat_rate_percent",
    "invoice_subtotal", "invoice_vat_total", "invoice_total", "currency",
]  # fmt: skip


# Fixed machine headings: an e-invoice provider's import maps them once.
CSV_TABLE = FixedTable(
    label="invoices", columns=[Column(name, itemgetter(name)) for name in CSV_COLUMNS], for_programs=True
)


def export_csv(invoices: Iterable[Invoice]) -> str:
    """One row per invoice line, written like every export."""
    return csv_text(CSV_TABLE, _csv_lines(invoices), "vi")


def _csv_lines(invoices: Iterable[Invoice]) -> Iterator[dict[str, Any]]:
    for row in _rows(invoices):
        lines = row["lines"] or [
            {
                "name": row["reason"],
                "unit": "",
                "quantity": "",
                "unit_price": "",
                "amount": -g["taxable"],
                "vat_rate": g["rate"],
                "vat_rate_percent": g["rate_percent"],
            }
            for g in row["vat_breakdown"]
        ]
        for index, line in enumerate(lines, start=1):
            yield {
                "kind": row["kind"],
                "symbol": row["symbol"],
                "number": row["number"],
                "issued_at": row["issued_at"],
                "order_number": row["order_number"],
                "corrects": row["corrects"],
                "seller_tax_code": row["seller"].get("tax_code", ""),
                "seller_legal_name": row["seller"].get("legal_name", ""),
                "buyer_tax_code": row["buyer"].get("tax_code", ""),
                "buyer_legal_name": row["buyer"].get("legal_name", ""),
                "buyer_address": row["buyer"].get("address", ""),
                "buyer_email": row["buyer"].get("email", ""),
                "line_no": index,
                "item_name": line["name"],
                "unit": line["unit"],
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "amount": line["amount"],
                "vat_rate": line["vat_rate"],
                "vat_rate_percent": line["vat_rate_percent"],
                "invoice_subtotal": row["subtotal"],
                "invoice_vat_total": row["vat_total"],
                "invoice_total": row["total"],
                "currency": "VND",
            }
