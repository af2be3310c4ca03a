"""What each member delivered and is owed in a season, hand-checked, and its export."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from catalog.supply import selectors, services
from catalog.supply.inputs import MAX_INTAKE_KG, MAX_PRICE_PER_KG
from catalog.supply.models import Intake
from market.core.errors import PermissionDenied
from tests.supply.conftest import record

pytestmark = pytest.mark.django_db


def test_amounts_use_the_intake_price_then_the_grade_then_the_default(world):
    record(world, 0, "1250.5", grade="Loại 1")  # 1250.5 × 7600 = 9 503 800
    record(world, 0, "100.25", grade="loại 2")  # no price for Loại 2: the default 7200 → 721 800
    record(world, 1, "980", unit_price=7850)  # its own price → 7 693 000
    record(world, 2, "0.333", grade="Loại 1")  # 0.333 × 7600 = 2530.8 → 2531 (half up)
    statement = selectors.season_statement(actor=world.owner, season_id=world.season.pk)
    rows = {r.household.code: r for r in statement.rows}
    assert rows["TV-001"].kg == Decimal("1350.75")
    assert rows["TV-001"].amount == 9_503_800 + 721_800
    assert rows["TV-002"].amount == 7_693_000
    assert rows["TV-003"].amount == 2531
    assert statement.total_amount == 9_503_800 + 721_800 + 7_693_000 + 2531
    assert statement.unpriced_kg == 0


def test_without_any_price_the_kilograms_are_shown_as_unpriced(world):
    services.season_price_remove(actor=world.owner, price_id=world.season.prices.get(grade="").pk)
    record(world, 0, "50", grade="Loại 3")
    statement = selectors.season_statement(actor=world.owner, season_id=world.season.pk)
    assert statement.rows[0].amount == 0
    assert statement.unpriced_kg == Decimal(50)


def test_exports_in_csv_and_excel(world):
    record(world, 0, "1250.5", grade="Loại 1")
    client = Client()
    client.force_login(world.owner.user)
    text = client.get(f"/supply/seasons/{world.season.pk}/statement.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:2] == ["TV-001", "Nguyễn Văn Bé"]
    assert rows[1][4:6] == ["1250,5", "9503800"]  # a Vietnamese spreadsheet reads "1250.5" as 12505
    english = Client(headers={"Accept-Language": "en"})
    english.force_login(world.owner.user)
    text = english.get(f"/api/v1/supply/seasons/{world.season.pk}/statement.csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][4:6] == ["1250.5", "9503800"]
    data = client.get(f"/supply/seasons/{world.season.pk}/statement.xlsx").content
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert len(workbook.worksheets) == 2
    lines = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert lines[1][1:6] == ("TV-001", "Nguyễn Văn Bé", "K8-001", "Loại 1", 1250.5)
    assert lines[1][8:10] == (7600, 9503800)


def test_gate_staff_do_not_see_what_members_are_owed(world):
    with pytest.raises(PermissionDenied):
        selectors.season_statement(actor=world.staff, season_id=world.season.pk)
    client = Client()
    client.force_login(world.staff.user)
    page = client.get(f"/supply/seasons/{world.season.pk}/").content.decode()
    assert "statement.xlsx" not in page


def test_the_api_export_serves_csv_and_xlsx_only(world):
    """statement.pdf (or any other extension) was answered with the CSV under that name; the schema lists the
    two formats, and anything else is not a file we make (404)."""
    client = Client()
    client.force_login(world.owner.user)
    url = f"/api/v1/supply/seasons/{world.season.pk}/statement"
    assert client.get(f"{url}.csv")["Content-Type"] == "text/csv; charset=utf-8"
    assert client.get(f"{url}.xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"{url}.pdf").status_code == 404


def test_a_grade_written_otherwise_replaces_its_price_through_the_api(api, world):
    """Intakes find their price by the folded grade, but a price for "loại 1" beside "Loại 1" was a second row:
    the statement then paid whichever came last, and changing "Loại 1" again changed nothing on it."""
    from django.urls import reverse

    from catalog.supply.models import SeasonPrice
    from market.organisations.models import Role
    from tests.factories import member

    record(world, 0, "1000", grade="Loại 1")
    client = api(member(world.cooperative, Role.OWNER))
    url = reverse("supply:season-prices", args=[world.season.pk])
    for grade, price in (("loại 1", 9100), ("Loại 1", 9500)):
        response = client.post(url, {"category": world.rice.pk, "grade": grade, "price_per_kg": price}, format="json")
        assert response.status_code == 201, response.content
    assert list(SeasonPrice.objects.filter(season=world.season).values_list("grade", "price_per_kg")) == [
        ("", 7200),
        ("Loại 1", 9500),
    ]
    statement = selectors.season_statement(actor=world.owner, season_id=world.season.pk)
    assert statement.total_amount == 1000 * 9500


def test_prices_and_weights_past_any_real_intake_are_refused_by_the_api_and_the_page(world):
    """A price per kg or an intake's weight once took up to 999 billion (or 10^11 kg): a statement summed to
    about 10^21 đồng. Per-kg prices stop at MAX_PRICE_PER_KG, an intake at MAX_INTAKE_KG."""
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.owner.user)
    over_price = {"category": world.rice.pk, "grade": "Loại 3", "price_per_kg": MAX_PRICE_PER_KG + 1}
    prices = f"/api/v1/supply/seasons/{world.season.pk}/prices/"
    response = client.post(prices, over_price, content_type="application/json")
    assert response.status_code == 400
    assert "at most 1,000,000,000" in response.json()["error"]["fields"]["price_per_kg"][0]
    intake = {
        "household": world.households[0].pk, "plot": world.plots[0].pk, "received_on": world.harvest.isoformat(),
        "weight_kg": "1000", "unit_price": MAX_PRICE_PER_KG + 1,
    }  # fmt: skip
    response = client.post("/api/v1/supply/intakes/", intake, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"unit_price"}
    response = client.post("/api/v1/supply/intakes/", {**intake, "unit_price": 7500, "weight_kg": "1000000.001"},
                           content_type="application/json")  # fmt: skip
    assert set(response.json()["error"]["fields"]) == {"weight_kg"}

    # On the page, typed as people type it: the error next to the field and the value kept.
    page = client.post(f"/supply/seasons/{world.season.pk}/", {
        "price-category": world.rice.pk, "price-grade": "Loại 3", "price-price_per_kg": "1.000.000.001",
    })  # fmt: skip
    assert page.status_code == 400
    html = page.content.decode()
    assert 'value="1.000.000.001"' in html
    assert "1.000.000.000" in html.split('id="id_price-price_per_kg_error"')[1][:300]
    assert not world.season.prices.filter(grade="Loại 3").exists()
    assert not Intake.objects.exists()


def test_the_largest_legal_intake_at_the_largest_legal_price_is_owed_exactly(world):
    """The bound of one statement line (MAX_INTAKE_KG × MAX_PRICE_PER_KG = 10^15 đồng) is also a season's
    (test_season_owed.py): it fits a 64-bit integer and a double, and the API answers it exactly."""
    record(world, 0, str(MAX_INTAKE_KG), unit_price=MAX_PRICE_PER_KG)
    statement = selectors.season_statement(actor=world.owner, season_id=world.season.pk)
    assert statement.total_amount == 10**15
    client = Client()
    client.force_login(world.owner.user)
    body = client.get(f"/api/v1/supply/seasons/{world.season.pk}/statement/").json()
    assert body["total_amount"] == 10**15
    assert Decimal(body["rows"][0]["kg"]) == MAX_INTAKE_KG
