"""Numbers inside messages are written the way the reader writes them: "2.000" and "1,5" in Vietnamese, never
the bare "2000" or "1.5" of Python's str(). Each case below said the number bare before."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework import serializers

from catalog import pricing
from market.core.csv_input import csv_rows
from market.core.errors import ValidationFailed
from market.core.inputs import InputMode, TextInput, read_input
from market.payments.statements import MAX_LINES, parse_statement


class LongNote(serializers.Serializer):
    note = TextInput(max_length=2000, multiline=True)


@pytest.fixture
def vietnamese():
    with translation.override("vi"):
        yield


def test_a_text_limit_is_grouped(vietnamese):
    with pytest.raises(ValidationFailed) as caught:
        read_input(LongNote, {"note": "x" * 2001}, mode=InputMode.FORM)
    assert caught.value.fields["note"] == ["Viết tối đa 2.000 ký tự."]
    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        read_input(LongNote, {"note": "x" * 2001}, mode=InputMode.JSON)
    assert english.value.fields["note"] == ["Write at most 2,000 characters."]


def test_suggested_quantities_are_grouped(vietnamese):
    [message] = pricing.quantity_errors(
        quantity=Decimal(1020), moq=Decimal(100), order_multiple=Decimal("12.5"), unit="kg"
    )
    assert message == "Hãy đặt theo bội số của 12,5 kg, ví dụ 1.012,5 kg hoặc 1.025 kg."


def test_a_csv_value_too_long_names_the_limit_grouped(vietnamese):
    with pytest.raises(ValidationFailed) as caught:
        csv_rows("a,b\n" + "x" * 200_000 + ",1\n", delimiter=",")
    assert "dài hơn 131.072 ký tự" in caught.value.message


def test_a_statement_too_long_names_its_limit_grouped(vietnamese):
    lines = "".join(f"FT{n},01/12/2026 09:00,1000,ML TEST\n" for n in range(MAX_LINES + 1))
    parsed = parse_statement("transaction_id,booked_at,amount,description\n" + lines)
    assert parsed.error == "Chỉ đọc 50.000 dòng đầu; hãy tách sao kê thành nhiều tệp."


def test_a_bound_of_a_plain_drf_field_is_grouped_too(vietnamese):
    from fairs.inputs import CheckinSyncInput

    with pytest.raises(ValidationFailed) as caught:
        read_input(CheckinSyncInput, {"device": "may-1", "pending": 2_000_000}, mode=InputMode.JSON)
    assert caught.value.fields["pending"] == ["Nhập nhiều nhất 1.000.000."]
