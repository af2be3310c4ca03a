"""Every CSV and XLSX file of Market Link is written here: the registered export kinds, and the other tables
(reports, the bank payout file, the e-invoice data, the catalogue sheets) described as a `Table` of the same
`Column`s. So every file has its headings in the language asked for (a fixed machine heading stays as
written), its cells made inert by market.core.exports (no text becomes a formula), UTF-8 CSV with a BOM (Excel
reads Vietnamese right), local times without offset, and numbers left as numbers: numeric cells in XLSX, and
in CSV a delimiter and decimals that go together (`csv_layout`: ";" with a decimal comma, "," with a point).

Memory stays flat: rows come from a database cursor in chunks and leave as they are written (CSV a line at a
time; XLSX as openpyxl's write-only mode writes it, each row to a temporary file: market/exports/xlsx.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from operator import itemgetter
from typing import IO, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.functional import Promise

from market.core.exports import csv_cell, inert_text, xlsx_cell, xlsx_row
from market.core.parsing import STYLES
from market.exports.models import Delimiter, FileFormat
from market.exports.registry import Column, ExportKind, Labels
from market.exports.xlsx import Book

CONTENT_TYPES = {
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# How often a job writes its progress (rows).
PROGRESS_EVERY = 5000
Progress = Callable[[int], None]


class Table(Protocol):
    """What a file holds: a title (the XLSX sheet's name) and its columns. An ExportKind is one."""

    @property
    def label(self) -> str | Promise: ...

    @property
    def columns(self) -> Sequence[Column]: ...


@dataclass(frozen=True)
class FixedTable:
    """A table that is not a registered export kind (a report, a bank file): the same columns, written the
    same way."""

    label: str | Promise
    columns: Sequence[Column]
    # A file another program imports by its fixed machine headings (a bank's bulk transfer, an e-invoice
    # provider): its CSV decimals are written with a point whatever the language of its text.
    for_programs: bool = False

    def __post_init__(self) -> None:
        if any(column.value is None for column in self.columns):
            raise ImproperlyConfigured(f"Table {self.label}: each column of a table of objects needs its value")


def csv_decimal(value: Decimal, language: str) -> str:
    """A decimal as a CSV cell holds it, the one rule of every CSV file: with Vietnamese numbers "1250,5" (a
    decimal comma, no thousands separator), with English ones "1250.5" (`csv_layout` says which a file uses).

    Excel and LibreOffice set to Vietnamese (vi-VN: comma decimal, dot thousands) read "1.5" as 15 or as a
    date (1 May), so a file for them writes the comma (in a comma delimited file the csv module quotes the
    cell, and both import a quoted number as a number). No thousands separator: "1.250,5" is read
    right in vi-VN too, but any import not set to Vietnamese (an ERP, a spreadsheet in English) reads "1.250" as
    1.25, a silent error of a thousand times, while "1250,5" is read right or visibly not as a number. A value
    that would look like a thousands group ("1,125") gets a trailing zero ("1,1250"), so that the app's own
    imports (the catalogue sheet) read it back without asking."""
    text = f"{abs(value).normalize():f}" if value else "0"
    integer, _point, fraction = text.partition(".")
    if len(fraction) == 3 and len(integer) <= 3 and integer[0] != "0":
        fraction += "0"  # "1,125" would read as one thousand one hundred and twenty-five
    sign = "-" if value < 0 else ""
    return f"{sign}{integer}{STYLES[language].decimal}{fraction}" if fraction else f"{sign}{integer}"


DELIMITER_CHARACTERS = {Delimiter.SEMICOLON: ";", Delimiter.COMMA: ","}


def default_delimiter(language: str) -> Delimiter:
    """The delimiter an export gets when none is asked for: what Excel needs to open it in columns for the
    person its headings are written for. Vietnamese headings: ";" (Excel on Windows set to vi-VN lists with
    ";"); English ones: "," (Excel in English, ERPs, scripts). docs/exports.md argues it."""
    return Delimiter.SEMICOLON if language == "vi" else Delimiter.COMMA


@dataclass(frozen=True)
class CsvLayout:
    delimiter: str
    # The language whose decimal mark the file's decimals use (csv_decimal).
    numbers: str


def csv_layout(kind: Table, language: str, delimiter: str = "") -> CsvLayout:
    """A CSV file's delimiter and decimal mark, which go together as in a spreadsheet's regional settings.

    An export kind: ";" with a decimal comma ("1250,5"), "," with a decimal point ("1250.5"), so no comma
    delimited file holds a decimal comma and an import reads each cell as the settings that open the file
    would. A fixed table (a report, a sheet the app imports back, a bank file) keeps its comma; its decimals
    follow its language, quoted when they hold a comma, and a file for programs keeps the point."""
    if isinstance(kind, FixedTable):
        return CsvLayout(",", "en" if kind.for_programs else language)
    character = DELIMITER_CHARACTERS[Delimiter(delimiter or default_delimiter(language))]
    return CsvLayout(character, "vi" if character == ";" else "en")


def headers(kind: Table, language: str) -> list[str]:
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


Cell = Callable[[Any], Any]


def _column_cells(table: Table) -> list[Cell]:
    """Each column's cell as a function of one row: an export kind's rows are tuples of its fields
    (`ExportKind.read`), a fixed table's rows are objects. Called in the export's language, so that choices'
    labels are looked up once for the file."""
    if not isinstance(table, ExportKind):
        return [column.value for column in table.columns if column.value is not None]  # FixedTable: each has one
    at = {path: index for index, path in enumerate(table.fields)}
    return [_field_cell([at[path] for path in column.reads], column.show) for column in table.columns]


def _field_cell(indexes: list[int], show: Callable[..., Any] | Labels | None) -> Cell:
    shown = show.in_language() if isinstance(show, Labels) else show
    if shown is None:
        return itemgetter(indexes[0])
    if len(indexes) == 1:
        index = indexes[0]
        return lambda row: shown(row[index])
    return lambda row: shown(*(row[index] for index in indexes))


# Cells of these types are written as they are: no zone, translation, formula or decimal mark to apply.
_AS_THEY_ARE = frozenset({int, float, date})


@dataclass(frozen=True)
class CellRules:
    """How a file writes a value: `general` is the rule (through `_plain`); `by_type` gives the same result for
    the common types of a database row by their exact type, without its chain of isinstance (a subclass, such
    as a lazy translation or a bool, takes the general rule)."""

    general: Cell
    by_type: dict[type, Cell]


def _local_time(zone: tzinfo) -> Cell:
    """`_plain` of a datetime, with the zone looked up once for the file."""
    return lambda moment: (
        moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment.utcoffset() is not None else moment
    )


def _common(decimal: Cell) -> dict[type, Cell]:
    zone = timezone.get_current_timezone()
    return {str: inert_text, type(None): lambda _none: "", datetime: _local_time(zone), Decimal: decimal}


def _csv_rules(numbers: str) -> CellRules:
    """A CSV cell: inert text, local times, decimals with the file's decimal mark (`numbers`' language)."""

    def general(value: Any) -> Any:
        plain = _plain(value)
        return csv_cell(csv_decimal(plain, numbers) if isinstance(plain, Decimal) else plain)

    return CellRules(general, _common(lambda value: csv_decimal(value, numbers)))


def _xlsx_rules() -> CellRules:
    """An XLSX cell: inert text, local times; numbers as they are (the book writes them as numbers, or as text when
    a spreadsheet could not show them exactly: market/exports/xlsx.py)."""
    return CellRules(lambda value: xlsx_cell(_plain(value)), _common(xlsx_cell))


def rows_cells(table: Table, rows: Iterable[Any], language: str, rules: CellRules) -> Iterator[list[Any]]:
    """Each row's cells as `rules` write them, with choice labels and other translated values in the language."""
    with translation.override(language):
        columns = _column_cells(table)
        as_they_are = _AS_THEY_ARE
        rule = rules.by_type.get
        general = rules.general
        for row in rows:
            yield [
                value if (value := column(row)).__class__ in as_they_are else rule(value.__class__, general)(value)
                for column in columns
            ]


class _Line(io.StringIO):
    def pop(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


def csv_chunks(
    kind: Table, rows: Iterable[Any], language: str, progress: Progress | None = None, *, delimiter: str = ""
) -> Iterator[bytes]:
    """The CSV file in pieces of about 64 KB, UTF-8 with a BOM (so Excel reads Vietnamese right), delimited
    and with decimals as `csv_layout` says."""
    layout = csv_layout(kind, language, delimiter)
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=layout.delimiter, quoting=csv.QUOTE_MINIMAL)
    buffer.write("\ufeff")
    writer.writerow([inert_text(heading) for heading in headers(kind, language)])
    done = 0
    for cells in rows_cells(kind, rows, language, _csv_rules(layout.numbers)):
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
    kind: Table, rows: Iterable[Any], language: str, out: IO[bytes], progress: Progress | None = None
) -> None:
    write_workbook([(kind, rows)], language, out, progress)


def write_workbook(
    tables: Sequence[tuple[Table, Iterable[Any]]], language: str, out: IO[bytes], progress: Progress | None = None
) -> None:
    """An XLSX file with a sheet per table (named by its label), headings frozen on the first row."""
    book = Book(language=language)
    done = 0
    for table, rows in tables:
        with translation.override(language):
            sheet = book.sheet(str(table.label)[:31])
        sheet.append(xlsx_row(headers(table, language)))
        for cells in rows_cells(table, rows, language, _xlsx_rules()):
            sheet.append(cells)
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
    book.save(out)
    if progress is not None:
        progress(done)


def write_file(
    kind: Table, rows: Iterable[Any], *, file_format: str, language: str, out: IO[bytes],
    progress: Progress | None = None, delimiter: str = "",
) -> None:  # fmt: skip
    if file_format == FileFormat.XLSX:
        write_xlsx(kind, rows, language, out, progress)
        return
    for chunk in csv_chunks(kind, rows, language, progress, delimiter=delimiter):
        out.write(chunk)


def csv_text(table: Table, rows: Iterable[Any], language: str, *, delimiter: str = "") -> str:
    """A small table's whole CSV file (with its BOM), for an answer or a test."""
    return b"".join(csv_chunks(table, rows, language, delimiter=delimiter)).decode("utf-8")


def xlsx_bytes(table: Table, rows: Iterable[Any], language: str) -> bytes:
    return workbook_bytes([(table, rows)], language)


def workbook_bytes(tables: Sequence[tuple[Table, Iterable[Any]]], language: str) -> bytes:
    out = io.BytesIO()
    write_workbook(tables, language, out)
    return out.getvalue()
