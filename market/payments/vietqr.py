"""VietQR (NAPAS, EMVCo merchant-presented format) payloads for bank transfers, and their QR images.

Layout, as NAPAS publishes it: `00` payload format `01`; `01` point of initiation `11` static or `12`
dynamic (with an amount); `38` merchant account {`00` GUID `A000000727`, `01` {`00` bank BIN, `01` account},
`02` service `QRIBFTTA` (transfer to an account)}; `53` currency `704`; `54` amount; `58` country `VN`;
`62` additional data {`08` purpose = the transfer note}; `63` CRC-16/CCITT-FALSE (poly 0x1021, init
0xFFFF) over everything up to and including `6304`, as four upper-case hex digits.
"""

from __future__ import annotations

import io
import re

import segno

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
MAX_NOTE = 25


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"VietQR field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    head = body + "6304"
    return head + f"{crc16_ccitt_false(head.encode('utf-8')):04X}"


def build_payload(*, bank_bin: str, account_number: str, amount: int | None = None, note: str = "") -> str:
    """The string a banking app reads from the QR code."""
    if not re.fullmatch(r"\d{6}", bank_bin):
        raise ValueError("The bank BIN has 6 digits")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account_number):
        raise ValueError("The account number has 1 to 19 letters or digits")
    if note and not re.fullmatch(rf"[ -~]{{1,{MAX_NOTE}}}", note):
        raise ValueError("The transfer note is plain ASCII, at most 25 characters")
    beneficiary = tlv("00", bank_bin) + tlv("01", account_number)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = tlv("00", "01") + tlv("01", "12" if amount else "11") + tlv("38", merchant) + tlv("53", CURRENCY_VND)
    if amount:
        if amount <= 0:
            raise ValueError("The amount is a positive number of đồng")
        body += tlv("54", str(int(amount)))
    body += tlv("58", "VN")
    if note:
        body += tlv("62", tlv("08", note))
    return with_crc(body)


def parse_tlv(data: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    index = 0
    while index < len(data):
        tag, length = data[index : index + 2], int(data[index + 2 : index + 4])
        fields[tag] = data[index + 4 : index + 4 + length]
        index += 4 + length
    return fields


def parse_payload(payload: str) -> dict[str, str]:
    """Check the CRC and read back bank BIN, account, amount and note."""
    if len(payload) < 8 or payload[-8:-4] != "6304" or with_crc(payload[:-8]) != payload:
        raise ValueError("Not a VietQR payload, or its CRC is wrong")
    fields = parse_tlv(payload[:-8])
    merchant = parse_tlv(fields.get("38", ""))
    beneficiary = parse_tlv(merchant.get("01", ""))
    extra = parse_tlv(fields.get("62", ""))
    return {
        "bank_bin": beneficiary.get("00", ""),
        "account_number": beneficiary.get("01", ""),
        "service": merchant.get("02", ""),
        "amount": fields.get("54", ""),
        "currency": fields.get("53", ""),
        "note": extra.get("08", ""),
        "crc": payload[-4:],
    }


def qr_svg(payload: str, *, title: str = "") -> str:
    """An inline SVG of the QR code (white background, so a rasterised copy still decodes)."""
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(
        buffer, kind="svg", scale=6, border=4, dark="#000", light="white", xmldecl=False, svgns=True, title=title
    )
    return buffer.getvalue().decode("utf-8")


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
