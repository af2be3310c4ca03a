"""Normalising validators for Vietnamese identifiers. Each returns the stored form or raises ValidationError."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from market.organisations import banks, geo


def normalise_tax_code(value: str) -> str:
    """MST: 10 digits, or 13 as NNNNNNNNNN-NNN for a branch; the 10th digit is a check digit."""
    try:
        return mst.format(mst.validate(value))
    except InvalidChecksum:
        raise ValidationError(
            _("This tax code's check digit is wrong; please check the number."), code="checksum"
        ) from None
    except StdnumError:
        raise ValidationError(
            _("A tax code has 10 digits, or 13 for a branch (e.g. 0312345678-001)."), code="format"
        ) from None


def normalise_phone(value: str) -> str:
    """Any Vietnamese way of writing a number -> E.164 (+84…)."""
    try:
        number = phonenumbers.parse(value, "VN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a phone number, e.g. 0912 345 678."), code="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This phone number is not valid."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_bank_bin(value: str) -> None:
    if banks.bank_by_bin(value) is None:
        raise ValidationError(_("Unknown bank: choose one from the list."), code="bank")


def validate_bank_account_number(value: str) -> None:
    if not re.fullmatch(r"[0-9]{6,19}", value):
        raise ValidationError(_("An account number has 6 to 19 digits, without spaces."), code="account")


def validate_province_code(value: int) -> None:
    if geo.province(value) is None:
        raise ValidationError(_("Unknown province."), code="province")


def validate_commune(province_code: int | None, commune_code: int | None) -> None:
    if commune_code is None:
        return
    if geo.commune(commune_code) is None:
        raise ValidationError({"commune_code": _("Unknown commune.")}, code="commune")
    if geo.commune_province_code(commune_code) != province_code:
        raise ValidationError({"commune_code": _("This commune is not in the chosen province.")}, code="commune")
