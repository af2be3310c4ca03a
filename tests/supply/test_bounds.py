"""Every free amount of supply has a bound past anything real (catalog/supply/inputs.py says why each), read the
same way by the page, the API and the offline sync: at the bound a value is stored as typed, past it the field
answers in the person's language with the bound written as they write numbers. So an intake is owed at most
10^15 đồng, which a double (and a spreadsheet cell) holds exactly."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from catalog.supply import selectors
from catalog.supply.inputs import MAX_INTAKE_KG, MAX_PLOT_HECTARES, MAX_PRICE_PER_KG, MAX_YIELD_KG_PER_HA
from catalog.supply.models import Intake, Plot, PlotSeason
from tests.supply.conftest import record
from tests.supply.test_intake_sync import send, typed

pytestmark = pytest.mark.django_db


def logged_in(world, language: str = "vi") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(world.owner.user)
    return client


def field_error(html: str, field: str) -> str:
    return html.split(f'id="id_{field}_error"')[1][:300]


def test_bounds_past_any_real_delivery():
    assert MAX_INTAKE_KG * MAX_PRICE_PER_KG == 10**15 < 2**53
    assert MAX_PLOT_HECTARES * MAX_YIELD_KG_PER_HA == 10**10


def test_the_intake_page_stores_the_bound_and_refuses_past_it_in_vietnamese(world):
    client = logged_in(world)
    fields = {
        "household": world.households[0].pk, "plot": world.plots[0].pk,
        "received_on": world.harvest.strftime("%d/%m/%Y"), "grade": "Loại 1",
    }  # fmt: skip
    response = client.post("/supply/intakes/new/", {**fields, "weight_kg": "1.000 tấn", "unit_price": "1 tỷ"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Intake.objects.values_list("weight_kg", "unit_price").get() == (MAX_INTAKE_KG, MAX_PRICE_PER_KG)

    response = client.post(
        "/supply/intakes/new/", {**fields, "weight_kg": "1.000.000,001", "unit_price": "1.000.000.001"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nhập nhiều nhất 1.000.000." in field_error(html, "weight_kg")
    assert "Nhập nhiều nhất 1.000.000.000\u00a0₫." in field_error(html, "unit_price")
    assert Intake.objects.count() == 1


def test_the_api_stores_the_bound_and_refuses_past_it(world):
    client = logged_in(world, "en")
    intake = {
        "household": world.households[0].pk, "plot": world.plots[0].pk, "received_on": world.harvest.isoformat(),
        "weight_kg": "1000000", "unit_price": MAX_PRICE_PER_KG,
    }  # fmt: skip
    response = client.post("/api/v1/supply/intakes/", intake, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Intake.objects.values_list("weight_kg", "unit_price").get() == (MAX_INTAKE_KG, MAX_PRICE_PER_KG)

    response = client.post(
        "/api/v1/supply/intakes/", {**intake, "unit_price": MAX_PRICE_PER_KG + 1}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"unit_price": ["Enter at most 1,000,000,000\u00a0₫."]}
    prices = f"/api/v1/supply/seasons/{world.season.pk}/prices/"
    price = {"category": world.rice.pk, "grade": "Loại 3", "price_per_kg": MAX_PRICE_PER_KG + 1}
    response = client.post(prices, price, content_type="application/json")
    assert response.json()["error"]["fields"] == {"price_per_kg": ["Enter at most 1,000,000,000\u00a0₫."]}
    response = client.post(prices, {**price, "price_per_kg": MAX_PRICE_PER_KG}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert world.season.prices.get(grade="Loại 3").price_per_kg == MAX_PRICE_PER_KG
    assert Intake.objects.count() == 1


def test_a_plot_and_its_expected_yield_are_bounded_on_the_api_and_the_page(world):
    client = logged_in(world, "en")
    plot = {"code": "K8-900", "commune_code": world.plots[0].commune_code, "hectares": "10000.0001"}
    plots = f"/api/v1/supply/areas/{world.area.pk}/plots/"
    response = client.post(plots, plot, content_type="application/json")
    assert response.json()["error"]["fields"] == {"hectares": ["Enter at most 10,000."]}
    response = client.post(plots, {**plot, "hectares": "10000"}, content_type="application/json")
    assert response.status_code == 201, response.content
    big = Plot.objects.get(code="K8-900")
    assert big.hectares == MAX_PLOT_HECTARES

    plan = {
        "season": world.season.pk, "category": world.rice.pk, "crop": "Cá tra",
        "sowing_date": world.harvest.isoformat(), "expected_harvest_date": world.harvest.isoformat(),
        "expected_yield_kg_per_ha": "1000000.001",
    }  # fmt: skip
    seasons = f"/api/v1/supply/plots/{big.pk}/seasons/"
    response = client.post(seasons, plan, content_type="application/json")
    assert response.json()["error"]["fields"] == {"expected_yield_kg_per_ha": ["Enter at most 1,000,000."]}
    response = client.post(seasons, {**plan, "expected_yield_kg_per_ha": "1000000"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert PlotSeason.objects.get(plot=big).expected_yield_kg_per_ha == MAX_YIELD_KG_PER_HA

    # On the pages, typed as people type: "1.001 tấn" per hectare, ten thousand and one hectares.
    page = logged_in(world).post(f"/supply/plots/{world.plots[0].pk}/plan/", {
        "plan-season": world.season.pk, "plan-category": world.rice.pk, "plan-crop": "Lúa OM 18",
        "plan-sowing_date": world.harvest.strftime("%d/%m/%Y"),
        "plan-expected_harvest_date": world.harvest.strftime("%d/%m/%Y"), "plan-expected_yield_kg_per_ha": "1.001 tấn",
    })  # fmt: skip
    assert page.status_code == 400
    assert "Nhập nhiều nhất 1.000.000." in field_error(page.content.decode(), "plan-expected_yield_kg_per_ha")
    page = logged_in(world).post(
        f"/supply/areas/{world.area.pk}/plots/new/",
        {"code": "K8-901", "commune_code": world.plots[0].commune_code, "hectares": "10.000,0001"},
    )
    assert page.status_code == 400
    assert "Nhập nhiều nhất 10.000." in field_error(page.content.decode(), "hectares")
    assert not Plot.objects.filter(code="K8-901").exists()


def test_the_offline_sync_answers_each_record_past_a_bound_in_its_language(world):
    gate = Client(enforce_csrf_checks=True)
    gate.force_login(world.staff.user)
    gate.get(reverse("frontend:home"))
    at_bound = {"key": str(uuid.uuid4()), "language": "vi",
                "typed": typed(world, 0, "1.000.000", unit_price="1.000.000.000")}  # fmt: skip
    past = {"key": str(uuid.uuid4()), "language": "vi",
            "typed": typed(world, 1, "1.000.000,5", unit_price="1.000.000.001")}  # fmt: skip
    english = {"key": str(uuid.uuid4()), "language": "en", "typed": typed(world, 2, "1,000,001")}
    answers = send(gate, [at_bound, past, english])
    assert [a["status"] for a in answers] == ["created", "invalid", "invalid"]
    assert answers[1]["field_errors"] == {
        "weight_kg": ["Nhập nhiều nhất 1.000.000."],
        "unit_price": ["Nhập nhiều nhất 1.000.000.000\u00a0₫."],
    }
    assert answers[2]["field_errors"] == {"weight_kg": ["Enter at most 1,000,000."]}
    assert Intake.objects.values_list("weight_kg", "unit_price").get() == (MAX_INTAKE_KG, MAX_PRICE_PER_KG)


def test_a_season_at_its_bound_is_exported_as_numbers_a_spreadsheet_holds_exactly(world):
    """A season owes its members at most 10^15 đồng (test_season_owed.py): the statement's every figure then has at
    most 15 significant digits, so each is written as a number (the writer's exact-text fallback is for larger
    ones, tests/exports/test_xlsx.py)."""
    record(world, 0, "1000000", unit_price=MAX_PRICE_PER_KG)
    statement = selectors.season_statement(actor=world.owner, season_id=world.season.pk)
    assert statement.total_amount == statement.rows[0].amount == 10**15

    data = logged_in(world).get(f"/supply/seasons/{world.season.pk}/statement.xlsx").content
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for cell in (workbook.worksheets[0]["F2"], workbook.worksheets[1]["J2"]):
        assert cell.value == 10**15
        assert cell.comment is None
