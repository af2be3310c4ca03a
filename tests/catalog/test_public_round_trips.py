"""A public read makes the Redis reads and writes it needs before it knows its answer in one round trip
(market.core.read_ahead): the anonymous API's throttle count with the ETag's versions (and the kept list
page), a public page's versions with its kept content. Counted against the real Redis. And what that one
round trip must keep: the throttle still refuses, a version bump still changes the answer, and with Redis
stopped the reads are still answered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from catalog.cache import Watched, catalog_changed, object_changed
from catalog.models import Product
from market.core.throttling import AnonWindowThrottle, UserWindowThrottle
from market.organisations.models import OrganisationKind
from market.organisations.storefront import storefront_changed
from tests.catalog.factories import make_shop
from tests.factories import OrganisationFactory
from tests.module_data import rows_of_the_module
from tests.notifications.conftest import private_redis  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shop(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """tests/catalog/conftest.py's shop, made once for the module: the tests read it (a rename behind the services'
    back rolls back; what Redis keeps is cleared before each test, and each test makes its own first reads), its
    scans in a folder of the module's."""
    with rows_of_the_module(django_db_blocker, media=tmp_path_factory.mktemp("media")):
        OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
        yield make_shop(OrganisationFactory(kind=OrganisationKind.COOPERATIVE))


def _paths(shop) -> dict[str, str]:
    return {
        "api list": "/api/v1/products/?page_size=24",
        "api product": f"/api/v1/products/{shop['rice'].pk}/",
        "catalogue": "/catalogue/",
        "product": f"/products/{shop['rice'].pk}/",
        "storefront": f"/cooperatives/{shop['cooperative'].pk}/",
        "trace": f"/trace/{shop['lot'].public_id}/",
    }


PATHS = ["api list", "api product", "catalogue", "product", "storefront", "trace"]
# What each page keeps rendered (frontend.views): forgotten, the page renders it again and keeps it.
KEPT = {"product": "product:*", "storefront": "storefront:*:*", "trace": "trace:*"}


def _round_trips(client: Client, path: str, redis_calls: list[bytes], **headers: str) -> tuple[int, object]:
    redis_calls.clear()
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 304), (path, response.status_code)
    return len(redis_calls), response


@pytest.mark.parametrize("cache_seconds", [0, 60])
@pytest.mark.parametrize("name", PATHS)
def test_a_public_read_is_one_round_trip_and_so_is_its_304(shop, redis_calls, settings, name, cache_seconds):
    settings.CATALOG_LIST_CACHE_SECONDS = cache_seconds  # the API list's page cache: its kept page is read ahead
    path, client = _paths(shop)[name], Client()
    client.get(path)  # the versions started, the kept content kept
    trips, response = _round_trips(client, path, redis_calls)
    assert trips == 1, name
    trips, revalidated = _round_trips(client, path, redis_calls, if_none_match=response["ETag"])
    assert revalidated.status_code == 304
    assert trips == 1, name


@pytest.mark.parametrize("name", sorted(KEPT))
def test_a_page_whose_kept_content_is_gone_reads_once_and_keeps_it_once(shop, redis_calls, name):
    path, client = _paths(shop)[name], Client()
    client.get(path)
    assert cache.delete_matching(KEPT[name]) == 1
    trips, again = _round_trips(client, path, redis_calls)
    assert trips == 2  # the versions with the (missing) kept content; the content kept
    assert "Gạo ST25 Tân Hiệp" in again.content.decode()
    trips, _again = _round_trips(client, path, redis_calls)
    assert trips == 1


@pytest.fixture
def low_rates(monkeypatch):
    rates = {"anon": "3/minute", "user": "5/minute"}
    monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserWindowThrottle, "THROTTLE_RATES", rates)


@pytest.mark.parametrize("name", ["api list", "api product"])
def test_the_throttle_counted_in_the_round_trip_still_refuses_over_its_rate(shop, low_rates, name):
    client = Client()
    path = _paths(shop)[name]
    statuses = [client.get(path).status_code for _ in range(3)]
    refused = client.get(path)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 61


BUMPS = {
    "api list": lambda shop: catalog_changed(),
    "api product": lambda shop: object_changed(Watched.PRODUCT, [shop["rice"].pk]),
    "catalogue": lambda shop: catalog_changed(),
    "product": lambda shop: object_changed(Watched.PRODUCT, [shop["rice"].pk]),
    "storefront": lambda shop: storefront_changed([shop["cooperative"].pk]),
    "trace": lambda shop: object_changed(Watched.LOT, [shop["lot"].public_id]),
}


def renamed_is_seen_only_once_versions_move(shop, path: str, bump: Callable[[Any], None]) -> None:
    """The shop's rice renamed behind the services' back is not seen at `path` until `bump` moves its versions (what
    was made under the old ones is answered until then); once they move, it is."""
    client = Client()
    assert "Gạo ST25 Tân Hiệp" in client.get(path).content.decode()
    Product.objects.filter(pk=shop["rice"].pk).update(name_vi="Gạo Một Bụi Đỏ")
    assert "Gạo ST25 Tân Hiệp" in client.get(path).content.decode()
    bump(shop)
    assert "Gạo Một Bụi Đỏ" in client.get(path).content.decode()


@pytest.mark.parametrize("name", PATHS)
def test_a_version_bump_between_two_requests_changes_the_etag(shop, name):
    path, client = _paths(shop)[name], Client()
    etag = client.get(path)["ETag"]
    assert client.get(path, headers={"if-none-match": etag}).status_code == 304
    BUMPS[name](shop)
    answer = client.get(path, headers={"if-none-match": etag})
    assert answer.status_code == 200
    assert answer["ETag"] != etag


@pytest.mark.parametrize("name", sorted(KEPT))
def test_kept_content_made_under_an_older_version_is_never_served(shop, name):
    """A product renamed behind the services' back is not seen until its versions move (the content is kept);
    once they move, the content kept under the old ones, read in the same round trip, is not served."""
    renamed_is_seen_only_once_versions_move(shop, _paths(shop)[name], BUMPS[name])


def test_with_redis_stopped_every_public_read_still_answers(shop, settings, private_redis):  # noqa: F811
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    client = Client()
    for name in PATHS:
        assert client.get(_paths(shop)[name]).status_code == 200, name  # kept, with Redis up
    private_redis.stop()
    for name in PATHS:
        for _ in range(2):
            response = client.get(_paths(shop)[name])
            assert response.status_code == 200, name  # not throttled, computed afresh
            assert "Gạo ST25 Tân Hiệp" in response.content.decode(), name
