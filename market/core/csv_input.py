"""Uploaded CSV files (catalogue and household imports, bank statements, fair plans), read one way.

What people upload as "CSV" is sometimes something else (a photo of the sheet, a PDF, an old .xls) or a CSV
whose cells hold a bare carriage return (pasted from a Mac or a web page), which Python's reader refuses with
an exception. Both are a `ValidationFailed` on the `file` field saying what is wrong, never a 500.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from market.core.errors import ValidationFailed
from market.core.parsing import format_decimal

# How other kinds of file begin (their "magic numbers"), to say what was uploaded instead of a CSV.
_SIGNATURES: tuple[tuple[bytes, StrOrPromise], ...] = (
    (b"\x89PNG\r\n\x1a\n", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"%PDF-", gettext_lazy("a PDF document")),
    (b"PK\x03\x04", gettext_lazy("an Excel .xlsx file or a ZIP archive")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an old Excel .xls or Word file")),
)
_SNIFF_CHARS = 4096


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without a BOM), else Windows Vietnamese (cp1258, what
    older Excel saves). A file that is not text is refused, saying what it looks like."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise _refuse(
                _("This file is %(kind)s, not a CSV. Save the spreadsheet as CSV (UTF-8) and upload that.")
                % {"kind": kind}
            )
    if b"\x00" in data:
        raise _refuse(_("This file is not text, so not a CSV. Save the spreadsheet as CSV (UTF-8) and upload that."))
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(_("This file is not UTF-8 text. Save the spreadsheet as CSV (UTF-8) and upload that."))


def sniff_delimiter(sample: str) -> str:
    """The delimiter of the sample's lines: a comma, a semicolon (Excel in Vietnam) or a tab."""
    try:
        return csv.Sniffer().sniff(sample[:_SNIFF_CHARS], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def csv_rows(text: str, *, delimiter: str, limit: int | None = None) -> list[list[str]]:
    """The rows of CSV text (at most `limit`); a line Python's reader cannot read is refused by number."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error as error:  # only two can happen with this dialect: an over-long value, or a bare CR
        line = reader.line_num
        if "field limit" in str(error):
            raise _refuse(
                _("Line %(line)d has a value longer than %(limit)s characters.")
                % {"line": line, "limit": format_decimal(csv.field_size_limit())}
            ) from None
        raise _refuse(
            _(
                "Line %(line)d has a carriage return (CR) inside a value that is not in quotes. "
                "Save the file again as CSV (UTF-8) and upload it."
            )
            % {"line": line}
        ) from None
    return rows
