"""The CSV delimiter of an export: ";" or "," as asked (the page's form and the API's `delimiter`), by default
";" with Vietnamese headings (Excel on Windows set to vi-VN lists with ";" and opens a comma file as one
column) and "," with English ones. Decimals go with the delimiter (a decimal comma only in a ";" file), dates
and times are ISO whatever the choice, the file starts with a UTF-8 BOM, and formulas stay inert."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from linkage.models import LinkageContract
from market.core.once import new_key
from market.exports.models import ExportJob
from market.organisations.models import Organisation, OrganisationKind, Role
from market.organisations.permissions import Actor
from orders.models import Order
from tests.catalog.factories import actor_for
from tests.exports.conftest import FORMULA
from tests.exports.test_csv_decimals import KINDS_WITH_DECIMALS
from tests.exports.test_exports import body, finished
from tests.factories import OrganisationFactory
from tests.linkage import factories
from tests.module_data import rows_of_the_module
from tests.orders.factories import place, stocked_product

pytestmark = pytest.mark.django_db
BOM = b"\xef\xbb\xbf"
CHARACTER = {"semicolon": ";", "comma": ","}


@pytest.fixture(scope="module")
def _made(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rows]:
    """The buyer's checkout of tests/exports/conftest.py's `placed` and the delivered contract of
    tests/exports/test_csv_decimals.py's `delivered` (their ids), made once for the module: the tests only export
    them (each as its own buyer), and the jobs a test asks for roll back. Their files in a folder of the module's."""
    with rows_of_the_module(django_db_blocker, media=tmp_path_factory.mktemp("media")):
        OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
        cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
        other_cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")
        buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Mua hàng")
        rice = stocked_product(cooperative)
        sauce = stocked_product(
            other_cooperative, name="Nước mắm Phú Quốc 40°N", unit="chai", moq="12", order_multiple="12",
            tiers=[("12", 95000)], vat_category="vat-10", category="nuoc-mam", quantity="600", code="NM-01",
        )  # fmt: skip
        place(actor_for(buyer, Role.OWNER), [(rice, "1000"), (sauce, "24")], po_number=FORMULA)
        area = factories.area(cooperative)
        draft = factories.draft(factories.processor(), cooperative, factories.paddy(cooperative), area_ids=(area.pk,))
        contract = factories.sign_both(draft)
        call = factories.dispatch(factories.call_off(contract, "1250.5"))
        factories.weigh(call, "1250.5", moisture="14.5", impurities="1", unfilled="2")
        yield Rows(buyer=buyer.pk, contract=contract.pk)


@dataclass(frozen=True)
class Rows:
    buyer: int
    contract: int


@pytest.fixture
def buying(_made: Rows) -> Actor:
    """The owner of the buyer that placed the checkout."""
    return actor_for(Organisation.objects.get(pk=_made.buyer), Role.OWNER)


@pytest.fixture
def placed(_made: Rows) -> list[Order]:
    """One checkout of the buyer: rice from one cooperative, fish sauce from another; a PO number that is a
    formula."""
    return list(Order.objects.filter(buyer_id=_made.buyer).order_by("pk"))


@pytest.fixture
def delivered(_made: Rows) -> LinkageContract:
    """A contract on 7,5 ha with a call-off of 1250,5 kg, delivered: fractional quantities in every kind."""
    return LinkageContract.objects.select_related("buyer").get(pk=_made.contract)


def _ask(client: Client, *, query: str = "?stream=1", **fields: str):
    today = timezone.localdate().isoformat()
    asked = {"kind": "orders", "date_from": today, "date_to": today, "file_format": "csv", **fields}
    return client.post(f"/api/v1/exports/{query}", asked, content_type="application/json")


def _rows(data: bytes, delimiter: str) -> list[list[str]]:
    assert data.startswith(BOM)  # Excel reads the file as UTF-8 only with it: diacritics survive
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


@pytest.fixture
def buyer_client(buying) -> Client:
    client = Client()
    client.force_login(buying.user)
    return client


@pytest.mark.parametrize(("language", "delimiter"), [("vi", ";"), ("en", ",")])
def test_the_page_defaults_to_the_delimiter_excel_needs_for_the_headings_language(
    buyer_client, placed, language, delimiter
):
    day = timezone.localdate().strftime("%d/%m/%Y")
    asked = {"kind": "orders", "date_from": day, "date_to": day, "file_format": "csv", "language": language}
    response = buyer_client.post("/exports/", {**asked, "once_key": new_key()})

    assert response.status_code == 200
    data = body(response)
    rows = _rows(data, delimiter)
    assert rows[0][0] == ("Số đơn hàng" if language == "vi" else "Order number")
    assert len(rows) == 3
    assert {len(row) for row in rows} == {len(rows[0])}
    assert data.decode("utf-8-sig").splitlines()[0].count(delimiter) == len(rows[0]) - 1


@pytest.mark.parametrize("chosen", ["comma", "semicolon"])
def test_the_page_writes_the_delimiter_chosen_whatever_the_language(buyer_client, placed, chosen):
    day = timezone.localdate().strftime("%d/%m/%Y")
    asked = {"kind": "orders", "date_from": day, "date_to": day, "file_format": "csv", "language": "vi"}
    sent = buyer_client.post("/exports/", {**asked, "delimiter": chosen, "once_key": new_key()})
    rows = _rows(body(sent), CHARACTER[chosen])
    assert rows[0][0] == "Số đơn hàng"
    assert len(rows) == 3
    assert {len(row) for row in rows} == {len(rows[0])}


def _is_iso_time(text: str) -> bool:
    try:
        (datetime if " " in text else date).fromisoformat(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("chosen", ["comma", "semicolon"])
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("kind", KINDS_WITH_DECIMALS)
def test_decimals_and_dates_go_with_the_delimiter(delivered, kind, language, chosen):
    """Read with csv.reader and the chosen delimiter, every row has the header's columns; each decimal with a
    fraction uses the mark that goes with the delimiter and equals the XLSX's number; dates are ISO."""
    client = Client()
    client.force_login(actor_for(delivered.buyer, Role.OWNER).user)
    delimiter = CHARACTER[chosen]
    mark, other = (",", ".") if delimiter == ";" else (".", ",")
    asked = {"kind": kind, "language": language, "delimiter": chosen}
    rows = _rows(body(_ask(client, **asked)), delimiter)
    book = openpyxl.load_workbook(io.BytesIO(body(_ask(client, **{**asked, "file_format": "xlsx"}))), read_only=True)
    cells = list(book.worksheets[0].iter_rows(values_only=True))

    assert len(rows) == len(cells) > 1
    assert {len(row) for row in rows} == {len(rows[0])}
    fractional = dated = 0
    for written, numeric in zip(rows[1:], cells[1:], strict=True):
        for text, cell in zip(written, numeric, strict=True):
            if isinstance(cell, float) and not cell.is_integer():
                fractional += 1
                assert other not in text, (chosen, text)
                assert Decimal(text.replace(mark, ".")) == Decimal(str(cell)), (chosen, text)
            elif isinstance(cell, datetime | date):
                dated += 1
                assert _is_iso_time(text), (chosen, text)
    assert fractional, f"{kind} exported no fraction: the test would check nothing"
    assert dated, f"{kind} exported no date: the test would check nothing"


@pytest.mark.parametrize("chosen", ["comma", "semicolon"])
def test_a_formula_stays_inert_and_a_cell_with_the_delimiter_is_quoted(buyer_client, placed, chosen):
    rows = _rows(body(_ask(buyer_client, language="en", delimiter=chosen)), CHARACTER[chosen])
    po = rows[0].index("PO number")
    # The formula holds a comma: whichever the delimiter, it comes back whole, inert.
    assert {row[po] for row in rows[1:]} == {"'" + FORMULA}


def test_a_job_keeps_the_delimiter_asked_for(api, buying, placed):
    client = api(buying.user)
    answer = _ask(client, query="", language="vi", delimiter="comma")
    assert answer.status_code == 202
    assert answer.json()["delimiter"] == "comma"
    default = _ask(client, query="", language="vi")
    assert default.json()["delimiter"] == "semicolon"
    assert _ask(client, query="", file_format="xlsx").json()["delimiter"] == ""

    for job, delimiter in ((answer, ","), (default, ";")):
        status = finished(client, job.json()["id"])
        rows = _rows(body(client.get(status["download_url"])), delimiter)
        assert rows[0][0] == "Số đơn hàng"
        assert len(rows) == 3
        assert {len(row) for row in rows} == {len(rows[0])}
    assert set(ExportJob.objects.values_list("delimiter", flat=True)) == {"comma", "semicolon", ""}


def test_an_unknown_delimiter_is_refused_naming_the_field(api, buying, placed):
    answer = _ask(api(buying.user), delimiter="tab")
    assert answer.status_code == 400
    assert "delimiter" in answer.json()["error"]["fields"]
    assert not ExportJob.objects.exists()
