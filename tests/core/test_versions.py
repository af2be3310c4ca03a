"""Version bumps (market.core.versions): now and again at commit; inside `bumps_batched()` made together when
the block ends, and together again at commit."""

import pytest
from django.core.cache import cache
from django.db import transaction

from market.core import versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys():
    names = ["test:version:a", "test:version:b"]
    cache.delete_many([*names, "test:version:unread"])
    versions.read(names)  # started at random numbers
    return names


def test_a_bump_is_made_now_and_again_at_commit(keys, django_capture_on_commit_callbacks):
    start = versions.read(keys)
    with django_capture_on_commit_callbacks(execute=True):
        versions.bump(keys[:1])
        assert versions.read(keys) == [start[0] + 1, start[1]]
    assert versions.read(keys) == [start[0] + 2, start[1]]


def test_batched_bumps_wait_for_the_block_then_commit(keys, django_capture_on_commit_callbacks):
    start = versions.read(keys)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with versions.bumps_batched():
            versions.bump(keys[:1])
            with versions.bumps_batched():
                versions.bump([keys[1], "test:version:unread"])
            assert versions.read(keys) == start
        assert versions.read(keys) == [start[0] + 1, start[1] + 1]
    assert len(callbacks) == 1
    assert versions.read(keys) == [start[0] + 2, start[1] + 2]
    assert cache.get("test:version:unread") is None  # never read: its first reader starts it


def _bump_then_fail(keys: list[str]) -> None:
    with transaction.atomic(), versions.bumps_batched():
        versions.bump(keys)
        raise RuntimeError


def test_a_batch_left_by_an_exception_bumps_nothing(keys, django_capture_on_commit_callbacks):
    start = versions.read(keys)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        _bump_then_fail(keys)
    assert not callbacks
    assert versions.read(keys) == start
