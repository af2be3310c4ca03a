"""A lot built from three households' intakes: its public trace page goes one step back to the three plots,
and a household that did not agree is never named there (nor in the public API)."""

from decimal import Decimal

import pytest
from django.test import Client

from catalog import services as catalog_services
from catalog.models import HarvestLot
from catalog.supply import services
from catalog.supply.models import Intake
from market.core.errors import Conflict, ValidationFailed
from tests.supply.conftest import record

pytestmark = pytest.mark.django_db


def published_lot_of_three(world) -> HarvestLot:
    intakes = [record(world, 0, "1250.5"), record(world, 1, "980"), record(world, 2, "1500")]
    lot = services.lot_build_from_intakes(
        actor=world.staff, intakes=[i.pk for i in intakes], product=world.product.pk, code="LT-DX27-01"
    )
    return catalog_services.lot_publish(actor=world.owner, lot_id=lot.pk)


def test_the_trace_page_shows_the_three_plots_and_names_only_households_that_agreed(world):
    lot = published_lot_of_three(world)
    assert lot.quantity_produced == Decimal("3730.5")
    html = Client().get(f"/trace/{lot.public_id}/").content.decode()
    for code in ("K8-001", "K8-002", "K8-003"):
        assert f"Thửa {code}" in html
    assert "Nguyễn Văn Bé" in html
    assert "Trần Thị Lệ" in html
    assert "Lê Văn Út" not in html
    assert "Út" not in html  # not even part of the name
    assert html.count("Một hộ thành viên") == 1  # Út's plot, by its code and commune only
    assert "Xã Thạnh Đông" in html
    assert "Xã Tân Hiệp" in html
    assert "VN-AG-TH-0008" in html  # the planting-area code


def test_withdrawing_consent_hides_the_name_at_once_and_the_api_says_the_same(world, api):
    lot = published_lot_of_three(world)
    services.household_consent_set(actor=world.owner, household_id=world.households[0].pk, name_public=False)
    html = Client().get(f"/trace/{lot.public_id}/").content.decode()
    assert "Nguyễn Văn Bé" not in html
    origins = api(None).get(f"/api/v1/supply/trace/{lot.public_id}/origins/").json()
    assert [o["plot_code"] for o in origins] == ["K8-001", "K8-002", "K8-003"]
    assert [o["household_name"] for o in origins] == [None, "Trần Thị Lệ", None]
    assert "Lê Văn Út" not in str(origins)
    assert "Nguyễn Văn Bé" not in str(origins)
    assert origins[0]["kg"] == "1250.5"


def test_a_draft_lot_has_no_public_origins(world, api):
    lot = services.lot_build_from_intakes(
        actor=world.staff, intakes=[record(world, 0, "100").pk], product=world.product.pk, code="LT-DRAFT"
    )
    assert Client().get(f"/trace/{lot.public_id}/").status_code == 404
    assert api(None).get(f"/api/v1/supply/trace/{lot.public_id}/origins/").status_code == 404


def test_lot_takes_the_certificates_covering_every_area_and_extends_while_a_draft(world):
    first = record(world, 0, "1000")
    lot = services.lot_build_from_intakes(actor=world.staff, intakes=[first.pk], product=world.product.pk, code="A1")
    assert list(lot.certificates.all()) == [world.vietgap]
    # Raw material from an area without the certificate: the lot can no longer claim it.
    bare = services.area_create(actor=world.owner, code="B", name="Bãi bồi", category=world.rice.pk, crop="Lúa",
                                province_code=91)  # fmt: skip
    plot = services.plot_create(actor=world.owner, area_id=bare.pk, code="B-1", commune_code=30850,
                                hectares=Decimal(1), household=world.households[1].pk)  # fmt: skip
    services.plot_season_set(
        actor=world.owner, plot_id=plot.pk, season=world.season.pk, category=world.rice.pk, crop="Lúa",
        sowing_date=world.season.starts_on, expected_harvest_date=world.harvest,
        expected_yield_kg_per_ha=Decimal(6000),
    )  # fmt: skip
    other = services.intake_record(actor=world.staff, household=world.households[1].pk, plot=plot.pk,
                                   received_on=world.harvest, weight_kg=Decimal("500"))  # fmt: skip
    lot = services.lot_build_from_intakes(actor=world.staff, intakes=[other.pk], lot=lot.pk)
    assert lot.quantity_produced == Decimal(1500)
    assert list(lot.certificates.all()) == []
    assert set(Intake.objects.filter(lot=lot).values_list("pk", flat=True)) == {first.pk, other.pk}
    assert lot.plot == "B: B-1; TH-K8: K8-001"
    catalog_services.lot_publish(actor=world.owner, lot_id=lot.pk)
    with pytest.raises(Conflict):
        services.lot_build_from_intakes(actor=world.staff, intakes=[record(world, 2, "10").pk], lot=lot.pk)


def test_an_intake_goes_into_one_lot_only_and_a_lot_is_one_category(world):
    intake = record(world, 0, "100")
    services.lot_build_from_intakes(actor=world.staff, intakes=[intake.pk], product=world.product.pk, code="A1")
    with pytest.raises(Conflict):
        services.lot_build_from_intakes(actor=world.staff, intakes=[intake.pk], product=world.product.pk, code="A2")
    assert not HarvestLot.objects.filter(code="A2").exists()
    with pytest.raises(ValidationFailed) as error:
        services.lot_build_from_intakes(actor=world.staff, intakes=[record(world, 1, "5").pk], product=None, code="A3")
    assert "product" in error.value.fields


def test_intakes_heavier_together_than_a_lot_holds_are_a_400_not_a_500(api, world):
    """Each intake fits its column; their sum went into the lot's quantity and overflowed it (numeric field
    overflow, a 500)."""
    from django.urls import reverse

    from market.organisations.models import Role
    from tests.factories import member

    first, second = record(world, 0, "60000000000"), record(world, 1, "60000000000")
    body = {"intakes": [first.pk, second.pk], "product": world.product.pk, "code": "LO-NANG-01"}
    response = api(member(world.cooperative, Role.OWNER)).post(reverse("supply:lot-from-intakes"), body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()["error"]["fields"]) == {"intakes"}
    assert not HarvestLot.objects.filter(code="LO-NANG-01").exists()
    assert Intake.objects.filter(lot__isnull=False).count() == 0
