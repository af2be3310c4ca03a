"""Reading and writing the catalogue spreadsheet (CSV or XLSX): one row per product, with up to five
price tiers as column pairs. The same columns go out (export) and come back in (import)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import IO, Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from market.core.csv_input import csv_rows, decode_csv, sniff_delimiter
from market.core.errors import ValidationFailed
from market.core.exports import text_read_back
from market.core.parsing import format_decimal
from market.core.text import fold, nfc
from market.exports.registry import Column
from market.exports.writers import FixedTable, csv_text, xlsx_bytes

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
TIER_COLUMNS = 5

PRODUCT_COLUMNS: list[tuple[str, Any]] = [
    ("sku", gettext_lazy("Your product code; rows with the same code update that product.")),
    ("name_vi", gettext_lazy("Name in Vietnamese.")),
    ("name_en", gettext_lazy("Name in English (optional).")),
    ("category", gettext_lazy("Category: its name (e.g. Gạo thơm) or code (gao-thom), as listed below.")),
    ("unit", gettext_lazy("Unit: its name (kg, tấn, bao 50 kg, chai 500 ml, hũ…) or code, as listed below.")),
    ("moq", gettext_lazy("Minimum order quantity, in the unit.")),
    ("order_multiple", gettext_lazy("Buyers order in multiples of this.")),
    ("gtin", gettext_lazy("Barcode number (optional).")),
    ("vat_category", gettext_lazy("VAT category: its code, name or rate (5%, KCT…), as listed below.")),
    ("description_vi", gettext_lazy("Description in Vietnamese (optional).")),
    ("description_en", gettext_lazy("Description in English (optional).")),
    ("packaging", gettext_lazy("Packaging (optional).")),
    ("net_content", gettext_lazy("Net content on the label (optional).")),
    ("shelf_life_days", gettext_lazy("Shelf life in days (optional).")),
    ("origin_province", gettext_lazy("Province of origin (optional; your cooperative's when empty).")),
    ("origin_note", gettext_lazy("Where it comes from: field, village, island (optional).")),
]
TIER_HEADERS: list[tuple[str, str]] = [(f"tier_{n}_from", f"tier_{n}_price") for n in range(1, TIER_COLUMNS + 1)]
HEADERS: list[str] = [name for name, _help in PRODUCT_COLUMNS] + [h for pair in TIER_HEADERS for h in pair]
# One price from the minimum order, for lists that have a single price column.
PRICE_COLUMN = "price"
KNOWN_COLUMNS = frozenset({*HEADERS, PRICE_COLUMN})

# Vietnamese (and plain English) headers people type, folded (lower case, no diacritics, single spaces).
HEADER_ALIASES: dict[str, str] = {
    "ma san pham": "sku",
    "ma sp": "sku",
    "ma hang": "sku",
    "ten san pham": "name_vi",
    "ten hang": "name_vi",
    "ten tieng viet": "name_vi",
    "ten tieng anh": "name_en",
    "danh muc": "category",
    "nhom hang": "category",
    "loai hang": "category",
    "don vi": "unit",
    "don vi tinh": "unit",
    "dvt": "unit",
    "dat hang toi thieu": "moq",
    "so luong toi thieu": "moq",
    "boi so dat hang": "order_multiple",
    "ma vach": "gtin",
    "thue gtgt": "vat_category",
    "thue suat": "vat_category",
    "thue": "vat_category",
    "vat": "vat_category",
    "mo ta": "description_vi",
    "mo ta tieng anh": "description_en",
    "dong goi": "packaging",
    "quy cach dong goi": "packaging",
    "khoi luong tinh": "net_content",
    "han su dung (ngay)": "shelf_life_days",
    "tinh": "origin_province",
    "tinh xuat xu": "origin_province",
    "xuat xu (tinh)": "origin_province",
    "xuat xu": "origin_note",
    "gia": PRICE_COLUMN,
    "don gia": PRICE_COLUMN,
    "gia ban": PRICE_COLUMN,
    "unit price": PRICE_COLUMN,
}
for _n in range(1, TIER_COLUMNS + 1):
    HEADER_ALIASES[f"bac {_n} tu"] = f"tier_{_n}_from"
    HEADER_ALIASES[f"bac {_n} gia"] = f"tier_{_n}_price"
# Words that make an unread column look like a price: the preview says it was not used.
_PRICE_WORDS = ("gia", "price", "don gia", "vnd")


def _header_key(text: Any) -> str:
    folded = fold(str(text or "")).replace("_", " ").strip()
    canonical = folded.replace(" ", "_")
    if canonical in KNOWN_COLUMNS:
        return canonical
    return HEADER_ALIASES.get(folded, "")


def looks_like_price(header: str) -> bool:
    words = fold(header).replace("_", " ")
    return any(word in words.split() or word in words for word in _PRICE_WORDS)


Cell = str | int | dict[str, str]


def cell_value(cell: Any) -> Cell:
    """A cell as stored with the batch (JSON): text as typed (NFC), whole numbers as numbers, other numbers
    from Excel as {"n": "1.125"} (their exact decimal, never re-read as text in the person's language)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float | Decimal):
        number = Decimal(repr(cell)) if isinstance(cell, float) else cell
        if number == number.to_integral_value():
            return int(number)
        return {"n": format(number.normalize(), "f")}
    if isinstance(cell, datetime | date):
        return cell.strftime("%d/%m/%Y")
    return nfc(text_read_back(str(cell)))


def typed_cell(value: Cell) -> str | int | Decimal:
    """What the import's schema reads: text in the person's language, numbers as numbers."""
    if isinstance(value, dict):
        return Decimal(value["n"])
    return value


@dataclass
class Table:
    """The data rows of a sheet as {column: cell} (with the spreadsheet row number under "_row"), the
    header each column had in the file, and the headers no column was read from."""

    rows: list[dict[str, Cell]]
    headers: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _rows_from_csv(data: bytes) -> list[list[str]]:
    text = decode_csv(data)
    delimiter = sniff_delimiter(text.splitlines()[0] if text else "")
    return csv_rows(text, delimiter=delimiter, limit=MAX_ROWS + 2)


def _rows_from_xlsx(data: bytes) -> list[list[Any]]:
    import openpyxl  # defusedxml is installed, so openpyxl refuses XML entity bombs

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationFailed(
            _("This Excel file could not be read; save it again as .xlsx."), fields={"file": [str(error)[:200]]}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def read_cells(upload: IO[bytes], file_name: str) -> list[list[Any]]:
    """The cells of a CSV or of an XLSX file's first sheet, row by row (at most MAX_ROWS + 1 rows), after
    checking its size and kind. Other imports (member households) read their files through this too."""
    upload.seek(0)
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(
            _("The file is larger than 5 MB; split it."), fields={"file": [_("The file is larger than 5 MB.")]}
        )
    if data[:4] == b"PK\x03\x04":
        return _rows_from_xlsx(data)
    if file_name.lower().endswith((".xlsx", ".xls")):
        raise ValidationFailed(fields={"file": [_("This Excel file could not be read; save it again as .xlsx.")]})
    return _rows_from_csv(data)


def read_table(upload: IO[bytes], file_name: str) -> Table:
    """The sheet's rows, which header each column had, and which columns were not read."""
    raw_rows = read_cells(upload, file_name)
    if not raw_rows:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    header = [_header_key(cell) for cell in raw_rows[0]]
    known = {key for key in header if key}
    missing = [name for name in ("sku", "name_vi", "category", "unit", "moq") if name not in known]
    if missing:
        raise ValidationFailed(
            _("The first row must name the columns."),
            fields={"file": [_("Missing columns: %(names)s.") % {"names": ", ".join(missing)}]},
        )
    titles = [nfc(str(cell)) if cell is not None else "" for cell in raw_rows[0]]
    table = Table(
        rows=[],
        headers={key: title for key, title in zip(header, titles, strict=False) if key},
        ignored=[title for key, title in zip(header, titles, strict=False) if not key and title],
    )
    for index, raw in enumerate(raw_rows[1:], start=2):
        if all(cell in (None, "") or (isinstance(cell, str) and not cell.strip()) for cell in raw):
            continue
        row: dict[str, Cell] = {"_row": str(index)}
        for key, cell in zip(header, raw, strict=False):
            if key:
                row[key] = cell_value(cell)
        table.rows.append(row)
    if len(table.rows) > MAX_ROWS:
        raise ValidationFailed(
            fields={"file": [_("At most %(n)s products per file; split it.") % {"n": format_decimal(MAX_ROWS)}]}
        )
    if not table.rows:
        raise ValidationFailed(fields={"file": [_("The file has a header but no products.")]})
    return table


# --- export --------------------------------------------------------------------------------------
def export_rows(products: Iterable[Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for product in products:
        tiers = sorted(product.price_tiers.all(), key=lambda t: t.min_quantity)[:TIER_COLUMNS]
        row: list[Any] = [
            product.sku,
            product.name_vi,
            product.name_en,
            product.category.slug,
            product.unit,
            product.moq.normalize(),
            product.order_multiple.normalize(),
            product.gtin,
            product.vat_category.code,
            product.description_vi,
            product.description_en,
            product.packaging,
            product.net_content,
            product.shelf_life_days or "",
            product.origin_province_name,
            product.origin_note,
        ]
        for index in range(TIER_COLUMNS):
            if index < len(tiers):
                row += [tiers[index].min_quantity.normalize(), tiers[index].unit_price]
            else:
                row += ["", ""]
        rows.append(row)
    return rows


# The sheet a cooperative edits and imports again: fixed machine headings (the importer also reads Vietnamese
# ones), written like every export.
PRODUCTS_TABLE = FixedTable(label="products", columns=[Column(name, itemgetter(i)) for i, name in enumerate(HEADERS)])


def write_csv(rows: list[list[Any]]) -> bytes:
    return csv_text(PRODUCTS_TABLE, rows, get_language() or "vi").encode("utf-8")


def write_xlsx(rows: list[list[Any]]) -> bytes:
    return xlsx_bytes(PRODUCTS_TABLE, rows, get_language() or "vi")
