"""market.core.remembered: the latest bodies by ETag, the least recently used forgotten first."""

from __future__ import annotations

from market.core.remembered import RememberedBodies


def test_the_least_recently_used_body_is_forgotten_first():
    bodies = RememberedBodies(entries=2)
    bodies.put('W/"a"', b"a")
    bodies.put('W/"b"', b"b")
    assert bodies.get('W/"a"') == b"a"  # now the more recently used of the two
    bodies.put('W/"c"', b"c")
    assert bodies.get('W/"b"') is None
    assert (bodies.get('W/"a"'), bodies.get('W/"c"')) == (b"a", b"c")


def test_a_stream_of_different_etags_longer_than_the_entries_is_never_answered_from_memory():
    """What a crawler or the bench's cold targets do: cycling through more objects than are remembered, each is
    gone before it comes round again."""
    bodies = RememberedBodies(entries=3)
    etags = [f'W/"{n}"' for n in range(4)]
    hits = 0
    for _round in range(3):
        for etag in etags:
            hits += bodies.get(etag) is not None
            bodies.put(etag, b"{}")
    assert hits == 0


def test_a_body_larger_than_the_largest_is_not_remembered():
    bodies = RememberedBodies(entries=2, largest=4)
    bodies.put('W/"small"', b"1234")
    bodies.put('W/"large"', b"12345")
    assert bodies.get('W/"small"') == b"1234"
    assert bodies.get('W/"large"') is None
