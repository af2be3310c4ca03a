"""`Vary`, added to a response from a per-process table.

Django's `patch_vary_headers` splits the header with a regular expression, lower-cases every name into a set and
joins them again on each call, and a page or an API read calls it three times (its conditional answer, the
language, compression). The Vary values our responses carry are few and are written by our code, never by a
request, so each (header before, names added) → header after is worked out once per process, by Django's own
function, and kept.
"""

from __future__ import annotations

import functools

from django.http import HttpResponseBase
from django.utils.cache import patch_vary_headers

# Far more than the distinct Vary values the site's views produce (a handful); a bound all the same.
_KEPT = 256


def add_vary(response: HttpResponseBase, names: tuple[str, ...]) -> None:
    """As `patch_vary_headers(response, names)`: the names not listed yet appended, in order, case-insensitively."""
    response.headers["Vary"] = _varied(response.headers.get("Vary"), names)


@functools.lru_cache(maxsize=_KEPT)
def _varied(before: str | None, names: tuple[str, ...]) -> str:
    scratch = HttpResponseBase()
    if before is not None:
        scratch.headers["Vary"] = before
    patch_vary_headers(scratch, names)
    return str(scratch.headers["Vary"])
