"""The one reader of numbers, money, quantities and dates as people in Vietnam type them.

Pages post what a person typed, in the active language: in Vietnamese "1.000" is one thousand and "0,5" a
half; in English "1,000" and "0.5". The API's JSON uses the canonical forms ("1000.5", 1000, "2026-03-09"),
read by `parse_canonical_decimal` and friends. Every reader raises `ParseError` with a message that says how
to write the value; ambiguous text is refused, never guessed:

- A reading in the active language wins ("1.000" in vi is 1000).
- Except when that reading is a decimal mark followed by exactly three digits after one to three digits
  ("1,500" in vi, "1.500" in en): the other language would read a thousands group there, so it is refused.
- Text that is only valid in the other language ("1.5" or "1,500,000" in vi) has a single reading and is
  accepted.

The writers (`format_decimal`, `format_input_decimal`, `format_money`) are the inverse; the input writer never
produces an ambiguous string (it writes 1.125 as "1,1250" in vi), so a value shown in a form reads back as
itself. Numbers the browser reads as numbers (SVG, data attributes, type=number inputs) use `machine_number`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from market.core.quantity import UNIT_SYMBOLS, Unit, convert, is_mass_unit


class ParseError(ValueError):
    """Text that is not a value of the asked kind; the message tells the person how to write it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class NumberStyle:
    decimal: str
    group: str


STYLES: dict[str, NumberStyle] = {"vi": NumberStyle(",", "."), "en": NumberStyle(".", ",")}
# Spaces people and banks put between thousands groups (space, no-break space, thin spaces).
_SPACES = "\u0020\u00a0\u202f\u2009"
_MINUS = "-\u2212"


def active_language(language: str | None = None) -> str:
    """'vi' or 'en': the language whose number and date habits apply."""
    code = (language or get_language() or "vi").lower()
    return "en" if code.startswith("en") else "vi"


def _other(language: str) -> str:
    return "en" if language == "vi" else "vi"


def _clean(text: object) -> str:
    """NFKC (full-width digits and signs become ASCII), trimmed."""
    return unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()


@dataclass(frozen=True, slots=True)
class _Reading:
    value: Decimal
    # A decimal mark followed by exactly three digits after 1-3 digits: another language's thousands group.
    looks_grouped: bool


def _read(text: str, style: NumberStyle) -> _Reading | None:
    """Read unsigned `text` in one style, or None when it is not written that way."""
    dec, grp = re.escape(style.decimal), re.escape(style.group)
    spaces = re.escape(_SPACES)
    pattern = rf"^(?P<int>\d+|\d{{1,3}}(?:(?P<sep>[{grp}{spaces}])\d{{3}})(?:(?P=sep)\d{{3}})*)(?:{dec}(?P<frac>\d+))?$"
    match = re.match(pattern, text)
    if match is None:
        return None
    integer = re.sub(rf"[{grp}{spaces}]", "", match["int"])
    fraction = match["frac"] or ""
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    looks_grouped = (
        match["sep"] is None and len(fraction) == 3 and 1 <= len(match["int"]) <= 3 and not match["int"].startswith("0")
    )
    return _Reading(value, looks_grouped)


def _example(value: str, language: str) -> str:
    """Canonical example number ('1000', '0.5') written the way `language` writes it."""
    return format_decimal(Decimal(value), language=language, grouping=True)


def _number_hint(language: str) -> str:
    return _("Write one thousand as %(thousand)s and a half as %(half)s.") % {
        "thousand": _example("1000", language),
        "half": _example("0.5", language),
    }


def parse_decimal(
    text: object,
    *,
    language: str | None = None,
    places: int = 3,
    allow_negative: bool = False,
) -> Decimal:
    """A decimal typed by a person in `language` (the active one by default), with at most `places` decimals."""
    language = active_language(language)
    raw = _clean(text)
    if not raw:
        raise ParseError(_("Enter a number."))
    negative = raw[0] in _MINUS
    if raw[0] in _MINUS + "+":
        raw = raw[1:].lstrip()
    own = _read(raw, STYLES[language])
    other = _read(raw, STYLES[_other(language)])
    if own is not None and own.looks_grouped and (other is None or other.value != own.value):
        raise ParseError(
            _("“%(text)s” is ambiguous: write %(decimal)s for the decimal or %(grouped)s for the whole number.")
            % {
                "text": raw,
                "decimal": format_input_decimal(own.value, language=language),
                "grouped": _example(str(other.value) if other else raw, language),
            }
        )
    reading = own or other
    if reading is None:
        raise ParseError(_("“%(text)s” is not a number. %(hint)s") % {"text": raw, "hint": _number_hint(language)})
    value = -reading.value if negative else reading.value
    if negative and not allow_negative and value != 0:
        raise ParseError(_("Enter a number of zero or more."))
    return _check_places(value, places, language)


# Beyond this a person has not typed a quantity or an amount (the largest column holds 10^15).
MAX_DIGITS = 24


def _check_places(value: Decimal, places: int, language: str) -> Decimal:
    if len(value.as_tuple().digits) > MAX_DIGITS:
        raise ParseError(_("This number is too large."))
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        if places == 0:
            raise ParseError(_("Enter a whole number."))
        raise ParseError(
            _("Enter at most %(places)s decimals, e.g. %(example)s.")
            % {"places": places, "example": _example("0." + "1" * places, language)}
        )
    return plain(value)


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form: 1000.500 -> 1000.5, 1E+3 -> 1000."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal + 0


def parse_integer(text: object, *, language: str | None = None, allow_negative: bool = False) -> int:
    """A whole number typed by a person ("1.000" in vi is 1000)."""
    return int(parse_decimal(text, language=language, places=0, allow_negative=allow_negative))


# --- money ---------------------------------------------------------------------------------------
_CURRENCY = re.compile(r"(?i)(₫|vnđ|vnd|đồng|dong|đ)\.?$")
# Multipliers people write after amounts: "25k", "1,5 triệu", "2 tỷ".
_MULTIPLIERS: dict[str, int] = {
    "k": 1_000,
    "nghìn": 1_000,
    "ngàn": 1_000,
    "tr": 1_000_000,
    "triệu": 1_000_000,
    "tỷ": 1_000_000_000,
    "tỉ": 1_000_000_000,
}
_MULTIPLIER = re.compile(r"(?i)(" + "|".join(sorted(_MULTIPLIERS, key=len, reverse=True)) + r")$")


def parse_money(text: object, *, language: str | None = None, allow_negative: bool = False) -> int:
    """Whole đồng typed by a person: "1.500.000", "1.500.000 ₫", "25k", "1,5 triệu" (vi)."""
    language = active_language(language)
    raw = _clean(text)
    raw = _CURRENCY.sub("", raw).strip()
    multiplier = 1
    if match := _MULTIPLIER.search(raw):
        multiplier = _MULTIPLIERS[match.group(1).lower()]
        raw = raw[: match.start()].strip()
    if not raw:
        raise ParseError(_("Enter an amount in đồng, e.g. %(example)s.") % {"example": format_money(1500000, language)})
    amount = parse_decimal(raw, language=language, places=MAX_DIGITS, allow_negative=allow_negative) * multiplier
    if amount != amount.to_integral_value():
        raise ParseError(_("Amounts in đồng have no decimals."))
    return int(amount)


# --- quantities with a unit ----------------------------------------------------------------------
# What people write after a number, folded to lower case: the unit it means.
UNIT_WORDS: dict[str, str] = {
    "kg": Unit.KG,
    "kí": Unit.KG,
    "ký": Unit.KG,
    "ki": Unit.KG,
    "cân": Unit.KG,
    "tạ": Unit.TA,
    "ta": Unit.TA,
    "tấn": Unit.TAN,
    "tan": Unit.TAN,
    "t": Unit.TAN,
}


def unit_from_word(word: str) -> str | None:
    folded = unicodedata.normalize("NFC", word.strip().lower())
    if folded in UNIT_WORDS:
        return UNIT_WORDS[folded]
    for unit, symbol in UNIT_SYMBOLS.items():
        if folded in {symbol.lower(), str(unit)}:
            return str(unit)
    return None


def parse_quantity(text: object, *, unit: str | None = None, language: str | None = None, places: int = 3) -> Decimal:
    """A quantity in `unit`, optionally written with another mass unit: "1,5 tấn" is 1500 for a kg field."""
    language = active_language(language)
    raw = _clean(text)
    match = re.match(r"^(?P<number>.*?\d)\s*(?P<word>[^\d\s.,][^\d]*)?$", raw)
    if match is None or not match["word"]:
        return parse_decimal(raw, language=language, places=places)
    written = unit_from_word(match["word"])
    if written is None:
        raise ParseError(_("“%(unit)s” is not a unit we know.") % {"unit": match["word"].strip()})
    if unit is None:
        raise ParseError(_("Write only the number, in the unit shown next to the field."))
    number = parse_decimal(match["number"], language=language, places=9)
    if written == unit:
        return _check_places(number, places, language)
    if not (is_mass_unit(written) and is_mass_unit(unit)):
        raise ParseError(
            _("This is counted in %(unit)s; %(written)s cannot be converted.")
            % {"unit": UNIT_SYMBOLS.get(unit, unit), "written": UNIT_SYMBOLS.get(written, written)}
        )
    return _check_places(convert(number, written, unit), places, language)


# --- dates and times -----------------------------------------------------------------------------
ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_DAY_FIRST = re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})$")
_TIME = re.compile(r"(?i)^(?P<h>\d{1,2})\s*(?::|h|g|giờ)\s*(?P<min>\d{2})?(?:\s*(?::)\s*(?P<s>\d{2}))?\s*(?:phút)?$")


def _date_hint(language: str) -> str:
    return _("Write the date as dd/mm/yyyy, e.g. %(example)s.") % {"example": format_date(date(2026, 3, 9))}


def parse_date(text: object, *, language: str | None = None) -> date:
    """dd/mm/yyyy (also with - or . and a two-digit year), or ISO yyyy-mm-dd as date inputs send it."""
    language = active_language(language)
    raw = _clean(text)
    if not raw:
        raise ParseError(_("Enter a date."))
    match = ISO_DATE.match(raw) or _DAY_FIRST.match(raw)
    if match is None:
        raise ParseError(_("“%(text)s” is not a date. %(hint)s") % {"text": raw, "hint": _date_hint(language)})
    year = int(match["y"])
    if year < 100:
        year += 2000
    try:
        return date(year, int(match["m"]), int(match["d"]))
    except ValueError:
        raise ParseError(
            _("“%(text)s” is not a day of the calendar. %(hint)s") % {"text": raw, "hint": _date_hint(language)}
        ) from None


def parse_time(text: object, *, language: str | None = None) -> time:
    """14:30, 14h30, 14g30, 14 giờ 30, 8h."""
    raw = _clean(text)
    match = _TIME.match(raw)
    if match is None:
        raise ParseError(_("“%(text)s” is not a time. Write it as hh:mm, e.g. 14:30.") % {"text": raw})
    try:
        return time(int(match["h"]), int(match["min"] or 0), int(match["s"] or 0))
    except ValueError:
        raise ParseError(_("“%(text)s” is not a time. Write it as hh:mm, e.g. 14:30.") % {"text": raw}) from None


def parse_datetime(text: object, *, language: str | None = None) -> datetime:
    """A moment in the current time zone: "dd/mm/yyyy hh:mm", "hh:mm dd/mm/yyyy" (vi order) or ISO
    "yyyy-mm-ddThh:mm" as datetime-local inputs send it. A date alone means its start."""
    language = active_language(language)
    raw = _clean(text)
    if not raw:
        raise ParseError(_("Enter a date and time."))
    parts = [p for p in re.split(r"[T\s,]+", raw) if p]
    day_parts = [p for p in parts if ISO_DATE.match(p) or _DAY_FIRST.match(p)]
    if len(day_parts) != 1:
        raise ParseError(
            _("“%(text)s” is not a date and time. Write it as dd/mm/yyyy hh:mm, e.g. %(example)s.")
            % {"text": raw, "example": f"{format_date(date(2026, 3, 9))} 14:30"}
        )
    day = parse_date(day_parts[0], language=language)
    rest = " ".join(p for p in parts if p != day_parts[0])
    moment = parse_time(rest, language=language) if rest else time(0, 0)
    return timezone.make_aware(datetime.combine(day, moment), timezone.get_current_timezone())


# --- the canonical (JSON) forms ------------------------------------------------------------------
_CANONICAL = re.compile(r"^-?\d+(\.\d+)?$")


def parse_canonical_decimal(value: object, *, places: int = 3, allow_negative: bool = False) -> Decimal:
    """What the API's JSON carries: a number or a string like "1000.5" (no grouping, a dot for decimals)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ParseError(_('Send a number or a string such as "1000.5".'))
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if not _CANONICAL.match(text):
        raise ParseError(_('Send a number or a string such as "1000.5" (no thousands separators).'))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ParseError(_('Send a number or a string such as "1000.5".')) from None
    if number < 0 and not allow_negative:
        raise ParseError(_("Enter a number of zero or more."))
    return _check_places(number, places, "en")


_CANONICAL_INTEGER = re.compile(r"^-?\d+$")


def parse_canonical_integer(value: object, *, allow_negative: bool = False) -> int:
    """A whole number in JSON: an integer or a string of digits. "29.000" is refused: in JSON it would be
    twenty-nine, which a person who meant twenty-nine thousand would never notice."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ParseError(_("Send a whole number, e.g. 1500000."))
    text = str(value).strip()
    if not _CANONICAL_INTEGER.match(text):
        raise ParseError(_("Send a whole number, e.g. 1500000."))
    number = int(text)
    if number < 0 and not allow_negative:
        raise ParseError(_("Enter a number of zero or more."))
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ParseError(_("This number is too large."))
    return number


# --- writers -------------------------------------------------------------------------------------
def format_decimal(value: Decimal | int, *, language: str | None = None, grouping: bool = True) -> str:
    """1234.5 -> '1.234,5' (vi) or '1,234.5' (en); no trailing zeros."""
    style = STYLES[active_language(language)]
    number = Decimal(value)
    text = f"{abs(number).normalize():f}" if number else "0"
    integer, _sep, fraction = text.partition(".")
    if grouping and len(integer) > 3:
        integer = f"{int(integer):,}".replace(",", style.group)
    sign = "-" if number < 0 else ""
    return f"{sign}{integer}{style.decimal}{fraction}" if fraction else f"{sign}{integer}"


def format_input_decimal(value: Decimal | int | None, *, language: str | None = None, grouping: bool = True) -> str:
    """A value to put in a text input (grouped unless asked not to), never ambiguous when read back
    (1.125 -> '1,1250')."""
    if value is None:
        return ""
    language = active_language(language)
    text = format_decimal(value, language=language, grouping=grouping)
    reading = _read(text.lstrip("-"), STYLES[language])
    return f"{text}0" if reading is not None and reading.looks_grouped else text


def format_money(amount: Decimal | int, language: str | None = None) -> str:
    """1500000 -> '1.500.000 ₫' (vi) or '1,500,000 ₫' (en)."""
    return f"{format_decimal(Decimal(amount).to_integral_value(), language=language)}\u00a0₫"


def format_date(day: date, language: str | None = None) -> str:
    """dd/mm/yyyy in both languages (the English of Vietnamese partners is day-first too)."""
    return day.strftime("%d/%m/%Y")


def format_input_datetime(moment: datetime | None) -> str:
    """For a datetime-local input: yyyy-mm-ddThh:mm in the current time zone."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def machine_number(value: Decimal | int | float | None, places: int = 3) -> str:
    """A number the browser reads (SVG geometry, data attributes, type=number values): never localised."""
    if value is None:
        return ""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return f"{number.normalize():f}" if number else "0"
