"""Every numeric and date field of every input schema (the API's and the pages'): a value written the way
the page shows it, in vi and in en, reads back as the same value; and its canonical JSON form too."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from frontend.schema_forms import display_value
from market.core import inputs

# Every app's input module; a module that does not exist yet is simply not there.
INPUT_MODULES = [
    "market.organisations.inputs",
    "market.payments.inputs",
    "market.notifications.inputs",
    "catalog.inputs",
    "catalog.supply.inputs",
    "orders.inputs",
    "linkage.inputs",
    "fairs.inputs",
    "tests.core.test_inputs",  # the foundation's own example schema keeps this test honest
]
NUMERIC = (inputs.DecimalInput, inputs.MoneyInput, inputs.IntegerInput)
DATES = (inputs.DateInput, inputs.DateTimeInput)


def schemas() -> Iterator[type[serializers.Serializer]]:
    for name in INPUT_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, serializers.Serializer) and value.__module__ == module.__name__:
                yield value


def typed_fields(field: serializers.Field, path: str) -> Iterator[tuple[str, serializers.Field]]:
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        yield from typed_fields(field.child, f"{path}[]")
    elif isinstance(field, serializers.Serializer):
        for name, child in field.fields.items():
            yield from typed_fields(child, f"{path}.{name}")
    elif isinstance(field, NUMERIC + DATES):
        yield path, field


def all_fields() -> list[tuple[str, type[serializers.Serializer], str]]:
    found = []
    for schema in schemas():
        instance = schema(context={"input_mode": inputs.InputMode.FORM, "unit": "kg"})
        for name, field in instance.fields.items():
            for path, _field in typed_fields(field, name):
                found.append((f"{schema.__module__}.{schema.__name__}.{path}", schema, path))
    return found


FIELDS = all_fields()


def bound(schema: type[serializers.Serializer], path: str, mode: inputs.InputMode) -> serializers.Field:
    instance = schema(context={"input_mode": mode, "unit": "kg"})
    field: serializers.Field = instance
    for part in path.split("."):
        name = part.removesuffix("[]")
        field = field.fields[name]  # type: ignore[attr-defined]
        while part.endswith("[]"):
            field = field.child  # type: ignore[attr-defined]
            part = part[:-2]
    return field


def values_for(field: serializers.Field) -> st.SearchStrategy:
    if isinstance(field, inputs.DateTimeInput):
        return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
            lambda moment: timezone.make_aware(moment.replace(second=0, microsecond=0))
        )
    if isinstance(field, inputs.DateInput):
        return st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
    low = field.lower if field.lower is not None else Decimal(-(10**12))  # type: ignore[attr-defined]
    high = min(field.upper, Decimal(10**15))  # type: ignore[attr-defined]
    if isinstance(field, inputs.DecimalInput):
        return st.decimals(min_value=low, max_value=high, places=field.places, allow_nan=False, allow_infinity=False)
    return st.integers(min_value=int(low), max_value=int(high))


def canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@pytest.mark.skipif(not FIELDS, reason="no input schema defines a numeric or date field yet")
@pytest.mark.parametrize(("label", "schema", "path"), FIELDS, ids=[f[0] for f in FIELDS] or None)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), language=st.sampled_from(["vi", "en"]))
def test_a_value_shown_on_the_page_reads_back_as_itself(label, schema, path, data, language):
    with translation.override(language):
        form_field = bound(schema, path, inputs.InputMode.FORM)
        value = data.draw(values_for(form_field))
        shown = display_value(form_field, value)
        typed = shown.isoformat() if isinstance(shown, date) else str(shown)
        assert form_field.run_validation(typed) == value, (label, typed)
        json_field = bound(schema, path, inputs.InputMode.JSON)
        assert json_field.run_validation(canonical(value)) == value, label
