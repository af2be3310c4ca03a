"""What a season owes its members in all (the statement's total) stays within MAX_SEASON_OWED, 10^15 đồng
(catalog/supply/inputs.py says why): each intake is bounded, their number is not, so the intake, the correction
or the price that would take the season past it is refused, on the field that does it, in the person's language,
on the page, the API and the offline sync, and under the season's lock when two arrive at once.

The seasons are filled with one near-maximal intake (999.999 kg at a billion đồng per kg), not thousands."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from catalog.supply import selectors, services
from catalog.supply.inputs import MAX_PRICE_PER_KG, MAX_SEASON_OWED
from catalog.supply.models import Intake, SeasonPrice
from market.core.errors import ValidationFailed
from tests.supply.conftest import World, record
from tests.supply.test_bounds import field_error, logged_in
from tests.supply.test_intake_sync import send, typed
from tests.sync import committed_late

pytestmark = pytest.mark.django_db

PAST_EN = (
    "With this, the season would owe its members more than 1,000,000,000,000,000\u00a0₫ in all, past anything a "
    "cooperative pays in a season: check the weight and the price per kg."
)
PAST_VI = (
    "Khi đó, mùa vụ sẽ nợ các thành viên tổng cộng hơn 1.000.000.000.000.000\u00a0₫, vượt xa mọi khoản một hợp tác xã "
    "trả trong một mùa vụ: hãy kiểm tra khối lượng và giá mỗi kg."
)


def nearly_full(world: World) -> Intake:
    """The season then owes a billion đồng short of its bound: 999.999 kg at the dearest price."""
    intake = record(world, 0, "999999", unit_price=MAX_PRICE_PER_KG)
    assert isinstance(intake, Intake)
    assert selectors.season_owed(world.season) == MAX_SEASON_OWED - 10**9
    return intake


def test_the_bound_is_what_one_intake_at_both_bounds_owes_and_a_spreadsheet_and_javascript_hold_exactly():
    assert MAX_SEASON_OWED == 10**15 < 2**53
    assert len(str(MAX_SEASON_OWED - 1)) == 15  # Excel's significant digits


def test_the_aggregates_bound_what_the_season_owes_each_amount_rounded_half_up(world):
    """The check every intake write makes first (three aggregates, no intake read into Python) is never below the
    statement's total, half-đồng amounts rounded up included."""
    for index, kg in enumerate(["0.5", "1.5", "2.5"]):
        record(world, index, kg, unit_price=1)  # owed 1, 2 and 3 đồng: each half rounded up
    assert selectors.season_owed(world.season) == 6
    assert selectors.season_owed_at_most(world.season) >= 6
    record(world, 0, "3.25")  # at the season's price for its grade
    assert selectors.season_owed_at_most(world.season) >= selectors.season_owed(world.season) > 6


def test_a_season_takes_intakes_up_to_its_bound_and_refuses_the_one_past_it(world):
    nearly_full(world)
    last = record(world, 1, "1", unit_price=MAX_PRICE_PER_KG)
    assert isinstance(last, Intake)
    assert selectors.season_owed(world.season) == MAX_SEASON_OWED

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        record(world, 2, "0.001", unit_price=1000)  # one đồng more
    assert refused.value.fields == {"weight_kg": [PAST_EN]}
    assert Intake.objects.count() == 2
    statement = selectors.season_statement(actor=world.owner, season_id=world.season.pk)
    assert statement.total_amount == MAX_SEASON_OWED
    assert max(row.amount for row in statement.rows) < 2**53

    # A correction counts the intake once, as corrected: the same weight passes, a gram more does not.
    fields = {
        "household": world.households[1].pk, "plot": world.plots[1].pk, "received_on": world.harvest,
        "unit_price": MAX_PRICE_PER_KG,
    }  # fmt: skip
    services.intake_update(actor=world.staff, intake_id=last.pk, weight_kg=Decimal(1), **fields)
    with translation.override("vi"), pytest.raises(ValidationFailed) as refused:
        services.intake_update(actor=world.staff, intake_id=last.pk, weight_kg=Decimal("1.001"), **fields)
    assert refused.value.fields == {"weight_kg": [PAST_VI]}
    assert Intake.objects.get(pk=last.pk).weight_kg == 1


def test_the_intake_page_refuses_the_delivery_that_passes_the_bound_in_vietnamese(world):
    nearly_full(world)
    fields = {
        "household": world.households[1].pk, "plot": world.plots[1].pk,
        "received_on": world.harvest.strftime("%d/%m/%Y"), "grade": "Loại 1",
    }  # fmt: skip
    # 200 tấn of Loại 1 at the season's 7.600 ₫ is 1.520.000.000 ₫: half a billion too many.
    response = logged_in(world).post("/supply/intakes/new/", {**fields, "weight_kg": "200 tấn"})
    assert response.status_code == 400
    assert PAST_VI in field_error(response.content.decode(), "weight_kg")
    assert Intake.objects.count() == 1
    response = logged_in(world).post("/supply/intakes/new/", {**fields, "weight_kg": "100 tấn"})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_api_refuses_an_intake_or_a_correction_past_the_bound(world):
    full = nearly_full(world)
    client = logged_in(world, "en")
    intake = {
        "household": world.households[1].pk, "plot": world.plots[1].pk, "received_on": world.harvest.isoformat(),
        "grade": "Loại 1", "weight_kg": "200000",
    }  # fmt: skip
    response = client.post("/api/v1/supply/intakes/", intake, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"weight_kg": [PAST_EN]}
    response = client.post("/api/v1/supply/intakes/", {**intake, "weight_kg": "1"}, content_type="application/json")
    assert response.status_code == 201, response.content

    correction = {
        "household": world.households[0].pk, "plot": world.plots[0].pk, "received_on": world.harvest.isoformat(),
        "weight_kg": "1000000", "unit_price": MAX_PRICE_PER_KG,
    }  # fmt: skip
    response = client.put(f"/api/v1/supply/intakes/{full.pk}/", correction, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"weight_kg": [PAST_EN]}
    assert Intake.objects.get(pk=full.pk).weight_kg == 999_999
    statement = client.get(f"/api/v1/supply/seasons/{world.season.pk}/statement/").json()
    assert statement["total_amount"] == MAX_SEASON_OWED - 10**9 + 7600


def test_the_offline_sync_answers_the_record_past_the_bound_and_keeps_the_others(world):
    nearly_full(world)
    gate = Client(enforce_csrf_checks=True)
    gate.force_login(world.staff.user)
    gate.get(reverse("frontend:home"))
    fits = {"key": str(uuid.uuid4()), "language": "vi", "typed": typed(world, 1, "1.000")}
    past = {"key": str(uuid.uuid4()), "language": "vi", "typed": typed(world, 2, "200.000")}
    english = {"key": str(uuid.uuid4()), "language": "en", "typed": typed(world, 2, "200,000")}
    answers = send(gate, [fits, past, english])
    assert [a["status"] for a in answers] == ["created", "invalid", "invalid"]
    assert answers[1]["field_errors"] == {"weight_kg": [PAST_VI]}
    assert answers[2]["field_errors"] == {"weight_kg": [PAST_EN]}
    assert Intake.objects.count() == 2


def price_id(world: World, grade: str) -> int:
    return SeasonPrice.objects.get(season=world.season, grade=grade).pk


def test_the_api_refuses_a_price_that_would_take_the_season_past_the_bound(world):
    record(world, 0, "1000000")  # Loại 1, at the season's 7.600 ₫
    record(world, 1, "1")
    client = logged_in(world, "en")
    prices = f"/api/v1/supply/seasons/{world.season.pk}/prices/"
    dearest = {"category": world.rice.pk, "grade": "Loại 1", "price_per_kg": MAX_PRICE_PER_KG}
    response = client.post(prices, dearest, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"price_per_kg": [PAST_EN]}
    assert SeasonPrice.objects.get(pk=price_id(world, "Loại 1")).price_per_kg == 7600

    # The price for any other grade may be the dearest: no intake is paid it. Without Loại 1's own price, both
    # intakes would be, a billion đồng past the bound: the removal is refused.
    any_grade = {"category": world.rice.pk, "grade": "", "price_per_kg": MAX_PRICE_PER_KG}
    assert client.post(prices, any_grade, content_type="application/json").status_code == 201
    response = client.delete(f"/api/v1/supply/season-prices/{price_id(world, 'Loại 1')}/")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == PAST_EN
    assert selectors.season_owed(world.season) == 1_000_001 * 7600


def test_the_season_page_refuses_a_price_or_a_removal_past_the_bound_in_vietnamese(world):
    record(world, 0, "1000000")
    record(world, 1, "1")
    client = logged_in(world)
    page = f"/supply/seasons/{world.season.pk}/"
    price = {"price-category": world.rice.pk, "price-grade": "Loại 1", "price-price_per_kg": "1 tỷ"}
    response = client.post(page, price)
    assert response.status_code == 400
    assert PAST_VI in field_error(response.content.decode(), "price-price_per_kg")
    assert client.post(page, {**price, "price-grade": "", "price-price_per_kg": "1.000.000.000"}).status_code == 302

    response = client.post(f"{page}prices/{price_id(world, 'Loại 1')}/remove/", follow=True)
    assert PAST_VI in response.content.decode()
    assert SeasonPrice.objects.filter(season=world.season, grade="Loại 1").exists()


def a_backend_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_two_intakes_at_once_cannot_both_fill_the_last_of_the_season(world):
    """The first fills the season to its bound and holds its transaction open; the second, sent meanwhile, waits for
    the season's lock and then sees the first: refused. Without the lock it would sum without the first, and both
    would be kept."""
    nearly_full(world)
    outcome: list[object] = []

    def second() -> None:
        try:
            outcome.append(record(world, 2, "1", unit_price=MAX_PRICE_PER_KG))
        except ValidationFailed as error:
            outcome.append(error)
        finally:
            connections.close_all()

    with committed_late(lambda: record(world, 1, "1", unit_price=MAX_PRICE_PER_KG)):
        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 20
        while thread.is_alive() and not a_backend_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
    thread.join(timeout=30)
    [refused] = outcome
    assert isinstance(refused, ValidationFailed), refused
    assert list(refused.fields) == ["weight_kg"]
    assert selectors.season_owed(world.season) == MAX_SEASON_OWED


def over_the_bound(world: World) -> Intake:
    """A season recorded before the bound existed: a second near-maximal intake written straight to the table,
    as old data was, leaves it owing about twice the bound."""
    full = nearly_full(world)
    copy = Intake.objects.get(pk=full.pk)
    copy.pk = None
    Intake.objects.bulk_create([copy])
    assert selectors.season_owed(world.season) == 2 * (MAX_SEASON_OWED - 10**9)
    return full


def test_a_season_already_past_the_bound_takes_a_correction_that_lowers_it_and_refuses_one_that_raises_it(world):
    full = over_the_bound(world)
    fields = {
        "household": world.households[0].pk, "plot": world.plots[0].pk, "received_on": world.harvest,
        "grade": "Loại 1", "unit_price": MAX_PRICE_PER_KG,
    }  # fmt: skip
    services.intake_update(actor=world.staff, intake_id=full.pk, weight_kg=Decimal(500_000), **fields)
    assert selectors.season_owed(world.season) == (999_999 + 500_000) * MAX_PRICE_PER_KG  # still past the bound

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.intake_update(actor=world.staff, intake_id=full.pk, weight_kg=Decimal(500_001), **fields)
    assert refused.value.fields == {"weight_kg": [PAST_EN]}
    with pytest.raises(ValidationFailed):
        record(world, 1, "1", unit_price=1)  # a new intake raises it too
    assert selectors.season_owed(world.season) == (999_999 + 500_000) * MAX_PRICE_PER_KG


def test_a_season_already_past_the_bound_takes_a_price_that_lowers_it_and_refuses_one_that_raises_it(world):
    record(world, 0, "1000000")  # Loại 1, at the season's price
    record(world, 1, "1000000")
    SeasonPrice.objects.filter(pk=price_id(world, "Loại 1")).update(price_per_kg=MAX_PRICE_PER_KG)
    assert selectors.season_owed(world.season) == 2 * 10**6 * MAX_PRICE_PER_KG > MAX_SEASON_OWED

    lower = MAX_PRICE_PER_KG - 1000
    services.season_price_set(
        actor=world.owner, season_id=world.season.pk, category=world.rice.pk, grade="Loại 1", price_per_kg=lower
    )
    assert selectors.season_owed(world.season) == 2 * 10**6 * lower > MAX_SEASON_OWED
    with pytest.raises(ValidationFailed) as refused:
        services.season_price_set(
            actor=world.owner, season_id=world.season.pk, category=world.rice.pk, grade="Loại 1", price_per_kg=lower + 1
        )
    assert list(refused.value.fields) == ["price_per_kg"]
    assert SeasonPrice.objects.get(pk=price_id(world, "Loại 1")).price_per_kg == lower
