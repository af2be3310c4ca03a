"""Vietnamese folding in SQL: `market_fold(text)` is lower(unaccent(text)) on PostgreSQL (a function the
migration creates, immutable so that a trigram index can use it) and Python's `fold()` on SQLite, so that
"gao st25" finds "Gạo ST25" on both."""

from __future__ import annotations

from typing import Any

from django.db.models import Func, TextField

from market.core.text import fold

FOLD_FUNCTION = "market_fold"


class Fold(Func):
    function = FOLD_FUNCTION
    output_field = TextField()


def register_sqlite_fold(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: teach SQLite the same folding as PostgreSQL (make run, no server)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            FOLD_FUNCTION, 1, lambda value: fold(value) if value is not None else None, deterministic=True
        )


def query_terms(text: str, *, limit: int = 8) -> list[str]:
    """The folded words of a search: 'Gạo  ST-25!' -> ['gao', 'st', '25'] (at most `limit`)."""
    folded = fold(text or "")
    words = "".join(ch if ch.isalnum() else " " for ch in folded).split()
    seen: list[str] = []
    for word in words:
        if word not in seen:
            seen.append(word)
    return seen[:limit]


def within_one_typo(typed: str, word: str) -> bool:
    """Whether `word` is what `typed` meant, give or take one typo: a letter wrong, missing, extra, or two
    neighbours swapped (two typos for words of eight letters or more). Only words of four letters or more
    are corrected, and never a word with digits ("st25" and "st24" are different rice)."""
    if len(typed) < 4 or not typed.isalpha() or typed == word:
        return False
    limit = 2 if len(typed) >= 8 else 1
    if abs(len(typed) - len(word)) > limit:
        return False
    return _distance(typed, word, limit) <= limit


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits), stopping past `limit`."""
    previous_row: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, row = row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(before[j] + 1, row[j - 1] + 1, before[j - 1] + cost)
            if previous_row is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous_row[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous_row = before
    return row[len(b)]
