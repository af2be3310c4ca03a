"""Bank statement CSV: one documented format of our own, and column mappings for the major banks' exports.

**Market Link statement CSV (format `marketlink`)** — UTF-8 (a BOM is fine), comma or semicolon separated,
one header row, then one row per transaction:

| column | meaning |
|---|---|
| `transaction_id` | the bank's transaction reference (số tham chiếu); makes re-imports idempotent |
| `booked_at` | `dd/mm/yyyy`, `dd/mm/yyyy HH:MM[:SS]` or ISO `yyyy-mm-dd[ HH:MM:SS]`, Vietnam time |
| `amount` | whole đồng; positive = money in (credit), negative = money out; `1500000`, `1.500.000` or `1,500,000` |
| `description` | the transfer note (nội dung chuyển khoản) as the bank shows it |
| `account_number` | optional: the account the statement is for (else chosen on upload) |
| `counterparty` | optional: who sent the money |

Banks' own exports put a few title rows above the header and split money into credit and debit columns;
`BANK_FORMATS` maps their Vietnamese headers (compared folded: no case, no diacritics) to our fields. The
header row is found by scanning the first 30 rows. Those mappings follow the banks' usual export
layouts and are data: correct a header name here when a bank changes its export (unconfirmed against
every bank's current files).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core.csv_input import csv_rows, sniff_delimiter
from market.core.inputs import MAX_VND
from market.core.money import parse_vnd
from market.core.parsing import format_decimal
from market.core.text import fold, nfc

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_LINES = 50_000


@dataclass(frozen=True)
class StatementFormat:
    key: str
    label: str
    columns: dict[str, tuple[str, ...]]

    def locate(self, header: list[str]) -> dict[str, int] | None:
        folded = [fold(cell) for cell in header]
        found: dict[str, int] = {}
        for name, aliases in self.columns.items():
            for alias in aliases:
                if alias in folded:
                    found[name] = folded.index(alias)
                    break
        has_money = "amount" in found or "credit" in found
        return found if has_money and "booked_at" in found and "description" in found else None


def _bank(key: str, label: str, **columns: tuple[str, ...]) -> StatementFormat:
    return StatementFormat(key=key, label=label, columns=columns)


MARKETLINK = _bank(
    "marketlink",
    "Market Link CSV",
    transaction_id=("transaction_id",),
    booked_at=("booked_at",),
    amount=("amount",),
    description=("description",),
    account_number=("account_number",),
    counterparty=("counterparty",),
)
BANK_FORMATS: dict[str, StatementFormat] = {
    f.key: f
    for f in (
        MARKETLINK,
        _bank(
            "vietcombank",
            "Vietcombank",
            transaction_id=("so tham chieu", "so but toan"),
            booked_at=("ngay giao dich", "ngay"),
            credit=("so tien ghi co", "ghi co"),
            debit=("so tien ghi no", "ghi no"),
            description=("mo ta", "noi dung giao dich", "dien giai"),
        ),
        _bank(
            "vietinbank",
            "VietinBank",
            transaction_id=("so giao dich", "ma giao dich"),
            booked_at=("ngay giao dich", "thoi gian giao dich"),
            credit=("phat sinh co", "co"),
            debit=("phat sinh no", "no"),
            description=("noi dung giao dich", "noi dung", "dien giai"),
            counterparty=("ten doi ung", "doi ung"),
        ),
        _bank(
            "bidv",
            "BIDV",
            transaction_id=("so tham chieu", "so giao dich"),
            booked_at=("ngay hieu luc", "ngay giao dich"),
            credit=("ghi co", "so tien ghi co"),
            debit=("ghi no", "so tien ghi no"),
            description=("mo ta", "noi dung"),
        ),
        _bank(
            "agribank",
            "Agribank",
            transaction_id=("so ct", "so chung tu", "so giao dich"),
            booked_at=("ngay gd", "ngay giao dich"),
            credit=("so tien ghi co", "phat sinh co"),
            debit=("so tien ghi no", "phat sinh no"),
            description=("noi dung", "dien giai"),
        ),
        _bank(
            "techcombank",
            "Techcombank",
            transaction_id=("reference", "so tham chieu"),
            booked_at=("transaction date", "ngay giao dich"),
            credit=("credit", "ghi co"),
            debit=("debit", "ghi no"),
            description=("description", "dien giai"),
            counterparty=("remitter", "doi tac"),
        ),
        _bank(
            "mb",
            "MB",
            transaction_id=("so tham chieu", "ma giao dich"),
            booked_at=("ngay giao dich",),
            credit=("so tien ghi co", "phat sinh co"),
            debit=("so tien ghi no", "phat sinh no"),
            description=("noi dung chi tiet", "noi dung"),
        ),
        _bank(
            "acb",
            "ACB",
            transaction_id=("so giao dich", "so tham chieu"),
            booked_at=("ngay hieu luc", "ngay giao dich"),
            credit=("ghi co", "so tien ghi co"),
            debit=("ghi no", "so tien ghi no"),
            description=("noi dung", "mo ta"),
        ),
    )
}
FORMAT_CHOICES = [("auto", gettext_lazy("Recognise automatically")), *((f.key, f.label) for f in BANK_FORMATS.values())]


@dataclass
class StatementLine:
    line_no: int
    bank_reference: str = ""
    booked_at: datetime | None = None
    amount: int = 0
    description: str = ""
    counterparty: str = ""
    account_number: str = ""
    error: str = ""


@dataclass
class ParsedStatement:
    format: StatementFormat | None
    lines: list[StatementLine] = field(default_factory=list)
    error: str = ""


_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
)


def parse_datetime(text: str) -> datetime:
    value = (text or "").strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=VIETNAM)
        except ValueError:
            continue
    raise ValueError(_("Not a date: %(value)s (use dd/mm/yyyy)") % {"value": text})


def _rows(content: str) -> list[list[str]]:
    text = content.lstrip("\ufeff")
    return csv_rows(text, delimiter=sniff_delimiter(text))


def parse_statement(content: str, *, bank_format: str = "auto", account_number: str = "") -> ParsedStatement:
    rows = _rows(content)
    candidates = list(BANK_FORMATS.values()) if bank_format == "auto" else [BANK_FORMATS[bank_format]]
    for header_index, header in enumerate(rows[:30]):
        for fmt in candidates:
            columns = fmt.locate(header)
            if columns is not None:
                return _parse_rows(fmt, columns, rows[header_index + 1 :], header_index + 2, account_number)
    return ParsedStatement(
        format=None, error=_("No header row with a date, an amount and a description was found in the file.")
    )


def _parse_rows(
    fmt: StatementFormat, columns: dict[str, int], rows: list[list[str]], first_line: int, account_number: str
) -> ParsedStatement:
    parsed = ParsedStatement(format=fmt)
    seen: Counter[str] = Counter()

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    for offset, row in enumerate(rows):
        if not any(value.strip() for value in row):
            continue
        if len(parsed.lines) >= MAX_LINES:
            parsed.error = _("Only the first %(n)s lines were read; split the statement.") % {
                "n": format_decimal(MAX_LINES)
            }
            break
        line = StatementLine(line_no=first_line + offset)
        try:
            line.booked_at = parse_datetime(cell(row, "booked_at"))
            if "amount" in columns:
                written = cell(row, "amount")
                line.amount = parse_vnd(written)
            else:
                written = f"{cell(row, 'credit')} {cell(row, 'debit')}".strip()
                line.amount = parse_vnd(cell(row, "credit")) - abs(parse_vnd(cell(row, "debit")))
            if abs(line.amount) > MAX_VND:
                # More than any amount a form takes or a column holds: a garbled cell, refused on its line here
                # rather than by the database when the statement is applied.
                raise ValueError(_("Not an amount: %(value)s") % {"value": written})
        except ValueError as error:
            line.error = str(error)
        line.description = nfc(cell(row, "description"))[:500]
        line.counterparty = nfc(cell(row, "counterparty"))[:255]
        line.account_number = re.sub(r"\s", "", cell(row, "account_number") or account_number)[:19]
        reference = re.sub(r"\s", "", cell(row, "transaction_id"))[:120]
        if not reference and not line.error:
            # No bank reference: identify the line by its content (and how often it repeats in the file).
            basis = f"{line.account_number}|{line.booked_at:%Y-%m-%dT%H:%M:%S}|{line.amount}|{line.description}"
            seen[basis] += 1
            digest = hashlib.sha256(f"{basis}|{seen[basis]}".encode()).hexdigest()[:32]
            reference = f"line:{digest}"
        line.bank_reference = reference
        if not line.error and not line.account_number:
            line.error = _("No account number: choose the account on upload.")
        parsed.lines.append(line)
    return parsed
