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


def fragment(
    name: str, params: dict[str, Any], render: Callable[[], str], *, seconds: int = FRAGMENT_SECONDS
) -> SafeString:
    """The HTML `render()` makes, kept under `params` (with the version, today and the language) for at most
    `seconds` (what it shows may change without a catalogue write: stock, in the facet counts)."""
    key = _prefix(name) + _digest(params)
    html = cache.get(key)
    if html is None:
        html = render()
        if not served_stale():
            cache.set(key, html, seconds)
    return mark_safe(html)  # noqa: S308 (rendered by a template, which escaped it)


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


def product_cards(cards: Sequence[Card]) -> list[SafeString]:
    """Each card's `<li>`, from the cache in one round trip; the missing ones are rendered and kept in another."""
    keys = [card_key(card) for card in cards]
    found = cache.get_many(keys) if keys else {}
    missing: dict[str, str] = {}
    html = []
    for key, (product, badges, category_name) in zip(keys, cards, strict=True):
        if key not in found:
            found[key] = missing[key] = render_to_string(
                CARD_TEMPLATE, {"product": product, "badges": badges, "category_name": category_name}
            )
        html.append(mark_safe(found[key]))  # noqa: S308 (rendered by the card template, which escaped it)
    if missing:
        cache.set_many(missing, FRAGMENT_SECONDS)
    return html
