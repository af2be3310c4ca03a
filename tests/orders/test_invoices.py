"""Invoices: the PDF's text, numbering per cooperative, credit notes for refunds, e-invoice export."""

import csv
import io
import json
from decimal import Decimal

import pytest
from pypdf import PdfReader

from market.core.words import vnd_in_words
from orders import services
from orders.invoice_documents import export_csv, export_json, invoice_pdf
from orders.models import Invoice, InvoiceKind, SellerSettings
from tests.orders.factories import only_order, place

pytestmark = pytest.mark.django_db
D = Decimal


def deliver(order, selling, quantity=None):
    line = order.lines.get()
    services.order_confirm(actor=selling, order_id=order.pk)
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: line.quantity_confirmed})
    services.order_deliver(actor=selling, order_id=order.pk, quantities={line.pk: D(quantity)} if quantity else None)
    return Invoice.objects.get(order=order, kind=InvoiceKind.INVOICE)


def pdf_text(invoice):
    reader = PdfReader(io.BytesIO(invoice_pdf(invoice)))
    return " ".join(page.extract_text() for page in reader.pages)


def test_invoice_pdf_holds_tax_codes_totals_and_words(buying, selling, rice, buyer, cooperative):
    order = only_order(place(buying, [(rice[0], "1000")]))
    invoice = deliver(order, selling, "986")
    text = pdf_text(invoice)
    assert "HÓA ĐƠN GIÁ TRỊ GIA TĂNG" in text.upper()
    assert cooperative.tax_code in text
    assert buyer.tax_code in text
    assert "30.023.700" in text  # total
    assert "1.429.700" in text  # VAT 5 %
    assert "986" in text
    words = vnd_in_words(30_023_700)
    assert words.startswith("Ba mươi triệu")
    assert words in text


def test_invoices_are_numbered_per_cooperative(buying, selling, rice, fish_sauce, other_cooperative):
    from tests.catalog.factories import actor_for

    first = deliver(only_order(place(buying, [(rice[0], "100")])), selling)
    second = deliver(only_order(place(buying, [(rice[0], "100")])), selling)
    other = deliver(only_order(place(buying, [(fish_sauce[0], "12")])), actor_for(other_cooperative))
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.display_number == "1C26TAA-0000001"
    assert SellerSettings.objects.get(cooperative=rice[0].cooperative).last_invoice_number == 2


def test_credit_note_splits_over_vat_rates(buying, selling, rice):
    order = only_order(place(buying, [(rice[0], "100")]))
    invoice = deliver(order, selling)
    assert invoice.total == 3_360_000
    note = services.credit_note_issue(order=order, amount=336_000, reason="Hàng ẩm, giảm giá")
    assert (note.kind, note.corrects_id, note.number) == ("credit_note", invoice.pk, 2)
    assert note.vat_breakdown == [{"rate": "5%", "rate_percent": "5", "taxable": 320_000, "vat": 16_000}]
    assert "ĐIỀU CHỈNH" in pdf_text(note).upper()
    from market.core.errors import Conflict

    with pytest.raises(Conflict):
        services.credit_note_issue(order=order, amount=3_360_000, reason="quá nhiều")


def test_export_for_e_invoice_providers(buying, selling, rice, fish_sauce, cooperative):
    order = only_order(place(buying, [(rice[0], "1000")]))
    invoice = deliver(order, selling, "986")
    data = json.loads(export_json(Invoice.objects.all()))
    row = data["invoices"][0]
    assert (row["symbol"], row["number"], row["total"], row["currency"]) == ("1C26TAA", 1, 30_023_700, "VND")
    assert row["seller"]["tax_code"] == cooperative.tax_code
    assert row["lines"][0] == {
        "name": "Gạo ST25 Tân Hiệp", "unit": "kg", "quantity": "986", "unit_price": 29000, "amount": 28_594_000,
        "vat_rate": "5%", "vat_rate_percent": "5",
    }  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(export_csv(Invoice.objects.all()).lstrip("\ufeff"))))
    assert rows[0]["item_name"] == "Gạo ST25 Tân Hiệp"
    assert rows[0]["invoice_total"] == str(invoice.total)


def test_a_refund_through_payments_issues_a_credit_note(buying, selling, rice):
    """The payable callback turns a refund into a credit note once the order is invoiced."""
    from market.core.money import Money
    from market.payments.models import Payable
    from market.payments.registry import PaymentUpdate, get

    order = only_order(place(buying, [(rice[0], "100")]))
    invoice = deliver(order, selling)
    payable = Payable.objects.get(object_id=str(order.pk))
    kind = get("orders.order")
    update = PaymentUpdate(
        payable=payable,
        payment=None,  # the callback only reads the amounts
        status="partially_refunded",
        amount_due=Money.vnd(invoice.total),
        amount_paid=Money.vnd(invoice.total),
        amount_refunded=Money.vnd(100_000),
    )
    kind.on_refunded(kind.load(str(order.pk)), update)
    kind.on_refunded(kind.load(str(order.pk)), update)  # a repeated callback credits nothing more
    notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE)
    assert [n.total for n in notes] == [100_000]
    order.refresh_from_db()
    assert order.payment_status == "partially_refunded"


def test_goods_not_subject_to_vat_print_kct_apart_from_a_zero_rate(buying, selling, cooperative):
    """Invoices printed "Thuế suất 0%" for goods "không chịu thuế GTGT": on a Vietnamese VAT invoice those are
    "KCT", a different line from the 0 % of exports."""
    from catalog.models import VatCategory
    from tests.catalog.factories import make_lot, make_product

    VatCategory.objects.create(code="xuat-khau", name_vi="Thuế suất 0%", name_en="0%", rate_percent=0)
    paddy = make_product(cooperative, name="Lúa tươi", vat_category="khong-chiu-thue", tiers=[("100", 8000)])
    export = make_product(cooperative, name="Gạo xuất khẩu", vat_category="xuat-khau", tiers=[("100", 20000)])
    rice = make_product(cooperative, name="Gạo thơm", tiers=[("100", 30000)])
    for index, product in enumerate((paddy, export, rice)):
        make_lot(product, code=f"L-{index}", quantity="1000")
    order = only_order(place(buying, [(paddy, "100"), (export, "100"), (rice, "100")]))
    lines = list(order.lines.order_by("position"))
    assert [line.vat_rate_label for line in lines] == ["KCT", "0%", "5%"]
    services.order_confirm(actor=selling, order_id=order.pk)
    services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: D(100) for line in lines})
    services.order_deliver(actor=selling, order_id=order.pk)
    invoice = Invoice.objects.get(order=order, kind=InvoiceKind.INVOICE)
    assert [(g["rate"], g["taxable"], g["vat"]) for g in invoice.vat_breakdown] == [
        ("KCT", 800_000, 0),
        ("0%", 2_000_000, 0),
        ("5%", 3_000_000, 150_000),
    ]
    text = pdf_text(invoice)
    assert "Lúa tươi" in text
    assert " KCT " in f" {text} "
    assert text.count("KCT") == 2  # the line and its row in the VAT table
    assert text.count("0%") == 2  # the export line and its row: never the paddy's
    rows = list(csv.DictReader(io.StringIO(export_csv([invoice]).lstrip("\ufeff"))))
    assert [row["vat_rate"] for row in rows] == ["KCT", "0%", "5%"]


def test_an_invoice_stored_before_kct_still_prints_its_rates(buying, selling, rice):
    order = only_order(place(buying, [(rice[0], "100")]))
    invoice = deliver(order, selling)
    Invoice.objects.filter(pk=invoice.pk).update(
        lines=[{k: v for k, v in line.items() if k != "vat_rate"} for line in invoice.lines],
        vat_breakdown=[{k: v for k, v in g.items() if k != "rate"} for g in invoice.vat_breakdown],
    )
    invoice.refresh_from_db()
    assert "5%" in pdf_text(invoice)
    assert json.loads(export_json([invoice]))["invoices"][0]["lines"][0]["vat_rate"] == "5%"
