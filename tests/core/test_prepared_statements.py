"""On a direct PostgreSQL connection parameters are bound by the server, and a statement the connection runs
again (past `prepare_threshold` runs) is prepared there, parsed and planned once: the ORM's and the plain
reads' alike. Behind a transaction-mode pooler (`DATABASE_POOLING=transaction`) nothing is prepared."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench.cpu import prepared_plans
from catalog.commands import Sort
from catalog.models import Certificate, Product
from catalog.selectors import browse
from catalog.selectors.browse import ProductQuery
from catalog.selectors.products import product_public_get
from market.organisations.models import Organisation
from tests.catalog.factories import make_certificate, make_product
from tests.conftest import ROOT, process_env
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
THRESHOLD = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]


def _prepared(marker: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall() if marker in statement]


def _probe(name: str) -> list[tuple[int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::integer + 1 AS {name}", [41])
        return cursor.fetchall()


def test_the_test_run_binds_on_the_server_as_production_does() -> None:
    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
    assert THRESHOLD >= 1
    with connection.cursor() as cursor:
        assert cursor.cursor.__class__.__name__ == "ServerBindingCursor"


def test_a_statement_run_again_is_prepared_on_the_connection() -> None:
    for _ in range(THRESHOLD):
        assert _probe("direct_probe") == [(42,)]
        assert not _prepared("direct_probe"), "not before the threshold"
    assert _probe("direct_probe") == [(42,)]
    assert _prepared("direct_probe") == ["SELECT $1::integer + 1 AS direct_probe"]
    assert _probe("direct_probe") == [(42,)]  # and runs as prepared


def test_the_orm_and_the_plain_reads_are_prepared(cooperative) -> None:
    product = make_product(cooperative, name="Gạo ST25")
    for _ in range(THRESHOLD + 1):
        assert product_public_get(product_id=product.pk).name == "Gạo ST25"
        assert Product.objects.filter(pk=product.pk).values_list("sku", flat=True).get() == product.sku
    assert len(_prepared("json_build_object('id', t.id")) == 1  # the product detail's plain statement
    assert _prepared('"sku" FROM "catalog_product" WHERE "catalog_product"."id" = $1')


def test_a_search_is_planned_with_its_words_every_time(cooperative) -> None:
    """Past the prepared statement's five custom plans PostgreSQL may keep a generic one, planned without the
    LIKE patterns (catalog.selectors.page_sql.with_values): the search's words never reach it as parameters."""
    make_product(cooperative, name="Gạo ST25 Tân Hiệp")
    day = timezone.localdate()
    for sort in (Sort.RELEVANCE, Sort.NEWEST):
        query = ProductQuery(search="gao st25", sort=sort)
        for _ in range(THRESHOLD + 6):
            assert [p.name for p in browse.product_page(query=query, on=day).products] == ["Gạo ST25 Tân Hiệp"]
            assert browse._facet_counts(query, day, corrected=False)["total"] == 1
    assert not _prepared("LIKE $")
    assert _prepared("LIKE '%st25%'"), "prepared with its words written in, as any repeated statement"


def _plans(marker: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of each statement prepared on the connection that holds `marker`."""
    return [plans for statement, plans in prepared_plans().items() if marker in statement]


def _many_certificates(certificate: Certificate, cooperatives: list[Organisation]) -> None:
    """5 copies of `certificate` for each of `cooperatives` (as many for each: no cooperative stands out in the
    statistics PostgreSQL plans by), then those statistics."""
    table = Certificate._meta.db_table
    columns = [f.column for f in Certificate._meta.concrete_fields if not f.primary_key]
    copied = ", ".join("o.id" if column == "cooperative_id" else f"c.{column}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {copied} FROM {table} c"  # noqa: S608 (model names)
            f" CROSS JOIN unnest(%s::integer[]) o(id) CROSS JOIN generate_series(1, 5) WHERE c.id = %s",
            [[o.pk for o in cooperatives], certificate.pk],
        )
        cursor.execute(f"ANALYZE {table}")


def test_one_products_badges_keep_their_plan(cooperative) -> None:
    """A lot's trace and a product's own page read the badges of one product: PostgreSQL plans that statement once
    and keeps the plan. With the ids as an array parameter it estimated 10 of each and planned every run anew (past
    its five custom plans the generic one looked costlier than one made for the values)."""
    product = make_product(cooperative, name="Gạo ST25")
    certificate = make_certificate(cooperative, kind="vietgap", number="VG-1")
    _many_certificates(certificate, [cooperative, *OrganisationFactory.create_batch(40)])
    day = timezone.localdate()
    for _ in range(THRESHOLD + 10):
        assert {b.kind for b in browse.badges_for([product], on=day)[product.pk]} == {"vietgap"}
    ((generic, custom),) = _plans("c.ocop_stars, c.scope, c.cooperative_id, NULL")
    assert custom <= 5, (generic, custom)
    assert generic >= 5, (generic, custom)


PROBE_BEHIND_POOLER = """
import django, json
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    for _ in range(5):
        cursor.execute("SELECT %s::integer + 1 AS pooled_probe", [41])
    cursor.execute("SELECT count(*) FROM pg_prepared_statements")
    prepared = cursor.fetchone()[0]
    binding = cursor.cursor.__class__.__name__
print(json.dumps({"prepared": prepared, "cursor": binding, "options": sorted(connection.settings_dict["OPTIONS"])}))
"""


def test_behind_a_transaction_pooler_nothing_is_prepared() -> None:
    """The settings a process reads with DATABASE_POOLING=transaction (here on a direct connection, to look)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE_BEHIND_POOLER],
        cwd=ROOT, env=process_env(DATABASE_POOLING="transaction"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"prepared": 0, "cursor": "Cursor", "options": []}
