"""Intakes written down on a phone offline and sent later: the fields as typed ("1.250,5") are read by the
intake form's own rules, each record under its key makes one intake however often it is sent, and each bad
record answers on its own while the others are recorded."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from catalog.supply.models import Intake
from market.organisations.models import Role
from tests.factories import OrganisationFactory, member
from tests.supply.conftest import build_world

pytestmark = pytest.mark.django_db


def typed(world, index: int, weight: str, **more: str) -> dict[str, str]:
    """The intake form's fields as the page keeps them: strings, as typed."""
    return {
        "plot": str(world.plots[index].pk),
        "household": str(world.households[index].pk),
        "received_on": world.harvest.strftime("%d/%m/%Y"),
        "weight_kg": weight,
        "grade": "Loại 1",
        "moisture_percent": "",
        "impurity_percent": "",
        "measurements": "",
        "unit_price": "",
        "season": "",
        "note": "",
        **more,
    }


def send(client: Client, records: list[dict]) -> list[dict]:
    response = client.post(
        reverse("supply:intake-sync"),
        {"records": records},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def gate(world) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff.user)
    client.get(reverse("frontend:home"))
    return client


def test_a_record_sent_three_times_makes_one_intake_with_the_weight_as_typed(world, gate):
    first = {"key": str(uuid.uuid4()), "language": "vi", "typed": typed(world, 0, "1.250,5", moisture_percent="14,5")}
    second = {"key": str(uuid.uuid4()), "language": "en", "typed": typed(world, 1, "2,000.25")}
    second["typed"]["received_on"] = world.harvest.strftime("%d/%m/%Y")

    answers = send(gate, [first, second])
    assert [a["status"] for a in answers] == ["created", "created"]
    again = send(gate, [first])
    once_more = send(gate, [first, second])
    assert [a["status"] for a in again + once_more] == ["replayed", "replayed", "replayed"]
    assert again[0]["intake"] == answers[0]["intake"]

    intakes = Intake.objects.filter(cooperative=world.cooperative).order_by("pk")
    assert [(i.weight_kg, i.idempotency_key) for i in intakes] == [
        (Decimal("1250.5"), uuid.UUID(first["key"])),
        (Decimal("2000.25"), uuid.UUID(second["key"])),
    ]
    assert intakes[0].moisture_percent == Decimal("14.5")
    assert intakes[0].recorded_by == world.staff.user


def test_a_bad_record_answers_its_own_errors_and_the_others_are_recorded(world, gate):
    good = {"key": str(uuid.uuid4()), "language": "vi", "typed": typed(world, 0, "980")}
    bad = {"key": str(uuid.uuid4()), "language": "vi", "typed": typed(world, 1, "một tấn", moisture_percent="140")}
    broken = {"key": "không phải khóa", "typed": {}}
    answers = send(gate, [good, bad, broken])
    assert [a["status"] for a in answers] == ["created", "invalid", "invalid"]
    assert set(answers[1]["field_errors"]) == {"weight_kg", "moisture_percent"}
    assert "key" in answers[2]["field_errors"]
    assert Intake.objects.filter(cooperative=world.cooperative).count() == 1
    # Corrected and sent under the same key, the bad record is recorded once.
    bad["typed"]["weight_kg"], bad["typed"]["moisture_percent"] = "1.000", "15"
    assert [a["status"] for a in send(gate, [bad, bad])] == ["created", "replayed"]
    assert Intake.objects.filter(cooperative=world.cooperative).count() == 2


def test_another_cooperatives_key_is_refused_and_a_buyer_cannot_send(world, gate):
    record = {"key": str(uuid.uuid4()), "language": "vi", "typed": typed(world, 0, "500")}
    send(gate, [record])
    other = build_world(OrganisationFactory(name="HTX Khác"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(other.staff.user)
    client.get(reverse("frontend:home"))
    refused = send(client, [{**record, "typed": typed(other, 0, "500")}])
    assert refused[0]["status"] == "refused"
    buyer = Client()
    buyer.force_login(member(OrganisationFactory(kind="buyer"), Role.OWNER))
    response = buyer.post(reverse("supply:intake-sync"), {"records": [record]}, content_type="application/json")
    assert response.status_code == 403
    assert Intake.objects.count() == 1
