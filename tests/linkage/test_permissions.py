"""The permission matrix of every linkage endpoint and page: anonymous, the processor's owner and its staff,
the cooperative's owner and its staff, alliance staff (a manager), another cooperative and another
processor. Each role's request runs in a transaction rolled back afterwards, so every role meets the same
state; a refused request changes nothing. The world is built once for the module, inside a transaction rolled
back at its end; each test runs in a savepoint within it (pytest-django's own transaction)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from linkage import services
from linkage.models import (
    CallOff,
    ContractEvent,
    ContractVersion,
    Delivery,
    Dispute,
    DisputeMessage,
    ForceMajeure,
    HazardKind,
    InputAdvance,
    LinkageContract,
    ReferencePrice,
    ReferenceSeries,
)
from market.core.once import FIELD_NAME, new_key
from market.organisations.models import OrganisationKind, Role
from tests.catalog.factories import MINIMAL_PDF
from tests.factories import OrganisationFactory, member
from tests.linkage import factories
from tests.module_data import rows_of_the_module

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "buyer_owner",
    "buyer_staff",
    "coop_owner",
    "coop_staff",
    "alliance",
    "other_coop",
    "other_buyer",
)


@dataclass
class World:
    contract: LinkageContract
    draft: LinkageContract  # version 1 unsigned
    half_signed: LinkageContract  # version 1 signed by the processor
    planned: CallOff
    shipped: CallOff
    advance: InputAdvance
    event: ForceMajeure
    dispute: Dispute
    series: ReferenceSeries
    users: dict[str, Any]


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("bang-chung.pdf", MINIMAL_PDF, content_type="application/pdf")


def build_world() -> World:
    processor = factories.processor()
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    product = factories.paddy(cooperative)
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
    contract = factories.sign_both(factories.draft(processor, cooperative, product))
    draft = factories.draft(processor, cooperative, product)
    half_signed = factories.draft(processor, cooperative, product)
    services.version_sign(actor=factories.buyer_actor(half_signed), contract_id=half_signed.pk)
    shipped = factories.dispatch(factories.call_off(contract, "10000"))
    advance = services.advance_record(
        actor=factories.buyer_actor(contract), contract_id=contract.pk, kind="seed", description="Giống",
        supplied_on=timezone.localdate(), value=1_000_000,
    ).value  # fmt: skip
    today = timezone.localdate()
    event = services.force_majeure_declare(
        actor=factories.coop_actor(contract), contract_id=contract.pk, kind=HazardKind.FLOOD,
        starts_on=today + timedelta(days=60), ends_on=today + timedelta(days=70), description="Lũ", evidence=_pdf(),
    )  # fmt: skip
    dispute = services.dispute_open(
        actor=factories.coop_actor(contract), contract_id=contract.pk, subject="Độ ẩm", text="Đo lại"
    )
    users = {
        "anonymous": None,
        "buyer_owner": member(processor, Role.OWNER),
        "buyer_staff": member(processor, Role.STAFF),
        "coop_owner": member(cooperative, Role.OWNER),
        "coop_staff": member(cooperative, Role.STAFF),
        "alliance": member(alliance, Role.MANAGER),
        "other_coop": member(OrganisationFactory(name="HTX Khác"), Role.OWNER),
        "other_buyer": member(OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Khác"), Role.OWNER),
    }
    return World(
        contract=contract,
        draft=draft,
        half_signed=half_signed,
        planned=contract.call_offs.get(status="planned"),
        shipped=shipped,
        advance=advance,
        event=event,
        dispute=dispute,
        series=factories.series(processor),
        users=users,
    )


@pytest.fixture(scope="module")
def _media_roots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _media(settings: Any, _media_roots: tuple[Path, Path]) -> None:
    """Overrides tests/linkage/conftest.py's: every test reads the evidence file the module's world stored."""
    settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT = _media_roots


@pytest.fixture(scope="module")
def _built(django_db_setup: None, django_db_blocker: Any, _media_roots: tuple[Path, Path]) -> Iterator[World]:
    media, private = _media_roots
    with override_settings(MEDIA_ROOT=media, PRIVATE_MEDIA_ROOT=private), rows_of_the_module(django_db_blocker):
        yield build_world()


@pytest.fixture
def world(_built: World, db: None) -> World:
    return _built


def fingerprint() -> tuple[Any, ...]:
    """What any linkage write changes."""
    return (
        ContractEvent.objects.count(),
        sorted(LinkageContract.objects.values_list("pk", "status", "called_quantity")),
        sorted(ContractVersion.objects.values_list("pk", "status", "buyer_signed_at", "cooperative_signed_at")),
        sorted(CallOff.objects.values_list("pk", "status")),
        Delivery.objects.count(),
        sorted(InputAdvance.objects.values_list("pk", "acknowledged_at")),
        sorted(ForceMajeure.objects.values_list("pk", "acknowledged_at", "ended_at")),
        sorted(Dispute.objects.values_list("pk", "status")),
        DisputeMessage.objects.count(),
        ReferenceSeries.objects.count(),
        ReferencePrice.objects.count(),
    )


def run_matrix(world: World, make_client: Callable[[Any], Any], call: Callable[[Any], Any], expected: dict[str, int]):
    """Every role in turn, each in a rolled-back transaction; denials change nothing."""
    seen = {}
    for role in ROLES:
        before = fingerprint()
        with transaction.atomic():
            response = call(make_client(world.users[role]))
            seen[role] = response.status_code
            if response.status_code >= 300 and response.status_code != 302:
                assert fingerprint() == before, role
            transaction.set_rollback(True)
    assert seen == {role: expected[role] for role in ROLES}


def api_client(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def page_client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def codes(default: int, **overrides: int) -> dict[str, int]:
    table = {role: default for role in ROLES}
    table["anonymous"] = 401
    table.update(overrides)
    return table


OUTSIDERS = {"other_coop": 404, "other_buyer": 404}
READ = codes(200, **OUTSIDERS)
OWNERS = codes(403, buyer_owner=200, coop_owner=200, **OUTSIDERS)


def _terms_body(world: World) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "product": world.contract.version_in_force.product_id,
        "grade_spec": "Lúa tươi",
        "committed_quantity": "1200000",
        "delivery_place": "Nhà máy",
        "delivery_province_code": 91,
        "price_rule": "fixed",
        "base_price": 7100,
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=90)).isoformat(),
    }


def _intake_body() -> dict[str, Any]:
    return {
        "received_on": timezone.localdate().isoformat(),
        "gross_quantity": "10000",
        "moisture": "14.5",
        "impurities": "1",
        "unfilled": "2",
    }


API: list[tuple[str, Callable[[World, APIClient], Any], dict[str, int]]] = [
    ("contract list", lambda w, c: c.get(reverse("linkage:contract-list")), codes(200)),
    (
        "draft a contract",
        lambda w, c: c.post(
            reverse("linkage:contract-list"),
            {
                **_terms_body(w),
                "counterparty": w.contract.cooperative_id,
                "title": "Mới",
                "season_kind": "year",
                "season_year": 2027,
            },
            format="json",
        ),
        # Another processor may draft with the same cooperative; a cooperative names a processor (400 here).
        codes(403, buyer_owner=201, other_buyer=201, coop_owner=400, other_coop=400),
    ),
    ("contract detail", lambda w, c: c.get(reverse("linkage:contract-detail", args=[w.contract.pk])), READ),
    ("versions", lambda w, c: c.get(reverse("linkage:contract-versions", args=[w.contract.pk])), READ),
    ("statement", lambda w, c: c.get(reverse("linkage:contract-statement", args=[w.contract.pk])), READ),
    (
        "edit the draft",
        lambda w, c: c.put(reverse("linkage:contract-draft", args=[w.draft.pk]), _terms_body(w), format="json"),
        OWNERS,
    ),
    (
        "amend",
        lambda w, c: c.post(reverse("linkage:contract-amend", args=[w.contract.pk]), _terms_body(w), format="json"),
        codes(403, buyer_owner=201, coop_owner=201, **OUTSIDERS),
    ),
    ("sign", lambda w, c: c.post(reverse("linkage:contract-sign", args=[w.draft.pk]), {}, format="json"), OWNERS),
    (
        "sign twice",
        lambda w, c: c.post(reverse("linkage:contract-sign", args=[w.half_signed.pk]), {}, format="json"),
        codes(403, buyer_owner=409, coop_owner=200, **OUTSIDERS),
    ),
    ("reopen", lambda w, c: c.post(reverse("linkage:contract-reopen", args=[w.half_signed.pk]), {}), OWNERS),
    ("discard", lambda w, c: c.post(reverse("linkage:contract-discard", args=[w.draft.pk])), OWNERS),
    (
        "terminate",
        lambda w, c: c.post(reverse("linkage:contract-terminate", args=[w.contract.pk]), {"reason": "Hết vụ"}),
        OWNERS,
    ),
    (
        "close too early",
        lambda w, c: c.post(reverse("linkage:contract-close", args=[w.contract.pk])),
        codes(403, buyer_owner=409, coop_owner=409, **OUTSIDERS),
    ),
    (
        "add a call-off",
        lambda w, c: c.post(
            reverse("linkage:call-off-list", args=[w.contract.pk]),
            {"due_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "quantity": "5000"},
            format="json",
        ),
        codes(403, buyer_owner=201, **OUTSIDERS),
    ),
    (
        "order a planned call-off",
        lambda w, c: c.post(reverse("linkage:call-off-place", args=[w.planned.pk])),
        codes(403, buyer_owner=200, **OUTSIDERS),
    ),
    (
        "drop a planned call-off",
        lambda w, c: c.post(reverse("linkage:call-off-cancel", args=[w.planned.pk])),
        codes(403, buyer_owner=200, **OUTSIDERS),
    ),
    (
        "record the intake",
        lambda w, c: c.post(reverse("linkage:call-off-delivery", args=[w.shipped.pk]), _intake_body(), format="json"),
        codes(403, buyer_owner=201, buyer_staff=201, **OUTSIDERS),
    ),
    (
        "record an advance",
        lambda w, c: c.post(
            reverse("linkage:advance-list", args=[w.contract.pk]),
            {
                "kind": "fertiliser",
                "description": "NPK",
                "supplied_on": timezone.localdate().isoformat(),
                "value": 1000,
            },
            format="json",
        ),
        codes(403, buyer_owner=201, **OUTSIDERS),
    ),
    (
        "confirm an advance",
        lambda w, c: c.post(reverse("linkage:advance-acknowledge", args=[w.advance.pk])),
        codes(403, coop_owner=200, **OUTSIDERS),
    ),
    (
        "declare force majeure",
        lambda w, c: c.post(
            reverse("linkage:force-majeure-list", args=[w.contract.pk]),
            {
                "kind": "drought",
                "starts_on": timezone.localdate().isoformat(),
                "description": "Hạn",
                "evidence": _pdf(),
            },
            format="multipart",
        ),
        codes(403, buyer_owner=201, coop_owner=201, **OUTSIDERS),
    ),
    (
        "acknowledge force majeure",
        lambda w, c: c.post(reverse("linkage:force-majeure-acknowledge", args=[w.event.pk])),
        codes(403, buyer_owner=200, **OUTSIDERS),
    ),
    ("end force majeure", lambda w, c: c.post(reverse("linkage:force-majeure-end", args=[w.event.pk])), OWNERS),
    (
        "open a dispute",
        lambda w, c: c.post(
            reverse("linkage:dispute-list", args=[w.contract.pk]), {"subject": "Giá", "text": "Sai giá"}, format="json"
        ),
        codes(403, buyer_owner=201, coop_owner=201, **OUTSIDERS),
    ),
    (
        "write in a dispute",
        lambda w, c: c.post(reverse("linkage:dispute-reply", args=[w.dispute.pk]), {"text": "Đồng ý đo lại"}),
        codes(403, buyer_owner=201, coop_owner=201, alliance=201, **OUTSIDERS),
    ),
    (
        "resolve a dispute",
        lambda w, c: c.post(reverse("linkage:dispute-resolve", args=[w.dispute.pk]), {"resolution": "Đo lại"}),
        codes(403, buyer_owner=200, coop_owner=200, alliance=200, **OUTSIDERS),
    ),
    ("reference prices", lambda w, c: c.get(reverse("linkage:series-list")), codes(200)),
    (
        "new price series",
        lambda w, c: c.post(
            reverse("linkage:series-list"),
            {"name": "Lúa khô", "category": w.series.category_id, "province_code": 91},
            format="json",
        ),
        codes(403, buyer_owner=201, alliance=201, other_buyer=201),
    ),
    (
        "publish a price",
        lambda w, c: c.post(
            reverse("linkage:series-prices", args=[w.series.pk]),
            {"effective_on": timezone.localdate().isoformat(), "price": 7300},
            format="json",
        ),
        codes(403, buyer_owner=201, alliance=404, other_buyer=404),
    ),
    ("report", lambda w, c: c.get(reverse("linkage:report")), codes(403, alliance=200)),
]


@pytest.mark.parametrize(("name", "call", "expected"), API, ids=[row[0] for row in API])
def test_api_matrix(world, name, call, expected):
    run_matrix(world, api_client, lambda client: call(world, client), expected)


def redirected(default: int = 302) -> dict[str, int]:
    """Pages: anonymous people are sent to log in."""
    table = codes(default)
    table["anonymous"] = 302
    return table


PAGE_READ = {**redirected(200), **OUTSIDERS}
PAGES: list[tuple[str, Callable[[World, Client], Any], dict[str, int]]] = [
    ("contract list", lambda w, c: c.get(reverse("frontend:linkage-contracts")), redirected(200)),
    (
        "new contract",
        lambda w, c: c.get(reverse("frontend:linkage-contract-new")),
        {**redirected(403), "buyer_owner": 200, "coop_owner": 200, "other_coop": 200, "other_buyer": 200},
    ),
    ("contract page", lambda w, c: c.get(reverse("frontend:linkage-contract", args=[w.contract.pk])), PAGE_READ),
    (
        "version page",
        lambda w, c: c.get(reverse("frontend:linkage-version", args=[w.contract.pk, 1])),
        PAGE_READ,
    ),
    (
        "edit the draft",
        lambda w, c: c.get(reverse("frontend:linkage-contract-edit", args=[w.draft.pk])),
        {**redirected(403), "buyer_owner": 200, "coop_owner": 200, **OUTSIDERS},
    ),
    (
        "amend",
        lambda w, c: c.get(reverse("frontend:linkage-contract-amend", args=[w.contract.pk])),
        {**redirected(403), "buyer_owner": 200, "coop_owner": 200, **OUTSIDERS},
    ),
    ("call-off page", lambda w, c: c.get(reverse("frontend:linkage-call-off", args=[w.shipped.pk])), PAGE_READ),
    ("intake page", lambda w, c: c.get(reverse("frontend:linkage-intake", args=[w.shipped.pk])), PAGE_READ),
    ("evidence", lambda w, c: c.get(reverse("frontend:linkage-evidence", args=[w.event.pk])), PAGE_READ),
    ("reference prices", lambda w, c: c.get(reverse("frontend:linkage-prices")), redirected(200)),
    ("report", lambda w, c: c.get(reverse("frontend:linkage-report")), {**redirected(403), "alliance": 200}),
    ("report csv", lambda w, c: c.get(reverse("frontend:linkage-report-csv")), {**redirected(403), "alliance": 200}),
    ("report xlsx", lambda w, c: c.get(reverse("frontend:linkage-report-xlsx")), {**redirected(403), "alliance": 200}),
]


@pytest.mark.parametrize(("name", "call", "expected"), PAGES, ids=[row[0] for row in PAGES])
def test_page_matrix(world, name, call, expected):
    run_matrix(world, page_client, lambda client: call(world, client), expected)


def _changed_by(world: World, role: str, post: Callable[[Client], Any]) -> bool:
    before = fingerprint()
    with transaction.atomic():
        response = post(page_client(world.users[role]))
        assert response.status_code in (302, 404), role  # back to the page with a message, or not theirs
        changed = fingerprint() != before
        transaction.set_rollback(True)
    return changed


PAGE_COMMANDS: list[tuple[str, Callable[[World], str], dict[str, Any], set[str]]] = [
    ("sign", lambda w: reverse("frontend:linkage-contract-command", args=[w.draft.pk, "sign"]), {},
     {"buyer_owner", "coop_owner"}),
    ("terminate", lambda w: reverse("frontend:linkage-contract-command", args=[w.contract.pk, "terminate"]),
     {"reason": "Bên mua ngừng"}, {"buyer_owner", "coop_owner"}),
    ("add a call-off", lambda w: reverse("frontend:linkage-contract-command", args=[w.contract.pk, "call-off"]),
     {"co-due_on": "", "co-quantity": "5.000", "co-place": "on", FIELD_NAME: new_key()}, {"buyer_owner"}),
    ("order a call-off", lambda w: reverse("frontend:linkage-item-command", args=["call-off", w.planned.pk, "place"]),
     {}, {"buyer_owner"}),
    ("confirm an advance",
     lambda w: reverse("frontend:linkage-item-command", args=["advance", w.advance.pk, "acknowledge"]), {},
     {"coop_owner"}),
    ("write in a dispute", lambda w: reverse("frontend:linkage-item-command", args=["dispute", w.dispute.pk, "reply"]),
     {"text": "Đồng ý"}, {"buyer_owner", "coop_owner", "alliance"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "url", "data", "allowed"), PAGE_COMMANDS, ids=[row[0] for row in PAGE_COMMANDS])
def test_page_commands_change_something_only_for_the_allowed(world, name, url, data, allowed):
    if "co-due_on" in data:
        data = {**data, "co-due_on": (timezone.localdate() + timedelta(days=3)).isoformat()}
    changed = {role for role in ROLES if _changed_by(world, role, lambda c: c.post(url(world), data))}
    assert changed == allowed
