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


# DRF's own limit messages ("{max_length}" elements of a list): the same schema reads the API's JSON and the page's
# form, so both say the limit grouped, each in its request's language.
TOO_MANY_INTAKES = list(range(1, 2002))


@pytest.mark.django_db
def test_a_list_limit_of_drf_is_grouped_in_the_api(api, coop_owner):
    client = api(coop_owner)
    body = {"intakes": TOO_MANY_INTAKES, "product": 1}
    vietnamese = client.post("/api/v1/supply/lots/from-intakes/", body, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert vietnamese.status_code == 400
    assert vietnamese.json()["error"]["fields"]["intakes"] == ["Trường này có tối đa 2.000 phần tử."]
    english = client.post("/api/v1/supply/lots/from-intakes/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["fields"]["intakes"] == ["Ensure this field has no more than 2,000 elements."]


def test_a_list_limit_of_drf_is_grouped_on_the_page(vietnamese):
    from django.http import QueryDict

    from catalog.supply.inputs import LotFromIntakesInput
    from frontend.schema_forms import SchemaForm

    posted = QueryDict(mutable=True)
    posted.setlist("intakes", [str(n) for n in TOO_MANY_INTAKES])
    form = SchemaForm(posted, schema=LotFromIntakesInput)
    assert not form.is_valid()
    assert form.non_field_errors() == ["Trường này có tối đa 2.000 phần tử."]  # the page lays the ticks out itself
