"""The public product list's cards written as JSON by PostgreSQL (GET /api/v1/products/ on PostgreSQL): the page's
statement of `page_sql` returns each card as the JSON text `catalog.api.serializers.product_card` makes of it,
byte for byte, and the view joins the texts into the body.

Why: at 100,000 products a list request spent ~3.9 ms of the web process's CPU, of which reading the page's rows
(psycopg converting ~20 columns a row, the timestamps parsed in Python), building a Product and an Organisation
per row, the card dicts and their JSON rendering were over half; PostgreSQL writes the same text for ~10 µs of its
own CPU a row (~0.25 ms a page), and the request now costs ~2 ms (bench cpu: api-list, api-deep, api-search-*).
`product_card` stays the definition: tests/catalog/test_sql_cards.py holds every card, page, cursor and search
shape, in both languages and over awkward rows, to it byte for byte (and the rows to the ORM's through page_sql's
own tests). The catalogue page (Product instances for its HTML cards) and SQLite (the zero-setup default) still
read instances and build the cards in Python.

What the cards take from Python is passed as parameters (`CardWords`, each value once): the language, the badges
in it, the thumbnail's address around its name, the units' symbols and base units, the provinces' names. Those
from fixed sets (a unit, its symbol and base unit, a province's name, a badge but OCOP's) are passed as the JSON
text they are written as: `to_json` (a type lookup per call) was ~7-10 % of the statement's CPU.
"""

from __future__ import annotations

import functools
import hashlib
import json
import string
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language

from catalog.commands import Sort
from catalog.models import CardBody, Category, CertificateKind, badge_text
from catalog.selectors import browse, page_sql
from catalog.selectors.browse import (
    BADGE_ORDER,
    DEFAULT_PAGE_SIZE,
    ProductQuery,
    badge_labels,
    best_rank,
    paged,
)
from market.core.quantity import UNIT_SYMBOLS, Unit, base_unit
from market.organisations import geo

CATEGORY = Category._meta.db_table
# What reverse() leaves unquoted in a path (django.urls.resolvers quotes with RFC3986_SUBDELIMS + "/~:@"; quote
# never quotes letters, digits and "_.-~"): a thumbnail's name is quoted as image_url's reverse() quotes it.
_PATH_SAFE = string.ascii_letters + string.digits + "_.-~" + RFC3986_SUBDELIMS + "/~:@"


def writes_cards() -> bool:
    """Whether the database writes the list's cards (PostgreSQL); elsewhere they are built from product_page."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class CardWords:
    """What every card of an answer takes from Python: whether names are in English, each certificate kind's badge
    in the active language as its JSON (`_badge_texts`), and image_url's address before and after an image's
    name."""

    english: bool
    badges: str  # a text[] as PostgreSQL reads it (`_text_array`)
    media: tuple[str, str]


def card_words(*, media: tuple[str, str]) -> CardWords:
    """The cards' words in the active language; `media`: image_url's address around a name."""
    english = (get_language() or "vi").startswith("en")  # as serializers.card_parts
    return CardWords(english=english, badges=_badge_texts(badge_labels()), media=media)


def _json(value: Any) -> str:
    """A value's JSON as the cards write it (serializers: compact, not ASCII-escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _text_array(values: list[str]) -> str:
    """A text[] as PostgreSQL reads it from text, for a parameter cast to text[]: psycopg's dumping of a list, in
    Python item by item, costs more (page_sql._array_text)."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


def _badge_texts(labels: dict[str, str]) -> str:
    """Each certificate kind's badge (serializers.badges_list) in BADGE_ORDER, without OCOP stars, as a text[]: what
    a kind's badge is but OCOP's, whose label and stars are its best rating (`_BADGES`)."""
    return _text_array([_json({"kind": kind, "label": labels[kind], "ocop_stars": None}) for kind in BADGE_ORDER])


@functools.cache
def _kinds() -> str:
    """BADGE_ORDER as a text[]."""
    return _text_array(BADGE_ORDER)


@functools.cache
def units_json() -> str:
    """{unit: [its JSON, its symbol's, its base unit's]} of every unit, as JSON."""
    return json.dumps(
        {unit: [_json(unit), _json(UNIT_SYMBOLS.get(unit, unit)), _json(str(base_unit(unit)))] for unit in Unit.values}
    )


@functools.cache
def _provinces() -> str:
    """{code: its name's JSON} of every province (what serializers.unit_dict looks up), as JSON."""
    return json.dumps({str(unit.code): _json(unit.name) for unit in geo.provinces()})


# A number no rating has, to find what models.badge_text writes around an OCOP rating.
_STARS_MARKER = 2147483647


@functools.cache
def _ocop_around() -> tuple[str, str]:
    """models.badge_text's OCOP badge before and after its stars ("OCOP ", "★")."""
    head, _marker, tail = badge_text(CertificateKind.OCOP, _STARS_MARKER, "").partition(str(_STARS_MARKER))
    return head, tail


def _words_params(words: CardWords) -> list[Any]:
    head, tail = words.media
    ocop_head, ocop_tail = _ocop_around()
    return [words.english, units_json(), _provinces(), words.badges, _kinds(), ocop_head, ocop_tail, head, tail,
            _PATH_SAFE]  # fmt: skip


# The parameters as columns of `w`, in `_words_params`' order. `w` is read as a subquery of its own (OFFSET 0: never
# merged into the join), so that its values are made once per statement: merged, each mention of a column was its
# parameter's cast (`%s::jsonb` parsing the units' JSON again), once per card and mention, in the plan PostgreSQL
# keeps for the statement (a generic plan, whose parameters are not constants), which also made that plan look
# costlier than planning each request anew.
_WORDS = """SELECT %s::boolean AS english, %s::jsonb AS units, %s::jsonb AS provinces, %s::text[] AS badges,
                   %s::text[] AS kinds, %s::text AS ocop_head, %s::text AS ocop_tail,
                   %s::text AS media_head, %s::text AS media_tail, %s::text AS safe"""


# --- the JSON, as SQL expressions giving each value's JSON text ---------------------------------------------------
def _object(members: list[tuple[str, str]]) -> str:
    """A JSON object of (key, SQL giving the member's JSON text), in order, as json.dumps writes it compactly: NULL
    when a member is NULL."""
    return _braced(members[0], _members(members[1:]))


def _braced(first: tuple[str, str], rest: str) -> str:
    """A JSON object of its `first` member and the SQL `rest` giving the others' text (each after its comma)."""
    key, value = first
    return f"('{{{json.dumps(key)}:' || {value} || {rest} || '}}')"


def _members(members: list[tuple[str, str]]) -> str:
    """Members of a JSON object after its first, each after its comma."""
    return "(" + " || ".join([f"',{json.dumps(key)}:' || {value}" for key, value in members] or ["''"]) + ")"


def _string(sql: str) -> str:
    """A text as a JSON string, escaped as json.dumps(ensure_ascii=False) escapes it (NULL stays NULL)."""
    return f"to_json({sql})::text"


def _or_null(sql: str) -> str:
    return f"COALESCE({sql}, 'null')"


def _number(sql: str) -> str:
    return _or_null(f"{sql}::text")


def _decimal(sql: str) -> str:
    """serializers.dec: the numeric's text (its column's scale: '0.500', '1000.000') as a string."""
    return _or_null(f"'\"' || {sql}::text || '\"'")


def _localised(english: str, vietnamese: str) -> str:
    """The English text when the answer is in English and there is one, else the Vietnamese (models.localised)."""
    return f"CASE WHEN w.english AND {english} <> '' THEN {english} ELSE {vietnamese} END"


def _iso(timestamp: str) -> str:
    """A timestamp in UTC as datetime.isoformat writes it, without the offset (microseconds only when any)."""
    return f"replace(to_char({timestamp} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '')"


# image_url: reverse() quotes the name character by character (UTF-8 bytes as %XX). Names the services write are
# all safe (a digest), so the quoting is only worked out for the others.
_QUOTED_NAME = """CASE WHEN translate(page.cover_thumbnail, w.safe, '') = '' THEN page.cover_thumbnail ELSE (
    SELECT string_agg(CASE WHEN strpos(w.safe, x.ch) > 0 THEN x.ch
                           ELSE regexp_replace(upper(encode(convert_to(x.ch, 'UTF8'), 'hex')), '(..)', '%%\\1', 'g')
                      END, '' ORDER BY x.n)
      FROM unnest(string_to_array(page.cover_thumbnail, NULL)) WITH ORDINALITY x(ch, n)) END"""

_TIER = _object([("min_quantity", _decimal("t.min_quantity")), ("unit_price", _number("t.unit_price"))])


def _badge(position: int, kind: str) -> str:
    """The badge of the kind at `position` of BADGE_ORDER when the row's certificates (`certified`) have that kind,
    else NULL. OCOP's is written with its best stars (models.badge_text): the constraint certificate_ocop_stars
    gives an OCOP certificate 3-5 stars and any other none, so the best stars of the row's certificates are OCOP's,
    and every other kind's badge is the same text (w.badges)."""
    if kind == CertificateKind.OCOP:
        label = _string("w.ocop_head || certified.stars || w.ocop_tail")
        badge = _object([("kind", f"'{_json(kind)}'"), ("label", label), ("ocop_stars", "certified.stars::text")])
    else:
        badge = f"w.badges[{position + 1}]"
    return f"CASE WHEN certified.kinds & {1 << position} <> 0 THEN {badge} END"


# serializers.badges_list of browse.badges_for's badges: one per kind, in BADGE_ORDER (concat_ws skips the NULLs).
_BADGES = "concat_ws(','," + ", ".join(_badge(position, kind) for position, kind in enumerate(BADGE_ORDER)) + ")"
_CATEGORY = _object(
    [
        ("id", "cat.id::text"),
        ("slug", _string("cat.slug")),
        ("name", _string(_localised("cat.name_en", "cat.name_vi"))),
    ]
)
# serializers.unit_dict: NULL (null) for a code the reference data does not know.
_PROVINCE = _object(
    [
        ("code", "page.origin_province_code::text"),
        ("name", "(w.provinces ->> page.origin_province_code::text)"),
    ]
)


def _unit(item: int) -> str:
    """The JSON of the unit's `item` in `units_json` (the unit, its symbol, its base unit); a unit the code does not
    know stands for all three (serializers.product_card: UNIT_SYMBOLS.get, base_unit)."""
    return f"COALESCE(w.units -> page.unit ->> {item}, {_string('page.unit')})"


_URL = _string(f"w.media_head || {_QUOTED_NAME} || w.media_tail")
_THUMBNAIL = f"CASE WHEN page.cover_thumbnail = '' THEN 'null' ELSE {_URL} END"
# The tiers' JSON, aggregated in the order of the subquery, which reads them in that order from the index of
# (product, min_quantity) (a subquery with ORDER BY is planned on its own): `string_agg(… ORDER BY …)` sorted each
# row's tiers again (PostgreSQL 15 does not skip it). A scalar subquery, so that it runs only for a card whose kept
# body is missing.
_TIERS = f"""(SELECT string_agg({_TIER}, ',')
                 FROM (SELECT t.min_quantity, t.unit_price FROM {page_sql.PRICE_TIER} t
                        WHERE t.product_id = page.page_id ORDER BY t.min_quantity) t)"""  # noqa: S608 (model names)
# serializers.product_card's members over the page's row `page`, in order: its head (id, name), its body (what only
# a service's write of the product, its tiers or its cooperative's name changes: kept, `BODY`) and its tail (what
# the day, the language or the deploy change: the category's name in the language, the certificates in force and the
# lots for sale today, the thumbnail's address).
_HEAD = [
    ("id", "page.page_id::text"),
    ("name", _string(_localised("page.name_en", "page.name_vi"))),
]
_BODY = [
    ("name_vi", _string("page.name_vi")),
    ("name_en", _string("page.name_en")),
    ("unit", _unit(0)),
    ("unit_symbol", _unit(1)),
    ("moq", _decimal("page.moq")),
    ("order_multiple", _decimal("page.order_multiple")),
    ("currency", "'\"VND\"'"),
    ("price_from", _number("page.price_from")),
    ("price_at_moq", _number("page.price_at_moq")),
    ("price_per_base_unit", _number("page.price_per_base_unit")),
    ("base_unit", _unit(2)),
    ("price_tiers", f"'[' || COALESCE({_TIERS}, '') || ']'"),
    ("cooperative", _object([("id", "page.cooperative_id::text"), ("name", _string("page.name"))])),
]
_TAIL = [
    ("category", _or_null(_CATEGORY)),
    ("origin_province", _or_null(_PROVINCE)),
    ("badges", f"'[' || {_BADGES} || ']'"),
    ("in_stock", f"CASE WHEN {page_sql.FOR_SALE} THEN 'true' ELSE 'false' END"),
    ("thumbnail_url", _THUMBNAIL),
    ("published_at", _or_null(f"'\"' || {_iso('page.published_at')} || 'Z\"'")),
]


# The card's body as SQL over `page` (the product's columns and its cooperative's name) and `w.units`: what
# catalog.services.search_rows keeps. BODY_FORMAT names it with the units it reads: a kept body of another format
# (the card's definition changed in a deploy) is not read, and the services write it again.
BODY = _members(_BODY)
BODY_FORMAT = hashlib.sha256((BODY + units_json()).encode()).hexdigest()[:16]
CARD_BODY = CardBody._meta.db_table
# The card: its kept body when there is one of this format (`kept`), else the body written here.
CARD = _braced(_HEAD[0], f"{_members(_HEAD[1:])} || COALESCE(kept.body, {BODY}) || {_members(_TAIL)}")

# Each sort's key in the page's row: what it is ordered by, and what its cursor says (browse.encode_cursor writes
# a timestamp's isoformat, in UTC here).
_ORDER = {
    Sort.NEWEST: "page.published_at",
    Sort.PRICE_ASC: "page.price_per_base_unit",
    Sort.PRICE_DESC: "page.price_per_base_unit",
    Sort.RELEVANCE: "page.rank_key",
}
_CURSOR = {**_ORDER, Sort.NEWEST: f"{_iso('page.published_at')} || '+00:00'"}


class Card(NamedTuple):
    pk: int
    key: Any  # the sort's key as the cursor writes it (relevance's: the rank)
    json: str


def _with_json(
    words: CardWords, sql: str, params: list[Any], sort: Sort, descending: bool, day: date
) -> tuple[str, list[Any]]:
    """The page's statement `sql` in `sort` wrapped so that each row is a Card (as page_sql._with_cards wraps it
    for instances: the joins run for the page's rows only)."""
    direction = "DESC" if descending else "ASC"
    wrapped = f"""
        SELECT page.page_id, {_CURSOR[sort]}, {CARD}
          FROM ({_WORDS} OFFSET 0) w
         CROSS JOIN ({sql}) page
          LEFT JOIN {CATEGORY} cat ON cat.id = page.category_id
          LEFT JOIN {CARD_BODY} kept ON kept.id = page.page_id AND kept.format = '{BODY_FORMAT}'
          -- The kinds of the certificates covering the row as bits of BADGE_ORDER, and their best stars: one
          -- Aggregate per row where a kind's best stars cost a sort and a GroupAggregate, then a sort for the order.
          CROSS JOIN LATERAL (
               SELECT bit_or(1 << (array_position(w.kinds, c.kind::text) - 1)) AS kinds, MAX(c.ocop_stars) AS stars
                 FROM ({page_sql.COVERING}) c) certified
         ORDER BY {_ORDER[sort]} {direction}, page.page_id {direction}
    """  # noqa: S608 (table names from the models; every value is a parameter)
    return wrapped, [*page_sql.for_sale_params(day), *_words_params(words), *params, *page_sql.covering_params(day)]


def _cursor_key(card: Card, _sort: str) -> tuple[Any, int]:
    return card.key, card.pk


def _cards(found: list[tuple[Any, ...]]) -> list[Card]:
    return [Card(*row) for row in found]


def card_reading(words: CardWords) -> page_sql.Reading[Card]:
    return page_sql.Reading(wrap=functools.partial(_with_json, words), rows=_cards)


@dataclass(frozen=True)
class CardPage:
    cards: list[str]  # each card's JSON
    next_cursor: str | None
    sort: str


def product_card_page(
    *,
    query: ProductQuery,
    words: CardWords,
    cursor: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    on: date | None = None,
) -> CardPage:
    """browse.product_page's page (the same products, cursor and sort) with its cards as JSON, on PostgreSQL."""
    day = on or timezone.localdate()
    reading = card_reading(words)
    best = best_rank(query.search_plan)

    def read(sort: str, after: tuple[Any, int] | None, limit: int, corrected: bool) -> list[Card]:
        return page_sql.page_rows(
            query, sort, after, limit, day=day, corrected=corrected, candidates=browse.CANDIDATES, best_rank=best,
            reading=reading,
        )  # fmt: skip

    page = paged(query, cursor, page_size, read, _cursor_key)
    return CardPage(cards=[card.json for card in page.rows], next_cursor=page.next_cursor, sort=page.sort)
