"""The linkage API: a season through JSON (canonical numbers) and a form-encoded intake (numbers as typed in
Vietnamese), the statement, the versions, the report, and clear 400s for bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import Category
from linkage.models import CallOff, CallOffStatus, Delivery, LinkageContract
from market.organisations.models import Role
from tests.factories import member
from tests.linkage import factories

pytestmark = pytest.mark.django_db


def test_a_season_through_the_api(api, processor, cooperative, product, alliance):
    buyer = member(processor, Role.OWNER)
    chair = member(cooperative, Role.OWNER)
    body = {
        **factories.terms_body(product),
        "counterparty": cooperative.pk,
        "title": "Lúa Đông Xuân",
        "season_kind": "winter_spring",
        "season_year": 2027,
    }
    created = api(buyer).post(reverse("linkage:contract-list"), body, format="json")
    assert created.status_code == 201, created.content
    contract = created.json()
    assert contract["status"] == "draft"
    assert contract["draft"]["committed_quantity"] == "1200000"
    assert "sign_as_buyer" in contract["allowed_actions"]
    contract_id = contract["id"]

    signed = api(buyer).post(
        reverse("linkage:contract-sign", args=[contract_id]),
        {"terms_digest": contract["draft"]["terms_digest"] or ""},
        format="json",
    )
    assert signed.status_code == 200, signed.content
    in_force = api(chair).post(reverse("linkage:contract-sign", args=[contract_id]), {}, format="json").json()
    assert in_force["status"] == "active"
    assert in_force["terms"]["number"] == 1
    assert in_force["max_quantity"] == "1260000"

    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    call = api(buyer).post(
        reverse("linkage:call-off-list", args=[contract_id]), {"due_on": due, "quantity": "25000"}, format="json"
    )
    assert call.status_code == 201, call.content
    call_off = call.json()
    assert (call_off["status"], call_off["unit_price"], call_off["quantity"]) == ("placed", 7000, "25000")
    factories.dispatch(CallOff.objects.get(pk=call_off["id"]))

    # The gate clerk's phone posts the form as typed in Vietnamese.
    clerk = member(processor, Role.STAFF)
    with translation.override("vi"):
        weighed = api(clerk).post(
            reverse("linkage:call-off-delivery", args=[call_off["id"]]),
            {"received_on": "05/12/2026", "gross_quantity": "12.500", "moisture": "14,5", "impurities": "1"},
            format="multipart",
        )
    assert weighed.status_code == 201, weighed.content
    delivery = weighed.json()["delivery"]
    assert (delivery["net_quantity"], delivery["unit_price"], delivery["amount"]) == ("12425", 7000, 86_975_000)
    assert Delivery.objects.get().received_on.isoformat() == "2026-12-05"

    statement = api(chair).get(reverse("linkage:contract-statement", args=[contract_id])).json()
    assert statement["invoiced"] == 86_975_000
    assert statement["owed_by_buyer"] == 86_975_000

    versions = api(chair).get(reverse("linkage:contract-versions", args=[contract_id])).json()
    assert [v["status"] for v in versions] == ["in_force"]

    report = api(member(alliance, Role.MANAGER)).get(reverse("linkage:report"), {"season_year": 2027}).json()
    assert report["total"]["contracts"] == 1
    assert Decimal(report["total"]["delivered"]) == Decimal("12.425")


def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(api, processor, cooperative, product):
    buyer = member(processor, Role.OWNER)
    body = {
        **factories.terms_body(product, committed_quantity="1.200.000", base_price="7.000"),
        "counterparty": cooperative.pk,
        "title": "x",
        "season_kind": "winter_spring",
        "season_year": 2027,
    }
    response = api(buyer).post(reverse("linkage:contract-list"), body, format="json")
    assert response.status_code == 400
    assert {"committed_quantity", "base_price"} <= set(response.json()["error"]["fields"])
    bad_band = factories.terms_body(
        product, grading=[{"measure": "moisture", "threshold": "17", "limit": "14", "effect": "weight", "rate": "1"}]
    )
    body = {**bad_band, "counterparty": cooperative.pk, "title": "x", "season_kind": "year", "season_year": 2027}
    response = api(buyer).post(reverse("linkage:contract-list"), body, format="json")
    assert response.status_code == 400
    assert "grading.0.limit" in response.json()["error"]["fields"]
    assert not LinkageContract.objects.exists()


def test_a_call_off_past_the_volume_is_a_409(api, contract):
    buyer = member(contract.buyer, Role.MANAGER)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    url = reverse("linkage:call-off-list", args=[contract.pk])
    response = api(buyer).post(url, {"due_on": due, "quantity": "1300000"}, format="json")
    assert response.status_code == 409
    assert "1.260.000" in response.json()["error"]["message"] or "1,260,000" in response.json()["error"]["message"]
    assert contract.call_offs.filter(status="placed").count() == 0


def test_a_call_off_retried_with_its_idempotency_key_is_added_and_ordered_once(api, contract):
    """An integration whose answer was lost sends the call-off again: with the same key it gets the first call-off
    (200) and one order, not a second call-off ordered twice; the key sent for another call-off is a 409."""
    client = api(member(contract.buyer, Role.MANAGER))
    url = reverse("linkage:call-off-list", args=[contract.pk])
    body = {"due_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "quantity": "25000"}
    before = set(contract.call_offs.values_list("pk", flat=True))
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="call-2026-0001")
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="call-2026-0001")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json()["id"] == first.json()["id"]
    added = contract.call_offs.exclude(pk__in=before)
    assert [(c.pk, c.order_id is not None) for c in added] == [(first.json()["id"], True)]
    other = client.post(url, {**body, "quantity": "30000"}, format="json", HTTP_IDEMPOTENCY_KEY="call-2026-0001")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    without = client.post(url, body, format="json")  # no key: each request adds one, as before
    assert without.status_code == 201
    assert contract.call_offs.exclude(pk__in=before).count() == 2


def test_an_advance_retried_with_its_idempotency_key_is_recorded_once(api, contract):
    """The docs promised it; the view used to drop the key, so a client's retry after a lost answer recorded
    the advance twice (and a third retry could be refused by the limit the duplicates used up)."""
    client = api(member(contract.buyer, Role.MANAGER))
    url = reverse("linkage:advance-list", args=[contract.pk])
    body = {"kind": "seed", "description": "Giống Đài Thơm 8", "supplied_on": timezone.localdate().isoformat()}
    first = client.post(url, {**body, "value": 40_000_000}, format="json", HTTP_IDEMPOTENCY_KEY="adv-2026-0001")
    again = client.post(url, {**body, "value": 40_000_000}, format="json", HTTP_IDEMPOTENCY_KEY="adv-2026-0001")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json()["id"] == first.json()["id"]
    other = client.post(url, {**body, "value": 10_000_000}, format="json", HTTP_IDEMPOTENCY_KEY="adv-2026-0002")
    assert other.status_code == 201
    assert contract.advances.count() == 2
    too_long = client.post(url, {**body, "value": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long.status_code == 400
    assert "key" in too_long.json()["error"]["fields"]
    assert contract.advances.count() == 2


def test_an_advance_key_reused_for_another_advance_is_a_409_not_the_first_advance(api, contract):
    """The key is claimed per user, not per contract: reused on another contract (or for another value) it used to
    answer 200 with the first contract's advance, and the second advance was never recorded."""
    other = factories.contract_in_force(contract.buyer, factories.OrganisationFactory(kind="cooperative"))
    client = api(member(contract.buyer, Role.MANAGER))
    body = {"kind": "seed", "description": "Giống Đài Thơm 8", "supplied_on": timezone.localdate().isoformat()}
    key = "adv-2026-0001-reused"
    first = client.post(
        reverse("linkage:advance-list", args=[contract.pk]), {**body, "value": 40_000_000}, format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    elsewhere = client.post(
        reverse("linkage:advance-list", args=[other.pk]), {**body, "value": 40_000_000}, format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    changed = client.post(
        reverse("linkage:advance-list", args=[contract.pk]), {**body, "value": 5_000_000}, format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    assert first.status_code == 201
    assert (elsewhere.status_code, changed.status_code) == (409, 409), elsewhere.content
    assert elsewhere.json()["error"]["code"] == "idempotency_key_reused"
    assert (contract.advances.count(), other.advances.count()) == (1, 0)


def test_an_advance_supplied_on_a_day_to_come_is_a_400(api, contract):
    """An advance records seed or fertiliser handed over; one "supplied" in 2099 was recorded and counted against
    the contract's limit and in the statement."""
    client = api(member(contract.buyer, Role.MANAGER))
    body = {"kind": "seed", "description": "Giống Đài Thơm 8", "supplied_on": "2099-01-01", "value": 1_000_000}
    response = client.post(reverse("linkage:advance-list", args=[contract.pk]), body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {"supplied_on"}
    assert not contract.advances.exists()


def test_a_gate_delivery_retried_with_its_idempotency_key_answers_the_first(api, contract):
    """A gate clerk's client whose answer was lost sends the weighing again: with the same key it gets the call-off
    with the delivery it recorded (200), not 409 "already weighed"; without one, 409 as before."""
    call_off = factories.call_off(contract)
    factories.dispatch(call_off)
    client = api(member(contract.buyer, Role.STAFF))
    url = reverse("linkage:call-off-delivery", args=[call_off.pk])
    today = timezone.localdate().strftime("%d/%m/%Y")
    typed = {"received_on": today, "gross_quantity": "12.500", "moisture": "14,5", "impurities": "1", "unfilled": "3"}
    with translation.override("vi"):
        first = client.post(url, typed, format="multipart", HTTP_IDEMPOTENCY_KEY="gate-2026-12-05-0001")
        again = client.post(url, typed, format="multipart", HTTP_IDEMPOTENCY_KEY="gate-2026-12-05-0001")
        unkeyed = client.post(url, typed, format="multipart")
    assert (first.status_code, again.status_code, unkeyed.status_code) == (201, 200, 409), again.content
    assert again.json()["delivery"] == first.json()["delivery"]
    assert Delivery.objects.filter(call_off=call_off).count() == 1
    assert Delivery.objects.get(call_off=call_off).gross_quantity == Decimal("12500")


def test_a_gate_delivery_received_on_a_day_to_come_is_a_400(api, contract):
    """A household's intake refuses a day that has not come; a contract's intake stored one a month ahead, and
    the statement and the report counted the delivery in that month."""
    call_off = factories.dispatch(factories.call_off(contract))
    client = api(member(contract.buyer, Role.STAFF))
    ahead = (timezone.localdate() + timedelta(days=30)).isoformat()
    body = {"received_on": ahead, "gross_quantity": "12500", "moisture": "14.5", "impurities": "1", "unfilled": "3"}
    response = client.post(reverse("linkage:call-off-delivery", args=[call_off.pk]), body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {"received_on"}
    assert not Delivery.objects.exists()
    assert CallOff.objects.get(pk=call_off.pk).status == CallOffStatus.PLACED


def test_reference_prices_through_the_api(api, processor, cooperative, alliance):
    manager = member(processor, Role.MANAGER)
    created = api(manager).post(
        reverse("linkage:series-list"),
        {"name": "Lúa tươi OM 18 tại ruộng", "category": Category.objects.get(slug="gao").pk,
         "province_code": 91},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    series_id = created.json()["id"]
    published = api(manager).post(
        reverse("linkage:series-prices", args=[series_id]), {"effective_on": "2026-12-07", "price": 7150}, format="json"
    )
    assert published.status_code == 201
    assert published.json()["prices"] == [{"effective_on": "2026-12-07", "price": 7150}]
    # The cooperative reads the alliance's and its own, not the processor's unrelated series.
    listed = api(member(cooperative, Role.STAFF)).get(reverse("linkage:series-list")).json()
    assert series_id not in [s["id"] for s in listed]


def test_a_contract_following_a_reference_price_in_another_unit_is_a_400(api, processor, cooperative, product):
    """The price rule adds the reference price to the premium as published: paddy sold by the kg following a
    price per tấn (7.200.000 ₫) was drafted, and its call-offs would have been ordered at 7.200.000 ₫ per kg."""
    manager = member(processor, Role.MANAGER)
    series = api(manager).post(
        reverse("linkage:series-list"),
        {"name": "Lúa tươi tại nhà máy", "category": Category.objects.get(slug="gao").pk, "province_code": 91,
         "unit": "tan"},
        format="json",
    )  # fmt: skip
    assert series.status_code == 201, series.content
    body = {
        **factories.terms_body(product, price_rule="market", base_price=None, reference_series=series.json()["id"]),
        "counterparty": cooperative.pk,
        "title": "Lúa Hè Thu theo giá thị trường",
        "season_kind": "summer_autumn",
        "season_year": 2027,
    }
    response = api(member(processor, Role.OWNER)).post(reverse("linkage:contract-list"), body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {"reference_series"}
    assert not LinkageContract.objects.exists()
