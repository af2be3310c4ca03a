"""Deliveries written down at the factory gate on a phone (perhaps offline) and sent later: the fields as typed
("1.250,5") are read by the gate form's own rules, a record sent again under its key makes one delivery, and a
record the state refuses (a call-off already weighed or not shipped, the contract's volume used up) or with a
bad value answers on its own with the reason while the others are recorded."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linkage.models import CallOff, CallOffStatus, Delivery
from market.organisations.models import Role
from tests.factories import member
from tests.linkage import factories

pytestmark = pytest.mark.django_db


def typed(call: CallOff, gross: str, **more: str) -> dict[str, str]:
    """The gate form's fields as the page keeps them: strings, as typed, with the page's hidden call-off."""
    return {
        "call_off": str(call.pk),
        "received_on": timezone.localdate().strftime("%d/%m/%Y"),
        "gross_quantity": gross,
        "moisture": "14,5",
        "impurities": "1",
        "unfilled": "3",
        "weigh_ticket": "PC-0002",
        "vehicle": "Ghe 68T-0457",
        "note": "",
        **more,
    }


def record(call: CallOff, gross: str, *, key: str | None = None, **more: str) -> dict:
    return {"key": key or str(uuid.uuid4()), "language": "vi", "typed": typed(call, gross, **more)}


def phone(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("frontend:home"))
    return client


def send(client: Client, records: list[dict], status: int = 200) -> list[dict]:
    response = client.post(
        reverse("linkage:delivery-sync"),
        {"records": records},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == status, response.content
    return response.json()["results"] if status == 200 else response.json()


@pytest.fixture
def clerk(contract):
    return member(contract.buyer, Role.STAFF)


@pytest.fixture
def shipped(contract) -> list[CallOff]:
    return [factories.dispatch(factories.call_off(contract, "12500", days=d)) for d in (3, 5)]


def test_a_record_sent_three_times_makes_one_delivery_with_the_weight_as_typed(contract, clerk, shipped):
    gate = phone(clerk)
    first, second = record(shipped[0], "12.500"), record(shipped[1], "1.250,5")

    answers = send(gate, [first, second])
    assert [a["status"] for a in answers] == ["created", "created"]
    assert answers[0]["message"] == "Đợt giao số 2: nhận 12.425 kg với giá 7.000 ₫."
    again = send(gate, [first])  # the first answer was lost: sent again, under the same key
    once_more = send(gate, [second, first])
    assert [a["status"] for a in again + once_more] == ["replayed", "replayed", "replayed"]
    assert [again[0]["delivery"], once_more[0]["delivery"]] == [answers[0]["delivery"], answers[1]["delivery"]]

    deliveries = Delivery.objects.filter(contract=contract).order_by("pk")
    assert [(d.call_off_id, d.gross_quantity, d.net_quantity) for d in deliveries] == [
        (shipped[0].pk, Decimal("12500"), Decimal("12425")),
        (shipped[1].pk, Decimal("1250.5"), Decimal("1242.997")),
    ]
    assert deliveries[0].measurements == {"moisture": "14.5", "impurities": "1", "unfilled": "3"}
    assert (deliveries[0].vehicle, deliveries[0].weigh_ticket, deliveries[0].recorded_by) == (
        "Ghe 68T-0457",
        "PC-0002",
        clerk,
    )
    contract.refresh_from_db()
    assert contract.delivered_quantity == Decimal("13667.997")


def test_the_same_call_off_weighed_on_two_phones_is_recorded_once_and_the_second_told_why(contract, clerk, shipped):
    other = member(contract.buyer, Role.STAFF)
    first = send(phone(clerk), [record(shipped[0], "12.500")])
    second = send(phone(other), [record(shipped[0], "12.480")])
    assert first[0]["status"] == "created"
    assert second[0]["status"] == "refused"
    assert second[0]["delivery"] is None
    assert second[0]["message"] == "Chỉ đợt giao đã đặt hàng mới được cân khi nhận."
    assert list(Delivery.objects.values_list("gross_quantity", flat=True)) == [Decimal("12500")]


def test_refused_and_bad_records_answer_on_their_own_and_the_others_are_recorded(contract, clerk, shipped):
    not_shipped = factories.call_off(contract, "10000", days=7)
    past_volume = record(shipped[1], "1.300.000")
    answers = send(
        phone(clerk),
        [
            record(shipped[0], "0"),
            record(not_shipped, "10.000"),
            past_volume,
            record(shipped[0], "12.500", moisture="mười"),
            record(shipped[0], "12.500"),
        ],
    )
    assert [a["status"] for a in answers] == ["invalid", "refused", "refused", "invalid", "created"]
    assert set(answers[0]["field_errors"]) == {"gross_quantity"}
    assert answers[1]["message"].startswith("HTX chưa xuất hàng cho đợt giao này")
    assert "1.225.000 kg" in answers[2]["message"]
    assert set(answers[3]["field_errors"]) == {"moisture"}
    assert list(Delivery.objects.values_list("call_off_id", flat=True)) == [shipped[0].pk]
    assert CallOff.objects.get(pk=not_shipped.pk).status == CallOffStatus.PLACED

    # A refused record claimed nothing: corrected, it is recorded under the same key.
    past_volume["typed"]["gross_quantity"] = "12.400"
    assert [a["status"] for a in send(phone(clerk), [past_volume])] == ["created"]
    assert Delivery.objects.count() == 2


def test_a_key_is_one_record_only(contract, clerk, shipped):
    kept = record(shipped[0], "12.500")
    assert send(phone(clerk), [kept])[0]["status"] == "created"
    # The same key on another call-off, or from someone else, records nothing.
    elsewhere = record(shipped[1], "12.500", key=kept["key"])
    answers = send(phone(clerk), [elsewhere]) + send(phone(member(contract.buyer, Role.STAFF)), [kept])
    assert [a["status"] for a in answers] == ["refused", "refused"]
    assert answers[0]["message"] == "Khóa của bản ghi này đã được dùng cho một đợt giao khác."
    assert Delivery.objects.count() == 1


def test_only_the_processors_people_send_gate_records(contract, shipped, cooperative):
    send(phone(member(cooperative, Role.OWNER)), [record(shipped[0], "12.500")], status=403)
    answers = send(phone(member(factories.processor("Công ty Gạo Khác"), Role.OWNER)), [record(shipped[0], "12.500")])
    assert answers[0]["status"] == "refused"  # not its call-off: the same as a missing one
    assert not Delivery.objects.exists()
