"""`seed_demo`, seeded twice for the whole module: a second run leaves exactly the same data, every demo account
logs in with the printed password, and each app's part of the demo is what its pages and people expect (the
catalogue, orders in every state, the supply areas, the linkage contracts)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.env import made_key
from catalog import selectors
from catalog.models import Certificate, CertificateStatus, HarvestLot, LotStatus, Product, ProductStatus
from catalog.supply.models import Intake, MemberHousehold, Plot, PlotSeason, RawMaterialArea, Season
from linkage.models import CallOffStatus, ContractStatus, Delivery, Dispute, LinkageContract, PriceRule, SeasonKind
from market.core.demo import DEMO_PASSWORD
from market.core.models import AuditEvent
from market.organisations.models import Organisation, User
from market.payments.models import Payable, PayableStatus
from orders.models import Order, OrderStatus, Rfq
from tests.db_template import connect
from tests.demo_database import demo_database
from tests.module_data import seeded_by_the_command, seeded_once

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal
OUR_APPS = ("core", "organisations", "payments", "notifications", "catalog", "orders", "linkage", "fairs")


def snapshot() -> dict[str, Any]:
    """Every row count of our apps (audit events aside: each seed records its own) and the values a second seed
    could get wrong while keeping the counts."""
    models = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and m is not AuditEvent]
    return {
        "counts": {m._meta.label: m.objects.count() for m in models},
        "orders": sorted(Order.objects.values_list("number", "status", "payment_status", "total")),
        "requests": sorted(Rfq.objects.values_list("buyer__email", "title")),
        "contracts": sorted(
            LinkageContract.objects.values_list("number", "status", "delivered_quantity", "delivered_value")
        ),
    }


def unnumbered(shot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot without the orders' and contracts' numbers."""
    return shot | {key: sorted(row[1:] for row in shot[key]) for key in ("orders", "contracts")}


@dataclass(frozen=True)
class Seeded:
    printed: str
    first: dict[str, Any]
    again: dict[str, Any]


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    printed = StringIO()
    with seeded_by_the_command(django_db_blocker, tmp_path_factory.mktemp("private"), stdout=printed):
        first = snapshot()
        call_command("seed_demo", stdout=StringIO())
        yield Seeded(printed=printed.getvalue(), first=first, again=snapshot())


def test_seed_demo_twice_gives_the_same_data(seeded):
    assert seeded.again == seeded.first
    assert seeded.first["counts"]["organisations.Organisation"] >= 15
    assert "chunhiem@htx-tanhiep.example" in seeded.printed
    assert [u.email for u in User.objects.order_by("email") if not u.check_password(DEMO_PASSWORD)] == []


def test_the_demo_catalogue_has_about_60_products_with_lots_certificates_and_traces(seeded):
    counts = seeded.first["counts"]
    assert 55 <= counts["catalog.Product"] <= 65
    assert Product.objects.filter(status=ProductStatus.PUBLISHED).count() >= 55
    assert counts["catalog.HarvestLot"] >= 55
    # Some certificates expire soon (the warning selector finds them), one already expired, one is pending.
    assert selectors.certificates_due_expiry_warning().count() >= 2
    assert Certificate.objects.filter(status=CertificateStatus.PENDING).exists()
    assert Certificate.objects.filter(status=CertificateStatus.REJECTED).exists()
    facets = selectors.product_facets(query=selectors.ProductQuery())
    assert {f.value for f in facets.ocop_min} == {"3", "4", "5"}
    # The famous searches work on the demo, and every published lot's trace page opens.
    found = selectors.product_page(query=selectors.ProductQuery(search="nuoc mam phu quoc"))
    assert found.products[0].name_vi.startswith("Nước mắm Phú Quốc")
    client = Client()
    for lot in HarvestLot.objects.filter(status=LotStatus.PUBLISHED)[:10]:
        assert client.get(f"/trace/{lot.public_id}/").status_code == 200


def test_the_demo_orders_are_in_every_state_placed_and_paid_through_the_services(seeded):
    assert {status for _n, status, _p, _t in seeded.first["orders"]} == set(OrderStatus.values)
    # Orders are the real payable kind now (the payments app's stand-in is gone).
    kinds = set(Payable.objects.values_list("kind", flat=True))
    assert "demo.order" not in kinds
    assert Payable.objects.filter(kind="orders.order", status=PayableStatus.PAID).count() >= 5
    assert Payable.objects.filter(kind="orders.order", status=PayableStatus.UNPAID).exists()
    assert Order.objects.filter(status=OrderStatus.DELIVERED, invoices__isnull=False).exists()
    # The buyers' open request, and the one a buyer sent after meeting an exhibitor at the demo fair.
    assert Rfq.objects.filter(title__startswith="Gạo thơm ST25 cho chuỗi bếp ăn").count() == 1
    assert Rfq.objects.filter(fair_outcomes__isnull=False).count() == 1


def test_the_demo_supply_has_three_areas_households_seasons_and_the_lot_its_intakes_built(seeded):
    tanhiep = RawMaterialArea.objects.get(code="TH-K8")
    assert sum(p.hectares for p in tanhiep.plots.all()) == Decimal(200)
    assert all(p.polygon for p in Plot.objects.all())
    assert tanhiep.certificates.filter(kind="vietgap").exists()
    assert Season.objects.filter(cooperative=tanhiep.cooperative, name__startswith="Đông Xuân").exists()
    assert MemberHousehold.objects.filter(name_public=False).exists()
    assert {a.code for a in RawMaterialArea.objects.all()} == {"TH-K8", "MX-LT", "PQ-KT"}
    assert PlotSeason.objects.filter(plot__area__code="MX-LT", category__slug="tom").exists()

    lot = HarvestLot.objects.get(product__sku="TH-LUA-DT8")
    assert lot.status == LotStatus.PUBLISHED
    assert lot.intakes.count() == 30
    assert Intake.objects.filter(lot__isnull=True).count() == 10
    assert Client().get(f"/trace/{lot.public_id}/").status_code == 200


def test_the_demo_contracts_are_rice_shrimp_rice_and_pepper_with_their_deliveries(seeded):
    rice = LinkageContract.objects.get(cooperative__email="chunhiem@htx-tanhiep.example")
    terms = rice.version_in_force
    assert (rice.season_kind, rice.status) == (SeasonKind.WINTER_SPRING, ContractStatus.ACTIVE)
    assert (rice.hectares, rice.households, rice.committed_quantity) == (D(200), 60, D(1_200_000))
    assert (terms.price_rule, terms.base_price) == (PriceRule.HIGHER_OF, 6800)
    assert {r.measure for r in terms.grading_rules.all()} >= {"moisture", "impurities"}
    assert Delivery.objects.filter(contract=rice).count() == 4
    assert rice.call_offs.filter(status=CallOffStatus.PLACED, order__status=OrderStatus.SHIPPED).count() == 1
    assert rice.call_offs.filter(flagged_short_on__isnull=False).count() == 1
    assert Dispute.objects.filter(contract=rice).count() == 1
    assert rice.open_draft is not None
    assert rice.open_draft.signature_count == 1
    # The shrimp-rice and the pepper contracts, each with a delivery.
    assert LinkageContract.objects.filter(title__contains="lúa – tôm", delivered_quantity__gt=0).exists()
    assert LinkageContract.objects.filter(title__startswith="Tiêu đen", delivered_quantity__gt=0).exists()
    assert Organisation.objects.filter(email="thumua@luongthuc-kiengiang.example", kind="buyer").exists()


# --- the copy other modules get (tests/module_data.py seeded_once) --------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the seeded demo database is PostgreSQL's")
def test_a_module_given_the_demo_by_seeded_once_gets_what_seeding_gives(seeded, django_db_blocker, tmp_path):
    printed = StringIO()
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        with seeded_once(django_db_blocker, tmp_path, stdout=printed):  # inside this test's transaction
            copied = snapshot()
            passwords = [u.email for u in User.objects.order_by("email") if not u.check_password(DEMO_PASSWORD)]
            scans = list(Certificate.objects.exclude(scan="").values_list("scan", flat=True))
    assert [str(w.message) for w in warned if "not copied" in str(w.message)] == [], "copied, not seeded again"
    # Numbered by sequences that other tests of this worker may have moved before the module seeded (the printed
    # notes name an order and its payment reference).
    assert unnumbered(copied) == unnumbered(seeded.first)
    assert re.sub(r"\d+", "#", printed.getvalue()) == re.sub(r"\d+", "#", seeded.printed)
    assert passwords == []
    assert scans
    assert [name for name in scans if not (tmp_path / name).is_file()] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the seeded demo database is PostgreSQL's")
def test_the_seeded_demo_database_is_made_for_this_code_and_this_hour():
    template = connection.settings_dict["TEST"]["TEMPLATE"]
    with demo_database() as demo, connect(connection.settings_dict, "postgres") as admin:
        code, hour = (made_key(admin, demo.name) or "").split(" ")
        assert code == made_key(admin, template)  # the template's key: our code
        assert hour == timezone.localtime().strftime("%Y-%m-%dT%H")
