"""What a template writes for a value, for parts of pages written by hand (frontend.product_content, the
storefront's certificate rows): `{{ value }}` and `{{ day|date:"SHORT_DATE_FORMAT" }}`, escaped as the template
escapes them."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape


def value_html(value: Any) -> str:
    """`{{ value }}`: localised, then escaped (text, the most written, straight to escaping: the same characters)."""
    if type(value) is str:
        return escape(value)
    return conditional_escape(localize(value))


def day_html(value: date | None) -> str:
    """`{{ value|date:"SHORT_DATE_FORMAT" }}`: nothing for no day."""
    return "" if value is None else escape(date_format(value, "SHORT_DATE_FORMAT"))
