"""Fixtures of the platform core's tests."""

from tests.redis_calls import redis_calls  # noqa: F401 (a fixture: Redis round trips, counted)
