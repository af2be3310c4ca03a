"""The catalogue's search rows (catalog.models.SearchRow) are what the products say after every write that changes
them: a row for each product the catalogue shows (published, of a verified cooperative), with its searched
columns, none for the others; made by the migration for the products there were, and by the bench generator. So are
the products' card bodies (catalog.models.CardBody): one of the current format per listed product, what the list's
statement would build from the product now; after the migration, kept by the beat job."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.forms import modelform_factory
from django.test import RequestFactory

from bench.generate import generate
from catalog import services
from catalog.admin import ProductAdmin
from catalog.models import CardBody, Product, ProductStatus, SearchRow
from catalog.selectors import browse
from catalog.selectors.browse import ProductQuery
from catalog.selectors.card_sql import BODY_FORMAT
from catalog.services import search_rows
from catalog.tasks import keep_card_bodies
from market.core.quantity import price_per_base_unit
from market.organisations import services as organisation_services
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import Role, VerificationStatus
from tests.catalog.factories import actor_for, make_product, product_details, tier_specs
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

SEARCHED = ("cooperative_id", "category_id", "origin_province_code", "price_per_base_unit", "moq", "name_folded",
            "search_folded")  # fmt: skip


def _rows() -> dict[int, tuple]:
    return {pk: tuple(rest) for pk, *rest in SearchRow.objects.values_list("product_id", *SEARCHED)}


def _products_say() -> dict[int, tuple]:
    listed = Product.objects.filter(
        status=ProductStatus.PUBLISHED, cooperative__verification_status=VerificationStatus.VERIFIED
    )
    return {pk: tuple(rest) for pk, *rest in listed.values_list("pk", *SEARCHED)}


def _bodies() -> dict[int, tuple[str, str]]:
    return {pk: (body, format) for pk, body, format in CardBody.objects.values_list("product_id", "body", "format")}


def _bodies_built() -> dict[int, tuple[str, str]]:
    """The bodies the list's statement would build from the listed products now."""
    with connection.cursor() as cursor:
        cursor.execute(*search_rows.card_bodies_built(search_rows.LISTED, search_rows.LISTED_PARAMS))
        return {pk: (body, format) for pk, body, format in cursor.fetchall()}


def _kept() -> None:
    """The search rows and the card bodies are what the products say."""
    assert _rows() == _products_say()
    assert _bodies() == _bodies_built()
    assert {format for _body, format in _bodies().values()} <= {BODY_FORMAT}


def _found(text: str) -> set[int]:
    page = browse.product_page(query=browse.ProductQuery(search=text), page_size=50)
    return {p.pk for p in page.products}


def test_publishing_makes_the_row_and_delisting_removes_it(cooperative):
    draft = make_product(cooperative, name="Gạo Nàng Hoa", publish=False)
    assert draft.pk not in _rows()
    services.product_publish(actor=actor_for(cooperative), product_id=draft.pk)
    _kept()
    assert draft.pk in _rows()
    assert _found("nang hoa") == {draft.pk}
    services.product_delist(actor=actor_for(cooperative), product_id=draft.pk)
    _kept()
    assert _rows() == _bodies() == {}
    assert _found("nang hoa") == set()


def test_updating_a_product_updates_its_row(cooperative):
    rice = make_product(cooperative, name="Gạo ST25 Tân Hiệp")
    other = make_product(cooperative, name="Mật ong rừng", category="mat-ong")
    details = replace(
        product_details(name="Gạo Jasmine 85", category="gao-nep", moq="200", order_multiple="100"),
        origin_province_code=79,
        origin_commune_code=None,
    )
    services.product_update(
        actor=actor_for(cooperative), product_id=rice.pk, details=details, tiers=tier_specs([("200", 25000)])
    )
    _kept()
    rice.refresh_from_db()
    assert _rows()[rice.pk][2:5] == (79, 25000, Decimal("200.000"))
    body, _format = _bodies()[rice.pk]
    assert '"name_vi":"Gạo Jasmine 85"' in body
    assert '"price_tiers":[{"min_quantity":"200.000","unit_price":25000}]' in body
    assert _found("jasmine") == {rice.pk}
    assert _found("st25") == set()
    assert other.pk in _rows()


def test_a_staff_edit_in_the_admin_moves_the_search_text_and_the_row(cooperative):
    rice = make_product(cooperative, name="Gạo ST25")
    rice.name_vi = "Gạo Nàng Hoa 9"
    form = modelform_factory(Product, fields=["name_vi"])(instance=rice)
    ProductAdmin(Product, admin.site).save_model(RequestFactory().post("/admin/"), rice, form, change=True)
    _kept()
    assert _found("nang hoa") == {rice.pk}


def test_renaming_the_cooperative_renames_it_in_its_rows(cooperative, coop_owner):
    rice = make_product(cooperative, name="Gạo ST25")
    profile = replace(OrganisationProfile.of(cooperative), name="HTX Lúa Tôm Thới Bình")
    organisation_services.organisation_update(actor=actor_for(cooperative), organisation_id=cooperative.pk,
                                              profile=profile)  # fmt: skip
    _kept()
    assert "thoi binh" in _rows()[rice.pk][-1]
    assert '"name":"HTX Lúa Tôm Thới Bình"}' in _bodies()[rice.pk][0]
    assert _found("thoi binh st25") == {rice.pk}


def test_the_cooperatives_verification_takes_its_rows_away_and_back(cooperative, alliance, staff_user):
    rice, honey = make_product(cooperative, name="Gạo ST25"), make_product(cooperative, name="Mật ong")
    elsewhere = make_product(OrganisationFactory(name="HTX Khác"), name="Gạo ST24")
    staff = actor_for(alliance, Role.STAFF)
    organisation_services.organisation_reject(actor=staff, organisation_id=cooperative.pk, reason="Hết hạn")
    _kept()
    assert set(_rows()) == {elsewhere.pk}
    organisation_services.organisation_resubmit(actor=actor_for(cooperative), organisation_id=cooperative.pk)
    organisation_services.organisation_verify(actor=staff, organisation_id=cooperative.pk)
    _kept()
    assert set(_rows()) == {rice.pk, honey.pk, elsewhere.pk}


def test_a_changed_tax_code_sends_the_cooperative_back_to_review_and_its_rows_away(cooperative, coop_owner):
    rice = make_product(cooperative, name="Gạo ST25")
    profile = replace(OrganisationProfile.of(cooperative), tax_code="0100109106")
    organisation_services.organisation_update(actor=actor_for(cooperative), organisation_id=cooperative.pk,
                                              profile=profile)  # fmt: skip
    assert rice.pk not in _rows()
    _kept()


def test_a_product_in_a_new_range_of_ids_gets_its_partition(cooperative, monkeypatch):
    """PostgreSQL: one partition per range of PARTITION_IDS ids, made when its first row comes (here 1 id each)."""
    with connection.cursor() as cursor:  # from an empty table (dropped in this test's transaction only)
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'catalog_searchrow'::regclass"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE {name}")
    monkeypatch.setattr(search_rows, "PARTITION_IDS", 1)
    monkeypatch.setattr(search_rows, "_made", set())
    products = [make_product(cooperative, name=f"Gạo ST25 lô {n}") for n in range(3)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'catalog_searchrow'::regclass"
        )
        partitions = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT tableoid::regclass::text, id FROM catalog_searchrow")
        placed = dict((pk, table) for table, pk in cursor.fetchall())
    assert {f"catalog_searchrow_{p.pk}" for p in products} <= partitions
    assert placed == {p.pk: f"catalog_searchrow_{p.pk}" for p in products}
    assert _found("st25") == {p.pk for p in products}


def test_the_bench_generator_fills_the_rows():
    generate(products=120, cooperatives=6, progress=False)
    assert len(_rows()) > 100
    _kept()


def test_the_bench_generators_products_have_the_price_the_filters_read():
    generate(products=120, cooperatives=6, progress=False)
    published = Product.objects.filter(status="published")
    assert published.count() > 100
    for product in published:
        assert product.price_per_base_unit == price_per_base_unit(product.price_from, product.unit)
    cheapest = min(p.price_per_base_unit for p in published)
    assert browse.product_page(query=ProductQuery(price_max=cheapest), page_size=200).products


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_rows_of_the_products_there_are(cooperative, alliance, staff_user):
    rice, draft = make_product(cooperative, name="Gạo ST25"), make_product(cooperative, name="Nháp", publish=False)
    hidden = OrganisationFactory(name="HTX Chưa xác minh")
    unverified = make_product(hidden, name="Gạo chưa xác minh")
    organisation_services.organisation_reject(actor=actor_for(alliance, Role.STAFF), organisation_id=hidden.pk,
                                              reason="Hết hạn")  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate([("catalog", "0011_trace_event_sync_index")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(_rows()) == {rice.pk}
    assert draft.pk not in _rows()
    assert unverified.pk not in _rows()
    assert _rows() == _products_say()
    # The bodies are kept by the beat job (the migration makes their table only): until then, cards are built.
    assert _bodies() == {}
    assert keep_card_bodies() == 1
    _kept()


def test_the_beat_job_keeps_the_bodies_missing_or_of_another_format(cooperative):
    rice, honey = make_product(cooperative, name="Gạo ST25"), make_product(cooperative, name="Mật ong")
    sauce = make_product(cooperative, name="Nước mắm")
    CardBody.objects.filter(pk=rice.pk).delete()
    CardBody.objects.filter(pk=honey.pk).update(body="a card of an older deploy", format="0123456789abcdef")
    assert keep_card_bodies() == 2
    _kept()
    assert set(_bodies()) == {rice.pk, honey.pk, sauce.pk}
    assert keep_card_bodies() == 0  # nothing left to keep


def test_the_beat_job_keeps_the_newest_products_first_in_batches(cooperative, monkeypatch):
    products = [make_product(cooperative, name=f"Gạo ST25 lô {n}") for n in range(5)]
    CardBody.objects.all().delete()
    assert search_rows.card_bodies_fill(batch=2) == 2
    assert set(_bodies()) == {products[4].pk, products[3].pk}
    monkeypatch.setattr("catalog.tasks.CARD_BODIES_BATCH", 2)
    assert keep_card_bodies() == 3  # two batches of two, then one
    _kept()


def test_the_beat_jobs_write_leaves_a_body_of_the_current_format(cooperative):
    """A service that kept a body after the beat job's statement had read the product wrote what the product says now:
    the job's write, built from what it had read, does not replace it."""
    rice = make_product(cooperative, name="Gạo ST25")
    CardBody.objects.filter(pk=rice.pk).update(body="what a service wrote since")
    listed = f"{search_rows.LISTED} AND p.id = %s"
    with connection.cursor() as cursor:
        cursor.execute(*search_rows.card_bodies_statement(listed, [*search_rows.LISTED_PARAMS, rice.pk],
                                                          current_kept=True))  # fmt: skip
    assert _bodies()[rice.pk] == ("what a service wrote since", BODY_FORMAT)
    CardBody.objects.filter(pk=rice.pk).update(format="0123456789abcdef")
    with connection.cursor() as cursor:
        cursor.execute(*search_rows.card_bodies_statement(listed, [*search_rows.LISTED_PARAMS, rice.pk],
                                                          current_kept=True))  # fmt: skip
    _kept()


def test_the_beat_job_reads_no_product_when_every_body_is_kept(cooperative, django_assert_num_queries):
    make_product(cooperative, name="Gạo ST25")
    make_product(cooperative, name="Mật ong")
    with django_assert_num_queries(1):  # the two counts
        assert keep_card_bodies() == 0
    assert search_rows.card_bodies_complete()
    CardBody.objects.update(format="0123456789abcdef")
    assert not search_rows.card_bodies_complete()
