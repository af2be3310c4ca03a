"""GTIN check digits, GS1 Digital Link for lots, and QR codes that really decode (zxing-cpp)."""

import io
from datetime import date

import pytest
import zxingcpp
from biip.gtin import Gtin
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from catalog import gs1, selectors
from catalog.qr import qr_png
from tests.catalog.factories import make_lot, make_product


def decode(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the image"
    return results[0].text


@pytest.mark.parametrize(
    ("payload", "digit"), [("893504950001", 8), ("400638133393", 1), ("0001234560001", 2), ("9310779300005"[:-1], 5)]
)
def test_check_digit(payload, digit):
    assert gs1.check_digit(payload) == digit


def test_normalise_gtin_accepts_the_printed_forms_and_refuses_a_wrong_digit():
    assert gs1.normalise_gtin("893 5049 500018") == "08935049500018"
    assert gs1.normalise_gtin("08935049500018") == "08935049500018"
    assert gs1.normalise_gtin("96385074") == "00000096385074"  # GTIN-8
    with pytest.raises(ValidationError) as wrong:
        gs1.normalise_gtin("8935049500019")
    assert wrong.value.code == "gtin_checksum"
    with pytest.raises(ValidationError) as short:
        gs1.normalise_gtin("12345")
    assert short.value.code == "gtin_format"


def test_vietnamese_prefix_is_recognised_not_invented():
    assert gs1.is_vietnamese_gtin("08935049500018")
    assert gs1.gtin_prefix_usage("08935049500018") == "GS1 Vietnam"
    assert not gs1.is_vietnamese_gtin("04006381333931")


gtin_payloads = st.text(alphabet="0123456789", min_size=12, max_size=12)
lot_codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", fullmatch=True)


@given(
    gtin_payloads, lot_codes, st.one_of(st.none(), st.dates(min_value=date(2001, 1, 1), max_value=date(2049, 12, 31)))
)
def test_digital_link_round_trip(payload, lot, expiry):
    gtin14 = "0" + payload + str(gs1.check_digit(payload))
    uri = gs1.digital_link("https://market.example.vn", gtin14, lot, expiry)
    assert uri.startswith(f"https://market.example.vn/01/{gtin14}/10/")
    parts = gs1.parse_digital_link(uri)
    assert (parts.gtin14, parts.lot_code, parts.expiry) == (gtin14, lot, expiry)
    assert Gtin.parse(parts.gtin14).as_gtin_14() == gtin14


def test_lot_codes_are_checked():
    gs1.validate_lot_code("ST25-2026.03_A")
    for bad in ("", "-A", "A/B", "Lô 1", "X" * 21):
        with pytest.raises(ValidationError):
            gs1.validate_lot_code(bad)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/:.", min_size=1, max_size=80))
def test_qr_png_decodes_back(text):
    assert decode(qr_png(text)) == text


@pytest.mark.django_db
def test_a_lot_qr_opens_its_trace_page_by_digital_link(cooperative, settings):
    settings.SITE_URL = "http://testserver"
    product = make_product(cooperative, gtin="8935049500018")
    lot = make_lot(product, code="ST25-2026-03", expiry_date=date(2027, 10, 30))
    response = Client().get(f"/trace/{lot.public_id}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    url = decode(response.content)
    assert url == "http://testserver/01/08935049500018/10/ST25-2026-03?17=271030"
    page = Client().get(url.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "ST25-2026-03" in page.content.decode()
    assert selectors.lot_by_digital_link(gtin14="8935049500018", lot_code="st25-2026-03") == lot


@pytest.mark.django_db
def test_without_a_gtin_the_qr_holds_the_internal_path(cooperative, settings):
    settings.SITE_URL = "http://testserver"
    lot = make_lot(make_product(cooperative))
    url = decode(Client().get(f"/trace/{lot.public_id}/qr.png").content)
    assert url == f"http://testserver/trace/{lot.public_id}/"
    assert Client().get(f"/trace/{lot.public_id}/").status_code == 200


@pytest.mark.django_db
def test_unknown_or_draft_lots_have_no_trace_page(cooperative):
    product = make_product(cooperative, gtin="8935049500018")
    draft = make_lot(product, code="DRAFT-1", publish=False)
    client = Client()
    assert client.get(f"/trace/{draft.public_id}/").status_code == 404
    assert client.get(f"/trace/{draft.public_id}/qr.png").status_code == 404
    assert client.get("/01/08935049500018/10/DRAFT-1").status_code == 404
    assert client.get("/01/08935049500019/10/DRAFT-1").status_code == 404  # wrong check digit
    assert client.get("/api/v1/trace/nothing-here/").status_code == 404
