"""Input schemas read JSON canonically and form posts the way people type, with one message per limit."""

from datetime import date
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone, translation
from rest_framework import serializers

from market.core import inputs
from market.core.errors import ValidationFailed
from market.core.inputs import InputMode, read_input
from market.core.quantity import Unit


class QuoteLike(serializers.Serializer):
    quantity = inputs.QuantityInput(label="Quantity")
    unit_price = inputs.MoneyInput(min_value=1, max_value=10_000_000_000)
    valid_until = inputs.DateInput(required=False)
    starts_at = inputs.DateTimeInput(required=False)
    rate = inputs.DecimalInput(places=2, max_value=100, required=False)
    tables = inputs.IntegerInput(min_value=1, max_value=200, required=False)
    unit = inputs.ChoiceInput(Unit, required=False)
    product = inputs.IdInput(required=False)
    note = inputs.TextInput(max_length=10, required=False)


def form(**values: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(values)
    return data


def test_a_form_post_is_read_the_way_a_vietnamese_person_types():
    with translation.override("vi"):
        fields = read_input(
            QuoteLike,
            form(quantity="1.000", unit_price="29.000 ₫", valid_until="09/03/2026", rate="12,5", tables="1.000"[:1]),
            mode=InputMode.FORM,
        )
    assert fields == {
        "quantity": Decimal(1000),
        "unit_price": 29000,
        "valid_until": date(2026, 3, 9),
        "rate": Decimal("12.5"),
        "tables": 1,
    }


def test_json_is_canonical():
    fields = read_input(
        QuoteLike,
        {"quantity": "1000.5", "unit_price": 29000, "valid_until": "2026-03-09", "unit": "tan", "product": "7"},
        mode=InputMode.JSON,
    )
    assert fields["quantity"] == Decimal("1000.5")
    assert fields["unit"] is Unit.TAN
    assert fields["product"] == 7
    with pytest.raises(ValidationFailed) as caught:
        read_input(QuoteLike, {"quantity": "1.000,5", "unit_price": "29.000"}, mode=InputMode.JSON)
    assert set(caught.value.fields) == {"quantity", "unit_price"}


def test_a_datetime_is_always_aware():
    with translation.override("vi"):
        fields = read_input(
            QuoteLike, form(quantity="1", unit_price="1", starts_at="09/03/2026 14:30"), mode=InputMode.FORM
        )
    assert timezone.is_aware(fields["starts_at"])
    naive = read_input(QuoteLike, {"quantity": 1, "unit_price": 1, "starts_at": "2026-03-09T14:30"}, mode="json")
    assert timezone.is_aware(naive["starts_at"])


def test_the_quantity_reads_the_unit_of_its_context():
    with translation.override("vi"):
        fields = read_input(
            QuoteLike, form(quantity="2 tấn", unit_price="29.000"), mode=InputMode.FORM, context={"unit": "kg"}
        )
    assert fields["quantity"] == 2000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unit_price", "0", "Nhập ít nhất 1\u00a0₫."),
        ("unit_price", "99.999.999.999", "Nhập nhiều nhất 10.000.000.000\u00a0₫."),
        ("rate", "100,5", "Nhập nhiều nhất 100."),
        ("tables", "-3", "Nhập một số từ 0 trở lên."),
        ("tables", "99.999", "Nhập nhiều nhất 200."),
        ("note", "x" * 11, "Viết tối đa 10 ký tự."),
        ("product", "99999999999999999999", "Hãy chọn một mục trong danh sách."),
        ("valid_until", "31/02/2026", "“31/02/2026” không có trên lịch."),
        ("quantity", "1,500", "“1,500” có thể hiểu hai cách"),
        ("quantity", "0", "Hãy nhập số lượng lớn hơn 0."),  # not "at least 0,001", a quantity nobody orders
    ],
)
def test_each_limit_has_one_message_in_the_persons_language(field, value, message):
    data = {"quantity": "1", "unit_price": "1", field: value}
    with translation.override("vi"), pytest.raises(ValidationFailed) as caught:
        read_input(QuoteLike, form(**data), mode=InputMode.FORM)
    assert list(caught.value.fields) == [field]
    [text] = caught.value.fields[field]
    assert text.startswith(message)


def test_nothing_is_truncated():
    with pytest.raises(ValidationFailed):
        read_input(QuoteLike, {"quantity": 1, "unit_price": 1, "note": "a" * 11}, mode=InputMode.JSON)


def test_an_overlong_id_in_json_is_a_field_error():
    with pytest.raises(ValidationFailed) as caught:
        read_input(QuoteLike, {"quantity": 1, "unit_price": 1, "product": 10**20}, mode=InputMode.JSON)
    assert "product" in caught.value.fields


def test_query_parameters_blank_means_not_given_and_bad_values_are_named():
    class ListQuery(serializers.Serializer):
        unit = inputs.ChoiceInput(Unit, required=False)
        before = inputs.IdInput(required=False)
        since = inputs.DateInput(required=False)

    params = QueryDict("unit=&before=42&since=09/03/2026&page=2")
    assert inputs.read_query(ListQuery, params) == {"before": 42, "since": date(2026, 3, 9)}
    with pytest.raises(ValidationFailed) as caught:
        inputs.read_query(ListQuery, QueryDict("unit=gallon&before=99999999999999999999"))
    assert set(caught.value.fields) == {"unit", "before"}
