"""When Redis is unreachable the cache fails open: API requests (whose rate limits live in the cache)
are still served, and what they write is written."""

import socket

import pytest
from django.core.cache import cache
from django.test import override_settings

from market.organisations.models import User


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable_redis():
    location = f"redis://127.0.0.1:{closed_port()}/0"
    caches = {
        "default": {
            "BACKEND": "market.core.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_reads_miss_and_writes_are_dropped(unreachable_redis):
    cache.set("k", "v")
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", "v") is False


@pytest.mark.django_db
def test_throttled_api_write_succeeds_without_redis(unreachable_redis, api, coop_owner):
    response = api(coop_owner).patch("/api/v1/me/", {"full_name": "Vẫn lưu được"}, format="json")
    assert response.status_code == 200
    assert User.objects.get(pk=coop_owner.pk).full_name == "Vẫn lưu được"


def test_a_live_redis_still_caches():
    cache.set("market-cache-probe", "v", 5)
    assert cache.get("market-cache-probe") == "v"


def test_incr_existing_bumps_the_keys_there_and_leaves_the_others_missing():
    cache.set("v:one", 41, timeout=None)
    cache.set("v:two", 7, timeout=None)
    cache.delete("v:missing")
    cache.incr_existing(["v:one", "v:missing", "v:two"])
    assert cache.get_many(["v:one", "v:two", "v:missing"]) == {"v:one": 42, "v:two": 8}


def test_incr_existing_fails_open(unreachable_redis):
    cache.incr_existing(["v:one"])


def test_delete_matching_deletes_only_the_keys_matching_the_pattern():
    cache.set_many({"kept:page:1": "a", "kept:page:22": "b", "kept:other:1": "c"}, timeout=60)
    assert cache.delete_matching("kept:page:*", batch=1) == 2
    assert cache.get_many(["kept:page:1", "kept:page:22", "kept:other:1"]) == {"kept:other:1": "c"}
    assert cache.delete_matching("kept:page:*") == 0


def test_delete_matching_fails_open(unreachable_redis):
    assert cache.delete_matching("kept:*") == 0
