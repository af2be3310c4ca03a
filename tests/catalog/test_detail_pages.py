"""The public product and trace pages read from one statement each (catalog.selectors.detail_pages, on
catalog.selectors.detail_sql's statements) are written byte for byte as from the ORM's reads (`product_public_get`
with `certificates_in_force_for` and `lots_in_stock`; `trace_view` of `lot_public_get` with `lot_origins`): for every
kind of product and lot of tests/catalog/test_detail_sql.py, in both languages, in two time zones, for each kind of
reader; tests/supply/test_origin_reads.py adds a lot built from intakes. A cold page reads its subject in one
statement."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import timezone, translation

from catalog import selectors
from catalog.models import HarvestLot, Product
from catalog.selectors.detail_pages import (
    ProductPage,
    product_page_for,
    public_product_page,
    public_trace_page,
    trace_page_of,
)
from catalog.selectors.lots import _public_lots
from catalog.selectors.products import with_details
from frontend import trace_content
from frontend.product_content import ProductContent, content_html
from frontend.views.catalog import ProductShown, _personal_context, personal_parts
from market.core.errors import NotFound
from market.organisations.models import Role
from market.organisations.permissions import Actor
from tests.catalog import test_detail_sql
from tests.catalog.factories import actor_for
from tests.catalog.test_detail_sql import TIME_ZONES, _trace_readers

pytestmark = pytest.mark.django_db
# The products and lots of every kind that test_detail_sql compares the API's bodies over, made once for the module
# with their organisations (the organisations' fixtures are the catalogue's).
_catalogue = test_detail_sql._catalogue
catalogue = test_detail_sql.catalogue
traces = test_detail_sql.traces
alliance = test_detail_sql.alliance
cooperative = test_detail_sql.cooperative
other_cooperative = test_detail_sql.other_cooperative
buyer = test_detail_sql.buyer
staff_user = test_detail_sql.staff_user
MARKUP = "<b>\"x\" & 'y'</b>"


def _orm_product_page(product_id: int) -> ProductPage | None:
    product = with_details(selectors.public_products()).filter(pk=product_id).first()
    if product is None:
        return None
    certificates = selectors.certificates_in_force_for(product=product)
    lots = selectors.lots_in_stock(product=product)
    return ProductPage(
        product=product,
        tiers=selectors.price_tiers_for(product=product),
        certificates=certificates,
        lots=lots,
        images=list(product.images.all()),
    )


def _written(page: ProductPage, quantity: str) -> str:
    """The page's content with an anonymous visitor's personal parts, asking the price of `quantity`."""
    content = ProductContent.of(page)
    shown = ProductShown.of(page.product, page.tiers, stock=content.stock, content=())
    params = QueryDict(f"quantity={quantity}" if quantity else "")
    manage, buy = personal_parts(None, _personal_context(shown, Actor.anonymous(), params))
    return content_html(content, manage=manage, buy=buy)


@pytest.fixture
def described(cooperative) -> None:
    """The cooperative tells its story and address, in text that needs escaping."""
    cooperative.description = f"Hợp tác xã {MARKUP}\nthứ hai"
    cooperative.address_line = f"Ấp {MARKUP}"
    cooperative.save(update_fields=["description", "address_line"])


@pytest.mark.parametrize("time_zone", TIME_ZONES)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_product_page_from_one_statement_is_written_as_from_the_orm(
    catalogue, described, language, time_zone, settings
):
    settings.TIME_ZONE = time_zone
    with translation.override(language):
        for name, product in catalogue.items():
            expected, found = _orm_product_page(product.pk), public_product_page(product_id=product.pk)
            assert (found is None) == (expected is None), name
            if expected is None or found is None:
                continue
            for quantity in ("", "55,5", "1", "x"):  # the minimum, a tier, below the minimum, not a number
                assert _written(found, quantity) == _written(expected, quantity), (name, quantity)
    # The catalogue's dates were made in the project's time zone: its certificate that ended yesterday there is
    # still in force in UTC between 17:00 and midnight UTC (the next day in Viet Nam).
    with timezone.override(test_detail_sql.CATALOGUE_TIME_ZONE):
        full = public_product_page(product_id=catalogue["full"].pk)
    assert full is not None
    assert [c.number for c in full.certificates] == ["OCOP-3", "OCOP-5", "VG-2", "VG-1"]
    assert [lot.code for lot in full.lots] == ["SOON", "LATE", "OPEN"]
    assert MARKUP in full.product.cooperative.description
    assert len(full.images) == 2


def test_the_owner_and_staff_read_every_status(catalogue, cooperative, alliance, staff_user):
    """Who may see a draft or a delisted product reads it through the ORM; anyone else is answered 404."""
    owner = actor_for(cooperative, Role.STAFF)
    staff = Actor(user=staff_user, organisation=alliance, role=Role.STAFF)
    for name in ("draft", "delisted"):
        for actor in (owner, staff):
            assert product_page_for(actor=actor, product_id=catalogue[name].pk).product.pk == catalogue[name].pk
        with pytest.raises(NotFound):
            product_page_for(actor=Actor.anonymous(), product_id=catalogue[name].pk)


def _trace_written(page_trace, origins) -> tuple[str, str]:
    return trace_content.title_text(page_trace), trace_content.content_html(page_trace, origins)


@pytest.mark.parametrize("time_zone", TIME_ZONES)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_trace_page_from_one_statement_is_written_as_from_the_orm(
    traces, cooperative, other_cooperative, buyer, alliance, staff_user, language, time_zone, settings
):
    settings.TIME_ZONE = time_zone
    readers = _trace_readers(cooperative, other_cooperative, buyer, alliance, staff_user)
    with translation.override(language):
        for name, lot in traces.items():
            public = _public_lots().filter(public_id=lot.public_id).first()
            for actor in readers:
                found = public_trace_page(public_id=lot.public_id, actor=actor)
                assert (found is None) == (public is None), (name, actor)
                if public is None or found is None:
                    continue
                expected = trace_page_of(lot=public, actor=actor)
                assert found.origins == expected.origins
                assert _trace_written(found.trace, found.origins) == _trace_written(expected.trace, expected.origins), (
                    name,
                    actor,
                )


def _cold(client: Client, path: str, django_assert_max_num_queries, queries: int) -> None:
    with django_assert_max_num_queries(queries):
        assert client.get(path).status_code == 200, path


def test_a_cold_page_reads_its_subject_in_one_statement(catalogue, traces, django_assert_max_num_queries):
    """An anonymous visitor's first look at a product (after another: the catalogue's versions and the product's
    cooperative known) and at a lot: the product's cooperative (then kept in the process) and the product, the lot
    with its whole trace."""
    client = Client()
    full: Product = catalogue["full"]
    bare: Product = catalogue["bare"]
    client.get(f"/products/{full.pk}/")
    _cold(client, f"/products/{bare.pk}/", django_assert_max_num_queries, 2)
    traced: HarvestLot = traces["traced"]
    client.get(f"/trace/{traces['plain'].public_id}/")
    for lot in (traced, traces["withdrawn"], traces["expired"]):
        _cold(client, f"/trace/{lot.public_id}/", django_assert_max_num_queries, 1)
