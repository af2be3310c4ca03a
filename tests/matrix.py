"""What a page offers: the actions of its controls (`data-action="…"`), for the generated role × state matrices.

Each aggregate's matrix test builds the object in every state, renders its page as every role and asserts
`shown_actions(page) == {a.value for a in <aggregate>_actions(actor=…, obj=…)}`, then presses each action
through its service and asserts it is accepted exactly when it was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser


class _ActionCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.actions: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "data-action" and value:
                self.actions.add(value)


def shown_actions(html: str | bytes) -> set[str]:
    collector = _ActionCollector()
    collector.feed(html.decode() if isinstance(html, bytes) else html)
    return collector.actions


class _ScopedCollector(_ActionCollector):
    """The actions of the controls inside the element with `id` (a table row, a card)."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth = element_id, 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0 and ("id", self.element_id) not in attrs:
            return
        if tag not in VOID_TAGS:
            self.depth += 1
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID_TAGS:
            self.depth -= 1


VOID_TAGS = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


def shown_actions_in(html: str | bytes, element_id: str) -> set[str]:
    """`shown_actions` of one element of the page (its controls for one row of a list)."""
    collector = _ScopedCollector(element_id)
    collector.feed(html.decode() if isinstance(html, bytes) else html)
    return collector.actions


class _Undo(Exception):
    pass


def accepted(press: Callable[[], object]) -> bool:
    """Whether a service accepts the press (then undone: the object stays in its state for the next role).
    A refusal is the domain's 403, 404 or 409; anything else is a test error and propagates."""
    from django.db import transaction

    from market.core.errors import Conflict, NotFound, PermissionDenied

    try:
        with transaction.atomic():
            press()
            raise _Undo
    except _Undo:
        return True
    except (PermissionDenied, Conflict, NotFound):
        return False
