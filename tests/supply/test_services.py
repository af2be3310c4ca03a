"""The supply services: what they refuse and why, in the person's language; what they record."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from catalog.supply import services
from catalog.supply.models import MemberHousehold, MemberKind, Plot, PlotSeason
from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.core.models import AuditEvent
from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.supply.conftest import TAN_HIEP, record, square

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_plot_codes_are_unique_in_the_cooperative_across_areas(world):
    other = services.area_create(actor=world.owner, code="B", name="Bãi", category=world.rice.pk, crop="Lúa",
                                 province_code=91)  # fmt: skip
    with pytest.raises(ValidationFailed) as error:
        services.plot_create(actor=world.owner, area_id=other.pk, code="k8-001", commune_code=TAN_HIEP,
                             hectares=Decimal(1))  # fmt: skip
    assert "already has a plot" in error.value.fields["code"][0]


def test_a_plot_takes_its_province_from_its_commune_and_only_own_households(world, other_cooperative):
    plot = world.plots[1]
    assert (plot.province_code, plot.commune_code) == (91, 30874)
    stranger = services.household_create(
        actor=actor_for(other_cooperative), code="X-1", name="Người ngoài", kind=MemberKind.OFFICIAL,
        province_code=91, commune_code=TAN_HIEP,
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as error:
        services.plot_update(actor=world.owner, plot_id=plot.pk, code=plot.code, commune_code=TAN_HIEP,
                             hectares=plot.hectares, household=stranger.pk)  # fmt: skip
    assert "household" in error.value.fields


def test_another_cooperative_cannot_tell_our_rows_from_missing_ones_and_staff_are_refused(world, other_cooperative,
                                                                                        alliance):  # fmt: skip
    with pytest.raises(NotFound):
        services.plot_outline_set(actor=actor_for(other_cooperative), plot_id=world.plots[0].pk, polygon=None)
    with pytest.raises(PermissionDenied):
        services.plot_outline_set(actor=actor_for(alliance, Role.STAFF), plot_id=world.plots[0].pk, polygon=None)
    with pytest.raises(PermissionDenied):
        services.area_update(actor=world.staff, area_id=world.area.pk, code="X", name="X", category=world.rice.pk,
                             crop="X", province_code=91)  # fmt: skip


def test_the_phone_is_stored_e164_and_consent_is_dated_and_audited(world):
    household = services.household_create(
        actor=world.owner, code="tv-010", name="Danh Sóc Kha", kind=MemberKind.CAPITAL_ASSOCIATE,
        phone="0912 345 678", province_code=91, commune_code=TAN_HIEP, name_public=True,
    )  # fmt: skip
    assert household.code == "TV-010"
    assert household.phone == "+84912345678"
    assert household.name_consent_on == timezone.localdate()
    earlier = timezone.localdate() - timedelta(days=3)
    services.household_consent_set(actor=world.owner, household_id=household.pk, name_public=False,
                                   name_consent_on=earlier)  # fmt: skip
    household.refresh_from_db()
    assert (household.name_public, household.name_consent_on) == (False, earlier)
    answers = AuditEvent.objects.filter(action="supply.household_consent", target_id=str(household.pk))
    assert answers.get().data == {"name_public": False, "on": earlier.isoformat()}
    with pytest.raises(ValidationFailed) as error:
        services.household_create(actor=world.owner, code="TV-011", name="A", kind=MemberKind.OFFICIAL,
                                  phone="12345", province_code=91, commune_code=31078 + 100000)  # fmt: skip
    assert set(error.value.fields) == {"phone", "commune_code"}


def test_an_intake_takes_its_season_and_category_from_the_plot_plan(world):
    intake = record(world, 0, "1250.5")
    assert intake.season == world.season
    assert intake.category == world.rice
    # A day no season covers is refused with the plot named; choosing a season the plot is not in too.
    with pytest.raises(ValidationFailed) as error:
        record(world, 0, "10", received_on=world.season.starts_on - timedelta(days=1))
    assert "K8-001" in error.value.fields["plot"][0]


def test_overlapping_seasons_give_the_delivery_to_the_one_already_sown(world):
    today = timezone.localdate()
    next_season = services.season_create(actor=world.owner, name="Hè Thu", starts_on=today - timedelta(days=10),
                                         ends_on=today + timedelta(days=100))  # fmt: skip
    services.plot_season_set(
        actor=world.owner, plot_id=world.plots[0].pk, season=next_season.pk, category=world.rice.pk, crop="Lúa",
        sowing_date=today + timedelta(days=2), expected_harvest_date=today + timedelta(days=95),
        expected_yield_kg_per_ha=Decimal(6000),
    )  # fmt: skip
    assert record(world, 0, "10", received_on=today).season == world.season


def test_a_household_cannot_deliver_from_another_households_plot(world):
    with pytest.raises(ValidationFailed) as error:
        services.intake_record(actor=world.staff, household=world.households[0].pk, plot=world.plots[1].pk,
                               received_on=world.harvest, weight_kg=Decimal(5))  # fmt: skip
    assert "Trần Thị Lệ" in error.value.fields["plot"][0]


def test_staff_at_the_gate_correct_an_intake_but_only_managers_delete_and_never_once_in_a_lot(world):
    intake = record(world, 0, "100")
    fields = {"household": world.households[0].pk, "plot": world.plots[0].pk, "received_on": world.harvest,
              "weight_kg": Decimal("110.5")}  # fmt: skip
    assert services.intake_update(actor=world.staff, intake_id=intake.pk, **fields).weight_kg == Decimal("110.5")
    with pytest.raises(PermissionDenied):
        services.intake_delete(actor=world.staff, intake_id=intake.pk)
    services.lot_build_from_intakes(actor=world.staff, intakes=[intake.pk], product=world.product.pk, code="L1")
    with pytest.raises(Conflict):
        services.intake_update(actor=world.staff, intake_id=intake.pk, **fields)
    with pytest.raises(Conflict):
        services.intake_delete(actor=world.owner, intake_id=intake.pk)


def test_planning_an_area_plans_every_plot_and_replans_without_duplicates(world):
    assert PlotSeason.objects.filter(season=world.season).count() == 3
    count = services.area_season_plan(
        actor=world.owner, area_id=world.area.pk, season=world.season.pk, category=world.rice.pk, crop="Lúa ST25",
        sowing_date=world.season.starts_on, expected_harvest_date=world.harvest, expected_yield_kg_per_ha=Decimal(6500),
    )  # fmt: skip
    assert count == 3
    assert set(PlotSeason.objects.filter(season=world.season).values_list("crop", flat=True)) == {"Lúa ST25"}
    with pytest.raises(ValidationFailed) as error:
        services.area_season_plan(
            actor=world.owner, area_id=world.area.pk, season=world.season.pk, category=world.rice.pk, crop="Lúa",
            sowing_date=world.season.starts_on, expected_harvest_date=world.season.ends_on + timedelta(days=1),
            expected_yield_kg_per_ha=Decimal(6500),
        )  # fmt: skip
    assert "within the season" in error.value.fields["expected_harvest_date"][0]


def test_importing_outlines_is_all_or_nothing(world):
    import io
    import json

    good = {"type": "Feature", "properties": {"code": "K8-001"}, "geometry": square(105.3, 10.2)}
    unknown = {"type": "Feature", "properties": {"code": "K9-404"}, "geometry": square(105.31, 10.2)}
    upload = io.BytesIO(json.dumps({"type": "FeatureCollection", "features": [good, unknown]}).encode())
    before = Plot.objects.get(code="K8-001").polygon
    with pytest.raises(ValidationFailed) as error:
        services.area_outlines_import(actor=world.owner, area_id=world.area.pk, upload=upload)
    assert error.value.fields["file"] == ["K9-404: no plot of this area has this code."]
    assert Plot.objects.get(code="K8-001").polygon == before
    upload = io.BytesIO(json.dumps({"type": "FeatureCollection", "features": [good]}).encode())
    assert [p.code for p in services.area_outlines_import(actor=world.owner, area_id=world.area.pk, upload=upload)] == [
        "K8-001"
    ]
    assert Plot.objects.get(code="K8-001").polygon["coordinates"][0][0] == [105.3, 10.2]


def test_households_keep_their_records_when_asked_for_by_another_cooperative(world, other_cooperative):
    with pytest.raises(NotFound):
        services.household_consent_set(actor=actor_for(other_cooperative), household_id=world.households[0].pk,
                                       name_public=True)  # fmt: skip
    assert MemberHousehold.objects.get(pk=world.households[2].pk).name_public is False
