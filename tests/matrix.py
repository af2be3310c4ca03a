"""What a page offers: the actions of its controls (`data-action="…"`), for the generated role × state matrices.

Each aggregate's matrix test builds the object in every state, renders its page as every role and asserts
`shown_actions(page) == {a.value for a in <aggregate>_actions(actor=…, obj=…)}`, then presses each action
through its service and asserts it is accepted exactly when it was shown.
"""

from __future__ import annotations

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
