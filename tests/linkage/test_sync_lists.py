"""The lists of a contract's rows — call-offs, advances, force majeure, disputes — sync like every list
(docs/api-sync.md): `updated_since` hands out only what changed, paging never skips a row changed meanwhile,
another organisation sees none of them, and a reply to a dispute sends the dispute again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.utils import timezone

from linkage import services
from linkage.models import AdvanceKind, CallOff, Dispute, ForceMajeure, HazardKind, InputAdvance, LinkageContract
from market.organisations.models import OrganisationKind, Role
from tests.catalog.factories import MINIMAL_PDF, actor_for
from tests.factories import OrganisationFactory
from tests.linkage import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


def _advance(contract: LinkageContract, n: int) -> InputAdvance:
    return services.advance_record(
        actor=factories.buyer_actor(contract), contract_id=contract.pk, kind=AdvanceKind.SEED, description=f"Giống {n}",
        supplied_on=timezone.localdate(), value=1_000_000 + n,
    ).value  # fmt: skip


def _event(contract: LinkageContract, n: int) -> ForceMajeure:
    today = timezone.localdate()
    return services.force_majeure_declare(
        actor=factories.coop_actor(contract), contract_id=contract.pk, kind=HazardKind.FLOOD,
        starts_on=today + timedelta(days=60 + 20 * n), ends_on=today + timedelta(days=70 + 20 * n),
        description=f"Lũ {n}", evidence=SimpleUploadedFile("bang-chung.pdf", MINIMAL_PDF, "application/pdf"),
    )  # fmt: skip


def _dispute(contract: LinkageContract, n: int) -> Dispute:
    return services.dispute_open(
        actor=factories.coop_actor(contract), contract_id=contract.pk, subject=f"Độ ẩm {n}", text="Đo lại"
    )


def _call_off(contract: LinkageContract, n: int) -> CallOff:
    """A planned call-off (left unordered, so that the buyer can drop it)."""
    return services.call_off_add(
        actor=factories.buyer_actor(contract), contract_id=contract.pk, quantity=factories.D("1000"),
        due_on=timezone.localdate() + timedelta(days=3 + n), place=False,
    )  # fmt: skip


Make = Callable[[LinkageContract, int], Model]
Change = Callable[[LinkageContract, Any], object]
# For each list: its URL, how to make its n-th row, and a change a user makes to a row.
LISTS: dict[str, tuple[str, Make, Change]] = {
    "call-offs": (
        "/api/v1/linkage/call-offs/",
        _call_off,
        lambda contract, row: services.call_off_cancel(actor=factories.buyer_actor(contract), call_off_id=row.pk),
    ),
    "advances": (
        "/api/v1/linkage/advances/",
        _advance,
        lambda contract, row: services.advance_acknowledge(actor=factories.coop_actor(contract), advance_id=row.pk),
    ),
    "force-majeure": (
        "/api/v1/linkage/force-majeure/",
        _event,
        lambda contract, row: services.force_majeure_acknowledge(
            actor=factories.buyer_actor(contract), event_id=row.pk
        ),
    ),
    "disputes": (
        "/api/v1/linkage/disputes/",
        _dispute,
        lambda contract, row: services.dispute_reply(
            actor=factories.buyer_actor(contract), dispute_id=row.pk, text="Đồng ý đo lại"
        ),
    ),
}


def _change(name: str, contract: LinkageContract, row: Any) -> None:
    LISTS[name][2](contract, row)


def _rows(name: str, contract: LinkageContract, count: int) -> list[Any]:
    return [LISTS[name][1](contract, n) for n in range(count)]


def _since(moment: Any) -> str:
    return quote(moment.isoformat())


def _page_all(client: Any, url: str) -> tuple[list[dict[str, Any]], str]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        cursor, next_url = body["sync_cursor"], body["next"]
    return rows, cursor


@pytest.mark.parametrize("name", list(LISTS))
def test_updated_since_hands_out_only_the_rows_changed_since(api, contract, name):
    url = LISTS[name][0]
    old, fresh = _rows(name, contract, 2)
    client = api(factories.buyer_actor(contract).user)
    first, cursor = _page_all(client, f"{url}?updated_since={_since(timezone.now() - timedelta(minutes=1))}")
    assert {old.pk, fresh.pk} <= {row["id"] for row in first}
    assert all(row["contract"] == contract.pk for row in first)

    _change(name, contract, fresh)

    again, _cursor = _page_all(client, f"{url}?cursor={cursor}")
    assert [row["id"] for row in again] == [fresh.pk]
    assert again[0]["updated_at"] > next(row["updated_at"] for row in first if row["id"] == fresh.pk)


@pytest.mark.parametrize("name", list(LISTS))
def test_paging_never_skips_a_row_changed_while_the_client_pages(api, contract, name):
    """One row per page; between two pages a row already handed out and one not yet handed out change: the
    first comes again later in the same sync, the second comes once, and no row is missed."""
    url = LISTS[name][0]
    rows = _rows(name, contract, 4)
    client = api(factories.buyer_actor(contract).user)
    since = _since(timezone.now() - timedelta(minutes=1))
    body = client.get(f"{url}?updated_since={since}&contract={contract.pk}&page_size=1").json()
    seen = [row["id"] for row in body["results"]]
    assert len(seen) == 1

    _change(name, contract, type(rows[0])._default_manager.get(pk=seen[0]))  # a call-off's schedule may come first
    _change(name, contract, rows[2])

    more, _cursor = _page_all(client, body["next"])
    seen += [row["id"] for row in more]
    assert {row.pk for row in rows} <= set(seen)
    assert seen.count(rows[2].pk) == 1
    assert seen.count(seen[0]) == 2  # handed out, changed, handed out again
    assert "&page_size=1" in body["next"]
    assert f"contract={contract.pk}" in body["next"]


@pytest.mark.parametrize("name", list(LISTS))
def test_another_organisation_sees_none_of_a_contracts_rows(api, contract, name):
    url = LISTS[name][0]
    _rows(name, contract, 1)
    since = _since(timezone.now() - timedelta(minutes=1))
    strangers = [
        OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Khác"),
        OrganisationFactory(name="HTX Khác"),
    ]
    for stranger in strangers:
        client = api(actor_for(stranger, Role.OWNER).user)
        for query in ("", f"?contract={contract.pk}", f"?updated_since={since}&contract={contract.pk}"):
            response = client.get(url + query)
            assert response.status_code == 200, response.content
            assert response.json()["results"] == [], (stranger, query)
    # Both parties and alliance staff do see them.
    for party in (factories.buyer_actor(contract), factories.coop_actor(contract, Role.STAFF)):
        assert api(party.user).get(url, {"contract": contract.pk}).json()["results"]


def test_a_reply_to_a_dispute_moves_its_updated_at(contract):
    """The API shows a dispute with its messages: a reply is a change that sync must see."""
    dispute = _dispute(contract, 0)
    stale = timezone.now() - timedelta(days=1)
    Dispute.objects.filter(pk=dispute.pk).update(updated_at=stale)

    services.dispute_reply(actor=factories.buyer_actor(contract), dispute_id=dispute.pk, text="Đồng ý đo lại")

    assert Dispute.objects.get(pk=dispute.pk).updated_at > stale


def test_the_call_off_list_reads_its_rows_in_a_fixed_number_of_queries(api, contract, django_assert_max_num_queries):
    _rows("call-offs", contract, 6)
    client = api(factories.buyer_actor(contract).user)
    client.get("/api/v1/linkage/call-offs/")  # warm the session and the actor's membership
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/linkage/call-offs/").json()
    assert len(body["results"]) >= 6
    assert all("place" in row["allowed_actions"] or row["status"] != "planned" for row in body["results"])
