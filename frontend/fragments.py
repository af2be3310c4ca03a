"""Rendered parts of the public catalogue pages: the filter column kept in the cache, keyed on everything it shows,
and the product cards.

The filter column is kept under the deploy (another deploy's templates render it differently), the language and
its own parameters, stamped with the catalogue version and today (catalog.cache: every write that changes what
buyers see bumps the version; certificates expire by date) and served only under those (market.core.read_ahead:
the page reads it in the round trip that reads the version). Nothing of the visitor's is in it (no CSRF token, no
name, no nonce): the page shell around it is the visitor's (frontend.shell). A part made with facet counts that are
not the current ones (catalog.cache.served_stale) is not kept.

Product cards are written by hand (`card_html`), each time: a few microseconds a card, less than reading a kept
one from Redis (and a query the cache has never seen costs the same as one it has). So are the catalogue's results
around them (`results_html`). Each is held byte for byte to the template it stands for by a test.

Why: rendering was most of a catalogue request's CPU (~7 ms of ~20 for 24 cards and the filter form with its
facet lists), the same for every visitor of the same filters until the next write.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog.cache import catalog_version, served_stale
from catalog.models import Product
from catalog.selectors import Badge
from market.core import read_ahead
from market.core.conditional import deploy_version
from market.core.parsing import STYLES, active_language, format_decimal, format_money
from market.core.quantity import UNIT_SYMBOLS, base_unit

FRAGMENT_SECONDS = 3600  # keyed on the version: this only bounds the memory of parts no one asks for again
# What a product card is: `card_html` writes it by hand, and tests/frontend/test_cards.py holds it to this template.
CARD_TEMPLATE = "frontend/catalog/partials/card.html"
# What the catalogue's results are around its cards: `results_html` writes it by hand, and
# tests/frontend/test_catalogue_results.py holds it to this template.
RESULTS_TEMPLATE = "frontend/catalog/partials/catalogue_results.html"

# (product, its badges in force, its category's name): what a product card shows.
Card = tuple[Product, list[Badge], str]


def fragment_key(name: str, params: dict[str, Any]) -> str:
    """Where the part named `name` with `params` of this deploy, in this language, is kept."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"fragment:{name}:{deploy_version()}:{get_language()}:{digest}"


def _stamp() -> tuple[object, ...]:
    """What a kept part is made under besides its key: the catalogue version and today."""
    return catalog_version(), timezone.localdate().isoformat()


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
    """The HTML `render()` makes, kept under `params` (stamped with the version and today; in the language) for at most
    `seconds` (what it shows may change without a catalogue write: stock, in the facet counts)."""
    return Part(fragment_key(name, params), render, seconds, fresh_only=True)


def kept_parts(parts: Sequence[Part]) -> list[SafeString]:
    """Each part's HTML, from the cache in one round trip (a round trip cost ~0.2 ms of the web process's CPU; none
    when the page read the keys ahead: market.core.read_ahead); the missing ones are rendered and kept in another."""
    stamp = _stamp()
    found = read_ahead.kept_many([part.key for part in parts], stamp) if parts else {}
    missing: dict[int, dict[str, str]] = {}  # by how long they are kept
    html = []
    for part in parts:
        if part.key not in found:
            found[part.key] = part.render()
            if not (part.fresh_only and served_stale()):
                missing.setdefault(part.seconds, {})[part.key] = found[part.key]
        html.append(mark_safe(found[part.key]))  # noqa: S308 (rendered by a template, which escaped it)
    for seconds, rendered in missing.items():
        read_ahead.keep_many(rendered, stamp, seconds)
    return html


# The card's links: reversed once per process (for each script prefix and URLconf) with an id no row has, each card
# writes its own into them (frontend.templatetags.market.id_path does the same per render).
_MARKER = "2147483647"
# What reverse() leaves unquoted in a path (django.urls.resolvers): a thumbnail's name is quoted the same way.
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"


def _around(name: str) -> tuple[str, str]:
    head, _marker, tail = reverse(name, args=[_MARKER]).partition(_MARKER)
    return escape(head), escape(tail)


@dataclass(frozen=True)
class CardSetting:
    """What every card of a page shares, read once per page: the language (`english`: a product's English name is
    shown when it has one, as catalog.models.localised has it; `group`: its thousands separator), the card's words
    in it, and the (head, tail), escaped for HTML, of the product page's, the cooperative's and a catalogue image's
    path."""

    language: str
    english: bool
    group: str
    words: tuple[str, str, str]  # "from", "Minimum order", "In stock", escaped
    product: tuple[str, str]
    cooperative: tuple[str, str]
    media: tuple[str, str]


@functools.lru_cache(maxsize=16)
def _card_setting(language: str, _prefix: str, _urlconf: str | None) -> CardSetting:
    return CardSetting(
        language=language,
        english=(language or "vi").startswith("en"),
        group=STYLES[active_language(language)].group,
        words=(escape(_("from")), escape(_("Minimum order")), escape(_("In stock"))),
        product=_around("frontend:product"),
        cooperative=_around("frontend:cooperative"),
        media=_around("catalog-media"),
    )


def card_setting() -> CardSetting:
    """The cards' setting in the active language (translations are fixed for the life of a process)."""
    return _card_setting(get_language(), get_script_prefix(), get_urlconf())


# What many cards share, escaped once per process rather than once a card (escape() is five str.replace calls): the
# texts that come from short fixed lists (provinces, unit symbols, category initials, certificate labels) and the
# cooperatives' names (500 cooperatives list 100,000 products). Bounded: names are the users'.
_escaped = functools.lru_cache(maxsize=4096)(escape)


@functools.lru_cache(maxsize=256)
def _badge(kind: str, label: str) -> str:
    return f'<span class="badge cert cert-{escape(kind)}">{escape(label)}</span> '


@functools.lru_cache(maxsize=64)
def _units(unit: str) -> tuple[str, str | None]:
    """The unit's symbol, and the symbol of its base unit when its prices are also shown per base unit
    (Product.priced_per_base_unit), escaped."""
    base = base_unit(unit)
    return escape(UNIT_SYMBOLS.get(unit, unit)), (escape(UNIT_SYMBOLS.get(base, base)) if base != unit else None)


@functools.lru_cache(maxsize=1024)
def _quantity(value: Decimal, language: str) -> str:
    """`format_decimal`, kept: a catalogue's minimum orders are a few round numbers."""
    return format_decimal(value, language=language)


def card_html(card: Card, setting: CardSetting) -> str:
    """A product card's `<li>`, exactly as partials/card.html renders it (tests/frontend/test_cards.py compares the
    two over every branch of the template): rendering the template cost ~0.3 ms a card, and a page has 24; this
    costs a few microseconds. Escaped as the template escapes (django.utils.html.escape is html.escape)."""
    product, badges, category_name = card
    from_text, moq_text, in_stock_text = setting.words
    if product.cover_thumbnail:
        name = escape(quote(product.cover_thumbnail, safe=_PATH_SAFE))
        head, tail = setting.media
        picture = f'<img src="{head}{name}{tail}" alt="" width="400" height="400" loading="lazy">'
    else:
        picture = f'<span class="placeholder" aria-hidden="true">{_escaped(category_name[:1])}</span>'
    badge_line = '<p class="badges">' + "".join([_badge(b.kind, b.label) for b in badges]) + "</p>" if badges else ""
    symbol, base_symbol = _units(product.unit)
    per_base = (
        f'<p class="muted small">≈ {_money(product.price_per_base_unit, setting)}/{base_symbol}</p>'
        if base_symbol is not None
        else ""
    )
    stock = f' · <span class="stock">{in_stock_text}</span>' if getattr(product, "in_stock", False) else ""
    # Digits and the language's separators: nothing to escape.
    moq = _quantity(product.moq, setting.language) + ("\u00a0" + symbol if symbol else "")
    product_name = (setting.english and product.name_en) or product.name_vi  # Product.name in the setting's language
    return (
        '\n<li class="product-card">\n'
        f'  <a href="{setting.product[0]}{int(product.id)}{setting.product[1]}" class="product-link">\n'
        f"    {picture}\n"
        f'    <span class="product-name">{escape(product_name)}</span>\n'
        "  </a>\n"
        f'  <p class="muted small"><a href="{setting.cooperative[0]}{int(product.cooperative_id)}'
        f'{setting.cooperative[1]}">{_escaped(product.cooperative.name)}</a> · '
        f"{_escaped(product.origin_province_name)}</p>\n"
        f"  {badge_line}\n"
        f'  <p class="price"><span class="muted small">{from_text}</span> '
        f'<strong>{_money(product.price_from, setting)}</strong><span class="muted small">/{symbol}'
        "</span></p>\n"
        f"  {per_base}\n"
        f'  <p class="muted small">{moq_text}: {moq}{stock}</p>\n'
        "</li>\n"
    )


def _money(amount: int | None, setting: CardSetting) -> str:
    """The template's `amount|vnd` (a whole number of đồng, or nothing): digits, the language's separators and ₫,
    nothing to escape. Written here for an int (`format_money` goes through Decimal and looks up the language:
    ~3 µs, twice a card); tests/frontend/test_cards.py compares the two."""
    if amount is None:
        return ""
    if type(amount) is int:
        return f"{amount:,}".replace(",", setting.group) + "\u00a0₫"
    return format_money(amount, setting.language)


def product_cards(cards: Sequence[Card]) -> list[SafeString]:
    """Each card's `<li>`."""
    setting = card_setting()
    # SafeString rather than mark_safe: the same for a str, without mark_safe's check for lazy text (~2 µs a card).
    return [SafeString(card_html(card, setting)) for card in cards]  # every value escaped in card_html


def results_html(
    *, grid: str, search: str, unusable_search: bool, empty: bool, first_link: str | None, next_link: str | None
) -> SafeString:
    """The catalogue page's results (its `grid` of cards, the message when there are none, the links to the first
    and the next page), exactly as RESULTS_TEMPLATE renders them: the template cost ~0.1 ms of a catalogue page's
    CPU (its context, its nodes), for a few fixed strings. As the template escapes: the search and the links are
    escaped, the translations of literals are not (Django marks them safe)."""
    if unusable_search:
        text = _("No results: “%(text)s” has no letter or digit to look for. Type a product's name, e.g. gạo ST25.") % {
            "text": conditional_escape(search)
        }
        message = f'<p class="empty" role="status">{text}</p>\n    '  # the template's line break is inside its {% if %}
    elif empty:
        message = f'<p class="empty" role="status">{_("No product matches. Try fewer words or remove a filter.")}</p>'
    else:
        message = ""
    first = (
        f'<a class="button secondary" href="{conditional_escape(first_link)}">{_("First page")}</a>'
        if first_link
        else ""
    )
    more = ""
    if next_link:
        href = conditional_escape(next_link)
        more = (
            f'<a class="button secondary" href="{href}" hx-get="{href}" hx-target="#more" hx-swap="outerHTML">'
            f"{_('More products')}</a>"
        )
    # `grid`: the cards, each escaped by card_html.
    return SafeString(
        f'{grid}\n</ul>\n    {message}\n    <p class="actions" id="more">\n      {first}\n      {more}\n    </p>'
    )
