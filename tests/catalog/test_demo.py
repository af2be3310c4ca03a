"""The demo catalogue: about 60 real-looking products with tiers, lots and certificates; idempotent."""

import pytest
from django.core.management import call_command
from django.test import Client

from catalog import selectors
from catalog.models import Certificate, HarvestLot, PriceTier, Product, TraceEvent

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Product, PriceTier, HarvestLot, TraceEvent, Certificate)
    }


def test_seed_demo_twice_gives_the_same_catalogue():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first
    assert 55 <= first["Product"] <= 65
    assert Product.objects.filter(status="published").count() >= 55
    assert first["HarvestLot"] >= 55
    # Some certificates expire soon (the warning selector finds them), one already expired, one is pending.
    assert selectors.certificates_due_expiry_warning().count() >= 2
    assert Certificate.objects.filter(status="pending").exists()
    assert Certificate.objects.filter(status="rejected").exists()
    facets = selectors.product_facets(query=selectors.ProductQuery())
    assert {f.value for f in facets.ocop_min} == {"3", "4", "5"}
    # The famous searches work on the demo, and every published lot's trace page opens.
    found = selectors.product_page(query=selectors.ProductQuery(search="nuoc mam phu quoc"))
    assert found.products[0].name_vi.startswith("Nước mắm Phú Quốc")
    client = Client()
    for lot in HarvestLot.objects.filter(status="published")[:10]:
        assert client.get(f"/trace/{lot.public_id}/").status_code == 200
