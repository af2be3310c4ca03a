"""market.core.read_ahead: a public read's counter and keys in one Redis round trip, answered from it for the
rest of the request; failing open as the cache does; other caches asked as before."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache, caches
from redis.exceptions import ResponseError

from market.core import read_ahead, versions
from market.core.read_ahead import Window
from tests.core.test_cache import unreachable_redis  # noqa: F401 (a fixture)


def test_the_window_and_the_keys_are_one_round_trip_and_then_none(redis_calls, settings):
    cache.set_many({"ahead:a": 1, "ahead:b": "two"}, 60)
    cache.delete("ahead:missing")
    redis_calls.clear()
    with read_ahead.read_ahead(["ahead:a", "ahead:b", "ahead:missing"], window=Window("ahead:window", 60)) as counted:
        assert len(redis_calls) == 1
        assert counted == 1
        assert read_ahead.get_many(["ahead:a", "ahead:missing"]) == {"ahead:a": 1}
        assert read_ahead.get_many(["ahead:b"]) == {"ahead:b": "two"}
        assert len(redis_calls) == 1  # found, and found missing, without asking again
        assert read_ahead.get_many(["ahead:a", "ahead:other"]) == {"ahead:a": 1}
        assert len(redis_calls) == 2  # only the key not read ahead was asked for
    with read_ahead.read_ahead([], window=Window("ahead:window", 60)) as counted:
        assert counted == 2
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert 0 < client.ttl(cache.make_key("ahead:window")) <= 60  # the window's counter expires


def test_outside_a_block_get_many_asks_redis(redis_calls):
    cache.set("ahead:a", 1, 60)
    with read_ahead.read_ahead(["ahead:a"]):
        pass
    cache.set("ahead:a", 2, 60)
    assert read_ahead.get_many(["ahead:a"]) == {"ahead:a": 2}


@pytest.mark.django_db
def test_a_bump_inside_the_block_drops_what_was_read_ahead():
    (before,) = versions.read(["ahead:version"])
    with read_ahead.read_ahead(["ahead:version"]):
        versions.bump(["ahead:version"])
        assert versions.read(["ahead:version"]) == [before + 1]


def test_kept_values_are_served_under_their_stamp_only():
    read_ahead.keep("ahead:part", (7, "2026-12-06"), "<p>made at 7</p>", 60)
    with read_ahead.read_ahead(["ahead:part"]):
        assert read_ahead.kept("ahead:part", (7, "2026-12-06")) == "<p>made at 7</p>"
        assert read_ahead.kept("ahead:part", (8, "2026-12-06")) is None
        assert read_ahead.kept("ahead:part", (7, "2026-12-07")) is None


def test_kept_parts_are_written_in_one_round_trip_as_the_cache_writes_them(redis_calls, settings):
    """Written without the cache's API, but under its keys, serializer and expiry: Django's cache reads them back."""
    redis_calls.clear()
    read_ahead.keep_many({"ahead:p1": "<p>1</p>", "ahead:p2": "<p>2</p>"}, (3, "2026-12-07"), 60)
    assert len(redis_calls) == 1  # both SETs sent together
    read_ahead.keep("ahead:p3", (3, "2026-12-07"), {"html": "<p>3</p>", "count": 3}, 90)
    assert len(redis_calls) == 2
    assert cache.get_many(["ahead:p1", "ahead:p2", "ahead:p3"]) == {
        "ahead:p1": ((3, "2026-12-07"), "<p>1</p>"),
        "ahead:p2": ((3, "2026-12-07"), "<p>2</p>"),
        "ahead:p3": ((3, "2026-12-07"), {"html": "<p>3</p>", "count": 3}),
    }
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert 0 < client.ttl(cache.make_key("ahead:p1")) <= 60
    assert 60 < client.ttl(cache.make_key("ahead:p3")) <= 90
    read_ahead.keep("ahead:p4", (3, "2026-12-07"), "<p>4</p>", 0)  # kept for no time: not kept, as cache.set has it
    assert cache.get("ahead:p4") is None


def test_an_error_reply_among_kept_parts_leaves_no_reply_on_the_connection():
    """An error reply raises only once every reply is read: the pooled connection's next command gets its own."""
    backend = caches["default"]
    client, _serializer = backend.raw_access()
    first, second = backend.make_key("ahead:bad"), backend.make_key("ahead:good")
    with pytest.raises(ResponseError):
        read_ahead._pipelined(client, [("SET", first, b"x", "EX", 0), ("SET", second, b"kept", "EX", 60)])
    assert read_ahead._round_trip(client, "GET", second) == b"kept"
    assert read_ahead._round_trip(client, "GET", first) is None


def test_with_redis_unreachable_keeping_is_skipped(unreachable_redis, caplog):  # noqa: F811
    read_ahead.keep("ahead:part", (7, "2026-12-06"), "<p>made at 7</p>", 60)
    read_ahead.keep_many({"ahead:a": "a", "ahead:b": "b"}, (7, "2026-12-06"), 60)
    assert [r.getMessage() for r in caplog.records].count("cache unavailable, continuing without it") == 2


def test_with_another_cache_parts_are_kept_through_its_api(file_cache):
    read_ahead.keep_many({"ahead:p1": "<p>1</p>"}, (3, "2026-12-07"), 60)
    with read_ahead.read_ahead(["ahead:p1"]):
        assert read_ahead.kept("ahead:p1", (3, "2026-12-07")) == "<p>1</p>"


def test_with_redis_unreachable_nothing_is_counted_and_everything_misses(unreachable_redis):  # noqa: F811
    with read_ahead.read_ahead(["ahead:a"], window=Window("ahead:window", 60)) as counted:
        assert counted is None  # not enforced
        assert read_ahead.get_many(["ahead:a"]) == {}
    assert read_ahead.count(Window("ahead:window", 60)) is None


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }


def test_another_cache_counts_and_reads_as_before(file_cache):
    cache.set("ahead:a", 1, 60)
    with read_ahead.read_ahead(["ahead:a"], window=Window("ahead:window", 60)) as counted:
        assert counted == 1
        assert read_ahead.get_many(["ahead:a"]) == {"ahead:a": 1}
    assert [read_ahead.count(Window("ahead:window", 60)) for _ in range(2)] == [2, 3]


def _command_names(calls: list[bytes]) -> list[bytes]:
    """The command of each call as redis-py packs it: `*N`, `$len`, the name, …"""
    return [b"".join(call).split(b"\r\n")[2] for call in calls]


def test_the_count_is_sent_by_the_scripts_digest_and_its_text_only_when_redis_lacks_it(redis_calls, settings):
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    client.script_flush()  # a restarted Redis knows no script
    redis_calls.clear()
    assert read_ahead.count(Window("ahead:window", 60)) == 1
    assert _command_names(redis_calls) == [b"EVALSHA", b"EVAL"]
    redis_calls.clear()
    assert read_ahead.count(Window("ahead:window", 60)) == 2
    assert _command_names(redis_calls) == [b"EVALSHA"]
