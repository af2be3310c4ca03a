"""Every number and date field of the catalogue's schemas: a value written the way the page shows it (in vi and
in en) reads back as the same value, and the API's canonical JSON form does too."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from catalog import inputs
from frontend.catalog_forms import LabelQuery
from frontend.schema_forms import display_value
from market.core import inputs as core
from market.core.parsing import format_date

SCHEMAS = [
    inputs.ProductInput,
    inputs.TierInput,
    inputs.LotInput,
    inputs.EventInput,
    inputs.StockInput,
    inputs.CertificateInput,
    inputs.ProductQueryInput,
    inputs.QuantityQuery,
    LabelQuery,
]
NUMBERS = (core.DecimalInput, core.MoneyInput, core.IntegerInput)


def number_fields() -> list[tuple[str, serializers.Field]]:
    found = []
    for schema in SCHEMAS:
        for name, field in schema(context={"unit": "kg"}).fields.items():
            if isinstance(field, NUMBERS):
                found.append((f"{schema.__name__}.{name}", field))
    return found


def date_fields() -> list[tuple[str, serializers.Field]]:
    return [
        (f"{schema.__name__}.{name}", field)
        for schema in SCHEMAS
        for name, field in schema().fields.items()
        if isinstance(field, core.DateInput)
    ]


def bounded(field: serializers.Field) -> st.SearchStrategy[Decimal]:
    low = field.lower if field.lower is not None else Decimal(-(10**9))
    high = min(field.upper, Decimal(10**12))
    places = field.places if isinstance(field, core.DecimalInput) else 0
    return st.decimals(min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False)


def read(field: serializers.Field, text: object, mode: core.InputMode) -> object:
    field.context["input_mode"] = mode  # the root's context: the schema's fields share it
    return field.to_internal_value(text)


def test_the_schemas_have_number_and_date_fields():
    assert len(number_fields()) >= 10
    assert len(date_fields()) >= 4


@pytest.mark.parametrize(("name", "field"), number_fields(), ids=[n for n, _f in number_fields()])
@pytest.mark.parametrize("language", ["vi", "en"])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_number_shown_on_a_page_reads_back_as_itself(name, field, language, data):
    value = data.draw(bounded(field))
    if isinstance(field, core.MoneyInput | core.IntegerInput):
        value = int(value)
    with translation.override(language):
        shown = display_value(field, value)
        assert Decimal(read(field, shown, core.InputMode.FORM)) == Decimal(value), (name, shown)
    canonical = str(value) if isinstance(value, Decimal) else value
    assert Decimal(read(field, canonical, core.InputMode.JSON)) == Decimal(value)


@pytest.mark.parametrize(("name", "field"), date_fields(), ids=[n for n, _f in date_fields()])
@pytest.mark.parametrize("language", ["vi", "en"])
@settings(max_examples=30, deadline=None)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_a_date_shown_or_typed_reads_back_as_itself(name, field, language, day):
    with translation.override(language):
        assert read(field, format_date(day), core.InputMode.FORM) == day  # typed dd/mm/yyyy
        assert read(field, day.isoformat(), core.InputMode.FORM) == day  # what a date picker sends
    assert read(field, day.isoformat(), core.InputMode.JSON) == day
