"""What a browser sends back with a page's form that the test would otherwise copy out of the page by hand."""

from __future__ import annotations

import re

# The one-time key a form carries (market.core.once): sent back with the form, it makes the form act once.
ONCE_KEY = re.compile(r'name="once_key" value="([\w-]+)"')


def once_key(page: str, *, action: str | None = None) -> str:
    """The one-time key of the (first) form of `page`, the page's HTML; of the form posting to `action` when given
    (a page with several forms, each with its own key)."""
    start = 0
    if action is not None:
        start = page.find(f'action="{action}"')
        assert start >= 0, f"no form posts to {action}"
    match = ONCE_KEY.search(page, start)
    assert match, "the form carries no one-time key"
    return match[1]
