"""The demo supply: three areas on the map, households (some not named), seasons, intakes and the lot they
built, the same after a second seed."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from catalog.models import HarvestLot
from catalog.supply.models import Intake, MemberHousehold, Plot, PlotSeason, RawMaterialArea, Season

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (RawMaterialArea, Plot, PlotSeason, Season, MemberHousehold, Intake)}


def test_seed_demo_twice_gives_the_same_supply():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first

    tanhiep = RawMaterialArea.objects.get(code="TH-K8")
    assert sum(p.hectares for p in tanhiep.plots.all()) == Decimal(200)
    assert all(p.polygon for p in Plot.objects.all())
    assert tanhiep.certificates.filter(kind="vietgap").exists()
    assert Season.objects.filter(cooperative=tanhiep.cooperative, name__startswith="Đông Xuân").exists()
    assert MemberHousehold.objects.filter(name_public=False).exists()
    assert {a.code for a in RawMaterialArea.objects.all()} == {"TH-K8", "MX-LT", "PQ-KT"}
    assert PlotSeason.objects.filter(plot__area__code="MX-LT", category__slug="tom").exists()

    lot = HarvestLot.objects.get(product__sku="TH-LUA-DT8")
    assert lot.status == "published"
    assert lot.intakes.count() == 30
    assert Intake.objects.filter(lot__isnull=True).count() == 10
    page = Client().get(f"/trace/{lot.public_id}/")
    assert page.status_code == 200
