"""Facet counts are computed by one request at a time (catalog.cache.single_flight): requests arriving on an
empty cache wait for that one computation instead of all running it (at 1,000,000 products 16 of them sharing
two cores never finished); with an earlier version's counts at hand they show those at once; a catalogue page
that cannot wait answers without counts, and a page made with counts that are not current is not validated."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import cache as catalog_cache
from catalog.cache import catalog_changed, one_version, served_stale, single_flight
from catalog.selectors import browse, product_facets
from catalog.selectors.browse import ProductQuery, facet_counts_key
from frontend.views import catalog as catalogue_view
from tests.catalog.factories import make_certificate, make_product
from tests.core.test_cache import unreachable_redis  # noqa: F401 (a fixture)

THREADS = 16


def _at_once(count: int, call: Callable[[], Any]) -> list[Any]:
    """`call()` in `count` threads released together; what each returned (an exception fails the test)."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = call()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()  # this thread's own database connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


class Counted:
    """A computation that takes a while (as the counts do at 1M products) and counts how often it ran."""

    def __init__(self, value: object, seconds: float = 0.4) -> None:
        self.value, self.seconds, self.runs = value, seconds, 0
        self._lock = threading.Lock()
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> object:
        with self._lock:
            self.runs += 1
        self.started.set()
        self.release.wait(self.seconds)
        return self.value


def test_concurrent_cold_requests_compute_once_and_all_get_the_value():
    compute = Counted({"total": 42})
    results = _at_once(THREADS, lambda: single_flight("test-counts", {"q": "gao"}, compute))
    assert compute.runs == 1
    assert results == [{"total": 42}] * THREADS


@pytest.mark.django_db(transaction=True)
def test_concurrent_cold_facet_counts_run_one_sql_computation(cooperative, monkeypatch):
    make_product(cooperative, name="Gạo ST25 Tân Hiệp", origin_province_code=91)
    make_product(cooperative, name="Gạo tám thơm", origin_province_code=91)
    original = browse._facet_counts
    runs: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        runs.append(1)
        counts = original(*args, **kwargs)
        threading.Event().wait(0.3)  # the window in which the others arrive
        return counts

    monkeypatch.setattr(browse, "_facet_counts", counted)
    results = _at_once(8, lambda: product_facets(query=ProductQuery(search="gao")))
    assert len(runs) == 1
    assert {facets.total for facets in results} == {2}


@pytest.mark.django_db
def test_a_request_shows_the_previous_counts_while_another_computes_the_current_ones():
    single_flight("test-counts", {"q": "gao"}, lambda: {"total": 1})
    catalog_changed()  # a write: the stored counts are of an earlier version now
    computing = Counted({"total": 2}, seconds=5)
    computer = threading.Thread(target=single_flight, args=("test-counts", {"q": "gao"}, computing))
    computer.start()
    try:
        assert computing.started.wait(5)
        with one_version():
            assert single_flight("test-counts", {"q": "gao"}, Counted({"total": 3})) == {"total": 1}
            assert served_stale()
    finally:
        computing.release.set()
        computer.join()
    with one_version():
        assert single_flight("test-counts", {"q": "gao"}, Counted({"total": 4})) == {"total": 2}
        assert not served_stale()
    assert computing.runs == 1


def test_a_request_that_cannot_wait_answers_none_and_the_computation_goes_on():
    computing = Counted({"total": 2}, seconds=5)
    computer = threading.Thread(target=single_flight, args=("test-counts", {}, computing))
    computer.start()
    try:
        assert computing.started.wait(5)
        with one_version():
            assert single_flight("test-counts", {}, Counted({"total": 3}), wait=0.1) is None
            assert served_stale()
    finally:
        computing.release.set()
        computer.join()
    assert single_flight("test-counts", {}, Counted({"total": 4}), wait=0.1) == {"total": 2}


def test_a_failed_computation_frees_the_key_for_the_next_request():
    def fails() -> object:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        single_flight("test-counts", {}, fails)
    assert single_flight("test-counts", {}, lambda: {"total": 5}, wait=0.1) == {"total": 5}


def test_counts_older_than_their_freshness_are_recomputed():
    single_flight("test-counts", {}, lambda: {"total": 1}, fresh_for=0)
    assert single_flight("test-counts", {}, lambda: {"total": 2}, fresh_for=0) == {"total": 2}


def test_without_redis_each_request_computes_for_itself(unreachable_redis):  # noqa: F811 (the fixture)
    compute = Counted({"total": 7}, seconds=0)
    assert single_flight("test-counts", {}, compute, wait=0.1) == {"total": 7}
    assert single_flight("test-counts", {}, compute, wait=0.1) == {"total": 7}
    assert compute.runs == 2


@pytest.mark.django_db(transaction=True)
def test_the_catalogue_page_answers_without_counts_while_another_request_computes_them(cooperative, monkeypatch):
    make_product(cooperative, name="Gạo ST25 Tân Hiệp", origin_province_code=91)
    original = browse._facet_counts
    started, release = threading.Event(), threading.Event()

    def slow(*args: Any, **kwargs: Any) -> dict[str, Any]:
        started.set()
        release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(browse, "_facet_counts", slow)
    monkeypatch.setattr(catalogue_view, "FACETS_WAIT_SECONDS", 0.1)
    first: list[Any] = []

    def computes() -> None:
        first.append(Client().get("/catalogue/"))
        connection.close()

    computer = threading.Thread(target=computes)
    computer.start()
    try:
        assert started.wait(10)
        waiting = Client().get("/catalogue/")
    finally:
        release.set()
        computer.join()
    assert waiting.status_code == 200
    assert "Gạo ST25 Tân Hiệp" in waiting.text
    assert "ETag" not in waiting.headers  # a page without its counts is not kept
    assert 'class="count"' not in waiting.text
    assert 'role="status"' in waiting.text
    assert first[0].status_code == 200
    assert "ETag" in first[0].headers
    again = Client().get("/catalogue/")
    assert 'class="count"' in again.text
    assert "ETag" in again.headers


@pytest.mark.django_db
def test_a_page_made_with_the_previous_counts_is_not_validated(cooperative):
    make_product(cooperative, name="Gạo ST25 Tân Hiệp", origin_province_code=91)
    client = Client()
    assert "ETag" in client.get("/catalogue/").headers
    catalog_changed()
    key = facet_counts_key(query=ProductQuery(), corrected=False)  # the plain catalogue page's counts
    # Another request holds the claim on the counts of the new version.
    assert cache.add(f"{key}:flight", 1, catalog_cache.FLIGHT_SECONDS)
    stale = client.get("/catalogue/")
    assert stale.status_code == 200
    assert 'class="count"' in stale.text
    assert "ETag" not in stale.headers


def _facet_statements(query: ProductQuery) -> tuple[browse.Facets, list[str]]:
    """The facets of `query` as the catalogue page asks for them, and the counting statements that ran."""
    with CaptureQueriesContext(connection) as captured:
        facets = product_facets(query=query, corrected=False)
    return facets, [q["sql"] for q in captured.captured_queries if "UNION ALL" in q["sql"]]


@pytest.mark.django_db
def test_a_filters_counts_take_its_own_group_from_the_counts_kept_without_it(cooperative, other_cooperative):
    """A group whose filter is chosen counts the products without that filter (with one filter chosen, the plain
    catalogue's). Kept already, those counts are used, not counted again; not kept, they are counted in the same
    statement. The counts are the same either way."""
    rice = make_product(cooperative, name="Gạo ST25", origin_province_code=91)
    make_product(cooperative, name="Gạo nếp", origin_province_code=92, category="gao-nep")
    honey = make_product(other_cooperative, name="Mật ong U Minh", origin_province_code=96, category="mat-ong")
    make_certificate(other_cooperative, kind="ocop", ocop_stars=4, products=[honey], number="OCOP-1")
    one_filter = [ProductQuery(province=91), ProductQuery(certificate="ocop"), ProductQuery(ocop_min=4)]
    two_filters = ProductQuery(category=rice.category_id, province=91)
    counted_in_one_statement = {}
    for query in [*one_filter, two_filters]:
        cache.clear()
        counted_in_one_statement[query], (statement,) = _facet_statements(query)
        assert "facet_base_1" in statement  # the query's products, and the products without its filter

    cache.clear()
    plain, _ = _facet_statements(ProductQuery())
    assert plain.total == 3
    for query in one_filter:
        facets, (statement,) = _facet_statements(query)
        assert "facet_base_1" not in statement, query  # the query's own products only
        assert facets == counted_in_one_statement[query]
        assert facets.total < plain.total
    facets, (statement,) = _facet_statements(two_filters)
    # The province's own filter set (the province alone) is kept by now, the category's is not.
    assert "facet_base_1" in statement
    assert "facet_base_2" not in statement
    assert facets == counted_in_one_statement[two_filters]


@pytest.mark.django_db
def test_the_counts_statement_is_planned_for_its_filters_values(cooperative):
    """Counted once per filter set and kept, the counts are planned for their values every time: sent as
    parameters, the statement of every province was prepared on the connection and ran a plan made for no
    province in particular (at 100,000 products a province of 3,900 products counted in 97 ms, not 25)."""
    for province in (91, 92, 96, 82, 86):
        make_product(cooperative, name=f"Gạo {province}", origin_province_code=province)
    for province in (91, 92, 96, 82, 86):
        facets, (statement,) = _facet_statements(ProductQuery(province=province))
        assert facets.total == 1
        assert f"= {province}" in statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%facet_base_0%"])
        assert cursor.fetchall() == []
