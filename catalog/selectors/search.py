"""Finding products by what a buyer types: folded (case, diacritics, đ, full-width letters), every word
required, a category's name or a group word ("đặc sản", "hải sản") standing for the products it covers, and
one typo forgiven in a word of four letters or more.

The same on PostgreSQL and SQLite: words are matched in the stored folded text (a trigram index serves
LIKE on PostgreSQL); typos are corrected against the catalogue's own words (names, categories, cooperatives,
provinces), so "xoia" finds "xoài" and "quocc" finds "Phú Quốc" on both. PostgreSQL ranks by trigram word
similarity of the phrase to the name; SQLite by how many of the words the name holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import and_, or_

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from catalog.cache import cached
from catalog.models import Product, ProductStatus
from catalog.search import query_terms, within_one_typo
from catalog.selectors.categories import CategoryNode, category_subtrees, category_tree
from market.organisations import geo

# Words people search with that name a group of products rather than a word of their text (folded):
# the categories they mean, or None for every product (the other words say which: "đặc sản Phú Quốc").
GROUP_WORDS: dict[str, tuple[str, ...] | None] = {
    "dac san": None,  # a region's specialities
    "dac san vung mien": None,
    "dac san dia phuong": None,
    "specialities": None,
    "specialty": None,
    "speciality": None,
    "san pham": None,  # "products"
    "hai san": ("thuy-san",),  # seafood, as people say it; the category is "thủy sản"
    "hoa qua": ("trai-cay",),  # fruit, in the north
    "nong san": ("gao", "trai-cay", "rau-cu", "gia-vi", "dua", "mat-ong"),  # farm produce
    "thuc pham": ("gao", "thuy-san", "trai-cay", "nuoc-mam", "gia-vi", "mat-ong", "rau-cu", "dua",
                  "thuc-pham-che-bien"),  # food
    "hang thu cong": ("thu-cong-my-nghe",),
    "do thu cong": ("thu-cong-my-nghe",),
}  # fmt: skip


# PostgreSQL's rank_key is the trigram word similarity (0..1) in millionths: 1,000,000 when the name holds
# the words as typed.
RANK_SCALE = 1_000_000


@dataclass(frozen=True)
class Group:
    words: tuple[str, ...]
    # The categories (with their sub-categories) the words stand for; None: every product.
    category_ids: tuple[int, ...] | None


@dataclass(frozen=True)
class SearchPlan:
    words: tuple[str, ...]
    groups: tuple[Group, ...] = ()
    # Text was typed, but not a letter or digit in it (only punctuation or emoji): nothing can match.
    unusable: bool = False

    @property
    def terms(self) -> list[str]:
        return [*self.words, *(w for g in self.groups for w in g.words)]

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.groups and not self.unusable


def _phrases() -> dict[tuple[str, ...], tuple[int, ...] | None]:
    """Word sequences that stand for a group of products: category names (both languages) and GROUP_WORDS
    (from one read of the category tree). Read only: the same dict serves every search while the tree is
    the same."""
    return _phrases_of(tuple(category_tree()))


@lru_cache(maxsize=8)
def _phrases_of(tree: tuple[CategoryNode, ...]) -> dict[tuple[str, ...], tuple[int, ...] | None]:
    """`_phrases` of this tree, computed once per process and tree: folding every category name in both
    languages cost about as much CPU as the rest of a search's planning and query building."""
    subtrees = category_subtrees(tree)
    by_slug = {node.slug: node.id for node in tree}
    phrases: dict[tuple[str, ...], tuple[int, ...] | None] = {}
    for node in tree:
        ids = tuple(subtrees[node.id])
        for name in (node.name_vi, node.name_en):
            words = tuple(query_terms(name, limit=12))
            if words:
                phrases.setdefault(words, ids)
    for phrase, slugs in GROUP_WORDS.items():
        key = tuple(phrase.split())
        if slugs is None:
            phrases[key] = None
            continue
        ids_of: set[int] = set()
        for slug in slugs:
            if slug in by_slug:
                ids_of.update(subtrees[by_slug[slug]])
        phrases.setdefault(key, tuple(sorted(ids_of)))
    return phrases


def plan_search(text: str) -> SearchPlan:
    """The words a search must find and the groups of products it names, longest phrase first."""
    terms = query_terms(text)
    if not terms:
        return SearchPlan(words=(), unusable=bool(text.strip()))
    phrases = _phrases()
    longest = max((len(key) for key in phrases), default=1)
    words: list[str] = []
    groups: list[Group] = []
    index = 0
    while index < len(terms):
        for length in range(min(longest, len(terms) - index), 0, -1):
            key = tuple(terms[index : index + length])
            if key in phrases:
                groups.append(Group(words=key, category_ids=phrases[key]))
                index += length
                break
        else:
            words.append(terms[index])
            index += 1
    return SearchPlan(words=tuple(words), groups=tuple(groups))


def _all_words(words: tuple[str, ...] | list[str]) -> Q:
    return reduce(and_, (Q(search_folded__contains=word) for word in words), Q())


def _group_q(group: Group) -> Q:
    if group.category_ids is None:
        return Q()
    return Q(category_id__in=group.category_ids) | _all_words(group.words)


def _load_vocabulary() -> list[str]:
    words: set[str] = set()
    published = Product.objects.filter(status=ProductStatus.PUBLISHED)
    for name, cooperative in published.values_list("name_folded", "cooperative__name").distinct():
        words.update(query_terms(f"{name} {cooperative}", limit=100))
    for node in category_tree():
        words.update(query_terms(f"{node.name_vi} {node.name_en}", limit=100))
    for unit in geo.provinces():
        words.update(query_terms(unit.name, limit=100))
    return sorted(word for word in words if len(word) >= 3)


def vocabulary() -> list[str]:
    """The catalogue's own words, against which typos are corrected (per catalogue version)."""
    return cached("search-vocabulary", {}, _load_vocabulary, timeout=3600)


def corrections(word: str) -> list[str]:
    """The catalogue's words `word` may be a typo of."""
    return [known for known in vocabulary() if within_one_typo(word, known)]


def _fuzzy_words(words: tuple[str, ...]) -> Q | None:
    """Each word as typed or as any word it may be a typo of; None when no word has a correction."""
    conditions = []
    corrected = False
    for word in words:
        candidates = corrections(word)
        corrected = corrected or bool(candidates)
        conditions.append(reduce(or_, (Q(search_folded__contains=c) for c in [word, *candidates])))
    return reduce(and_, conditions, Q()) if corrected else None


def can_correct(plan: SearchPlan) -> bool:
    """Whether a search found as typed would read differently with its typos corrected."""
    return bool(plan.words) and _fuzzy_words(plan.words) is not None


def best_rank(plan: SearchPlan) -> int:
    """The highest `rank_key` a product can have for this search: its name holds every word as typed."""
    return RANK_SCALE if connection.vendor == "postgresql" else len(plan.terms)


def search(queryset: QuerySet[Product], plan: SearchPlan, *, corrected: bool = False) -> QuerySet[Product]:
    """The products matching the search `plan` (`plan_search` of what was typed; a ProductQuery keeps it),
    annotated with `rank_key` (higher is better) when there is text.

    As typed, or with each word's typos corrected when `corrected` (the caller asks for that only when the
    search as typed found nothing, so that "gao st25" never drifts to ST24)."""
    if plan.unusable:
        return queryset.none()
    if plan.is_empty:
        return queryset
    groups = reduce(and_, (_group_q(group) for group in plan.groups), Q())
    matches = queryset.filter(groups & _all_words(plan.words))
    if corrected and plan.words:
        fuzzy = _fuzzy_words(plan.words)
        if fuzzy is not None:
            matches = queryset.filter(groups & fuzzy)
    return matches.annotate(rank_key=rank_expression(plan))


def rank_expression(plan: SearchPlan) -> Cast:
    """How well a product's name answers the search (higher is better): on PostgreSQL the trigram word
    similarity of the phrase to the name, on SQLite how many of the words the name holds."""
    terms = plan.terms
    if connection.vendor == "postgresql":
        rank = TrigramWordSimilarity(" ".join(terms), F("name_folded"))
        return Cast(rank * RANK_SCALE, IntegerField())
    count = sum((Case(When(name_folded__contains=term, then=Value(1)), default=Value(0)) for term in terms), Value(0))
    return Cast(count, IntegerField())
