"""Who may do what, for every supply endpoint and page: the cooperative's owner, manager and staff, another
cooperative, a buyer, alliance staff and anonymous. A foreign row answers like a missing one (404); a role
that may not is told so (403). Each page offers exactly the actions its policy allows (data-action).

The world and its people are built once for the module, inside a transaction rolled back at its end; each test
runs in a savepoint within it (pytest-django's own transaction), so every endpoint × role meets the same rows
and leaves none behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from catalog.supply import policy
from catalog.supply.models import Intake
from market.organisations.models import Organisation, OrganisationKind, Role
from market.organisations.permissions import Actor
from tests.factories import OrganisationFactory, member
from tests.matrix import shown_actions
from tests.module_data import rows_of_the_module
from tests.supply.conftest import TAN_HIEP, World, build_world, record

pytestmark = pytest.mark.django_db

ROLES = ("owner", "manager", "staff", "other", "buyer", "alliance", "anonymous")


People = tuple[dict[str, Any], dict[str, Actor]]


def _people(world: World, alliance: Organisation) -> People:
    coop = world.cooperative
    other = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Nhà máy Xay xát")
    users = {
        "owner": world.owner.user,
        "manager": member(coop, Role.MANAGER),
        "staff": world.staff.user,
        "other": member(other, Role.OWNER),
        "buyer": member(buyer, Role.OWNER),
        "alliance": member(alliance, Role.STAFF),
        "anonymous": None,
    }
    orgs = {"owner": coop, "manager": coop, "staff": coop, "other": other, "buyer": buyer, "alliance": alliance}
    roles = {"owner": Role.OWNER, "manager": Role.MANAGER, "staff": Role.STAFF, "other": Role.OWNER,
             "buyer": Role.OWNER, "alliance": Role.STAFF}  # fmt: skip
    actors = {k: Actor(user=users[k], organisation=orgs[k], role=roles[k]) for k in orgs} | {
        "anonymous": Actor.anonymous()
    }
    return users, actors


@pytest.fixture(scope="module")
def _built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, People]]:
    """The world of tests/supply/conftest.py and its people, made once; rolled back when the module ends."""
    with rows_of_the_module(django_db_blocker):
        alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
        cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
        cooperative.province_code, cooperative.commune_code = 91, TAN_HIEP
        cooperative.save()
        world = build_world(cooperative)
        yield world, _people(world, alliance)


@pytest.fixture
def world(_built: tuple[World, People], db: None) -> World:
    return _built[0]


@pytest.fixture
def people(_built: tuple[World, People], db: None) -> People:
    return _built[1]


def _intake(world: World) -> Intake:
    return record(world, 0, "100")


# (name, method, url(world, intake), body(world) or None, expected status per role)
READ = {"owner": 200, "manager": 200, "staff": 200, "other": 404, "buyer": 403, "alliance": 200, "anonymous": 403}
LIST = READ | {"other": 200}
MANAGE = {"owner": 200, "manager": 200, "staff": 403, "other": 404, "buyer": 403, "alliance": 403, "anonymous": 403}
CREATE = MANAGE | {"owner": 201, "manager": 201, "other": 201}


def area_body(world: World) -> dict:
    return {"code": "X-1", "name": "Vùng mới", "category": world.rice.pk, "crop": "Lúa", "province_code": 91}


def plot_body(world: World) -> dict:
    return {"code": "P-NEW", "commune_code": 30850, "hectares": "1.5"}


def plan_body(world: World) -> dict:
    return {"season": world.season.pk, "category": world.rice.pk, "crop": "Lúa", "sowing_date":
            (world.harvest - timedelta(days=90)).isoformat(), "expected_harvest_date": world.harvest.isoformat(),
            "expected_yield_kg_per_ha": "6500"}  # fmt: skip


def intake_body(world: World) -> dict:
    return {"household": world.households[1].pk, "plot": world.plots[1].pk, "received_on": world.harvest.isoformat(),
            "weight_kg": "250.5", "moisture_percent": "14.5"}  # fmt: skip


def household_body(world: World) -> dict:
    return {"code": "TV-999", "name": "Phạm Văn Tám", "kind": "official", "province_code": 91, "commune_code": 30850}


ENDPOINTS: list[tuple[str, str, Callable, Callable | None, dict]] = [
    ("areas list", "get", lambda w, i: "/api/v1/supply/areas/", None, LIST),
    ("area create", "post", lambda w, i: "/api/v1/supply/areas/", area_body, CREATE | {"other": 201}),
    ("area detail", "get", lambda w, i: f"/api/v1/supply/areas/{w.area.pk}/", None, READ),
    ("area update", "put", lambda w, i: f"/api/v1/supply/areas/{w.area.pk}/", area_body, MANAGE),
    ("area plots", "get", lambda w, i: f"/api/v1/supply/areas/{w.area.pk}/plots/", None, READ),
    ("plot create", "post", lambda w, i: f"/api/v1/supply/areas/{w.area.pk}/plots/", plot_body,
     MANAGE | {"owner": 201, "manager": 201}),
    ("season plan", "post", lambda w, i: f"/api/v1/supply/areas/{w.area.pk}/season-plan/", plan_body, MANAGE),
    ("plot detail", "get", lambda w, i: f"/api/v1/supply/plots/{w.plots[0].pk}/", None, READ),
    ("plot update", "put", lambda w, i: f"/api/v1/supply/plots/{w.plots[0].pk}/",
     lambda w: plot_body(w) | {"code": "K8-001"}, MANAGE),
    ("plot outline", "put", lambda w, i: f"/api/v1/supply/plots/{w.plots[0].pk}/outline/",
     lambda w: {"polygon": None}, MANAGE),
    ("plot season", "post", lambda w, i: f"/api/v1/supply/plots/{w.plots[0].pk}/seasons/", plan_body,
     MANAGE | {"owner": 201, "manager": 201}),
    ("seasons", "get", lambda w, i: "/api/v1/supply/seasons/", None, LIST),
    ("season detail", "get", lambda w, i: f"/api/v1/supply/seasons/{w.season.pk}/", None, READ),
    ("season price", "post", lambda w, i: f"/api/v1/supply/seasons/{w.season.pk}/prices/",
     lambda w: {"category": w.rice.pk, "grade": "Loại 2", "price_per_kg": 7000},
     MANAGE | {"owner": 201, "manager": 201}),
    ("statement", "get", lambda w, i: f"/api/v1/supply/seasons/{w.season.pk}/statement/", None, READ | {"staff": 403}),
    ("statement xlsx", "get", lambda w, i: f"/api/v1/supply/seasons/{w.season.pk}/statement.xlsx", None,
     READ | {"staff": 403}),
    ("households", "get", lambda w, i: "/api/v1/supply/households/", None, LIST),
    ("household create", "post", lambda w, i: "/api/v1/supply/households/", household_body, CREATE),
    ("household detail", "get", lambda w, i: f"/api/v1/supply/households/{w.households[0].pk}/", None, READ),
    ("household consent", "post", lambda w, i: f"/api/v1/supply/households/{w.households[0].pk}/consent/",
     lambda w: {"name_public": False}, MANAGE),
    ("intakes", "get", lambda w, i: "/api/v1/supply/intakes/", None, LIST),
    ("intake record", "post", lambda w, i: "/api/v1/supply/intakes/", intake_body,
     {"owner": 201, "manager": 201, "staff": 201, "other": 400, "buyer": 403, "alliance": 403, "anonymous": 403}),
    ("intake detail", "get", lambda w, i: f"/api/v1/supply/intakes/{i.pk}/", None, READ),
    ("intake update", "put", lambda w, i: f"/api/v1/supply/intakes/{i.pk}/", intake_body, MANAGE | {"staff": 200}),
    ("intake delete", "delete", lambda w, i: f"/api/v1/supply/intakes/{i.pk}/", None,
     MANAGE | {"owner": 204, "manager": 204}),
    ("lot from intakes", "post", lambda w, i: "/api/v1/supply/lots/from-intakes/",
     lambda w: {"intakes": [Intake.objects.filter(lot__isnull=True).first().pk], "product": w.product.pk,
                "code": "LT-API-01"},
     {"owner": 201, "manager": 201, "staff": 201, "other": 400, "buyer": 403, "alliance": 403, "anonymous": 403}),
    ("outlook", "get", lambda w, i: "/api/v1/supply/outlook/", None,
     {"owner": 403, "manager": 403, "staff": 403, "other": 403, "buyer": 200, "alliance": 200, "anonymous": 403}),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "body", "expected"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_api_matrix(world, people, api, role, name, method, url, body, expected):
    users, _actors = people
    intake = _intake(world)
    client = api(users[role])
    response = getattr(client, method)(url(world, intake), body(world) if body else None, format="json")
    wanted = expected[role]
    if role == "anonymous":
        assert response.status_code in (401, 403), (name, response.content)
    else:
        assert response.status_code == wanted, (name, role, response.content[:500])


def test_lists_show_another_cooperative_nothing_of_ours(world, people, api):
    users, _actors = people
    record(world, 0, "100")
    client = api(users["other"])
    for url in (
        "/api/v1/supply/areas/",
        "/api/v1/supply/households/",
        "/api/v1/supply/intakes/",
        "/api/v1/supply/seasons/",
    ):
        assert client.get(url).json()["results"] == []
    assert len(api(users["alliance"]).get("/api/v1/supply/areas/").json()["results"]) == 1


PAGES = [
    ("home", lambda w, i: "/supply/", READ | {"other": 200}),
    ("area", lambda w, i: f"/supply/areas/{w.area.pk}/", READ),
    ("area edit", lambda w, i: f"/supply/areas/{w.area.pk}/edit/", MANAGE),
    ("area new", lambda w, i: "/supply/areas/new/", MANAGE | {"other": 200}),
    ("plot", lambda w, i: f"/supply/plots/{w.plots[0].pk}/", READ),
    ("plot outline", lambda w, i: f"/supply/plots/{w.plots[0].pk}/outline/", MANAGE),
    ("plot new", lambda w, i: f"/supply/areas/{w.area.pk}/plots/new/", MANAGE),
    ("seasons", lambda w, i: "/supply/seasons/", READ | {"other": 200}),
    ("season", lambda w, i: f"/supply/seasons/{w.season.pk}/", READ),
    ("statement csv", lambda w, i: f"/supply/seasons/{w.season.pk}/statement.csv", READ | {"staff": 403}),
    ("households", lambda w, i: "/supply/households/", READ | {"other": 200}),
    ("household", lambda w, i: f"/supply/households/{w.households[0].pk}/", READ),
    ("household new", lambda w, i: "/supply/households/new/", MANAGE | {"other": 200}),
    ("household import", lambda w, i: "/supply/households/import/", MANAGE | {"other": 200}),
    ("intakes", lambda w, i: "/supply/intakes/", READ | {"other": 200}),
    ("intake", lambda w, i: f"/supply/intakes/{i.pk}/", READ),
    ("intake new", lambda w, i: "/supply/intakes/new/", READ | {"other": 200, "alliance": 403}),
    ("demand", lambda w, i: "/supply/demand/", READ | {"other": 200, "alliance": 403}),
    (
        "outlook",
        lambda w, i: "/supply/outlook/",
        {"owner": 403, "manager": 403, "staff": 403, "other": 403, "buyer": 200, "alliance": 200},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_page_matrix(world, people, role, name, url, expected):
    users, _actors = people
    intake = _intake(world)
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    response = client.get(url(world, intake))
    if role == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    else:
        assert response.status_code == expected[role], (name, role)


def _page_actions(world, people, role, url: str) -> set[str]:
    users, _actors = people
    client = Client()
    client.force_login(users[role])
    response = client.get(url)
    assert response.status_code == 200
    return shown_actions(response.content)


@pytest.mark.parametrize("role", ["owner", "manager", "staff", "alliance"])
def test_each_page_offers_exactly_what_the_policy_allows(world, people, role):
    _users, actors = people
    actor = actors[role]
    free = _intake(world)
    in_lot = record(world, 1, "50")
    from catalog.supply import services

    services.lot_build_from_intakes(actor=world.owner, intakes=[in_lot.pk], product=world.product.pk, code="M-1")
    in_lot.refresh_from_db()
    checks = [
        (f"/supply/areas/{world.area.pk}/", policy.area_actions(actor=actor, area=world.area)),
        (f"/supply/plots/{world.plots[0].pk}/", policy.plot_actions(actor=actor, plot=world.plots[0])),
        (f"/supply/households/{world.households[0].pk}/",
         policy.household_actions(actor=actor, household=world.households[0])),
        (f"/supply/seasons/{world.season.pk}/", policy.season_actions(actor=actor, season=world.season)),
        (f"/supply/intakes/{free.pk}/", policy.intake_actions(actor=actor, intake=free)),
        (f"/supply/intakes/{in_lot.pk}/", policy.intake_actions(actor=actor, intake=in_lot)),
    ]  # fmt: skip
    for url, allowed in checks:
        assert _page_actions(world, people, role, url) == {a.value for a in allowed}, url
    assert policy.intake_actions(actor=actor, intake=in_lot) == frozenset()
    if role == "staff":
        assert policy.intake_actions(actor=actor, intake=free) == {policy.IntakeAction.EDIT,
                                                                  policy.IntakeAction.BUILD_LOT}  # fmt: skip
    assert Decimal(in_lot.weight_kg) == Decimal(50)
