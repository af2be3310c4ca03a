"""Conditional GET on a cooperative's storefront: its ETag is the cooperative's storefront version, which every
service that changes a part of the page bumps (market.organisations.storefront). Each kind of change gives a
new ETag; the same changes to another cooperative leave it as it was, and the kept page is answered 304."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog import services as catalog_services
from catalog.commands import ProductDetails
from catalog.pricing import TierSpec
from catalog.supply import services as supply_services
from fairs import services as fair_services
from fairs.lifecycle import FairTransition
from fairs.models import FairStatus
from market.organisations import services as organisation_services
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import Organisation
from orders import services as order_services
from tests.catalog.factories import actor_for, category, jpeg_upload, make_certificate, make_product
from tests.fairs.factories import apply, assign, make_fair, staff_actor
from tests.orders.factories import buyer_actor, only_order, place, rfq_request, stocked_product

pytestmark = pytest.mark.django_db


@dataclass
class World:
    cooperative: Organisation
    alliance: Organisation
    buyer: Organisation
    product: Any
    lot: Any


@pytest.fixture
def world(cooperative, alliance, buyer) -> World:
    product, lot = stocked_product(cooperative)
    return World(cooperative=cooperative, alliance=alliance, buyer=buyer, product=product, lot=lot)


def _of(world: World, cooperative: Organisation) -> World:
    """The same world around another cooperative, with its own product in stock."""
    product, lot = stocked_product(cooperative, code="LOT-77")
    return replace(world, cooperative=cooperative, product=product, lot=lot)


def _profile(w: World) -> None:
    profile = replace(OrganisationProfile.of(w.cooperative), description="Lúa ST25 trên đất phèn, từ 2005.")
    organisation_services.organisation_update(
        actor=actor_for(w.cooperative), organisation_id=w.cooperative.pk, profile=profile
    )


def _photo(w: World) -> None:
    catalog_services.product_image_add(actor=actor_for(w.cooperative), product_id=w.product.pk, upload=jpeg_upload())


def _sold_out(w: World) -> None:
    catalog_services.lot_stock_adjust(
        actor=actor_for(w.cooperative), lot_id=w.lot.pk, quantity_available=Decimal(0), reason="Kiểm kho"
    )


def _area(w: World) -> None:
    supply_services.area_create(
        actor=actor_for(w.cooperative), code="A", name="Cánh đồng lớn", category=category().pk, crop="Lúa",
        province_code=91,
    )  # fmt: skip


def _plot(w: World) -> None:
    area = supply_services.area_create(
        actor=actor_for(w.cooperative), code="P", name="Ruộng nhà ông Tư", category=category().pk, crop="Lúa",
        province_code=91,
    )  # fmt: skip
    commune = area.cooperative.commune_code
    supply_services.plot_create(actor=actor_for(w.cooperative), area_id=area.pk, code="P-1", commune_code=commune,
                                hectares=Decimal("2.5"))  # fmt: skip


def _booth(w: World) -> None:
    fair = make_fair(w.alliance, booths=1)
    assign(w.alliance, apply(w.cooperative, fair), fair, "A-01")


def _order_confirmed(w: World) -> None:
    order = only_order(place(buyer_actor(w.buyer), [((w.product, w.lot), "100")]))
    order_services.order_confirm(actor=actor_for(w.cooperative), order_id=order.pk)


def _quote(w: World) -> None:
    rfq = order_services.rfq_create(actor=buyer_actor(w.buyer), request=rfq_request(w.product))
    order_services.quote_submit(
        actor=actor_for(w.cooperative), rfq_id=rfq.pk, product_id=w.product.pk, quantity=Decimal(2000),
        unit_price=28000,
    )  # fmt: skip


def _renamed(w: World) -> None:
    details = replace(ProductDetails.of(w.product), name_vi="Gạo ST25 Ngã Năm")
    catalog_services.product_update(actor=actor_for(w.cooperative), product_id=w.product.pk, details=details)


def _repriced(w: World) -> None:
    tiers = [TierSpec(min_quantity=w.product.moq, unit_price=31000)]
    catalog_services.product_price_tiers_set(actor=actor_for(w.cooperative), product_id=w.product.pk, tiers=tiers)


CHANGES: dict[str, Callable[[World], None]] = {
    "profile": _profile,
    "product published": lambda w: make_product(w.cooperative, name="Mật ong U Minh", category="mat-ong"),
    "photo": _photo,
    "product renamed": _renamed,
    "price tiers": _repriced,
    "certificate verified": lambda w: make_certificate(w.cooperative, number="VG-NEW"),
    "raw-material area": _area,
    "plot": _plot,
    "booth assigned": _booth,
    "order confirmed": _order_confirmed,
    "quote sent": _quote,
    "lot sold out": _sold_out,  # last: the others sell from it
}


def _storefront(client: Client, cooperative: Organisation, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(reverse("frontend:cooperative", args=[cooperative.pk]), **headers)


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_kind_of_change_gives_a_new_etag(world, change, one_day):
    client = Client()
    first = _storefront(client, world.cooperative)
    etag = first["ETag"]
    assert _storefront(client, world.cooperative, etag).status_code == 304
    CHANGES[change](world)
    again = _storefront(client, world.cooperative, etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


@pytest.fixture
def one_day(monkeypatch) -> None:
    """Today stays today: the ETag holds the local day, and a CI run crossed Vietnamese midnight mid-test."""
    today = timezone.localdate()
    read_day = timezone.localdate

    def localdate(value=None, timezone=None):
        return today if value is None else read_day(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)


def test_another_cooperatives_changes_leave_the_etag(world, other_cooperative, one_day):
    client = Client()
    etag = _storefront(client, world.cooperative)["ETag"]
    other = _of(world, other_cooperative)
    for change in CHANGES.values():
        change(other)
    kept = _storefront(client, world.cooperative, etag)
    assert kept.status_code == 304
    assert kept["ETag"] == etag


def test_a_fair_whose_plan_is_published_moves_its_exhibitors_storefronts(world, other_cooperative):
    fair = make_fair(world.alliance, booths=2)
    assign(world.alliance, apply(world.cooperative, fair), fair, "A-01")
    client = Client()
    etag = _storefront(client, world.cooperative)["ETag"]
    bystander = _storefront(client, other_cooperative)["ETag"]
    staff = staff_actor(world.alliance)
    fair_services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.CLOSE_APPLICATIONS)
    fair_services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.PUBLISH)
    fair.refresh_from_db()
    assert fair.status == FairStatus.PUBLISHED
    page = _storefront(client, world.cooperative, etag)
    assert page.status_code == 200
    assert fair.name_vi in page.content.decode()
    assert _storefront(client, other_cooperative, bystander).status_code == 304


def test_a_storefront_no_longer_verified_is_not_revalidated(world, alliance):
    client = Client()
    etag = _storefront(client, world.cooperative)["ETag"]
    organisation_services.organisation_reject(
        actor=staff_actor(alliance), organisation_id=world.cooperative.pk, reason="Giấy phép hết hạn"
    )
    assert _storefront(client, world.cooperative, etag).status_code == 404
