"""The columns of the order kinds, cell by cell against rows written out by hand from the orders themselves (the
fields each column read from a model instance before the kinds read tuples of fields): a column that moves,
reads another field or loses its label fails here. tests/exports/test_every_kind.py runs every kind."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from django.utils import timezone

from market.exports import selectors
from market.exports.registry import get_export
from market.exports.writers import csv_text, xlsx_bytes
from tests.exports.conftest import FORMULA

pytestmark = pytest.mark.django_db


def _rows(actor, name: str):
    kind = get_export(name)
    assert kind is not None
    day = timezone.localdate()
    rows = selectors.export_rows(actor=actor, kind=kind, date_from=day, date_to=day, status=None)
    return kind, kind.read(rows, chunk_size=1)  # a chunk a row: the cursor is walked as a large export walks it


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def test_orders_in_english_csv(buying, placed):
    kind, rows = _rows(buying, "orders")
    written = list(csv.reader(io.StringIO(csv_text(kind, rows, "en").lstrip("\ufeff"))))
    assert written[0] == [
        "Order number", "Placed at", "Status", "Payment status", "Buyer", "Buyer tax code", "Cooperative",
        "Cooperative tax code", "PO number", "Subtotal before VAT (VND)", "VAT (VND)", "Total (VND)",
        "Total when placed (VND)", "Ship by", "Delivered at", "Cancelled at",
    ]  # fmt: skip
    assert written[1:] == [
        [
            order.number, _local(order.created_at), "Placed", "Unpaid", order.buyer.name, order.buyer.tax_code,
            order.cooperative.name, order.cooperative.tax_code, "'" + FORMULA, str(order.subtotal),
            str(order.vat_total), str(order.total), str(order.placed_total), "", "", "",
        ]
        for order in placed
    ]  # fmt: skip


def test_order_lines_in_vietnamese_xlsx(buying, placed):
    kind, rows = _rows(buying, "order_lines")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(kind, rows, "vi")), read_only=True)
    written = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert written[0][:5] == ["Số đơn hàng", "Đặt lúc", "Trạng thái đơn hàng", "Người mua", "Hợp tác xã"]
    rice, sauce = (order.lines.get() for order in placed)
    assert [row[5:] for row in written[1:]] == [
        # ordered, confirmed, shipped, delivered (not yet: blank), billed (confirmed until delivered)
        ["Gạo ST25 Tân Hiệp", None, "kg", 29000, "5%", 1000, 1000, 0, None, 1000],
        ["Nước mắm Phú Quốc 40°N", None, "chai", 95000, "10%", 24, 24, 0, None, 24],
    ]
    assert [row[:5] for row in written[1:]] == [
        [line.order.number, timezone.localtime(line.order.created_at).replace(tzinfo=None, microsecond=0),
         "Đã đặt", line.order.buyer.name, line.order.cooperative.name]
        for line in (rice, sauce)
    ]  # fmt: skip
