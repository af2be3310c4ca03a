"""What a template writes for a value, for parts of pages written by hand (frontend.product_content,
frontend.trace_content, the storefront's certificate rows): `{{ value }}` and `{{ day|date:"SHORT_DATE_FORMAT" }}`,
escaped as the template escapes them, and the certificate badges' line the product and trace pages share."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape
from django.utils.translation import get_language

from catalog.selectors import Badge

# An id no row has, and a name no file has: where a path's argument goes in `path_around`.
_MARKER = "2147483647"


def path_around(name: str) -> tuple[str, str]:
    """The path of URL `name` before and after its one argument, escaped: `{% url name x %}` is then the head,
    x quoted and escaped, and the tail, without a reverse() per link."""
    head, _marker, tail = reverse(name, args=[_MARKER]).partition(_MARKER)
    return escape(head), escape(tail)


def value_html(value: Any) -> str:
    """`{{ value }}`: localised, then escaped (text, the most written, straight to escaping: the same characters; an
    id, as localize() writes an int without thousands separators, straight to its digits)."""
    if type(value) is str:
        return escape(value)
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return conditional_escape(localize(value))


def day_html(value: date | None, language: str | None = None) -> str:
    """`{{ value|date:"SHORT_DATE_FORMAT" }}`: nothing for no day (`language`: the active one's code, when the caller
    knows it already)."""
    if value is None:
        return ""
    return _day_html(value, language or get_language())


@functools.lru_cache(maxsize=4096)
def _day_html(value: date, _language: str | None) -> str:
    """A day as written in the language, kept: pages write the same days over and over (certificates' ends, fairs'
    dates), and date_format looked its format up and formatted anew each time (~30 µs of CPU; a storefront wrote a
    dozen)."""
    return escape(date_format(value, "SHORT_DATE_FORMAT"))


def badges_html(badges: Sequence[Badge]) -> str:
    """The badges line of the product and trace pages: a `<span>` per badge (nothing for none)."""
    if not badges:
        return ""
    spans = "".join(f'<span class="badge cert cert-{value_html(b.kind)}">{value_html(b.label)}</span> ' for b in badges)
    return f'<p class="badges">{spans}</p>'
