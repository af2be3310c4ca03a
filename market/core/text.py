"""Vietnamese text: stored NFC; searched folded (case, diacritics, and đ/Đ -> d, which NFD leaves alone)."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# NFD decomposes ệ into e + marks, but đ is a letter of its own: map it by hand.
_LETTER_MAP = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def nfc(text: str) -> str:
    """The stored form: NFC, trimmed, inner whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """The searched form: 'ĐẶC SẢN  Gạo ST25' -> 'dac san gao st25', full-width 'ＧＡＯ' -> 'gao'."""
    # NFKC first (full-width and compatibility forms become their plain letters), then case: casefold can
    # itself produce combining marks (İ -> i + dot), which NFD then strips.
    compatible = unicodedata.normalize("NFKC", text)
    decomposed = unicodedata.normalize("NFD", compatible.casefold().translate(_LETTER_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def ascii_reference(text: str, *, max_length: int) -> str:
    """Upper-case ASCII letters and digits only: what fits a bank transfer note."""
    folded = fold(text).upper()
    return re.sub(r"[^A-Z0-9]", "", folded)[:max_length]
