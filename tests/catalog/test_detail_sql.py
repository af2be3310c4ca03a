"""The public product detail and the public trace, read in one PostgreSQL statement each
(catalog.selectors.detail_sql, catalog.api.detail_bodies), are byte for byte the bodies built from the ORM's reads
(serializers.product_detail of `product_public_get`, serializers.trace_body of `trace_view`): for every kind of
product and lot, in both languages, in two time zones, for each kind of reader; and each costs one query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from catalog import selectors, services
from catalog.api import detail_bodies
from catalog.api import serializers as s
from catalog.models import HarvestLot, Product
from catalog.selectors.lots import _public_lots
from catalog.selectors.products import with_details
from market.core.errors import NotFound
from market.organisations import geo
from market.organisations.models import Organisation, OrganisationKind, Role, User
from market.organisations.permissions import Actor
from market.organisations.services import organisation_reject
from orders import services as order_services
from tests.catalog.factories import actor_for, make_certificate, make_lot, make_product, png_upload
from tests.catalog.test_lots import add_event
from tests.factories import OrganisationFactory, member
from tests.module_data import organisations_of_the_module, rows_of_the_module
from tests.orders.factories import buyer_actor, only_order, place

pytestmark = pytest.mark.django_db

TIME_ZONES = ["Asia/Ho_Chi_Minh", "UTC"]
CATALOGUE_TIME_ZONE = TIME_ZONES[0]  # the project's (settings.TIME_ZONE), in which `catalogue` makes its dates


def _bytes(body: dict[str, Any]) -> bytes:
    return JSONRenderer().render(body)


@pytest.fixture(scope="module")
def _catalogue(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, dict[str, int]]]:
    """`catalogue` and its organisations (their ids), made once for the module: every test reads them, and what a
    test adds (the traces' lots, certificates and orders) rolls back. Their images and scans in a folder of the
    module's."""
    with rows_of_the_module(django_db_blocker, media=tmp_path_factory.mktemp("media")):
        alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
        cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
        other_cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")
        buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Mua hàng")
        staff_user = member(alliance, Role.STAFF)
        products = _products(cooperative, other_cooperative, alliance)
        yield {
            "organisations": {"alliance": alliance.pk, "cooperative": cooperative.pk,
                              "other_cooperative": other_cooperative.pk, "buyer": buyer.pk},
            "users": {"staff_user": staff_user.pk},
            "products": {name: product.pk for name, product in products.items()},
        }  # fmt: skip


# The module's rows read afresh for each test (none of them changes one in memory for the next).
alliance, cooperative, other_cooperative, buyer = organisations_of_the_module("_catalogue", under="organisations")


@pytest.fixture
def staff_user(_catalogue: dict[str, dict[str, int]]) -> User:
    return User.objects.get(pk=_catalogue["users"]["staff_user"])


@pytest.fixture
def catalogue(_catalogue: dict[str, dict[str, int]]) -> dict[str, Product]:
    """Products with and without lots, certificates, tiers, English names, images, GTIN and commune; and ones
    the public may not see."""
    found = Product.objects.in_bulk(_catalogue["products"].values())
    return {name: found[pk] for name, pk in _catalogue["products"].items()}


def _products(cooperative: Organisation, other_cooperative: Organisation, alliance: Organisation) -> dict[str, Product]:
    today = timezone.localdate()
    owner = actor_for(cooperative)
    full = make_product(
        cooperative, name="Mật ong rừng tràm U Minh", name_en="U Minh melaleuca honey", category="mat-ong",
        description_vi="Mật ong nguyên chất", description_en="Raw honey", gtin="8935049500018", unit="kg",
        moq="10", order_multiple="0.5", tiers=[("10", 290000), ("100", 270000), ("500.5", 255000)],
        origin_province_code=91, origin_commune_code=31078, origin_note="Rừng tràm", packaging="Chai 500 ml",
        net_content="500 ml", ingredients="Mật ong", storage_instructions="Nơi khô mát",
        usage_instructions="Pha nước ấm", shelf_life_days=730, sku="MO-1",
    )  # fmt: skip
    services.product_image_add(actor=owner, product_id=full.pk, upload=png_upload(name="a.png"), alt_text="Hũ mật")
    services.product_image_add(actor=owner, product_id=full.pk, upload=png_upload(name="b.png"), alt_text="")
    make_certificate(cooperative, kind="vietgap", number="VG-1")  # cooperative-wide
    make_certificate(cooperative, kind="vietgap", number="VG-2", valid_to=today + timedelta(days=400))  # longer
    make_certificate(cooperative, kind="ocop", ocop_stars=3, number="OCOP-3", products=[full])
    make_certificate(cooperative, kind="ocop", ocop_stars=5, number="OCOP-5", products=[full])
    make_certificate(cooperative, kind="haccp", number="H-PENDING", products=[full], verified=False)
    make_certificate(
        cooperative, kind="organic", number="ORG-OLD", products=[full], valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=1),
    )  # fmt: skip
    make_lot(full, code="LATE", quantity="5000", expiry_date=today + timedelta(days=300))
    make_lot(full, code="SOON", quantity="3000.5", expiry_date=today + timedelta(days=30))
    make_lot(full, code="OPEN", quantity="12.25")  # no expiry: sold last
    make_lot(full, code="OLD", harvest_date=today - timedelta(days=90), expiry_date=today - timedelta(days=1))
    make_lot(full, code="DRAFT", publish=False)
    bare = make_product(other_cooperative, name="Gạo lứt", tiers=[("100", 45000)], order_multiple=None)
    hidden = OrganisationFactory(name="HTX Chưa xác minh")
    unverified = make_product(hidden, name="Gạo chưa xác minh")
    organisation_reject(actor=actor_for(alliance, Role.STAFF), organisation_id=hidden.pk, reason="Giấy phép hết hạn")
    delisted = make_product(cooperative, name="Gạo đã gỡ", sku="GONE")
    services.product_delist(actor=owner, product_id=delisted.pk)
    return {
        "full": full,
        "bare": bare,
        "draft": make_product(cooperative, name="Gạo nháp", publish=False, sku="DRAFT"),
        "delisted": delisted,
        "unverified": unverified,
    }


def _readers(cooperative, other_cooperative, buyer, alliance, staff_user) -> list[Actor]:
    return [
        Actor.anonymous(),
        actor_for(buyer, Role.OWNER),
        actor_for(other_cooperative, Role.OWNER),  # a seller reading another cooperative's product
        actor_for(cooperative, Role.STAFF),
        Actor(user=staff_user, organisation=alliance, role=Role.STAFF),
    ]


def _trace_readers(cooperative, other_cooperative, buyer, alliance, staff_user) -> list[Actor]:
    """_readers and a buyer that bought nothing of the lot (the forward trail is its buyers' own)."""
    return [
        *_readers(cooperative, other_cooperative, buyer, alliance, staff_user),
        actor_for(OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Khác"), Role.OWNER),
    ]


def _reference_product(product_id: int, actor: Actor) -> dict[str, Any] | None:
    product = with_details(selectors.public_products()).filter(pk=product_id).first()
    return None if product is None else s.product_detail(product, actor=actor)


def _sql_product(product_id: int, actor: Actor) -> dict[str, Any] | None:
    try:
        return detail_bodies.public_product_detail(product_id=product_id, actor=actor)
    except NotFound:
        return None


@pytest.mark.parametrize("time_zone", TIME_ZONES)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_product_statement_answers_the_orms_body(
    catalogue, cooperative, other_cooperative, buyer, alliance, staff_user, language, time_zone, settings
):
    settings.TIME_ZONE = time_zone
    readers = _readers(cooperative, other_cooperative, buyer, alliance, staff_user)
    with translation.override(language):
        for name, product in catalogue.items():
            for actor in readers:
                expected, found = _reference_product(product.pk, actor), _sql_product(product.pk, actor)
                assert (found is None) == (expected is None), (name, actor)
                if expected is not None:
                    assert found is not None
                    assert _bytes(found) == _bytes(expected), (name, actor)
        assert _sql_product(999999, Actor.anonymous()) is None


def test_the_product_statement_reads_every_part(catalogue):
    """What the comparison above compares is there: a body with every part filled in."""
    with translation.override("en"):
        body = detail_bodies.public_product_detail(product_id=catalogue["full"].pk, actor=Actor.anonymous())
    assert (body["name"], body["description"], body["category"]["name"]) == (
        "U Minh melaleuca honey", "Raw honey", "Honey",
    )  # fmt: skip
    assert body["price_tiers"] == [
        {"min_quantity": "10.000", "unit_price": 290000},
        {"min_quantity": "100.000", "unit_price": 270000},
        {"min_quantity": "500.500", "unit_price": 255000},
    ]
    assert [image["alt_text"] for image in body["images"]] == ["Hũ mật", ""]
    assert all(image["url"] and image["thumbnail_url"] for image in body["images"])
    assert [c["number"] for c in body["certificates"]] == ["OCOP-3", "OCOP-5", "VG-2", "VG-1"]
    assert [b["label"] for b in body["badges"]] == ["VietGAP", "OCOP 5★"]
    assert [lot["code"] for lot in body["lots_in_stock"]] == ["SOON", "LATE", "OPEN"]
    assert body["stock_available"] == "8012.750"
    assert body["lots_in_stock"][0]["trace_url"].endswith("/01/08935049500018/10/SOON?" + body["lots_in_stock"][0][
        "trace_url"].rsplit("?", 1)[1])  # fmt: skip
    assert body["origin_commune"] is not None
    bare = detail_bodies.public_product_detail(product_id=catalogue["bare"].pk, actor=Actor.anonymous())
    assert (bare["certificates"], bare["badges"], bare["lots_in_stock"], bare["images"]) == ([], [], [], [])
    assert bare["stock_available"] == "0"


def test_the_owner_still_reads_its_own_product_with_its_actions(api, catalogue, cooperative):
    """A cooperative's members read their products through the ORM in every status, with what they may do."""
    owner = api(member(cooperative, Role.OWNER))
    for name in ("full", "draft", "delisted"):
        body = owner.get(f"/api/v1/products/{catalogue[name].pk}/").json()
        assert body["id"] == catalogue[name].pk
        assert "edit" in body["allowed_actions"], name
    anonymous = api(None)
    for name in ("draft", "delisted", "unverified"):
        assert anonymous.get(f"/api/v1/products/{catalogue[name].pk}/").status_code == 404, name
    public = anonymous.get(f"/api/v1/products/{catalogue['full'].pk}/").json()
    mine = owner.get(f"/api/v1/products/{catalogue['full'].pk}/").json()
    assert public["allowed_actions"] == []
    assert {**mine, "allowed_actions": []} == public


# --- the trace -----------------------------------------------------------------------------------
@pytest.fixture
def traces(cooperative, other_cooperative, buyer, alliance, catalogue) -> dict[str, HarvestLot]:
    """Lots with certificates and events in every direction (one corrected twice), shipments to orders that give
    a delivery province, that leave it to the buyer's, that are another cooperative's or that do not exist;
    a lot of a product without GTIN and with no events, a withdrawn one, an expired one."""
    today = timezone.localdate()
    full = catalogue["full"]
    certificates = [
        make_certificate(cooperative, kind="vietgap", number="T-VG-1"),
        make_certificate(cooperative, kind="ocop", ocop_stars=4, number="T-OCOP-4"),
        make_certificate(
            cooperative, kind="organic", number="T-ORG", valid_from=today - timedelta(days=400),
            valid_to=today - timedelta(days=1),
        ),
        make_certificate(cooperative, kind="globalgap", number="T-REVOKED", products=[full]),
    ]  # fmt: skip
    lot = make_lot(full, code="TRACED", certificates=certificates, expiry_date=today + timedelta(days=60))
    services.certificate_revoke(
        actor=actor_for(alliance, Role.STAFF), certificate_id=certificates[-1].pk, reason="Giấy chứng nhận giả"
    )
    moment = lambda days: (timezone.now() - timedelta(days=days)).isoformat()  # noqa: E731
    add_event(lot, kind="input", occurred_at=moment(30), description="Giống", party="Viện lúa", quantity="12.5")
    harvest = add_event(lot, kind="harvest", occurred_at=moment(9), description="Thu hoạch", quantity="4800")
    add_event(lot, kind="correction", occurred_at=moment(2), description="Đúng là 5.000", corrects=harvest.pk)
    add_event(lot, kind="correction", occurred_at=moment(1), description="Đúng là 5.010", corrects=harvest.pk)
    add_event(lot, kind="supply", occurred_at=moment(8), description="Từ hộ", party="Hộ Nguyễn Văn A")
    for delivery in (79, None):
        order = only_order(place(buyer_actor(buyer), [((full, lot), "10")], delivery_province_code=delivery))
        order_services.order_confirm(actor=actor_for(cooperative), order_id=order.pk)
        order_services.shipment_create(
            actor=actor_for(cooperative), order_id=order.pk, quantities={order.lines.get().pk: Decimal(10)}
        )
    theirs = make_product(other_cooperative, name="Gạo khác", sku="OTHER")
    elsewhere = only_order(place(buyer_actor(buyer), [((theirs, make_lot(theirs, code="OTHER-1")), "100")]))
    add_event(lot, kind="shipment", occurred_at=moment(1), description="Xuất", party_reference=elsewhere.number)
    add_event(lot, kind="shipment", occurred_at=moment(1), description="Xuất tay", party_reference="KHONG-CO")
    add_event(lot, kind="shipment", occurred_at=moment(1), description="Xuất không số")
    plain = make_lot(catalogue["bare"], code="PLAIN")
    withdrawn = make_lot(full, code="GONE")
    services.lot_withdraw(actor=actor_for(cooperative), lot_id=withdrawn.pk, reason="Ẩm mốc")
    expired = make_lot(full, code="EXPIRED", harvest_date=today - timedelta(days=90), expiry_date=today - timedelta(1))
    draft = make_lot(full, code="NOT-YET", publish=False)
    return {"traced": lot, "plain": plain, "withdrawn": withdrawn, "expired": expired, "draft": draft}


def _reference_trace(public_id: str, actor: Actor) -> dict[str, Any] | None:
    lot = _public_lots().filter(public_id=public_id).first()
    if lot is None:
        return None
    return s.trace_body(selectors.trace_view(lot=lot, actor=actor))


def _sql_trace(public_id: str, actor: Actor) -> dict[str, Any] | None:
    try:
        return detail_bodies.public_trace(public_id=public_id, actor=actor)
    except NotFound:
        return None


@pytest.mark.parametrize("time_zone", TIME_ZONES)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_trace_statement_answers_the_orms_body(
    traces, cooperative, other_cooperative, buyer, alliance, staff_user, language, time_zone, settings
):
    settings.TIME_ZONE = time_zone
    readers = _trace_readers(cooperative, other_cooperative, buyer, alliance, staff_user)
    with translation.override(language):
        for name, lot in traces.items():
            for actor in readers:
                expected, found = _reference_trace(lot.public_id, actor), _sql_trace(lot.public_id, actor)
                assert (found is None) == (expected is None), (name, actor)
                if expected is not None:
                    assert found is not None
                    assert _bytes(found) == _bytes(expected), (name, actor)
        assert _sql_trace("missing", Actor.anonymous()) is None


def test_the_trace_statement_reads_every_part(traces, buyer):
    """What the comparison above compares is there."""
    anonymous = detail_bodies.public_trace(public_id=traces["traced"].public_id, actor=Actor.anonymous())
    assert [c["number"] for c in anonymous["certificates"]] == ["T-REVOKED", "T-OCOP-4", "T-ORG", "T-VG-1"]
    assert [(c["in_force_now"], c["in_force_at_harvest"]) for c in anonymous["certificates"]] == [
        (False, False), (True, True), (False, True), (True, True),
    ]  # fmt: skip
    assert {"vietgap": "VietGAP", "ocop": "OCOP 5★"}.items() <= {
        b["kind"]: b["label"] for b in anonymous["badges"]
    }.items()
    assert [e["kind"] for e in anonymous["one_step_back"]] == ["input", "supply"]
    assert [e["kind"] for e in anonymous["at_the_cooperative"]] == ["harvest", "correction", "correction"]
    provinces = [step["province"] for step in anonymous["one_step_forward"]]
    # Another cooperative's order, no such order, no number (a day ago); then the two shipments of the orders.
    assert provinces[:3] == ["", "", ""]
    assert provinces[3:] == [geo.province(79).name, geo.province(buyer.province_code).name]
    assert {step["event"] for step in anonymous["one_step_forward"]} == {None}
    seen = detail_bodies.public_trace(public_id=traces["traced"].public_id, actor=actor_for(buyer, Role.OWNER))
    assert [step["event"] is not None for step in seen["one_step_forward"]] == [False, False, False, True, True]
    assert detail_bodies.public_trace(public_id=traces["withdrawn"].public_id, actor=Actor.anonymous())["withdrawn"]
    assert detail_bodies.public_trace(public_id=traces["expired"].public_id, actor=Actor.anonymous())["expired"]
    plain = detail_bodies.public_trace(public_id=traces["plain"].public_id, actor=Actor.anonymous())
    assert plain["qr_url"].endswith(f"/trace/{traces['plain'].public_id}/")


# --- a cooperative's lot ------------------------------------------------------------------------
@pytest.mark.parametrize("time_zone", TIME_ZONES)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_lot_statement_answers_the_orms_body(
    catalogue, traces, cooperative, other_cooperative, buyer, alliance, staff_user, language, time_zone, settings
):
    """GET /lots/{id}/ for each reader: a lot with certificates, a draft (more actions), a withdrawn one, one of a
    product without GTIN or English name, and none."""
    settings.TIME_ZONE = time_zone
    readers = [
        actor_for(cooperative, Role.OWNER),
        *_readers(cooperative, other_cooperative, buyer, alliance, staff_user),
    ]
    with translation.override(language):
        for lot_id in [*(lot.pk for lot in traces.values()), 999999]:
            for actor in readers:
                try:
                    expected: dict[str, Any] | None = s.lot_detail(
                        selectors.lot_get_for(actor=actor, lot_id=lot_id), actor=actor
                    )
                except NotFound:
                    expected = None
                try:
                    found: dict[str, Any] | None = detail_bodies.lot_detail_for(actor=actor, lot_id=lot_id)
                except NotFound:
                    found = None
                assert (found is None) == (expected is None), (lot_id, actor)
                if expected is not None:
                    assert found is not None
                    assert _bytes(found) == _bytes(expected), (lot_id, actor)
    owner = readers[0]
    traced = detail_bodies.lot_detail_for(actor=owner, lot_id=traces["traced"].pk)
    assert len(traced["certificates"]) == 4
    assert "publish" in detail_bodies.lot_detail_for(actor=owner, lot_id=traces["draft"].pk)["allowed_actions"]
    with pytest.raises(NotFound):  # another cooperative's
        detail_bodies.lot_detail_for(actor=owner, lot_id=traces["plain"].pk)
    plain = detail_bodies.lot_detail_for(actor=actor_for(other_cooperative, Role.OWNER), lot_id=traces["plain"].pk)
    assert plain["trace_url"].endswith(f"/trace/{traces['plain'].public_id}/")


# --- one query each ------------------------------------------------------------------------------
def test_the_public_reads_cost_one_query(catalogue, traces, django_assert_max_num_queries):
    """Anonymous reads, after the first (the catalogue version kept): the product and the trace in one
    statement each, found or not."""
    client = Client()
    reads = [
        (f"/api/v1/products/{catalogue['full'].pk}/", 200),
        (f"/api/v1/products/{catalogue['draft'].pk}/", 404),
        (f"/api/v1/trace/{traces['traced'].public_id}/", 200),
        (f"/api/v1/trace/{traces['draft'].public_id}/", 404),
    ]
    for path, status in reads:
        client.get(path)
        with django_assert_max_num_queries(1):
            assert client.get(path).status_code == status, path
