"""Redis replies are parsed in C: redis-py uses hiredis (pyproject.toml: redis[hiredis]) when it is installed, and
silently falls back to its pure-Python parser when it is not, or when it is older than redis-py supports. Every
public read makes a Redis round trip (market/core/read_ahead.py), so a venv missing it would be slower unseen."""

from __future__ import annotations

from typing import Any

import redis.utils
from django.core.cache import caches
from redis._parsers import _HiredisParser

from market.celery import app
from market.core import read_ahead
from market.core.read_ahead import Window


def _parser_of(client: Any) -> Any:
    pool = client.connection_pool
    connection = pool.get_connection()
    try:
        connection.connect()
        return connection._parser
    finally:
        pool.release(connection)


def test_the_cache_and_the_broker_parse_replies_with_hiredis():
    assert redis.utils.HIREDIS_AVAILABLE
    cache_client, _serializer = caches["default"].raw_access()
    assert isinstance(_parser_of(cache_client), _HiredisParser)
    with app.connection_for_write() as broker:
        assert isinstance(_parser_of(broker.default_channel.client), _HiredisParser)


def test_the_read_ahead_gets_ints_bytes_and_nils_as_before():
    """The script's reply (a count, then the values with nil for a missing key) as the read-ahead reads it: the
    same Python types from hiredis as from redis-py's own parser."""
    cache = caches["default"]
    cache.set("parser:a", b"\r\n\x00 binary", 60)
    cache.delete("parser:missing")
    client, serializer = cache.raw_access()
    counter = cache.make_key("parser:window")
    client.delete(counter)
    keys = [cache.make_key(key) for key in ("parser:a", "parser:missing")]
    counted, values = read_ahead._count_and_get(client, counter, keys, 60)
    assert type(counted) is int
    assert counted == 1
    assert [type(value) for value in values] == [bytes, type(None)]
    assert serializer.loads(values[0]) == b"\r\n\x00 binary"
    with read_ahead.read_ahead(["parser:a", "parser:missing"], window=Window("parser:window", 60)) as counted:
        assert counted == 2
        assert read_ahead.get_many(["parser:a", "parser:missing"]) == {"parser:a": b"\r\n\x00 binary"}
