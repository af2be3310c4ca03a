"""What a contract's terms may say: money and volume within what a real contract reaches (so that every sum of
the statement and the report fits its column), grading bands that never count a value twice, a term that is
not over, and a harvest year within the term. Refused by the API and the page with the field named."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.pricing import MAX_UNIT_PRICE
from linkage import selectors, services
from linkage.inputs import MAX_COMMITTED_QUANTITY, MAX_CONTRACT_SUM, MAX_PREMIUM, MAX_TOLERANCE
from linkage.models import LinkageContract, max_quantity
from linkage.terms import terms_of
from market.core.errors import ValidationFailed
from market.organisations.models import Role
from tests.factories import member
from tests.linkage import factories

pytestmark = pytest.mark.django_db
BIGINT = 2**63 - 1


def _draft(api, processor, body):
    return api(member(processor, Role.OWNER)).post(reverse("linkage:contract-list"), body, format="json")


def _fields(response) -> set[str]:
    assert response.status_code == 400, response.content
    return set(response.json()["error"]["fields"])


# --- money and volume --------------------------------------------------------------------------------
def test_prices_deposits_advances_and_volume_past_any_real_contract_are_refused(api, processor, cooperative, product):
    """Each took up to 999 billion đồng (or 10^11 units); now a unit price stops at the catalogue's bound and a
    deposit or the advances' ceiling at MAX_CONTRACT_SUM."""
    over = {
        "base_price": MAX_UNIT_PRICE + 1,
        "deposit": MAX_CONTRACT_SUM + 1,
        "advance_limit": MAX_CONTRACT_SUM + 1,
        "committed_quantity": str(MAX_COMMITTED_QUANTITY + 1),
        "premium": MAX_PREMIUM + 1,
    }
    assert _fields(
        _draft(api, processor, factories.draft_body(product, cooperative, price_rule="higher_of", **over))
    ) >= set(over)
    assert not LinkageContract.objects.exists()
    at_most = {k: v - 1 if isinstance(v, int) else str(MAX_COMMITTED_QUANTITY) for k, v in over.items()}
    assert _draft(api, processor, factories.draft_body(product, cooperative, **at_most)).status_code == 201


def test_an_advance_and_a_reference_price_past_any_real_one_are_refused(api, contract, processor):
    buyer = member(contract.buyer, Role.OWNER)
    advance = {"kind": "seed", "description": "Giống", "supplied_on": timezone.localdate().isoformat(),
               "value": MAX_CONTRACT_SUM + 1}  # fmt: skip
    response = api(buyer).post(reverse("linkage:advance-list", args=[contract.pk]), advance, format="json")
    assert _fields(response) == {"value"}
    reference = factories.series(processor)
    price = {"effective_on": timezone.localdate().isoformat(), "price": MAX_UNIT_PRICE + 1}
    response = api(member(processor, Role.OWNER)).post(
        reverse("linkage:series-prices", args=[reference.pk]), price, format="json"
    )
    assert _fields(response) == {"price"}


def test_the_terms_page_refuses_a_price_typed_with_zeros_too_many_and_keeps_it(processor, cooperative, product):
    client = Client()
    client.force_login(member(processor, Role.OWNER))
    today = timezone.localdate()
    data = {
        "counterparty": cooperative.pk, "title": "Lúa", "season_kind": "year", "season_year": str(today.year),
        "product": product.pk,
        "grade_spec": "Lúa", "committed_quantity": "1.000", "delivery_place": "Nhà máy", "delivery_province_code": "91",
        "price_rule": "fixed", "base_price": "70.000.000.000", "deposit": "600.000.000.000",
        "starts_on": today.isoformat(), "ends_on": today.isoformat(),
    }  # fmt: skip
    page = client.post(reverse("frontend:linkage-contract-new") + f"?with={cooperative.pk}", data).content.decode()
    assert 'value="70.000.000.000"' in page
    assert "10.000.000.000" in page.split('id="id_base_price_error"')[1][:200]
    assert "500.000.000.000" in page.split('id="id_deposit_error"')[1][:200]
    assert not LinkageContract.objects.exists()


def test_the_largest_legal_contract_fully_delivered_fits_every_sum(api, processor, cooperative, product, alliance):
    """What bounds the sums: the volume that may be called (committed plus tolerance) at the highest unit price a
    rule gives (the floor or a reference price, plus the premium). Two contracts at that bound, fully delivered:
    the columns that add deliveries up hold it, and the statement, the detail and the report read it exactly."""
    largest = max_quantity(MAX_COMMITTED_QUANTITY, MAX_TOLERANCE) * (MAX_UNIT_PRICE + MAX_PREMIUM)
    assert largest <= BIGINT
    body = factories.draft_body(
        product, cooperative, committed_quantity=str(MAX_COMMITTED_QUANTITY), tolerance_percent=str(MAX_TOLERANCE),
        base_price=MAX_UNIT_PRICE, deposit=MAX_CONTRACT_SUM, advance_limit=MAX_CONTRACT_SUM, schedule=[],
    )  # fmt: skip
    contracts = []
    for _ in range(2):
        created = _draft(api, processor, body)
        assert created.status_code == 201, created.content
        contracts.append(factories.sign_both(LinkageContract.objects.get(pk=created.json()["id"])))
    for contract in contracts:
        LinkageContract.objects.filter(pk=contract.pk).update(
            delivered_quantity=contract.max_quantity, delivered_value=int(largest)
        )
        services.advance_record(
            actor=factories.buyer_actor(contract), contract_id=contract.pk, kind="seed", description="Giống",
            supplied_on=timezone.localdate(), value=MAX_CONTRACT_SUM,
        )  # fmt: skip
    contract = LinkageContract.objects.get(pk=contracts[0].pk)
    assert contract.delivered_value == largest
    statement = selectors.contract_statement(contract)
    assert (statement.deposit_due, statement.advances) == (MAX_CONTRACT_SUM, MAX_CONTRACT_SUM)
    client = api(member(processor, Role.OWNER))
    assert client.get(reverse("linkage:contract-detail", args=[contract.pk])).json()["delivered_value"] == largest
    report = api(member(alliance, Role.MANAGER)).get(reverse("linkage:report")).json()
    assert report["total"]["delivered_value"] == 2 * largest
    page = Client()
    page.force_login(member(alliance, Role.MANAGER))
    assert page.get(reverse("frontend:linkage-report")).status_code == 200
    page.force_login(member(processor, Role.MANAGER))
    assert page.get(reverse("frontend:linkage-contract", args=[contract.pk])).status_code == 200


# --- grading bands, term and harvest year ---------------------------------------------------------
@pytest.mark.parametrize(
    ("bands", "row"),
    [
        # the same band twice
        ([("moisture", "14", "17", "weight"), ("moisture", "14", "17", "weight")], 1),
        # ranges that share values: 16–17 % would be counted twice
        ([("moisture", "14", "17", "weight"), ("moisture", "16", "20", "weight")], 1),
        # an open-ended band swallows a later one
        (
            [
                ("impurities", "2", None, "weight"),
                ("moisture", "14", None, "weight"),
                ("impurities", "5", "8", "weight"),
            ],
            2,
        ),
        # density: lower is worse; 550 down to 500 and 520 down to 480 share 500–520
        ([("density", "550", "500", "price"), ("density", "520", "480", "price")], 1),
    ],
)
def test_overlapping_grading_bands_are_refused_naming_the_row(api, processor, cooperative, product, bands, row):
    grading = [{"measure": m, "threshold": t, "limit": lim, "effect": e, "rate": "1"} for m, t, lim, e in bands]
    response = _draft(api, processor, factories.draft_body(product, cooperative, grading=grading))
    assert _fields(response) == {f"grading.{row}.threshold"}
    assert not LinkageContract.objects.exists()


def test_bands_that_meet_or_deduct_differently_are_kept(api, processor, cooperative, product):
    grading = [
        {"measure": "moisture", "threshold": "14", "limit": "17", "effect": "weight", "rate": "1.2"},
        {"measure": "moisture", "threshold": "17", "limit": None, "effect": "weight", "rate": "1.5"},
        {"measure": "moisture", "threshold": "14", "limit": None, "effect": "price", "rate": "20"},
        {"measure": "density", "threshold": "550", "limit": "500", "effect": "price", "rate": "300"},
        {"measure": "density", "threshold": "500", "limit": None, "effect": "price", "rate": "500"},
    ]
    assert _draft(api, processor, factories.draft_body(product, cooperative, grading=grading)).status_code == 201


def test_a_term_wholly_in_the_past_is_refused(api, processor, cooperative, product):
    today = timezone.localdate()
    past = {"starts_on": (today - timedelta(days=90)).isoformat(), "ends_on": (today - timedelta(days=1)).isoformat(),
            "season_year": (today - timedelta(days=1)).year, "schedule": []}  # fmt: skip
    assert _fields(_draft(api, processor, factories.draft_body(product, cooperative, **past))) == {"ends_on"}
    ending_today = {**past, "ends_on": today.isoformat(), "season_year": today.year}
    assert _draft(api, processor, factories.draft_body(product, cooperative, **ending_today)).status_code == 201


def test_a_harvest_year_outside_the_term_is_refused_at_draft_and_edit(api, processor, cooperative, product):
    today = timezone.localdate()
    outside = today.year + 3
    response = _draft(api, processor, factories.draft_body(product, cooperative, season_year=outside))
    assert _fields(response) == {"season_year"}
    assert str(outside) in response.json()["error"]["fields"]["season_year"][0]

    contract = factories.draft(processor, cooperative, product)
    terms = terms_of(contract.open_draft)
    moved = replace(terms, starts_on=today.replace(year=today.year + 4), ends_on=today.replace(year=today.year + 4))
    with pytest.raises(ValidationFailed) as error:
        services.version_update(actor=factories.buyer_actor(contract), contract_id=contract.pk, terms=moved)
    assert set(error.value.fields) == {"season_year"}
    assert terms_of(LinkageContract.objects.get(pk=contract.pk).open_draft) == terms


def test_the_terms_page_names_the_overlapping_band_the_past_term_and_the_year(processor, cooperative, product):
    client = Client()
    client.force_login(member(processor, Role.OWNER))
    today = timezone.localdate()
    data = {
        "counterparty": cooperative.pk, "title": "Lúa", "season_kind": "year", "season_year": str(today.year + 5),
        "product": product.pk,
        "grade_spec": "Lúa", "committed_quantity": "1.000", "delivery_place": "Nhà máy", "delivery_province_code": "91",
        "price_rule": "fixed", "base_price": "7.000", "starts_on": (today - timedelta(days=30)).strftime("%d/%m/%Y"),
        "ends_on": (today - timedelta(days=2)).strftime("%d/%m/%Y"),
        "grading[0]measure": "moisture", "grading[0]threshold": "14", "grading[0]limit": "17",
        "grading[0]effect": "weight", "grading[0]rate": "1,2",
        "grading[1]measure": "moisture", "grading[1]threshold": "15,5", "grading[1]limit": "",
        "grading[1]effect": "weight", "grading[1]rate": "2",
    }  # fmt: skip
    url = reverse("frontend:linkage-contract-new") + f"?with={cooperative.pk}"
    page = client.post(url, data).content.decode()
    assert 'id="id_ends_on_error"' in page
    assert 'value="15,5"' in page  # the band as typed stays, with its error
    assert "grading.1.threshold" in page
    assert not LinkageContract.objects.exists()
    # The band and the term corrected, the year is the one thing left to put right.
    data |= {"grading[1]threshold": "17", "ends_on": (today + timedelta(days=30)).strftime("%d/%m/%Y")}
    page = client.post(url, data).content.decode()
    assert 'id="id_season_year_error"' in page
    assert not LinkageContract.objects.exists()
    data["season_year"] = str((today + timedelta(days=30)).year)
    assert client.post(url, data).status_code == 302
    assert LinkageContract.objects.get().season_year == (today + timedelta(days=30)).year
