"""Plots sync like every list (GET /api/v1/supply/plots/, docs/api-sync.md) with their season plans inside:
planning or removing a plan moves the plot's `updated_at`; a season's prices move the season's. Another
cooperative sees none of the plots."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from catalog.supply import services
from catalog.supply.models import Plot, PlotSeason, Season, SeasonPrice
from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.supply.conftest import World

pytestmark = pytest.mark.django_db
URL = "/api/v1/supply/plots/"


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


def _stale(model: Any, pk: int) -> Any:
    stale = timezone.now() - timedelta(days=1)
    model.objects.filter(pk=pk).update(updated_at=stale)
    return stale


def test_planning_and_removing_a_season_plan_moves_the_plots_updated_at(world: World) -> None:
    plot = world.plots[0]
    stale = _stale(Plot, plot.pk)
    today = timezone.localdate()
    services.plot_season_set(
        actor=world.owner, plot_id=plot.pk, season=world.season.pk, category=world.rice.pk, crop="Lúa ST25",
        sowing_date=today - timedelta(days=90), expected_harvest_date=today, expected_yield_kg_per_ha=Decimal(6500),
    )  # fmt: skip
    assert Plot.objects.get(pk=plot.pk).updated_at > stale

    stale = _stale(Plot, plot.pk)
    services.plot_season_remove(actor=world.owner, plot_season_id=PlotSeason.objects.get(plot=plot).pk)
    assert Plot.objects.get(pk=plot.pk).updated_at > stale


def test_setting_and_removing_a_season_price_moves_the_seasons_updated_at(world: World) -> None:
    stale = _stale(Season, world.season.pk)
    services.season_price_set(
        actor=world.owner, season_id=world.season.pk, category=world.rice.pk, grade="Loại 2", price_per_kg=7000
    )
    assert Season.objects.get(pk=world.season.pk).updated_at > stale

    stale = _stale(Season, world.season.pk)
    services.season_price_remove(actor=world.owner, price_id=SeasonPrice.objects.get(grade="Loại 2").pk)
    assert Season.objects.get(pk=world.season.pk).updated_at > stale


def test_the_plot_list_syncs_with_season_plans_and_never_skips_a_plot_changed_while_paging(api, world: World) -> None:
    client = api(world.owner.user)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    first = client.get(URL, {"updated_since": since, "area": world.area.pk, "page_size": 1}).json()
    (handed,) = first["results"]
    assert handed["seasons"][0]["season_name"] == world.season.name
    detail = client.get(f"/api/v1/supply/plots/{handed['id']}/").json()
    assert (
        handed["outline_hectares"]
        == detail["outline_hectares"]
        == f"{Plot.objects.get(pk=handed['id']).outline_hectares.normalize():f}"
    )

    # Between two pages the plot already handed out gets a new plan, and another plot's plan is removed.
    services.plot_season_remove(actor=world.owner, plot_season_id=PlotSeason.objects.get(plot_id=handed["id"]).pk)
    services.plot_season_remove(
        actor=world.owner, plot_season_id=PlotSeason.objects.filter(plot__area=world.area).exclude(
            plot_id=handed["id"]).order_by("-plot_id").first().pk,
    )  # fmt: skip
    seen = [handed["id"]]
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert set(seen) == {plot.pk for plot in world.plots}
    assert seen.count(handed["id"]) == 2


def test_another_cooperative_sees_none_of_the_plots(api, world: World) -> None:
    other = actor_for(OrganisationFactory(name="HTX Khác"), Role.OWNER)
    client = api(other.user)
    assert client.get(URL).json()["results"] == []
    assert client.get(URL, {"area": world.area.pk}).json()["results"] == []
    assert len(api(world.staff.user).get(URL).json()["results"]) == len(world.plots)


def test_the_season_list_pages_and_syncs_a_season_again_when_its_prices_change(api, world: World) -> None:
    client = api(world.owner.user)
    other = services.season_create(
        actor=world.owner, name="Hè Thu 2027", starts_on=world.season.ends_on + timedelta(days=1),
        ends_on=world.season.ends_on + timedelta(days=120),
    )  # fmt: skip
    pages = client.get("/api/v1/supply/seasons/", {"page_size": 1}).json()
    assert [row["id"] for row in pages["results"]] == [other.pk]  # newest first, one a page
    assert [row["id"] for row in client.get(pages["next"]).json()["results"]] == [world.season.pk]

    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    first = client.get("/api/v1/supply/seasons/", {"updated_since": since}).json()
    assert [row["id"] for row in first["results"]] == [world.season.pk, other.pk]
    assert client.get("/api/v1/supply/seasons/", {"cursor": first["sync_cursor"]}).json()["results"] == []

    services.season_price_set(actor=world.owner, season_id=world.season.pk, category=world.rice.pk, price_per_kg=7300)
    again = client.get("/api/v1/supply/seasons/", {"cursor": first["sync_cursor"]}).json()
    assert [row["id"] for row in again["results"]] == [world.season.pk]
    stranger = actor_for(OrganisationFactory(name="HTX Khác"), Role.OWNER)
    assert api(stranger.user).get("/api/v1/supply/seasons/", {"updated_since": since}).json()["results"] == []
