"""XLSX files with many rows, written quickly: each sheet's rows are the XML openpyxl's write-only mode writes for
them, byte for byte (tests/exports/test_xlsx.py compares the two on every kind of value), made as text instead of
a Cell object and an XML element per value, which was nine tenths of an XLSX export's time. Everything around the
rows (the styles, the workbook, the sheet views, the package) is openpyxl's own: it writes the workbook without
its rows, and the rows go in its place.

Rows are kept in a temporary file per sheet until the file is put together, as openpyxl keeps them, so memory
stays flat whatever the size.

One difference from openpyxl, on purpose: a number Excel cannot show as it is (`shown_exactly`) is written as
text, with a note on the cell saying why. Excel keeps 15 significant digits (and a double every whole number
below 2^53 only), so 10.000.000.000.000.001 ₫ written as a number would open as 10.000.000.000.000.000 ₫ with
nothing to say a đồng went missing. An accountant reconciling to the đồng wants the figure as it is and to know
that SUM skips it (Excel marks it "number stored as text" too), rather than a total that is silently wrong;
a number with the exact text only in a note would still show, sum and print the rounded figure."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from math import isinf, isnan
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.compat.numbers import NUMERIC_TYPES
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from market.core.parsing import format_decimal

# What openpyxl stores as a date or time: a number with a number format (a style) per type, and a value of each
# (a datetime is a date: it comes first).
_TIME_EXAMPLES: dict[type, Any] = {
    datetime: datetime(2000, 1, 1),
    date: date(2000, 1, 1),
    time: time(0),
    timedelta: timedelta(0),
}
_TIME_TYPES = (datetime, date, time, timedelta)
_SHEET_DATA = re.compile(rb"<sheetData */>|<sheetData>.*</sheetData>", re.DOTALL)
_MAX_TEXT = 32767
# Excel's precision: it keeps 15 significant digits of a number, and a double holds every whole number below 2^53.
EXCEL_DIGITS = 15
_DOUBLE_WHOLE = 2**53
_FEW_DIGITS = 10**EXCEL_DIGITS  # a whole number below this in size has at most 15 digits: always shown as it is


def shown_exactly(value: int | Decimal) -> bool:
    """Whether a spreadsheet opening the file shows `value` as it is: below 2^53 in size and at most 15
    significant digits (trailing zeros of a whole number are not significant: 1.000.000 has one)."""
    number = Decimal(value)
    if not number.is_finite():
        return True  # written blank, as openpyxl writes NaN and infinities
    return abs(number) < _DOUBLE_WHOLE and len(number.normalize().as_tuple().digits) <= EXCEL_DIGITS


def _escaped(text: str) -> str:
    """Text as ElementTree writes it inside an element (et_xmlfile's writer uses its escaping)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _number(value: Any) -> str:
    """openpyxl's safe_string of a number: blank for NaN and infinities, else 16 significant digits."""
    return "" if isnan(value) or isinf(value) else "%.16g" % value  # noqa: UP031 (openpyxl's own format)


def _value(ref: str, attributes: str, text: str) -> str:
    return f'<c r="{ref}"{attributes}><v>{text}</v></c>' if text else f'<c r="{ref}"{attributes}><v /></c>'


class Sheet:
    """One sheet of a `Book`: its rows, appended as lists of cells (openpyxl's values: text, numbers, dates)."""

    def __init__(self, book: Book, title: str) -> None:
        self.book = book
        self.title = title
        self.rows = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the book)
        self._text = io.TextIOWrapper(self.rows, encoding="utf-8", newline="")
        self._count = 0
        self._letters: list[str] = []
        self.notes: list[str] = []  # the cells holding a number as text (A1 references, in the order written)

    def append(self, cells: Sequence[Any]) -> None:
        self._count += 1
        number = self._count
        letters = self._letters
        while len(letters) < len(cells):
            letters.append(get_column_letter(len(letters) + 1))
        cell = self._cell
        parts = [f'<row r="{number}">']
        for letter, value in zip(letters, cells, strict=False):
            if value is not None:
                parts.append(cell(f"{letter}{number}", value))
        parts.append("</row>")
        self._text.write("".join(parts))

    def _cell(self, ref: str, value: Any) -> str:
        kind = value.__class__
        if kind is str:
            return self._text_cell(ref, value)
        if kind is int:
            if -_FEW_DIGITS < value < _FEW_DIGITS or shown_exactly(value):
                return _value(ref, ' t="n"', _number(value))
            return self._exact_text_cell(ref, value)
        if kind is Decimal:
            return _value(ref, ' t="n"', _number(value)) if shown_exactly(value) else self._exact_text_cell(ref, value)
        if kind is float:
            return _value(ref, ' t="n"', _number(value))
        if kind is bool:
            return _value(ref, ' t="b"', _number(value))
        if isinstance(value, _TIME_TYPES):
            return self._time_cell(ref, value)
        if isinstance(value, NUMERIC_TYPES):
            return _value(ref, ' t="n"', _number(value))
        if isinstance(value, str):
            return self._text_cell(ref, str(value))
        raise ValueError(f"Cannot convert {value!r} to Excel")

    @staticmethod
    def _text_cell(ref: str, value: str) -> str:
        text = value[:_MAX_TEXT]
        if ILLEGAL_CHARACTERS_RE.search(text):
            raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
        if not text:
            return f'<c r="{ref}" t="inlineStr" />'
        if len(text) > 1 and text.startswith("="):
            # Every cell we write is made inert first (market.core.exports): a formula here is a bug.
            raise ValueError(f"A formula reached a sheet: {text[:40]!r}")
        if text in ERROR_CODES:
            return _value(ref, ' t="e"', _escaped(text))
        stripped = text.strip()
        space = ' xml:space="preserve"' if stripped and stripped != text else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{_escaped(text)}</t></is></c>'

    def _exact_text_cell(self, ref: str, value: int | Decimal) -> str:
        """The number as text, digits as they are (no thousands separator, so that it reads back unambiguously;
        the decimal mark of the file's language), with a note on the cell (`Book._put_notes`)."""
        self.notes.append(ref)
        return self._text_cell(ref, format_decimal(value, language=self.book.language, grouping=False))

    def _time_cell(self, ref: str, value: date | time | timedelta) -> str:
        if getattr(value, "tzinfo", None) is not None:
            raise TypeError("Excel does not support timezones in datetimes.")
        style = self.book.style_of(next(kind for kind in _TIME_TYPES if isinstance(value, kind)))
        return _value(ref, f' s="{style}" t="n"', _number(to_excel(value)))

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


class Book:
    """A write-only workbook of sheets whose first row is frozen (the headings), saved once. `language` is the
    one its notes are written in, and whose decimal mark a number written as text uses."""

    def __init__(self, *, language: str) -> None:
        self.language = language
        self.sheets: list[Sheet] = []
        # The types of dates and times met, in order: openpyxl numbers their styles (1, 2…) as it meets them.
        self._time_types: list[type] = []

    def sheet(self, title: str) -> Sheet:
        sheet = Sheet(self, title)
        self.sheets.append(sheet)
        return sheet

    def style_of(self, kind: type) -> int:
        if kind not in self._time_types:
            self._time_types.append(kind)
        return self._time_types.index(kind) + 1

    def save(self, out: IO[bytes]) -> None:
        """Write the file: openpyxl's workbook without rows, each sheet's rows put in its sheetData."""
        try:
            with zipfile.ZipFile(io.BytesIO(self._frame()), "r") as frame, zipfile.ZipFile(
                out, "w", zipfile.ZIP_DEFLATED, allowZip64=True
            ) as package:  # fmt: skip
                rows_of = {f"xl/worksheets/sheet{index}.xml": sheet for index, sheet in enumerate(self.sheets, 1)}
                for info in frame.infolist():
                    sheet = rows_of.get(info.filename)
                    if sheet is None:
                        package.writestr(info, frame.read(info))
                    else:
                        self._put_sheet(package, info, frame.read(info), sheet)
        finally:
            for sheet in self.sheets:
                sheet.rows.close()

    def _frame(self) -> bytes:
        """The workbook as openpyxl writes it with empty sheets, its date styles registered in the order met."""
        workbook = Workbook(write_only=True)
        for sheet in self.sheets:
            frame = workbook.create_sheet(title=sheet.title)
            frame.freeze_panes = "A2"
            self._put_notes(frame, sheet.notes)
        if self._time_types:
            first = workbook.worksheets[0]
            first.append([_TIME_EXAMPLES[kind] for kind in self._time_types])
        data = io.BytesIO()
        workbook.save(data)
        return data.getvalue()

    def _put_notes(self, frame: WriteOnlyWorksheet, refs: list[str]) -> None:
        """The notes of a sheet's numbers written as text, put on the frame's cells of the same references, so that
        openpyxl writes the comments and their drawing; the frame's rows are then replaced by the sheet's."""
        if not refs:
            return
        with translation.override(self.language):
            text = _(
                "The exact value, written as text: a spreadsheet keeps %(digits)s significant digits and would round "
                "it. Formulas such as SUM skip this cell."
            ) % {"digits": EXCEL_DIGITS}
        columns_by_row: dict[int, list[int]] = {}
        for ref in refs:
            row, column = coordinate_to_tuple(ref)
            columns_by_row.setdefault(row, []).append(column)
        written = 0
        for row in sorted(columns_by_row):
            for _empty in range(written + 1, row):
                frame.append([])
            cells: list[WriteOnlyCell | None] = [None] * max(columns_by_row[row])
            for column in columns_by_row[row]:
                cell = WriteOnlyCell(frame)
                cell.comment = Comment(text, "Market Link", height=90, width=260)
                cells[column - 1] = cell
            frame.append(cells)
            written = row

    @staticmethod
    def _put_sheet(package: zipfile.ZipFile, info: zipfile.ZipInfo, frame: bytes, sheet: Sheet) -> None:
        sheet.close()
        found = _SHEET_DATA.search(frame)
        if found is None:
            raise ValueError(f"openpyxl wrote {info.filename} without sheetData")
        before, after = frame[: found.start()] + b"<sheetData>", b"</sheetData>" + frame[found.end() :]
        size = sheet.rows.tell()
        sheet.rows.seek(0)
        entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        entry.compress_type = info.compress_type
        entry.file_size = len(before) + size + len(after)  # tells zipfile whether the entry needs ZIP64
        with package.open(entry, "w") as target:
            target.write(before)
            shutil.copyfileobj(sheet.rows, target, 1 << 20)
            target.write(after)
