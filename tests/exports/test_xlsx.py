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
    ["#N/A", "#DIV/0!", "'=HYPERLINK(1)", True, False, 0, 10**15, 0.1 + 0.2, 1.5e-7, float("nan"), float("inf")],
    [None, None, None],
    [],
    [999_999_999_999_999, -(10**15 - 1), Decimal("12345678901234.5"), Decimal("NaN")],  # shown as they are
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
    book = Book(language="vi")
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
    sheet = Book(language="vi").sheet("x")
    with pytest.raises(error):
        sheet.append([value])


# Past what a spreadsheet shows as it is: 2^53 and beyond, or more than 15 significant digits.
ROUNDED_BY_EXCEL: list[Any] = [
    10**16 + 1,
    2**53,
    -(10**17),
    1_234_567_890_123_456,
    Decimal("12345678901234.567"),
    Decimal("-1E+20"),
]


@pytest.mark.parametrize(("language", "decimal"), [("vi", "12345678901234,567"), ("en", "12345678901234.567")])
def test_a_number_a_spreadsheet_would_round_is_its_exact_text_with_a_note(language, decimal):
    """Written as numbers, 10.000.000.000.000.001 ₫ would open as 10.000.000.000.000.000 ₫ (Excel keeps 15
    significant digits): the file shows each digit as text, and a note says why SUM skips it."""
    book = Book(language=language)
    sheet = book.sheet("Tổng")
    sheet.append(["Số tiền"] * len(ROUNDED_BY_EXCEL))
    sheet.append(ROUNDED_BY_EXCEL)
    sheet.append([10**15, 999_999_999_999_999, Decimal("1250.5")])  # shown exactly: numbers still
    out = io.BytesIO()
    book.save(out)

    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    rows = list(workbook.worksheets[0].iter_rows(min_row=2))
    assert [cell.value for cell in rows[0]] == [
        "10000000000000001", "9007199254740992", "-100000000000000000", "1234567890123456", decimal,
        "-100000000000000000000",
    ]  # fmt: skip
    assert all(cell.data_type == "s" for cell in rows[0])
    notes = [cell.comment.text for cell in rows[0]]
    assert len(set(notes)) == 1
    assert ("15 chữ số có nghĩa" if language == "vi" else "15 significant digits") in notes[0]
    assert [cell.value for cell in rows[1][:3]] == [10**15, 999_999_999_999_999, 1250.5]
    assert all(cell.comment is None for cell in rows[1])
    assert workbook.worksheets[0]["A1"].comment is None
