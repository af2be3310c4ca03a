"""A relevance page's search statement (catalog.selectors.page_sql._newest_ranked_sql) ranks only the newest matches
it needs: when its window holds a page of best-ranked matches among its newest, it answers with them and ranks no
match older than the last of them; otherwise it ranks its share of the candidates and counts them. (That its pages
are the ORM's, walked by cursor, is test_public_reads.py's and test_page_costs.py's.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import Product
from catalog.selectors import browse, page_sql
from catalog.selectors.browse import ProductQuery
from tests.catalog.factories import make_product

pytestmark = pytest.mark.django_db

SEARCH = ProductQuery(search="gao thom")


@pytest.fixture
def shelf(cooperative) -> list[Product]:
    """Oldest first: the two newest hold "gạo thơm" in their names (best-ranked), the two before them match by their
    category's name (Gạo thơm) alone."""
    names = ["Gạo thơm Hòn Đất", "Bánh tráng", "Bột năng", "Gạo thơm Jasmine", "Gạo thơm lài"]
    return [make_product(cooperative, name=name) for name in names]


def _ranked_rows(limit: int, candidates: int) -> tuple[list[page_sql.Ranked], int]:
    """The statement's rows over one window holding every product, and how many matches it ranked (the rows its
    CTE of ranked matches gave, by EXPLAIN ANALYZE)."""
    plan = SEARCH.search_plan
    where = page_sql.filtered(SEARCH, day=timezone.localdate(), corrected=False, over_search_rows=True)
    assert where is not None
    params = [*page_sql._rank_params(plan), *where.params, candidates, browse.best_rank(plan), *[limit] * 4]
    statement, _ = page_sql.with_values(page_sql._newest_ranked_sql(where, page_sql.Where()), params)
    with connection.cursor() as cursor:
        cursor.execute(statement)
        rows = [page_sql.Ranked(*row) for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
        explained = cursor.fetchone()[0]
    return rows, _actual_rows(explained[0]["Plan"], "CTE matches")


def _actual_rows(node: dict[str, Any], subplan: str) -> int:
    if node.get("Subplan Name") == subplan:
        return int(node["Actual Rows"])
    for child in node.get("Plans", []):
        if (found := _actual_rows(child, subplan)) >= 0:
            return found
    return -1


def _by_relevance() -> list[int]:
    return list(browse.filtered_products(SEARCH).order_by("-rank_key", "-id").values_list("id", flat=True))


def test_a_window_holding_a_page_of_best_ranked_matches_answers_with_them_ranking_no_other(shelf):
    rows, ranked = _ranked_rows(limit=2, candidates=browse.CANDIDATES)
    newest_two = [shelf[4].pk, shelf[3].pk]
    assert [row.id for row in rows] == newest_two == _by_relevance()[:2]
    assert {row.rank for row in rows} == {browse.best_rank(SEARCH.search_plan)}
    assert [row.candidates for row in rows] == [None, None]  # nothing else was ranked, nothing counted
    assert ranked == 2


def test_a_window_without_a_page_of_best_ranked_matches_ranks_and_counts_its_candidates(shelf):
    rows, ranked = _ranked_rows(limit=3, candidates=4)  # the newest four hold two best-ranked matches
    assert ranked == 4
    assert [row.candidates for row in rows] == [4, 4, 4]
    among_newest = [p.pk for p in shelf[1:]]
    assert [row.id for row in rows] == [pk for pk in _by_relevance() if pk in among_newest][:3]


def test_a_search_in_a_province_reads_the_index_of_province_and_words_for_both(shelf, cooperative):
    """The province is compared as the column's smallint, which btree_gin's index can answer with the words (catalog
    migration 0014): one index condition, no bitmap of the province's rows of its own."""
    query = ProductQuery(search="jasmine", province=cooperative.province_code)
    where = page_sql.filtered(query, day=timezone.localdate(), corrected=False, over_search_rows=True)
    assert where is not None
    select = f"SELECT p.id FROM {page_sql.SEARCH_ROWS} p WHERE {where.sql}"  # noqa: S608
    statement, _ = page_sql.with_values(select, where.params)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test's few rows would be read in sequence
        # Its few rows are cheaper read by the province's btree alone: without it (for this test's transaction), the
        # planner chooses between the words' index and the index of both.
        cursor.execute("DROP INDEX search_row_province_idx")
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert len(conditions) == 1, plan
    assert "origin_province_code" in conditions[0], plan
    assert "search_folded" in conditions[0], plan


def test_a_province_no_search_row_can_hold_matches_nothing(shelf):
    """A smallint column holds no province past 32767 (nor can it be cast to one): nothing, not an error."""
    query = ProductQuery(search="gao thom", province=page_sql.SMALLINT_MAX + 1)
    assert page_sql.filtered(query, day=timezone.localdate(), corrected=False, over_search_rows=True) is None
    assert browse._page_rows_orm(query, query.effective_sort, None, 5, on=timezone.localdate(), corrected=False) == []
