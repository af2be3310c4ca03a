"""GET /products/'s query parameters read without building the schema's serializer, when they are written
plainly: `read_product_query(params)` is `inputs.read_query(inputs.ProductQueryInput, params)`.

Why: DRF deep-copies every declared field of a serializer each time one is made, and the catalogue's schema
has thirteen; reading `?search=gao&province=91&certificate=vietgap` that way cost ~0.5 ms of CPU, a quarter of
what the whole list may cost. Most requests write their parameters plainly (digits, a choice's value, text),
and those have one reading that needs no parser: the readers below take exactly those, with the limits of the
schema's own fields (read once per process). Anything else — a blank written as spaces, "1.000", "25k", a
category's name, an unknown parameter, a value out of bounds, a repeated parameter — goes to the schema,
which reads it as a person typed it or words the 400. So a value and a message still exist once, in the
schema; `tests/catalog/test_query_parameters.py` checks that both readings agree on every kind of input."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from typing import Any

from django.http import QueryDict
from rest_framework import serializers

from catalog import inputs
from catalog.selectors.categories import category_by_key
from market.core.inputs import MAX_ID, ChoiceInput, IntegerInput, MoneyInput, TextInput
from market.core.text import nfc
from market.organisations import geo

# What a reader answers for a value it does not take plainly: the schema reads the whole query then.
REFUSED = object()
Reader = Callable[[Any, str], Any]  # (the schema's field of that name, the text given)


@functools.cache
def _fields() -> dict[str, serializers.Field]:
    """The schema's fields, made once: their limits and choices are what the plain readers check."""
    return dict(inputs.ProductQueryInput().fields)


def _text(field: TextInput, text: str) -> Any:
    """TextInput: trimmed, NFC, at most max_length, no NUL and no lone surrogate (CharField's validators)."""
    value = nfc(text.strip())
    if (field.max_length is not None and len(value) > field.max_length) or "\x00" in value:
        return REFUSED
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return REFUSED
    return value


def _digits(text: str) -> int | None:
    """A whole number written with ASCII digits only and no leading zero, else None."""
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0") or len(text) > 19:
        return None
    return int(text)


def _bounded(field: IntegerInput | MoneyInput, text: str) -> Any:
    """IntegerInput and MoneyInput: plain digits within the field's bounds."""
    number = _digits(text)
    lower, upper = field.lower, field.upper
    if number is None or (lower is not None and number < lower) or (upper is not None and number > upper):
        return REFUSED
    return number


def _identifier(field: serializers.Field, text: str) -> Any:
    number = _digits(text.strip())
    return REFUSED if number is None or not 1 <= number <= MAX_ID else number


def _choice(field: ChoiceInput, text: str) -> Any:
    """ChoiceInput: one of the enum's values, as the enum member."""
    enum: type[Enum] = field.enum
    return enum(text) if text in field.choice_strings_to_values else REFUSED


def _yes_no(field: serializers.BooleanField, text: str) -> Any:
    if text in field.TRUE_VALUES:
        return True
    if text in field.FALSE_VALUES:
        return False
    return REFUSED


def _province(field: serializers.Field, text: str) -> Any:
    code = text.strip()
    if not (code.isascii() and code.isdigit() and len(code) < 6) or geo.province(int(code)) is None:
        return REFUSED
    return int(code)


def _category(field: serializers.Field, text: str) -> Any:
    """An id or a slug (a name is looked up by the schema)."""
    node = category_by_key(text.strip())
    return REFUSED if node is None else node.id


READERS: dict[str, Reader] = {
    "search": _text,
    "cursor": _text,
    "page_size": _bounded,
    "category": _category,
    "province": _province,
    "certificate": _choice,
    "ocop_min": _bounded,
    "price_min": _bounded,
    "price_max": _bounded,
    "in_stock": _yes_no,
    "cooperative": _identifier,
    "sort": _choice,
    # moq_max is read by the schema (a quantity has several ways of being written).
}
# Blank (`?search=`): text fields hold "", the others are not given (DRF's reading of an HTML form).
BLANK_IS_TEXT = frozenset({"search", "cursor"})


def plain_values(params: QueryDict) -> dict[str, Any] | None:
    """The typed values when every parameter is written plainly, else None."""
    fields = _fields()
    values: dict[str, Any] = {"in_stock": fields["in_stock"].default}
    for name, given in params.lists():
        if name in inputs.FRAMEWORK_PARAMETERS:
            continue  # answered by the view (?updated_since=) or never reaching it (?format=)
        reader = READERS.get(name)
        if reader is None or len(given) != 1:
            return None
        text = given[0]
        if text == "":
            if name in BLANK_IS_TEXT:
                values[name] = ""
            continue
        value = reader(fields[name], text)
        if value is REFUSED:
            return None
        values[name] = value
    return values


def read_product_query(params: QueryDict) -> dict[str, Any]:
    """`inputs.read_query(inputs.ProductQueryInput, params)`: the same values, the same ValidationFailed."""
    values = plain_values(params)
    return inputs.read_query(inputs.ProductQueryInput, params) if values is None else values
