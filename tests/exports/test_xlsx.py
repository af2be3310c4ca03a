"""market/exports/xlsx.py writes the rows of a sheet as text: the file must be the one openpyxl's write-only mode
writes for the same rows, part for part and byte for byte (only the creation time differs), for every kind of
value a sheet holds."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.exceptions import IllegalCharacterError

from market.exports.xlsx import Book

ROWS: list[list[Any]] = [
    ["Số đơn hàng", "Ngày", "Tổng (VND)", "Ghi chú"],
    ["DH-00000001", date(2026, 12, 5), 1_050_000, "Kho số 3, KCN Tân Tạo"],
    ["a & <b> > c", datetime(2026, 12, 5, 14, 30), -3, " leading", "trailing ", "   ", "", None, "x\ny\r\nz"],
    ["#N/A", "#DIV/0!", "'=HYPERLINK(1)", True, False, 0, 10**17, 0.1 + 0.2, 1.5e-7, float("nan"), float("inf")],
    [None, None, None],
    [],
    [Decimal("1.5"), Decimal("1250.500"), time(8, 15), timedelta(days=1, hours=2), datetime(1900, 2, 1)],
    [f"cột {n}" for n in range(60)],  # past Z, AZ
    ["x" * 40000],  # longer than a cell holds: cut at 32,767 characters
]
SECOND: list[list[Any]] = [["Mã"], [date(2000, 1, 1)], ["tab\there"]]


def _openpyxl(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=title)
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _ours(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    book = Book()
    for title, rows in sheets:
        sheet = book.sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [(name, package.read(name)) for name in package.namelist() if name != "docProps/core.xml"]


@pytest.mark.parametrize(
    "sheets",
    [
        [("Đơn hàng", ROWS)],
        [("Đơn hàng", ROWS), ("Hóa đơn", SECOND)],
        [("Dates first", SECOND), ("Times later", ROWS)],  # styles are numbered as the workbook meets them
        [("Only headings", ROWS[:1])],
    ],
)
def test_the_file_is_the_one_openpyxl_writes(sheets):
    assert _parts(_ours(sheets)) == _parts(_openpyxl(sheets))


def test_it_reads_back_as_written():
    book = openpyxl.load_workbook(io.BytesIO(_ours([("Đơn hàng", ROWS)])), read_only=True)
    rows = list(book.worksheets[0].iter_rows(min_row=2, max_row=2, values_only=True))
    assert rows == [("DH-00000001", datetime(2026, 12, 5), 1_050_000, "Kho số 3, KCN Tân Tạo")]


@pytest.mark.parametrize(
    ("value", "error"),
    [("bell\x07", IllegalCharacterError), ("=SUM(A1)", ValueError), (object(), ValueError)],
)
def test_what_openpyxl_refuses_or_would_run_is_refused(value, error):
    sheet = Book().sheet("x")
    with pytest.raises(error):
        sheet.append([value])
