"""Spreadsheets of supply: the member register people type in Excel (read), and a season's statement of
what each member delivered and is owed (written).

Cells are what people type in Vietnamese (or English): dates "15/03/2020", yes/no as "có"/"không", member
kinds in words, communes by name. They are read through `market.core.parsing` and the same folding as
search, never guessed: a cell that cannot be read is a row error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import IO, Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from catalog.spreadsheets import read_cells
from catalog.supply.models import MemberKind
from market.core import parsing
from market.core.errors import ValidationFailed
from market.core.text import fold, nfc
from market.exports.registry import Column
from market.exports.writers import FixedTable, csv_text, workbook_bytes
from market.organisations import geo

MAX_HOUSEHOLD_ROWS = 2000

HOUSEHOLD_COLUMNS: list[tuple[str, Any]] = [
    ("code", gettext_lazy("Member code; rows with the same code update that household.")),
    ("name", gettext_lazy("Name of the household head.")),
    ("kind", gettext_lazy("official, capital associate or associate (chính thức, liên kết góp vốn, liên kết).")),
    ("phone", gettext_lazy("Phone (optional), e.g. 0912 345 678.")),
    ("province", gettext_lazy("Province (optional: your cooperative's when empty).")),
    ("commune", gettext_lazy("Commune or ward (xã, phường), by name.")),
    ("address_line", gettext_lazy("Hamlet (ấp/thôn) (optional).")),
    ("joined_on", gettext_lazy("Member since, dd/mm/yyyy (optional).")),
    ("name_public", gettext_lazy("Agrees to be named publicly: có / không.")),
    ("name_consent_on", gettext_lazy("Day the consent was given, dd/mm/yyyy (optional).")),
    ("plots", gettext_lazy("Codes of the plots the household farms, separated by commas (optional).")),
]
HOUSEHOLD_HEADERS = [name for name, _help in HOUSEHOLD_COLUMNS]
REQUIRED_HOUSEHOLD_COLUMNS = ("code", "name", "commune")

# Vietnamese (and looser English) headers, folded: the column they mean.
HOUSEHOLD_HEADER_ALIASES: dict[str, str] = {
    "ma thanh vien": "code",
    "ma tv": "code",
    "ma ho": "code",
    "ma": "code",
    "chu ho": "name",
    "ho ten": "name",
    "ho va ten": "name",
    "ten chu ho": "name",
    "ho": "name",
    "loai thanh vien": "kind",
    "hinh thuc": "kind",
    "loai": "kind",
    "dien thoai": "phone",
    "so dien thoai": "phone",
    "sdt": "phone",
    "tinh": "province",
    "tinh/thanh pho": "province",
    "xa": "commune",
    "xa/phuong": "commune",
    "xa phuong": "commune",
    "phuong": "commune",
    "ap": "address_line",
    "ap/thon": "address_line",
    "thon": "address_line",
    "dia chi": "address_line",
    "ngay vao": "joined_on",
    "ngay gia nhap": "joined_on",
    "thanh vien tu": "joined_on",
    "dong y cong khai ten": "name_public",
    "cong khai ten": "name_public",
    "dong y": "name_public",
    "ngay dong y": "name_consent_on",
    "thua": "plots",
    "ma thua": "plots",
    "cac thua": "plots",
    "thua ruong": "plots",
}

_YES = {"co", "x", "yes", "y", "true", "1", "dong y"}
_NO = {"khong", "no", "n", "false", "0", "", "chua", "khong dong y"}
_KIND_WORDS: dict[str, str] = {
    "official": MemberKind.OFFICIAL,
    "chinh thuc": MemberKind.OFFICIAL,
    "thanh vien chinh thuc": MemberKind.OFFICIAL,
    "capital_associate": MemberKind.CAPITAL_ASSOCIATE,
    "capital associate": MemberKind.CAPITAL_ASSOCIATE,
    "lien ket gop von": MemberKind.CAPITAL_ASSOCIATE,
    "thanh vien lien ket gop von": MemberKind.CAPITAL_ASSOCIATE,
    "associate": MemberKind.ASSOCIATE,
    "lien ket": MemberKind.ASSOCIATE,
    "lien ket khong gop von": MemberKind.ASSOCIATE,
    "thanh vien lien ket": MemberKind.ASSOCIATE,
    "thanh vien lien ket khong gop von": MemberKind.ASSOCIATE,
}


def _header_key(cell: Any) -> str:
    folded = fold(str(cell or "")).replace("_", " ").strip()
    canonical = folded.replace(" ", "_")
    if canonical in HOUSEHOLD_HEADERS:
        return canonical
    return HOUSEHOLD_HEADER_ALIASES.get(folded, "")


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell == int(cell):
        return str(int(cell))
    return nfc(str(cell))


def read_household_rows(upload: IO[bytes], file_name: str) -> list[dict[str, str]]:
    """The data rows as {column: text} with the row number people see under '_row'."""
    cells = read_cells(upload, file_name)
    if not cells:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    header = [_header_key(cell) for cell in cells[0]]
    missing = [name for name in REQUIRED_HOUSEHOLD_COLUMNS if name not in header]
    if missing:
        raise ValidationFailed(
            _("The first row must name the columns."),
            fields={"file": [_("Missing columns: %(names)s.") % {"names": ", ".join(missing)}]},
        )
    rows: list[dict[str, str]] = []
    for index, raw in enumerate(cells[1:], start=2):
        if all(_text(cell) == "" for cell in raw):
            continue
        row = {"_row": str(index)}
        for key, cell in zip(header, raw, strict=False):
            if key:
                row[key] = _text(cell)
        rows.append(row)
    if len(rows) > MAX_HOUSEHOLD_ROWS:
        raise ValidationFailed(
            fields={
                "file": [
                    _("At most %(n)s households per file; split it.")
                    % {"n": parsing.format_decimal(MAX_HOUSEHOLD_ROWS)}
                ]
            }
        )
    if not rows:
        raise ValidationFailed(fields={"file": [_("The file has a header but no households.")]})
    return rows


# --- cells read as values ------------------------------------------------------------------------
class CellError(ValueError):
    """A cell that cannot be read; the message names the column's problem for the person."""


def yes_no(text: str) -> bool:
    folded = fold(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise CellError(_("“%(text)s” is not yes or no: write có or không.") % {"text": text})


def member_kind(text: str) -> MemberKind:
    if not text.strip():
        return MemberKind.OFFICIAL
    kind = _KIND_WORDS.get(fold(text).replace("_", " ")) or _KIND_WORDS.get(fold(text))
    if kind is None:
        raise CellError(
            _("“%(text)s” is not a kind of member: write chính thức, liên kết góp vốn or liên kết.") % {"text": text}
        )
    return MemberKind(kind)


def optional_date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return parsing.parse_date(text)
    except parsing.ParseError as error:
        raise CellError(error.message) from None


def _without_kind(folded: str) -> str:
    for prefix in ("thanh pho ", "tinh ", "phuong ", "xa ", "dac khu ", "thi tran "):
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


def province_code(text: str, default: int) -> int:
    """A province by name ("An Giang", "Tỉnh An Giang") or code; the default when empty."""
    if not text.strip():
        return default
    if text.strip().isdigit() and geo.province(int(text)) is not None:
        return int(text)
    wanted = _without_kind(fold(text))
    for unit in geo.provinces():
        if _without_kind(fold(unit.name)) == wanted:
            return unit.code
    raise CellError(_("“%(text)s” is not a province.") % {"text": text})


def commune_code(text: str, province: int) -> int:
    """A commune of the province by name ("Thạnh Đông", "Xã Thạnh Đông") or code."""
    if text.strip().isdigit() and geo.commune_province_code(int(text)) == province:
        return int(text)
    folded = fold(text)
    exact = [u for u in geo.communes(province) if fold(u.name) == folded]
    if len(exact) == 1:
        return exact[0].code
    loose = [u for u in geo.communes(province) if _without_kind(fold(u.name)) == _without_kind(folded)]
    if len(loose) == 1:
        return loose[0].code
    if len(loose) > 1:
        raise CellError(
            _("“%(text)s” names more than one unit: write %(names)s.")
            % {"text": text, "names": " / ".join(u.name for u in loose)}
        )
    province_unit = geo.province(province)
    raise CellError(
        _("“%(text)s” is not a commune of %(province)s.")
        % {"text": text, "province": province_unit.name if province_unit else province}
    )


def plot_codes(text: str) -> list[str]:
    return [code.strip().upper() for code in text.replace(";", ",").split(",") if code.strip()]


# --- the season statement ------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """A table of the statement, its headings already in the person's language; written like every export."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]

    @property
    def table(self) -> FixedTable:
        return FixedTable(label=self.title, columns=[Column(h, itemgetter(i)) for i, h in enumerate(self.headers)])


def write_csv(sheet: Sheet) -> bytes:
    return csv_text(sheet.table, sheet.rows, get_language() or "vi").encode("utf-8")


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    return workbook_bytes([(sheet.table, sheet.rows) for sheet in sheets], get_language() or "vi")
