"""GTINs and GS1 Digital Link URIs for lots (`/01/{gtin14}/10/{lot}`). biip does the GS1 rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gtin import Gtin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GS1 AI (10) allows 20 characters of a larger set; we keep the ones that need no escaping anywhere.
LOT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
VIETNAM_PREFIX = "893"


def check_digit(payload: str) -> int:
    """The GS1 check digit of the digits before it: weights 3,1,3,… from the right."""
    return int(gs1_standard_check_digit(payload))


def normalise_gtin(value: str) -> str:
    """GTIN-8/12/13/14 with a correct check digit -> its GTIN-14 form (the stored one)."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise ValidationError(_("A GTIN has 8, 12, 13 or 14 digits (the barcode number)."), code="gtin_format")
    try:
        gtin = Gtin.parse(digits)
    except ParseError:
        raise ValidationError(
            _("This GTIN's check digit is wrong; copy the number under the barcode again."), code="gtin_checksum"
        ) from None
    return gtin.as_gtin_14()


def gtin_prefix_usage(gtin14: str) -> str:
    """Who issued the prefix ('GS1 Vietnam' for 893), as GS1 publishes it; '' when unknown."""
    try:
        prefix = Gtin.parse(gtin14).prefix
    except ParseError:
        return ""
    return prefix.usage if prefix else ""


def is_vietnamese_gtin(gtin14: str) -> bool:
    return gtin14.lstrip("0").startswith(VIETNAM_PREFIX) if gtin14 else False


def validate_lot_code(code: str) -> None:
    if not LOT_CODE_PATTERN.match(code or ""):
        raise ValidationError(
            _("A lot code has 1 to 20 letters, digits, dots, dashes or underscores, e.g. ST25-2026-03."),
            code="lot_code",
        )


def digital_link_path(gtin14: str, lot_code: str) -> str:
    return f"/01/{gtin14}/10/{quote(lot_code, safe='')}"


def digital_link(base_url: str, gtin14: str, lot_code: str, expiry: date | None = None) -> str:
    """https://host/01/08935049500018/10/LOT1?17=261231 (the expiry qualifier is optional)."""
    url = base_url.rstrip("/") + digital_link_path(gtin14, lot_code)
    if expiry is not None:
        url += f"?17={expiry:%y%m%d}"
    return url


@dataclass(frozen=True)
class DigitalLinkParts:
    gtin14: str
    lot_code: str
    expiry: date | None


def parse_digital_link(uri: str) -> DigitalLinkParts:
    """The GTIN, lot and expiry of a Digital Link URI; ValueError when it is not one with a lot."""
    try:
        link = GS1DigitalLinkURI.parse(uri)
    except ParseError as error:
        raise ValueError(str(error)) from None
    values = {element.ai.ai: element for element in link.element_strings}
    if "01" not in values or "10" not in values:
        raise ValueError("A lot's Digital Link needs a GTIN (01) and a lot (10).")
    gtin = values["01"].gtin
    expiry = values["17"].date if "17" in values else None
    return DigitalLinkParts(
        gtin14=gtin.as_gtin_14() if gtin else values["01"].value, lot_code=values["10"].value, expiry=expiry
    )
