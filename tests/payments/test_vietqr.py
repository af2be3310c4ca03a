"""VietQR payloads: published samples reproduce their CRC; our QR image decodes back to the payload."""

import io

import pytest
import zxingcpp
from PIL import Image

from market.payments import references, vietqr

# Published samples (bank BIN, account, amount, note -> full payload with its CRC):
# - subiz/vietqr README (VietinBank 970415): "ủng hộ lũ lụt" written without diacritics, CRC C15C.
# - xuannghia/vietnam-qr-pay (ACB 970416), the dynamic example of its README, CRC 53E6.
# - KienlongBank's KPAY SDK README (970452), a virtual account, CRC 6352.
PUBLISHED = [
    (
        "970415", "0011001932418", 120000, "ung ho lu lut",
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
        "62170813ung ho lu lut6304C15C",
    ),
    (
        "970416", "257678859", 10000, "Chuyen tien",
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
        "62150811Chuyen tien630453E6",
    ),
    (
        "970452", "10372212086747084", 123, "TT Don hang 123456",
        "00020101021238610010A000000727013100069704520117103722120867470840208QRIBFTTA530370454031235802VN"
        "62220818TT Don hang 12345663046352",
    ),
]  # fmt: skip


def test_crc16_ccitt_false_check_value():
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogued check value


@pytest.mark.parametrize(("bank_bin", "account", "amount", "note", "published"), PUBLISHED)
def test_published_sample_reproduces_its_crc(bank_bin, account, amount, note, published):
    assert vietqr.with_crc(published[:-8]) == published
    assert vietqr.build_payload(bank_bin=bank_bin, account_number=account, amount=amount, note=note) == published
    parsed = vietqr.parse_payload(published)
    assert parsed["bank_bin"] == bank_bin
    assert parsed["account_number"] == account
    assert parsed["amount"] == str(amount)
    assert parsed["note"] == note
    assert parsed["service"] == "QRIBFTTA"


def test_a_changed_payload_fails_the_crc():
    payload = PUBLISHED[0][4].replace("120000", "920000")
    with pytest.raises(ValueError, match="CRC"):
        vietqr.parse_payload(payload)


def test_static_payload_without_amount():
    payload = vietqr.build_payload(bank_bin="970416", account_number="257678859")
    assert payload == "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F"


def test_rejects_what_a_bank_app_would_not_read():
    with pytest.raises(ValueError, match="BIN"):
        vietqr.build_payload(bank_bin="97041", account_number="1")
    with pytest.raises(ValueError, match="ASCII"):
        vietqr.build_payload(bank_bin="970415", account_number="1", note="ủng hộ")  # diacritics
    with pytest.raises(ValueError, match="25"):
        vietqr.build_payload(bank_bin="970415", account_number="1", note="X" * 26)


def test_our_qr_png_decodes_back_to_the_payload():
    reference = references.new_reference()
    payload = vietqr.build_payload(bank_bin="970405", account_number="7700201012345", amount=1_500_000, note=reference)
    image = Image.open(io.BytesIO(vietqr.qr_png(payload)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [payload]
    assert vietqr.parse_payload(results[0].text)["note"] == reference


def test_our_qr_svg_has_a_white_background():
    svg = vietqr.qr_svg("00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F")
    assert svg.startswith("<svg")
    assert 'fill="#fff"' in svg
