"""Reading and writing the catalogue spreadsheet (CSV or XLSX): one row per product, with up to five
price tiers as column pairs. The same columns go out (export) and come back in (import)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.errors import ValidationFailed
from market.core.quantity import UNIT_SYMBOLS, Unit
from market.core.text import fold, nfc

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
TIER_COLUMNS = 5

PRODUCT_COLUMNS: list[tuple[str, Any]] = [
    ("sku", gettext_lazy("Your product code; rows with the same code update that product.")),
    ("name_vi", gettext_lazy("Name in Vietnamese.")),
    ("name_en", gettext_lazy("Name in English (optional).")),
    ("category", gettext_lazy("Category code, e.g. gao-thom, or its name.")),
    ("unit", gettext_lazy("kg, ta, tan, bao25, bao50, thung, chai or cai.")),
    ("moq", gettext_lazy("Minimum order quantity, in the unit.")),
    ("order_multiple", gettext_lazy("Buyers order in multiples of this.")),
    ("gtin", gettext_lazy("Barcode number (optional).")),
    ("vat_category", gettext_lazy("VAT category code, e.g. vat-5.")),
    ("description_vi", gettext_lazy("Description in Vietnamese (optional).")),
    ("description_en", gettext_lazy("Description in English (optional).")),
    ("packaging", gettext_lazy("Packaging (optional).")),
    ("net_content", gettext_lazy("Net content on the label (optional).")),
    ("shelf_life_days", gettext_lazy("Shelf life in days (optional).")),
    ("origin_note", gettext_lazy("Where it comes from: field, village, island (optional).")),
]
TIER_HEADERS: list[tuple[str, str]] = [(f"tier_{n}_from", f"tier_{n}_price") for n in range(1, TIER_COLUMNS + 1)]
HEADERS: list[str] = [name for name, _help in PRODUCT_COLUMNS] + [h for pair in TIER_HEADERS for h in pair]

# Vietnamese headers people type, folded (lower case, no diacritics, single spaces).
HEADER_ALIASES: dict[str, str] = {
    "ma san pham": "sku",
    "ma sp": "sku",
    "ten san pham": "name_vi",
    "ten tieng viet": "name_vi",
    "ten tieng anh": "name_en",
    "danh muc": "category",
    "nhom hang": "category",
    "don vi": "unit",
    "don vi tinh": "unit",
    "dat hang toi thieu": "moq",
    "so luong toi thieu": "moq",
    "boi so dat hang": "order_multiple",
    "ma vach": "gtin",
    "thue gtgt": "vat_category",
    "mo ta": "description_vi",
    "mo ta tieng anh": "description_en",
    "dong goi": "packaging",
    "khoi luong tinh": "net_content",
    "han su dung (ngay)": "shelf_life_days",
    "xuat xu": "origin_note",
}
for _n in range(1, TIER_COLUMNS + 1):
    HEADER_ALIASES[f"bac {_n} tu"] = f"tier_{_n}_from"
    HEADER_ALIASES[f"bac {_n} gia"] = f"tier_{_n}_price"

_UNIT_WORDS: dict[str, str] = {fold(symbol): code for code, symbol in UNIT_SYMBOLS.items()}
_UNIT_WORDS.update({code: code for code in Unit.values})
_UNIT_WORDS.update({"bao 25": Unit.BAO_25, "bao 50": Unit.BAO_50, "bao 25kg": Unit.BAO_25, "bao 50kg": Unit.BAO_50})


def _header_key(text: Any) -> str:
    folded = fold(str(text or "")).replace("_", " ").strip()
    canonical = folded.replace(" ", "_")
    if canonical in HEADERS:
        return canonical
    return HEADER_ALIASES.get(folded, "")


def unit_code(value: str) -> str | None:
    return _UNIT_WORDS.get(fold(value or "").replace("  ", " "))


def quantity_text(value: Any) -> str:
    """A quantity cell as text a Decimal accepts: '0,5' -> '0.5'; numbers from XLSX without float noise."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    elif "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")
    return text


def price_text(value: Any) -> str:
    """A price cell: '1.500.000 ₫', '25,000', 25000.0 -> '25000' (whole đồng)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    original = str(value).strip()
    text = original
    for noise in ("₫", "đ", "Đ", "VND", "vnd", " ", "\u00a0", ".", ","):
        text = text.replace(noise, "")
    return text if text.isdigit() else original


def _rows_from_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1258 decodes every byte string
        raise ValidationFailed(_("The file is not UTF-8 text."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            break
    return rows


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


def read_table(upload: IO[bytes], file_name: str) -> list[dict[str, str]]:
    """The data rows as {column: text}, with the row number people see in Excel under '_row'."""
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
    rows: list[dict[str, str]] = []
    for index, raw in enumerate(raw_rows[1:], start=2):
        if all(cell in (None, "") or (isinstance(cell, str) and not cell.strip()) for cell in raw):
            continue
        row: dict[str, str] = {"_row": str(index)}
        for key, cell in zip(header, raw, strict=False):
            if not key:
                continue
            if key == "moq" or key == "order_multiple" or key.endswith("_from"):
                row[key] = quantity_text(cell)
            elif key.endswith("_price"):
                row[key] = price_text(cell)
            elif isinstance(cell, float) and cell == int(cell):
                row[key] = str(int(cell))
            else:
                row[key] = nfc(str(cell)) if cell is not None else ""
        rows.append(row)
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(fields={"file": [_("At most %(n)s products per file; split it.") % {"n": MAX_ROWS}]})
    if not rows:
        raise ValidationFailed(fields={"file": [_("The file has a header but no products.")]})
    return rows


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
            product.origin_note,
        ]
        for index in range(TIER_COLUMNS):
            if index < len(tiers):
                row += [tiers[index].min_quantity.normalize(), tiers[index].unit_price]
            else:
                row += ["", ""]
        rows.append(row)
    return rows


def write_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([format(v, "f") if isinstance(v, Decimal) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def write_xlsx(rows: list[list[Any]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "products"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) and v != v.to_integral_value() else
                      (int(v) if isinstance(v, Decimal) else v) for v in row])  # fmt: skip
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
