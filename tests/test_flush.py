"""A transactional test's end empties the database as Django's flush does (tests/postgresql/base.py: by DELETE):
the next transactional test finds the database as the first one did (what the post-migrate handlers make: content
types, permissions, the reference categories and clause templates), whatever the test wrote."""

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import Product, SearchRow
from market.organisations.models import OrganisationKind
from orders.models import Order
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory
from tests.orders.factories import place, stocked_product


def rows_per_table() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our tables)
            counts[table] = cursor.fetchone()[0]
        return counts


def table_files() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_relation_filenode(oid) FROM pg_class"
            " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_flush_leaves_the_database_as_a_transactional_test_finds_it():
    found = {table: count for table, count in rows_per_table().items() if count}
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Mua hàng")
    product, lot = stocked_product(cooperative)
    place(actor_for(buyer), [((product, lot), "100")])
    assert Order.objects.exists()  # rows that refer to rows
    assert SearchRow.objects.exists()  # a partitioned table

    files = table_files()

    # As a transactional test's teardown calls it (django.test.TransactionTestCase._fixture_teardown).
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False, allow_cascade=False)

    assert {table: count for table, count in rows_per_table().items() if count} == found
    assert not Product.objects.exists()
    assert table_files() == files  # emptied where they are: TRUNCATE gives every table new files (~0.5 s of CPU)
