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
