"""An uploaded CSV with a bare carriage return answered 500 (`_csv.Error: new-line character seen in unquoted
field`), and so did a PNG uploaded as CSV: both are a 400 (API) or a form error (pages) naming the problem."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from catalog.models import ImportBatch
from fairs.inputs import read_plan_csv
from market.core.errors import ValidationFailed
from market.organisations.models import Role
from market.payments.models import StatementImport
from tests.factories import member

pytestmark = pytest.mark.django_db

ACCOUNT = "7700201099999"
CATALOGUE_CSV = "sku,name_vi,category,unit,moq\r\nSP-1,Gạo\rthơm,gao-thom,kg,100\r\n"
STATEMENT_CSV = (
    "transaction_id,booked_at,amount,description,account_number,counterparty\n"
    f"FT1,2026-11-20 08:00:00,2250000,thanh\rtoan,{ACCOUNT},CONG TY A\n"
)


def png() -> bytes:
    """A real 1×1 PNG (its signature holds a CR LF, its chunks NUL bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def coop_client(cooperative):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member(cooperative, Role.OWNER))
    return client


@pytest.fixture
def staff_client(staff_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff_user)
    return client


CASES = [
    pytest.param(CATALOGUE_CSV.encode(), "(CR)", id="bare-cr"),
    pytest.param(png(), "PNG", id="png"),
]


@pytest.mark.parametrize(("content", "named"), CASES)
def test_the_catalogue_import_api_names_the_problem(coop_client, content, named):
    upload = SimpleUploadedFile("products.csv", content, content_type="text/csv")
    response = coop_client.post("/api/v1/catalogue-imports/", {"file": upload})
    assert response.status_code == 400, response.content
    assert named in " ".join(response.json()["error"]["fields"]["file"])
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(("content", "named"), CASES)
def test_the_catalogue_import_page_names_the_problem(coop_client, content, named):
    upload = SimpleUploadedFile("products.csv", content, content_type="text/csv")
    response = coop_client.post("/my/products/import/", {"file": upload})
    assert response.status_code == 400
    assert named in response.content.decode()


STATEMENT_CASES = [
    pytest.param(STATEMENT_CSV.encode(), "(CR)", id="bare-cr"),
    pytest.param(png(), "PNG", id="png"),
]


@pytest.mark.parametrize(("content", "named"), STATEMENT_CASES)
def test_the_statement_upload_api_names_the_problem(staff_client, content, named):
    upload = SimpleUploadedFile("saoke.csv", content, content_type="text/csv")
    response = staff_client.post("/api/v1/payments/statements/", {"file": upload, "account_number": ACCOUNT})
    assert response.status_code == 400, response.content
    assert named in " ".join(response.json()["error"]["fields"]["file"])
    assert not StatementImport.objects.exists()


@pytest.mark.parametrize(("content", "named"), STATEMENT_CASES)
def test_the_statement_upload_page_names_the_problem(staff_client, content, named):
    upload = SimpleUploadedFile("saoke.csv", content, content_type="text/csv")
    response = staff_client.post("/staff/payments/statements/", {"file": upload, "account_number": ACCOUNT})
    assert response.status_code == 400
    assert named in response.content.decode()


def test_a_carriage_return_inside_quotes_is_part_of_the_value(coop_client):
    content = 'sku,name_vi,category,unit,moq\r\nSP-1,"Gạo\rthơm",gao-thom,kg,100\r\n'.encode()
    response = coop_client.post("/api/v1/catalogue-imports/", {"file": SimpleUploadedFile("p.csv", content)})
    assert "(CR)" not in response.content.decode()


@pytest.mark.parametrize(
    ("content", "named"),
    [(b"hall,code,x,y\nNha A,C-01,1,2\nNha\rA,C-02,5,2\n", "Line 3"), (png(), "PNG")],
)
def test_a_fair_plan_names_the_problem(content, named):
    with translation.override("en"), pytest.raises(ValidationFailed) as error:
        read_plan_csv(content)
    assert named in error.value.fields["file"][0]


def test_a_fair_plan_skips_blank_lines():
    rows = read_plan_csv(b"hall,code,x,y\n\nNha A,C-01,1,2\n\n")
    assert [(row.line, row.hall) for row in rows] == [(2, "Nha A")]
