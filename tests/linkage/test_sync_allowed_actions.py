"""A call-off's and a contract's `allowed_actions` read more than their own row: the call-off its contract (status,
term, what may still be called), its order's status and the date; the contract its open draft and the date.
Each of these changes moves the row, so that an ERP syncing with `updated_since` (docs/api-sync.md) gets it
again with its new allowed actions instead of keeping stale ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone

from linkage import services
from linkage.models import CallOff, CallOffStatus, ContractVersion, LinkageContract
from tests.linkage import factories

pytestmark = pytest.mark.django_db
CALL_OFFS = "/api/v1/linkage/call-offs/"
CONTRACTS = "/api/v1/linkage/contracts/"


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


def _sync(client: Any, url: str, cursor: str = "") -> tuple[dict[int, dict[str, Any]], str]:
    """Every row handed out from the position (the last hour on a first sync), by id, and the new position."""
    since = quote((timezone.now() - timedelta(hours=1)).isoformat())
    next_url: str | None = f"{url}?cursor={cursor}" if cursor else f"{url}?updated_since={since}"
    rows: dict[int, dict[str, Any]] = {}
    while next_url:
        body = client.get(next_url).json()
        rows.update({row["id"]: row for row in body["results"]})
        cursor, next_url = body["sync_cursor"], body["next"]
    return rows, cursor


def _planned(contract: LinkageContract) -> CallOff:
    return CallOff.objects.get(contract=contract, status=CallOffStatus.PLANNED)


def test_a_call_off_comes_again_able_to_be_weighed_once_its_order_is_shipped(api, contract):
    call = factories.call_off(contract)
    client = api(factories.buyer_actor(contract).user)
    first, cursor = _sync(client, CALL_OFFS)
    assert "record_delivery" not in first[call.pk]["allowed_actions"]

    factories.dispatch(call)  # the cooperative confirms and ships the order: nothing of the call-off's own row

    again, _cursor = _sync(client, CALL_OFFS, cursor)
    assert "record_delivery" in again[call.pk]["allowed_actions"]


def test_planned_call_offs_come_again_when_another_call_off_uses_up_the_volume(api, contract):
    planned = _planned(contract)  # 300 tấn of the schedule; 1.260 tấn may be called in all
    client = api(factories.buyer_actor(contract).user)
    first, cursor = _sync(client, CALL_OFFS)
    assert "place" in first[planned.pk]["allowed_actions"]

    factories.call_off(contract, "1000000")  # 260 tấn left: too little for the planned 300

    again, cursor = _sync(client, CALL_OFFS, cursor)
    assert "place" not in again[planned.pk]["allowed_actions"]
    assert again[planned.pk]["status"] == "planned"


def test_a_contract_and_its_planned_call_offs_come_again_the_day_after_its_term(api, contract):
    planned = _planned(contract)
    client = api(factories.buyer_actor(contract).user)
    call_offs, call_offs_cursor = _sync(client, CALL_OFFS)
    contracts, contracts_cursor = _sync(client, CONTRACTS)
    assert "place" in call_offs[planned.pk]["allowed_actions"]
    assert contract.pk in contracts
    detail = client.get(f"{CONTRACTS}{contract.pk}/").json()
    assert "add_call_off" in detail["allowed_actions"]
    assert "close" not in detail["allowed_actions"]

    # Time passes: the term ended yesterday (as if its last day had come and gone; no service wrote anything).
    ContractVersion.objects.filter(pk=contract.version_in_force_id).update(
        ends_on=timezone.localdate() - timedelta(days=1)
    )
    assert _sync(client, CALL_OFFS, call_offs_cursor)[0] == {}

    assert services.contracts_past_term_moved() == 1  # the daily job, just after midnight

    call_offs, _cursor = _sync(client, CALL_OFFS, call_offs_cursor)
    assert "place" not in call_offs[planned.pk]["allowed_actions"]
    contracts, _cursor = _sync(client, CONTRACTS, contracts_cursor)
    assert set(contracts) == {contract.pk}
    detail = client.get(f"{CONTRACTS}{contract.pk}/").json()
    assert "add_call_off" not in detail["allowed_actions"]
    assert "close" in detail["allowed_actions"]
    # Run again (a missed day caught up): the same rows move, and nothing else does.
    assert services.contracts_past_term_moved() == 1
    assert services.contracts_past_term_moved(today=timezone.localdate() + timedelta(days=3)) == 0


def test_a_contract_comes_again_as_its_amendment_is_drafted_signed_reopened_and_discarded(api, contract, product):
    buyer, coop = factories.buyer_actor(contract), factories.coop_actor(contract)
    client = api(buyer.user)
    _rows, cursor = _sync(client, CONTRACTS)

    def synced_actions() -> list[str]:
        nonlocal cursor
        rows, cursor = _sync(client, CONTRACTS, cursor)
        assert set(rows) == {contract.pk}
        return client.get(f"{CONTRACTS}{contract.pk}/").json()["allowed_actions"]

    amended = replace(factories.rice_terms(product), committed_quantity=factories.D(1_300_000), change_note="Thêm.")
    services.contract_amend(actor=coop, contract_id=contract.pk, terms=amended)
    assert {"sign_as_buyer", "edit", "discard"} <= set(synced_actions())

    services.version_sign(actor=coop, contract_id=contract.pk)
    actions = synced_actions()
    assert "reopen" in actions
    assert "edit" not in actions

    services.version_reopen(actor=buyer, contract_id=contract.pk, note="Xem lại giá")
    assert "edit" in synced_actions()

    services.version_discard(actor=buyer, contract_id=contract.pk)
    assert "amend" in synced_actions()
