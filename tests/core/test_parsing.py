"""The one reader of what people type: numbers, money, quantities and dates in vi and en."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from market.core import parsing
from market.core.parsing import ParseError

VI, EN = "vi", "en"


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (VI, "1.000", Decimal(1000)),
        (VI, "0,5", Decimal("0.5")),
        (VI, "25000,5", Decimal("25000.5")),
        (VI, "1.234.567,891", Decimal("1234567.891")),
        (VI, "1 000", Decimal(1000)),
        (VI, "1\u00a0000,25", Decimal("1000.25")),
        (VI, "0,125", Decimal("0.125")),
        (VI, "1,5", Decimal("1.5")),
        # Only valid the English way: one reading, accepted.
        (VI, "1.5", Decimal("1.5")),
        (VI, "1,500,000", Decimal(1500000)),
        (VI, "１.０００", Decimal(1000)),  # full-width digits (NFKC)
        (EN, "1,000", Decimal(1000)),
        (EN, "0.5", Decimal("0.5")),
        (EN, "1,234,567.891", Decimal("1234567.891")),
        (EN, "1.500.000", Decimal(1500000)),
        (EN, "2,5", Decimal("2.5")),
    ],
)
def test_numbers_read_the_way_the_language_writes_them(language, text, expected):
    assert parsing.parse_decimal(text, language=language) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [(VI, "1,500"), (VI, "2,125"), (EN, "1.500"), (EN, "12.250")],
)
def test_a_decimal_that_looks_like_a_thousands_group_is_refused_with_both_writings(language, text):
    with pytest.raises(ParseError) as caught:
        parsing.parse_decimal(text, language=language)
    grouped = parsing.format_decimal(Decimal(text.replace(",", "").replace(".", "")), language=language)
    assert grouped in caught.value.message


@pytest.mark.parametrize(
    "text", ["", "abc", "1,", ",5", "1..000", "1.00.000", "1.000,5,5", "--1", "1e3", "NaN", "Infinity", "9" * 30]
)
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ParseError):
        parsing.parse_decimal(text, language=VI)


def test_places_and_sign_are_checked():
    with pytest.raises(ParseError, match="3"):
        parsing.parse_decimal("0,1234", language=VI)
    with pytest.raises(ParseError):
        parsing.parse_decimal("-2", language=VI)
    assert parsing.parse_decimal("-2", language=VI, allow_negative=True) == -2
    with pytest.raises(ParseError):
        parsing.parse_integer("2,5", language=VI)
    assert parsing.parse_integer("1.000", language=VI) == 1000


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (VI, "1.500.000", 1500000),
        (VI, "1.500.000 ₫", 1500000),
        (VI, "1.500.000đ", 1500000),
        (VI, "1500000 VND", 1500000),
        (VI, "25k", 25000),
        (VI, "1,5 triệu", 1500000),
        (VI, "2 tỷ", 2000000000),
        (VI, "1,500,000", 1500000),
        (EN, "1,500,000", 1500000),
        (EN, "1.5 triệu", 1500000),
    ],
)
def test_money_is_whole_dong(language, text, expected):
    assert parsing.parse_money(text, language=language) == expected


@pytest.mark.parametrize("text", ["1,5", "1.500,50", "₫", "1,500"])
def test_money_with_decimals_or_ambiguity_is_refused(text):
    with pytest.raises(ParseError):
        parsing.parse_money(text, language=VI)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1.000", "kg", Decimal(1000)),
        ("1,5 tấn", "kg", Decimal(1500)),
        ("2 tạ", "kg", Decimal(200)),
        ("250 kg", "tan", Decimal("0.25")),
        ("3", "thung", Decimal(3)),
    ],
)
def test_quantities_may_carry_a_mass_unit(text, unit, expected):
    assert parsing.parse_quantity(text, unit=unit, language=VI) == expected


def test_a_unit_that_does_not_convert_is_refused():
    with pytest.raises(ParseError, match="thùng"):
        parsing.parse_quantity("2 thùng", unit="kg", language=VI)
    with pytest.raises(ParseError):
        parsing.parse_quantity("2 bó", unit="kg", language=VI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09/03/2026", date(2026, 3, 9)),
        ("9/3/2026", date(2026, 3, 9)),
        ("09-03-2026", date(2026, 3, 9)),
        ("09.03.26", date(2026, 3, 9)),
        ("2026-03-09", date(2026, 3, 9)),
    ],
)
def test_dates_are_day_first_or_iso(text, expected):
    assert parsing.parse_date(text, language=VI) == expected
    assert parsing.parse_date(text, language=EN) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "03/2026", "2026/03/09x", "tomorrow", ""])
def test_impossible_dates_are_refused_with_the_format(text):
    with pytest.raises(ParseError):
        parsing.parse_date(text, language=VI)


def test_times_and_moments():
    assert parsing.parse_time("14h30") == time(14, 30)
    assert parsing.parse_time("8 giờ") == time(8, 0)
    assert parsing.parse_time("14:30") == time(14, 30)
    with pytest.raises(ParseError):
        parsing.parse_time("25:00")
    with timezone.override("Asia/Ho_Chi_Minh"):
        expected = timezone.make_aware(datetime(2026, 3, 9, 14, 30))
        for text in ("09/03/2026 14:30", "14:30 09/03/2026", "2026-03-09T14:30"):
            moment = parsing.parse_datetime(text, language=VI)
            assert moment == expected
            assert timezone.is_aware(moment)


def test_canonical_json_forms():
    assert parsing.parse_canonical_decimal("1000.5") == Decimal("1000.5")
    assert parsing.parse_canonical_decimal(12) == 12
    for bad in ("1.000,5", "1,000", True, None, [], "1e3", float("inf")):
        with pytest.raises(ParseError):
            parsing.parse_canonical_decimal(bad)


def test_machine_numbers_are_never_localised():
    with translation.override("vi"):
        assert parsing.machine_number(Decimal("3.000")) == "3"
        assert parsing.machine_number(Decimal("0.50")) == "0.5"
        assert parsing.machine_number(36.0, places=1) == "36"


quantities = st.decimals(min_value=0, max_value=Decimal("99999999999.999"), places=3, allow_nan=False)


@given(value=quantities, language=st.sampled_from([VI, EN]))
def test_a_quantity_shown_in_a_form_reads_back_as_itself(value, language):
    shown = parsing.format_input_decimal(value, language=language)
    assert parsing.parse_decimal(shown, language=language) == value


@given(amount=st.integers(min_value=0, max_value=999_999_999_999), language=st.sampled_from([VI, EN]))
def test_an_amount_shown_reads_back_as_itself(amount, language):
    assert parsing.parse_money(parsing.format_money(amount, language), language=language) == amount
    assert parsing.parse_money(parsing.format_decimal(amount, language=language), language=language) == amount


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_a_date_shown_reads_back_as_itself(day):
    assert parsing.parse_date(parsing.format_date(day)) == day
