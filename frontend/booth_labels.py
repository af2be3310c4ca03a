"""An exhibitor's name written inside its booth on the printed and downloaded floor plan: wrapped onto as many
lines as the booth holds, at the largest size that fits, with the usual Vietnamese abbreviations ("Hợp tác
xã" -> "HTX") when the whole name does not, and cut with an ellipsis as a last resort (the booth's <title>
keeps the full name).

Widths are estimated per character in ems, generously, because the server cannot measure the font the reader
will have: a name may end a little short of the booth's edge, never beyond it. All sizes are SVG units
(tenths of a metre, frontend.views.fairs.drawing.SCALE)."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass

ELLIPSIS = "…"
# Room kept clear inside the booth's walls (SVG units).
PADDING = 2
# Sizes tried, largest first (SVG units; printed on A4 landscape a unit is about half a millimetre).
CODE_SIZES = (6, 5, 4)
NAME_SIZES = (6, 5, 4)
# A line is 1.3 em: room above capitals for Vietnamese stacked diacritics (Ễ, Ặ), and below for descenders.
LINE_HEIGHT_EM = 1.3
ASCENT_EM = 1.05

_NARROW = set("ijlI.,:;'!|")
_SEMI_NARROW = set("ftr()-/ ")
_WIDE = set("mwMW@%…—")
# The longest forms first, so "Công ty cổ phần" wins over "Công ty".
_ABBREVIATIONS = (
    ("Liên hiệp hợp tác xã", "LH HTX"),
    ("Doanh nghiệp tư nhân", "DNTN"),
    ("Công ty cổ phần", "CTCP"),
    ("Trách nhiệm hữu hạn", "TNHH"),
    ("Hợp tác xã", "HTX"),
    ("Tổ hợp tác", "THT"),
    ("Công ty", "Cty"),
)


@dataclass(frozen=True)
class BoothLabel:
    """What to write in one booth: its code on top, then the name's lines, each with its baseline."""

    code_size: int
    code_y: int
    name_size: int
    lines: tuple[tuple[int, str], ...]
    shortened: bool  # abbreviated or cut: the full name is only in the booth's <title>


@functools.cache  # a name's letters come from a small alphabet; NFD per letter was most of a plan's drawing
def char_em(char: str) -> float:
    """An upper estimate of a character's advance in ems in a sans-serif font; a Vietnamese letter is as wide
    as its base letter (its marks sit above or below it)."""
    base = unicodedata.normalize("NFD", char)[0]
    if base in _NARROW:
        return 0.34
    if base in _SEMI_NARROW:
        return 0.45
    if base in _WIDE:
        return 1.0
    if base.isupper() or base.isdigit() or base in "đĐ":
        return 0.74
    if base.isalpha():
        return 0.64
    return 0.8


def text_width(text: str, size: int) -> float:
    return sum(char_em(char) for char in text) * size


def wrap(text: str, *, width: float, size: int) -> list[str]:
    """Words onto lines no wider than `width`; a word longer than a line is broken between its letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        while text_width(word, size) > width:
            cut = max(_fitting_prefix(word, width=width, size=size), 1)  # one letter at least, or no progress
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _fitting_prefix(text: str, *, width: float, size: int, suffix: str = "") -> int:
    """How many characters of `text` fit in `width` followed by `suffix` (maybe none)."""
    count = 0
    while count < len(text) and text_width(text[: count + 1] + suffix, size) <= width:
        count += 1
    return count


def abbreviated(name: str) -> str:
    for long, short in _ABBREVIATIONS:
        name = re.sub(re.escape(long), short, name, flags=re.IGNORECASE)
    return name


def line_height(size: int) -> int:
    return math.ceil(size * LINE_HEIGHT_EM)


def booth_label(*, code: str, name: str, x: int, y: int, width: int, height: int) -> BoothLabel:
    """The label of a booth whose top-left corner is (x, y): the code at the largest size that fits its width,
    the name (NFC, as stored) whole if some size lets it fit, else abbreviated, else cut with an ellipsis."""
    inner_width = width - 2 * PADDING
    code_size = next((s for s in CODE_SIZES if text_width(code, s) <= inner_width), CODE_SIZES[-1])
    top = y + PADDING
    code_y = top + math.ceil(code_size * ASCENT_EM)
    name_top = top + line_height(code_size)
    room = y + height - PADDING - name_top
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if not name:
        return BoothLabel(code_size, code_y, NAME_SIZES[-1], (), False)
    for text in dict.fromkeys((name, abbreviated(name))):  # the abbreviated form only if it differs
        for size in NAME_SIZES:
            lines = wrap(text, width=inner_width, size=size)
            if len(lines) * line_height(size) <= room:
                return _placed(code_size, code_y, size, name_top, lines, shortened=text != name)
    size = NAME_SIZES[-1]
    capacity = max(room // line_height(size), 0)
    lines = wrap(abbreviated(name), width=inner_width, size=size)[:capacity]
    if lines:
        last = lines[-1]
        keep = _fitting_prefix(last, width=inner_width, size=size, suffix=ELLIPSIS)
        lines[-1] = last[:keep].rstrip() + ELLIPSIS
    return _placed(code_size, code_y, size, name_top, lines, shortened=True)


def _placed(code_size: int, code_y: int, size: int, name_top: int, lines: list[str], *, shortened: bool) -> BoothLabel:
    ascent = math.ceil(size * ASCENT_EM)
    placed = tuple((name_top + index * line_height(size) + ascent, line) for index, line in enumerate(lines))
    return BoothLabel(code_size, code_y, size, placed, shortened)
