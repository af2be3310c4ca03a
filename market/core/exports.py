"""The cells of every CSV and XLSX file we write (market/exports/writers.py writes them all), so no cell becomes a
live spreadsheet formula.

A product named `=HYPERLINK("http://…","Bấm vào đây")` or a transfer note `@SUM(…)` is text a stranger typed;
written as is, Excel and LibreOffice run it when the file is opened (CSV) or store it as a formula (XLSX).
OWASP's recipe: text that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
the spreadsheet shows it as text. A plain number written as text ("-1500000", "1,5") is left alone, and real
numbers stay numbers (numeric cells in XLSX), so sums still work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A number as text, in either convention ("-1.500.000", "-0,5", "+12"): a spreadsheet reads it as a number.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def inert_text(text: str) -> str:
    """The text, with a leading `'` when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def text_read_back(text: str) -> str:
    """A cell of one of our own exports as it was before `inert_text`, so an export imports unchanged."""
    if text.startswith("'") and inert_text(text[1:]) != text[1:]:
        return text[1:]
    return text


def csv_cell(value: Any) -> Any:
    """A CSV cell: text made inert; numbers, dates and blanks as they are."""
    return inert_text(value) if isinstance(value, str) else value


def xlsx_cell(value: Any) -> Any:
    """An XLSX cell: text made inert (openpyxl stores text beginning with `=` as a formula); numbers, Decimals
    included, stay as they are: the sheet writer decides how a spreadsheet can hold them exactly."""
    if isinstance(value, str):
        return inert_text(value)
    return value


def xlsx_row(values: Iterable[Any]) -> list[Any]:
    return [xlsx_cell(value) for value in values]
