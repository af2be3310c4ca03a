"""Short payment references for transfer notes: `ML` + 7 random characters + 1 check character.

Upper-case letters and digits only, without the look-alikes 0/O, 1/I/L (no diacritics, no spaces), so a
buyer can type it into any banking app's transfer note (which keeps 25+ characters). The check character
(weighted sum modulo 31) turns most typing mistakes into "no known reference" instead of someone else's
payment.
"""

from __future__ import annotations

import re
import secrets

from market.core.text import fold

PREFIX = "ML"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters
BODY_LENGTH = 7
LENGTH = len(PREFIX) + BODY_LENGTH + 1
_PATTERN = re.compile(rf"{PREFIX}[{ALPHABET}]{{{BODY_LENGTH + 1}}}")


def check_character(body: str) -> str:
    total = sum((index + 1) * ALPHABET.index(char) for index, char in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{PREFIX}{body}{check_character(body)}"


def is_valid(reference: str) -> bool:
    if len(reference) != LENGTH or not _PATTERN.fullmatch(reference):
        return False
    body = reference[len(PREFIX) : -1]
    return check_character(body) == reference[-1]


def find_references(note: str) -> list[str]:
    """Valid references in a transfer note, in order, without repeats.

    Banks upper-case, add their own prefixes, and sometimes split a long note with spaces, dots or dashes:
    the note is folded to ASCII and searched both as written and with separators removed.
    """
    folded = fold(note).upper()
    candidates = _PATTERN.findall(folded) + _PATTERN.findall(re.sub(r"[\s.\-_/]+", "", folded))
    found: list[str] = []
    for candidate in candidates:
        if is_valid(candidate) and candidate not in found:
            found.append(candidate)
    return found
