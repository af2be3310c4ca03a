"""The cold reads: a target that asks a different product (lot, cooperative) each request, so that no content a
page keeps is reused — in the target list, in `python -m bench cpu` and in wrk's script — and the forgetting of
what the pages keep before a run."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench import wrk
from bench.cpu import WARMUP, measure
from bench.instrument import _RedisRoundTrips
from bench.report.render import http_table
from bench.targets import (
    KEPT_PRODUCT,
    KEPT_STOREFRONT,
    KEPT_TRACE,
    Rotation,
    Target,
    forget_kept,
    pick_rotation,
    pick_subjects,
    resolve,
    start_versions,
)
from catalog.cache import Watched, versions
from market.organisations.storefront import storefront_key
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import OrganisationFactory

COLD = {
    "api-product-cold": ("catalog:product-detail", "product_ids", ()),
    "api-trace-cold": ("catalog:trace", "lot_public_ids", ()),
    "page-product-cold": ("frontend:product", "product_ids", (KEPT_PRODUCT,)),
    "page-storefront-cold": ("frontend:cooperative", "storefront_pages", (KEPT_STOREFRONT,)),
    "page-trace-cold": ("frontend:trace", "lot_public_ids", (KEPT_TRACE,)),
}


@pytest.fixture
def catalogue(alliance) -> dict[str, Any]:
    """Three products the cold reads may ask for (two cooperatives; the first product with an older lot too)
    and three they may not: a draft, one without a lot in stock, one without a certificate."""
    first, second = OrganisationFactory(), OrganisationFactory()
    today = timezone.localdate()
    subjects, newest = [], []
    for cooperative, number in ((first, 1), (second, 2), (first, 3)):
        product = make_product(cooperative, name=f"Gạo ST25 số {number}")
        make_certificate(cooperative, products=[product], number=f"VG-{number}")
        if number == 1:
            make_lot(product, code="CU-1", harvest_date=today - timedelta(days=60))
        newest.append(make_lot(product, code=f"MOI-{number}", harvest_date=today - timedelta(days=5)))
        subjects.append(product)
    draft = make_product(first, name="Gạo nháp", publish=False)
    make_certificate(first, products=[draft], number="VG-4")
    make_certificate(first, products=[make_product(first, name="Gạo hết hàng")], number="VG-5")
    make_lot(make_product(second, name="Gạo chưa chứng nhận"), code="KHONG-CN")
    return {"products": subjects, "lots": newest, "cooperatives": [first, second]}


def _client_fetch(path: str, headers: Mapping[str, str]) -> tuple[bytes, Mapping[str, str]]:
    response = Client().get(path, headers=dict(headers))
    return response.content, response.headers


@pytest.mark.django_db
def test_the_rotation_holds_each_published_certified_product_in_stock_once_with_its_newest_lot(catalogue):
    rotation = pick_rotation()

    assert rotation.product_ids == tuple(p.pk for p in catalogue["products"])
    assert rotation.lot_public_ids == tuple(lot.public_id for lot in catalogue["lots"])
    assert rotation.cooperative_ids == tuple(c.pk for c in catalogue["cooperatives"])
    assert rotation.storefront_pages == tuple((c.pk, 1) for c in catalogue["cooperatives"])  # 12 to a page
    assert rotation.product_ids[0] == pick_subjects().product_id  # the warm targets' product comes first
    assert pick_rotation(limit=2).product_ids == rotation.product_ids[:2]


def _targets(rotation: Rotation, *, products: int) -> dict[str, Target]:
    """The bench's targets over the test's catalogue, by key."""
    found = resolve(
        fetch=_client_fetch,
        subjects=pick_subjects(),
        rotation=rotation,
        products=products,
        lot_token="not used",
        buyer_cookie="not used",
        fair_slug=None,
    )
    return {t.key: t for t in found}


@pytest.mark.django_db
def test_each_cold_target_asks_every_subject_once_and_each_warm_one_the_same_path(catalogue):
    rotation = pick_rotation()
    targets = _targets(rotation, products=6)

    for key, (name, subjects, kept) in COLD.items():
        target = targets[key]
        idents = [pk for pk, _page in rotation.storefront_pages] if key == "page-storefront-cold" else None
        expected = tuple(reverse(name, args=[ident]) for ident in idents or getattr(rotation, subjects))
        assert target.paths == expected, key
        assert len(set(target.paths)) == len(expected) == (2 if idents else 3), key
        assert target.kept == kept, key
        for path in target.paths:
            assert Client().get(path).status_code == 200, path
        warm = targets[key.removesuffix("-cold")]
        assert warm.paths == (warm.path,) == (target.path,), key
        assert "same" in warm.title, key
        assert "a different" in target.title, key


@pytest.mark.django_db
def test_the_cold_storefront_asks_every_first_page_then_every_second_one(catalogue):
    """A cold run asks more storefronts than there are cooperatives: past the first pages it goes on to the second
    ones (12 products to a page) rather than back to pages it has kept."""
    first, second = catalogue["cooperatives"]
    for number in range(11):  # with the 3 the catalogue publishes for `first`: 14, two pages
        make_product(first, name=f"Gạo thêm {number}")
    rotation = pick_rotation()
    target = _targets(rotation, products=17)["page-storefront-cold"]

    assert rotation.storefront_pages == ((first.pk, 1), (second.pk, 1), (first.pk, 2))
    second_page = reverse("frontend:cooperative", args=[first.pk]) + "?page=2"
    assert target.paths[-1] == second_page
    assert "Gạo thêm".encode() in Client().get(second_page).content  # by name, the page after the first twelve


PAGES = (
    ("frontend:product", "product", KEPT_PRODUCT),
    ("frontend:cooperative", "cooperative", KEPT_STOREFRONT),
    ("frontend:trace", "lot", KEPT_TRACE),
)


def _queries(path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(path).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_forgetting_what_a_page_keeps_renders_it_again_and_leaves_the_versions_alone(catalogue):
    product, lot, cooperative = catalogue["products"][0], catalogue["lots"][0], catalogue["cooperatives"][0]
    idents = {"product": product.pk, "cooperative": cooperative.pk, "lot": lot.public_id}
    paths = {pattern: reverse(name, args=[idents[ident]]) for name, ident, pattern in PAGES}
    for path in paths.values():
        _queries(path)  # rendered and kept
    kept = {pattern: _queries(path) for pattern, path in paths.items()}
    read_versions = lambda: versions(  # noqa: E731
        (Watched.PRODUCT, product.pk), (Watched.LOT, lot.public_id), also=[storefront_key(cooperative.pk)]
    )
    before = read_versions()

    for pattern, path in paths.items():
        assert forget_kept([pattern]) >= 1
        assert all(_queries(paths[other]) == kept[other] for other in paths if other != pattern), pattern
        assert _queries(path) > kept[pattern], path  # rendered again
        assert _queries(path) == kept[pattern], path  # and kept again
    assert read_versions() == before


@pytest.mark.django_db
def test_once_the_versions_are_started_a_cold_request_reads_them_in_one_round_trip(catalogue):
    rotation = pick_rotation()

    def round_trips() -> int:
        before = _RedisRoundTrips.count
        versions(
            *((Watched.PRODUCT, pk) for pk in rotation.product_ids),
            *((Watched.LOT, public_id) for public_id in rotation.lot_public_ids),
            also=[storefront_key(pk) for pk in rotation.cooperative_ids],
        )
        return _RedisRoundTrips.count - before

    cache.clear()
    assert round_trips() > 1  # a first reader starts each missing version
    cache.clear()
    start_versions(rotation)
    assert round_trips() == 1


def _recording_application(seen: list[str]) -> Any:
    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["PATH_INFO"])
        start_response("404 Not Found" if environ["PATH_INFO"] == "/gone" else "200 OK", [])
        return [b"ok"]

    return application


def test_cpu_asks_the_paths_in_turn_a_different_one_each_request():
    seen: list[str] = []
    paths = [f"/products/{n}/" for n in range(20)]

    measured = measure(_recording_application(seen), paths, {}, requests=10)

    assert seen == paths[: WARMUP + 10]  # warm-up included: no timed request repeats one before it
    assert measured.paths == 10
    assert measured.status == 200


def test_cpu_cycles_when_there_are_fewer_paths_than_requests_and_reports_the_worst_status():
    seen: list[str] = []

    measured = measure(_recording_application(seen), ["/a", "/gone"], {}, requests=4)

    assert seen == ["/a", "/gone"] * 3 + ["/a"]
    assert measured.paths == 2
    assert measured.status == 404


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """An HTTP server on loopback that answers everything 200 and records (client port, path)."""
    seen: list[tuple[int, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append((self.client_address[1], self.path))
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/ignored", seen
    server.shutdown()
    server.server_close()


def assert_cycles(asked: list[str], paths: list[str]) -> None:
    """`asked` goes through `paths` in their order, round and round, each once a round (from any one of them:
    wrk builds a request per thread before it sends any, and drops it)."""
    start = paths.index(asked[0])
    assert asked == (paths[start:] + paths * len(asked))[: len(asked)]


def test_wrk_asks_the_paths_in_turn_and_starts_again_after_the_last(recording_server):
    url, seen = recording_server
    paths = [f"/products/{n}/" for n in range(5)]

    result = wrk.run(url, duration=1, connections=1, threads=1, paths=paths)

    asked = [path for _port, path in seen]
    assert len(asked) > 2 * len(paths)
    assert_cycles(asked, paths)
    assert result.requests > 0
    assert result.errors == 0


def test_wrk_threads_share_the_paths_out(recording_server):
    url, seen = recording_server
    paths = [f"/lots/{n}/" for n in range(6)]

    wrk.run(url, duration=1, connections=2, threads=2, paths=paths)

    by_connection: dict[int, list[str]] = defaultdict(list)
    for port, path in seen:
        by_connection[port].append(path)
    evens, odds = paths[0::2], paths[1::2]
    assert {frozenset(asked) for asked in by_connection.values()} == {frozenset(evens), frozenset(odds)}
    for asked in by_connection.values():  # one connection per thread
        assert_cycles(asked, evens if asked[0] in evens else odds)


def test_wrk_without_paths_asks_the_urls_path(recording_server):
    url, seen = recording_server

    wrk.run(url, duration=1, connections=1, threads=1)

    assert {path for _port, path in seen} == {"/ignored"}


def _row(paths: int, most: int) -> dict[str, Any]:
    figures = {
        "rps": 250.0, "ratio": 0.05, "ratio_min": 0.05, "ratio_max": 0.05, "p50_ms": 50.0, "p95_ms": 60.0,
        "p99_ms": 70.0, "errors": 0, "queries": 4, "redis": 3, "bytes": 7000, "alone_ms": 9.0, "requests": most,
        "most_requests_in_a_run": most,
    }  # fmt: skip
    return {"key": "page-product-cold", "title": "product HTML page, a different product each request",
            "status": "ok", "note": "", "paths": paths, "rounds": [{}], "off": figures}  # fmt: skip


def test_the_report_says_when_a_cold_run_asked_more_requests_than_it_had_subjects():
    came_round = http_table([_row(paths=475, most=2_000)], duration=8)[-1]
    enough = http_table([_row(paths=6_883, most=2_000)], duration=8)[-1]
    warm = http_table([_row(paths=1, most=10_000)], duration=8)[-1]

    assert "up to 2,000 requests a run: past the first 475 the paths came round again" in came_round
    assert "came round" not in enough
    assert "came round" not in warm
