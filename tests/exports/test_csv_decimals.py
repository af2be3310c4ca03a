"""Decimals in CSV files are written as the file's language writes them — "1250,5" with Vietnamese headings
(a Vietnamese spreadsheet reads "1250.5" as 12505 or a date), "1250.5" with English ones — and stay numeric
cells in XLSX either way (market.exports.writers.csv_decimal decides, for every CSV file)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from operator import itemgetter

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from market.core.parsing import format_input_decimal
from market.exports.registry import Column
from market.exports.writers import FixedTable, csv_decimal, csv_text
from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.linkage import factories

pytestmark = pytest.mark.django_db
# Every registered export kind whose rows hold decimals that are not whole numbers (quantities, hectares).
KINDS_WITH_DECIMALS = ("order_lines", "contracts", "deliveries")


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (Decimal("1.5"), "1,5", "1.5"),
        (Decimal("1250.500"), "1250,5", "1250.5"),  # no thousands separator, no trailing zeros
        (Decimal("1234567.25"), "1234567,25", "1234567.25"),
        (Decimal("1.125"), "1,1250", "1.1250"),  # never read back as one thousand one hundred and twenty-five
        (Decimal("-0.75"), "-0,75", "-0.75"),
        (Decimal("300000.000"), "300000", "300000"),
        (Decimal("1E+2"), "100", "100"),
    ],
)
def test_csv_decimal_writes_the_files_language(value, vi, en):
    assert (csv_decimal(value, "vi"), csv_decimal(value, "en")) == (vi, en)


def test_a_file_for_programs_keeps_the_decimal_point_in_vietnamese():
    columns = [Column("quantity", itemgetter(0))]
    people = FixedTable(label="x", columns=columns)
    programs = FixedTable(label="x", columns=columns, for_programs=True)
    assert csv_text(people, [(Decimal("1.5"),)], "vi").splitlines()[1] == '"1,5"'  # quoted: the comma delimits
    assert csv_text(programs, [(Decimal("1.5"),)], "vi").splitlines()[1] == "1.5"


@pytest.fixture
def delivered(cooperative, alliance):
    """A contract on 7,5 ha with a call-off of 1250,5 kg, delivered: fractional quantities in every kind."""
    area = factories.area(cooperative)
    product = factories.paddy(cooperative)
    draft = factories.draft(factories.processor(), cooperative, product, area_ids=(area.pk,))
    contract = factories.sign_both(draft)
    call = factories.dispatch(factories.call_off(contract, "1250.5"))
    factories.weigh(call, "1250.5", moisture="14.5", impurities="1", unfilled="2")
    return contract


def _export(client: Client, kind: str, file_format: str, language: str) -> bytes:
    today = timezone.localdate().isoformat()
    asked = {"kind": kind, "date_from": today, "date_to": today, "file_format": file_format, "language": language}
    answer = client.post("/api/v1/exports/?stream=1", asked, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return b"".join(answer.streaming_content)


@pytest.mark.parametrize("kind", KINDS_WITH_DECIMALS)
def test_every_export_with_decimals_writes_them_in_its_language_and_keeps_xlsx_numeric(delivered, kind):
    client = Client()
    client.force_login(actor_for(delivered.buyer, Role.OWNER).user)
    for language, mark, other in (("vi", ",", "."), ("en", ".", ",")):
        text = _export(client, kind, "csv", language).decode("utf-8-sig")
        # By default a Vietnamese file is delimited by ";" and an English one by "," (test_csv_delimiter.py).
        lines = list(csv.reader(io.StringIO(text), delimiter=";" if language == "vi" else ","))
        book = openpyxl.load_workbook(io.BytesIO(_export(client, kind, "xlsx", language)), read_only=True)
        cells = list(book.worksheets[0].iter_rows(values_only=True))
        assert len(lines) == len(cells) > 1
        fractional = 0
        for written, numeric in zip(lines[1:], cells[1:], strict=True):
            for text_cell, cell in zip(written, numeric, strict=True):
                if isinstance(cell, float) and not cell.is_integer():
                    fractional += 1
                    assert other not in text_cell, (language, text_cell)
                    assert Decimal(text_cell.replace(mark, ".")) == Decimal(str(cell)), (language, text_cell)
        assert fractional, f"{kind} exported no decimal with a fraction: the test would check nothing"


@given(
    value=st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**12), max_value=10**12)
    | st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**6), max_value=10**6),
    language=st.sampled_from(["vi", "en"]),
)
def test_csv_decimal_is_the_input_formatting_without_groups(value, language):
    """csv_decimal is written for speed (a million rows): it must stay the one rule of the app's own inputs and
    imports, format_input_decimal without grouping."""
    assert csv_decimal(value, language) == format_input_decimal(value, language=language, grouping=False)
