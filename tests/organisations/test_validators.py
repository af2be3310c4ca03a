import pytest
from django.core.exceptions import ValidationError

from market.organisations.validators import normalise_phone, normalise_tax_code, validate_commune


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0100109106", "0100109106"),
        ("0100109106-001", "0100109106-001"),
        ("0100109106001", "0100109106-001"),
        (" 0100 109 106 ", "0100109106"),
    ],
)
def test_valid_tax_codes_are_normalised(raw, stored):
    assert normalise_tax_code(raw) == stored


def test_bad_check_digit_says_so():
    with pytest.raises(ValidationError) as exc:
        normalise_tax_code("0100109107")
    assert exc.value.code == "checksum"


@pytest.mark.parametrize("raw", ["123", "01001091060011", "01001O9106", "0100109106-000"])
def test_malformed_tax_codes(raw):
    with pytest.raises(ValidationError):
        normalise_tax_code(raw)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("0912345678", "+84912345678"), ("091 234 5678", "+84912345678"), ("+84 912 345 678", "+84912345678")],
)
def test_phones_are_stored_e164(raw, e164):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "abc", "0912"])
def test_bad_phones(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw)


def test_commune_must_lie_in_province():
    validate_commune(91, 31078)  # Đặc khu Phú Quốc is in An Giang since 2025
    with pytest.raises(ValidationError):
        validate_commune(79, 31078)
    with pytest.raises(ValidationError):
        validate_commune(91, 99999999)
