"""A page of a cooperative's storefront reads that page's products only, through product_storefront_idx, both in the
plan PostgreSQL makes for the values sent and in the plan it keeps for any values once the connection has prepared
the statement (a generic plan; tests/catalog/test_kept_plans.py says why that matters). Without the index, PostgreSQL
read every published product of the cooperative to sort them. (The lots are looked up for the page's products only,
at the bench's 160,000 lots; with the few here, hashing them all is the cheaper plan, so that is not asserted.)
The kept plan is also what PostgreSQL keeps at all: it costs no more than the plan made for the values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from catalog import selectors
from catalog.models import HarvestLot, Product
from market.organisations.models import Organisation, OrganisationKind
from tests.catalog.factories import make_lot, make_product
from tests.catalog.test_kept_plans import (
    index_scans_only,
    indexes_read,
    kept_plan,
    lots_by_product_from_the_in_stock_index_only,
)
from tests.factories import OrganisationFactory
from tests.module_data import rows_of_the_module

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]

PAGE_SIZE = 12
PRODUCTS = 400  # each cooperative's: a page is a small part of them


def _copies(product: Product, cooperative: Organisation, count: int) -> list[Product]:
    """`count` copies of `product` (published, with its price) for `cooperative`, each with its own name."""
    copies = []
    for n in range(count):
        copy = Product.objects.get(pk=product.pk)
        copy.pk, copy.sku, copy.gtin, copy.cooperative = None, f"COPY-{cooperative.pk}-{n}", "", cooperative
        copy.name_vi = f"Gạo {n:04d}"
        copies.append(copy)
    return Product.objects.bulk_create(copies)


@pytest.fixture(scope="module")
def storefront(django_db_setup: None, django_db_blocker: Any) -> Iterator[Organisation]:
    """Two cooperatives of PRODUCTS published products each, a lot in stock for every tenth (the page's cards
    say which are in stock); analysed, so that the planner estimates from what is there. Made once for the module
    (eight hundred products and eighty lots): the tests only read them."""
    with rows_of_the_module(django_db_blocker):
        cooperative, other_cooperative = OrganisationFactory.create_batch(2, kind=OrganisationKind.COOPERATIVE)
        product = make_product(other_cooperative)
        for cooperative_ in (cooperative, other_cooperative):
            for copy in _copies(product, cooperative_, PRODUCTS)[::10]:
                make_lot(copy, code=f"LOT-{copy.pk}")
        with connection.cursor() as cursor:
            tables = (Product._meta.db_table, Organisation._meta.db_table, HarvestLot._meta.db_table)
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        yield cooperative


def _statement_of_a_page(cooperative: Organisation, page: int) -> tuple[str, list[Any]]:
    """The statement the storefront's page of products runs, with its parameters."""
    seen: list[tuple[str, list[Any]]] = []

    def keep(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        found = selectors.storefront_products(cooperative_id=cooperative.pk, page=page, page_size=PAGE_SIZE)
    assert len(found.products) == PAGE_SIZE
    (statement,) = seen
    return statement


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _rows_read(nodes: list[dict[str, Any]], table: str) -> int:
    return sum(node["Actual Rows"] * node["Actual Loops"] for node in nodes if node.get("Relation Name") == table)


@pytest.mark.parametrize("generic", [False, True], ids=["its values' plan", "the kept plan"])
@pytest.mark.parametrize("page", [1, 3])
def test_a_storefront_page_reads_its_products_through_the_index(storefront, generic: bool, page: int):
    mode = "force_generic_plan" if generic else "force_custom_plan"
    nodes = list(_nodes(kept_plan(*_statement_of_a_page(storefront, page), mode=mode, analyze=True)))
    products = [node for node in nodes if node.get("Relation Name") == Product._meta.db_table]
    assert [node.get("Index Name") for node in products] == ["product_storefront_idx"]
    # The page's rows and the one after (is there a next page?), past the pages before it: not all 400.
    assert _rows_read(nodes, Product._meta.db_table) == page * PAGE_SIZE + 1


def test_the_kept_plan_reads_the_lots_in_stock_from_their_index(storefront):
    """The lots' status is written in (page_sql.for_sale), as the list's: with it a parameter, the kept plan read every
    lot of a product from the table."""
    statement = _statement_of_a_page(storefront, 1)
    index_scans_only()
    lots_by_product_from_the_in_stock_index_only()
    assert "lot_in_stock_idx" in indexes_read(kept_plan(*statement))


@pytest.mark.parametrize("page", [1, 2, 30])
def test_the_kept_plan_costs_what_one_made_for_the_page_costs(storefront, page: int):
    """With the OFFSET a parameter the kept plan guessed a tenth of the cooperative's products skipped, so it looked
    costlier than the plans made for each request's page and PostgreSQL planned every storefront anew (~0.3 ms of its
    CPU each at 100,000 and at 1,000,000 products). The OFFSET is written in, one statement per page number."""
    statement = _statement_of_a_page(storefront, page)
    kept = kept_plan(*statement)["Total Cost"]
    made = kept_plan(*statement, mode="force_custom_plan")["Total Cost"]
    assert kept <= made * 1.01
