"""Rendered parts of the public catalogue pages kept in the cache, keyed on everything they show.

The filter column is kept under the catalogue version and today (catalog.cache: every write that changes what
buyers see bumps the version; certificates expire by date), the deploy (another deploy's templates render it
differently), the language, and its own parameters. A product card is kept under what it is rendered from, as the
page read it (`card_key`): a write to one product renders that one card again. Nothing of the visitor's is in
these parts (no CSRF token, no name, no nonce): the page shell around them is the visitor's (frontend.shell).
A part made with facet counts that are not the current ones (catalog.cache.served_stale) is not kept.

Why: rendering was most of a catalogue request's CPU (~7 ms of ~20 for 24 cards and the filter form with its
facet lists), the same for every visitor of the same filters until the next write.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from catalog.cache import catalog_version, served_stale
from catalog.models import Product
from catalog.selectors import Badge
from market.core.conditional import deploy_version

FRAGMENT_SECONDS = 3600  # keyed on the version: this only bounds the memory of parts no one asks for again
CARD_TEMPLATE = "frontend/catalog/partials/card.html"

# (product, its badges in force, its category's name): what a product card shows.
Card = tuple[Product, list[Badge], str]


def _prefix(name: str) -> str:
    """Where the parts named `name` of the current catalogue version, today, this deploy, in this language are
    kept."""
    day = timezone.localdate().isoformat()
    return f"fragment:{name}:{catalog_version()}:{day}:{deploy_version()}:{get_language()}:"


def _digest(params: object) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Part:
    """A rendered part kept under `key` for `seconds`; `fresh_only`: not kept when the request was given facet
    counts older than the current ones, or none (catalog.cache.served_stale): it shows them."""

    key: str
    render: Callable[[], str]
    seconds: int = FRAGMENT_SECONDS
    fresh_only: bool = False


def fragment_part(
    name: str, params: dict[str, Any], render: Callable[[], str], *, seconds: int = FRAGMENT_SECONDS
) -> Part:
    """The HTML `render()` makes, kept under `params` (with the version, today and the language) for at most
    `seconds` (what it shows may change without a catalogue write: stock, in the facet counts)."""
    return Part(_prefix(name) + _digest(params), render, seconds, fresh_only=True)


def kept_parts(parts: Sequence[Part]) -> list[SafeString]:
    """Each part's HTML, from the cache in one round trip (a catalogue page's filters and cards together: a round
    trip cost ~0.2 ms of the web process's CPU); the missing ones are rendered and kept in another."""
    found = cache.get_many([part.key for part in parts]) if parts else {}
    missing: dict[int, dict[str, str]] = {}  # by how long they are kept
    html = []
    for part in parts:
        if part.key not in found:
            found[part.key] = part.render()
            if not (part.fresh_only and served_stale()):
                missing.setdefault(part.seconds, {})[part.key] = found[part.key]
        html.append(mark_safe(found[part.key]))  # noqa: S308 (rendered by a template, which escaped it)
    for seconds, rendered in missing.items():
        cache.set_many(rendered, seconds)
    return html


@functools.cache
def _columns(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


def _row(instance: Model) -> tuple[object, ...]:
    """The values of `instance`'s columns that were read (a card's query reads only the ones it shows; the others
    are None here)."""
    return tuple(map(instance.__dict__.get, _columns(type(instance))))


def card_key(card: Card) -> str:
    """Where a card is kept: under everything it is rendered from, as the page read it (the product's row and its
    cooperative's, its stock, its badges in force, its category's name), with the deploy and the language. A card
    is a function of these alone, so its key moves exactly when what it shows does, whatever wrote the change and
    whether or not that write bumped a version: editing one product renders one card again, not every card of
    every page as the catalogue version in the key did."""
    product, badges, category_name = card
    shown = (
        _row(product),
        _row(product.cooperative),
        bool(getattr(product, "in_stock", False)),
        [(b.kind, b.label) for b in badges],
        category_name,
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:32]
    return f"fragment:card:{deploy_version()}:{get_language()}:{digest}"


def card_parts(cards: Sequence[Card]) -> list[Part]:
    """Each card's `<li>`, as a part kept under `card_key`."""
    return [Part(card_key(card), functools.partial(_render_card, card)) for card in cards]


def _render_card(card: Card) -> str:
    product, badges, category_name = card
    return render_to_string(CARD_TEMPLATE, {"product": product, "badges": badges, "category_name": category_name})


def product_cards(cards: Sequence[Card]) -> list[SafeString]:
    """Each card's `<li>`, from the cache in one round trip; the missing ones are rendered and kept in another."""
    return kept_parts(card_parts(cards))
