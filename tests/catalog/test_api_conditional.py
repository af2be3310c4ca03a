"""Conditional GET on the public API reads (market.organisations.drf.conditional_read): the product list and
a product's detail answer 304 while nothing they show has changed, and in full once a service changes it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog import services
from tests.catalog.factories import actor_for, make_lot, make_product, product_details, tier_specs
from tests.catalog.test_lots import add_event
from tests.factories import member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/?search=gao&page_size=5"


@pytest.fixture
def rice(cooperative, alliance):
    product = make_product(cooperative, name="Gạo ST25 Tân Hiệp")
    make_lot(product)
    return product


def _vary(response) -> set[str]:
    return {value.strip() for value in response["Vary"].split(",")}


@pytest.mark.parametrize("cache_seconds", [0, 60])
def test_the_list_is_public_and_revalidates(api, rice, settings, cache_seconds):
    settings.CATALOG_LIST_CACHE_SECONDS = cache_seconds  # the page cache on or off: the same answers
    client = api(None)
    first = client.get(LIST)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    assert {"Accept-Language", "Authorization", "Cookie"} <= _vary(first)
    again = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert {"Accept-Language", "Authorization", "Cookie"} <= _vary(again)
    # The same for everyone: a signed-in buyer's browser may revalidate it too.
    assert api(member(rice.cooperative)).get(LIST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    english = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=first["ETag"])
    assert english.status_code == 200
    assert english["ETag"] != first["ETag"]


def test_a_price_change_ends_the_lists_304(api, rice):
    client = api(None)
    etag = client.get(LIST)["ETag"]
    services.product_price_tiers_set(
        actor=actor_for(rice.cooperative), product_id=rice.pk, tiers=tier_specs([("100", 30000)])
    )
    assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_detail_is_personal_for_whoever_signed_in(api, rice, buyer):
    path = f"/api/v1/products/{rice.pk}/"
    anonymous = api(None).get(path)
    assert "public" in anonymous["Cache-Control"]
    owner = api(member(rice.cooperative))
    mine = owner.get(path, HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert mine.status_code == 200  # its allowed_actions are the owner's
    assert "private" in mine["Cache-Control"]
    assert mine["ETag"] != anonymous["ETag"]
    assert owner.get(path, HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 304
    assert api(member(buyer)).get(path, HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 200
    assert owner.head(path, HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 304


def test_stock_sold_ends_the_details_304(api, rice):
    client = api(None)
    path = f"/api/v1/products/{rice.pk}/"
    etag = client.get(path)["ETag"]
    services.lot_stock_take(lot=rice.lots.get(), quantity=Decimal("25"), reference="DH-2")
    answer = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200
    assert answer.json()["stock_available"] == "4975.000"


def test_a_drafts_edit_ends_its_owners_304(api, cooperative, alliance):
    """A draft is not in the catalogue (no catalogue-wide bump), but its owner reads it: its own version moves."""
    draft = make_product(cooperative, name="Gạo ST24", publish=False)
    owner = api(member(cooperative))
    path = f"/api/v1/products/{draft.pk}/"
    etag = owner.get(path)["ETag"]
    services.product_update(
        actor=actor_for(cooperative), product_id=draft.pk, details=product_details(name="Gạo ST24 Tân Hiệp")
    )
    answer = owner.get(path, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200
    assert answer.json()["name_vi"] == "Gạo ST24 Tân Hiệp"


def test_the_trace_is_public_and_revalidates_until_its_lot_changes(api, rice, alliance):
    """The trace answers 304 while its lot's trace page would (the same versions), on the fast path and on DRF's
    (a session cookie), and in full once an event is added or the lot is withdrawn."""
    lot = rice.lots.get()
    path = f"/api/v1/trace/{lot.public_id}/"
    client = api(None)
    first = client.get(path)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    signed_in = api(member(rice.cooperative))
    assert signed_in.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    add_event(lot, kind="packing", occurred_at="2026-01-02T08:00:00+07:00", description="Đóng bao 25 kg")
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again.json()["at_the_cooperative"][-1]["description"] == "Đóng bao 25 kg"
    services.lot_withdraw(actor=actor_for(rice.cooperative), lot_id=lot.pk, reason="Ẩm mốc khi kiểm tra")
    assert client.get(path, HTTP_IF_NONE_MATCH=again["ETag"]).json()["withdrawn"] is True
    assert client.get("/api/v1/trace/no-such-lot/").status_code == 404
