"""Writing an export's rows as CSV or XLSX with flat memory: rows come from a database cursor in chunks and
leave as they are written (CSV a line at a time; XLSX through openpyxl's write-only mode, which writes each
row to a temporary file). Every cell goes through market.core.exports, so no text becomes a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from django.utils import timezone, translation
from django.utils.functional import Promise

from market.core.exports import CsvWriter, xlsx_row
from market.exports.models import FileFormat
from market.exports.registry import ExportKind

CONTENT_TYPES = {
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# How often a job writes its progress (rows).
PROGRESS_EVERY = 5000
Progress = Callable[[int], None]


def headers(kind: ExportKind, language: str) -> list[str]:
    with translation.override(language):
        return [str(column.label) for column in kind.columns]


def _plain(value: Any) -> Any:
    """A value as a spreadsheet holds it: times in the site's zone without offset (XLSX cannot store one),
    lazy translations as text, None as blank."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if timezone.is_aware(value) else value
    if isinstance(value, Promise):
        return str(value)
    return value


def values(kind: ExportKind, rows: Iterable[Any], language: str) -> Iterator[list[Any]]:
    """Each row's cells, with choice labels and other translated values in the export's language."""
    with translation.override(language):
        for row in rows:
            yield [_plain(column.value(row)) for column in kind.columns]


class _Line(io.StringIO):
    def pop(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


def csv_chunks(
    kind: ExportKind, rows: Iterable[Any], language: str, progress: Progress | None = None
) -> Iterator[bytes]:
    """The CSV file in pieces of about 64 KB, UTF-8 with a BOM (so Excel reads Vietnamese right)."""
    buffer = _Line()
    writer = CsvWriter(buffer, quoting=csv.QUOTE_MINIMAL)
    buffer.write("\ufeff")
    writer.writerow(headers(kind, language))
    done = 0
    for cells in values(kind, rows, language):
        writer.writerow(cells)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
        if buffer.tell() >= 65536:
            yield buffer.pop().encode("utf-8")
    yield buffer.pop().encode("utf-8")
    if progress is not None:
        progress(done)


def write_xlsx(
    kind: ExportKind, rows: Iterable[Any], language: str, out: IO[bytes], progress: Progress | None = None
) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    with translation.override(language):
        sheet = workbook.create_sheet(title=str(kind.label)[:31])
    sheet.freeze_panes = "A2"
    sheet.append(xlsx_row(headers(kind, language)))
    done = 0
    for cells in values(kind, rows, language):
        sheet.append(xlsx_row(cells))
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    workbook.save(out)
    if progress is not None:
        progress(done)


def write_file(
    kind: ExportKind, rows: Iterable[Any], *, file_format: str, language: str, out: IO[bytes],
    progress: Progress | None = None,
) -> None:  # fmt: skip
    if file_format == FileFormat.XLSX:
        write_xlsx(kind, rows, language, out, progress)
        return
    for chunk in csv_chunks(kind, rows, language, progress):
        out.write(chunk)
