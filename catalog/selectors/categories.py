"""The category tree, read once per catalogue version and cached (in Redis, and in each process)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from catalog.cache import cached, catalog_version
from catalog.models import Category, VatCategory
from market.core.text import fold


@dataclass(frozen=True)
class CategoryNode:
    id: int
    slug: str
    parent_id: int | None
    name_vi: str
    name_en: str
    position: int
    depth: int

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


def _load() -> list[CategoryNode]:
    rows = list(Category.objects.order_by("position", "name_vi", "id").values())
    by_parent: dict[int | None, list[Any]] = {}
    for row in rows:
        by_parent.setdefault(row["parent_id"], []).append(row)
    ordered: list[CategoryNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in by_parent.get(parent, []):
            ordered.append(
                CategoryNode(
                    id=row["id"],
                    slug=row["slug"],
                    parent_id=row["parent_id"],
                    name_vi=row["name_vi"],
                    name_en=row["name_en"],
                    position=row["position"],
                    depth=depth,
                )
            )
            walk(row["id"], depth + 1)

    walk(None, 0)
    return ordered


# The tree of the catalogue version last seen, in this process: it changes only with a catalogue write, which
# moves the version, so a process reads it from Redis (a round trip and an unpickling per request before) once
# per version. The version itself is still read from Redis (once per request inside `one_version()`).
_TREE: dict[int, list[CategoryNode]] = {}


def category_tree() -> list[CategoryNode]:
    """Every category, parents before their children (depth-first, by position)."""
    version = catalog_version()
    tree = _TREE.get(version)
    if tree is None:
        tree = cached("categories", {}, _load, timeout=3600)
        _TREE.clear()
        _TREE[version] = tree
    return tree


def category_by_key(key: int | str | None) -> CategoryNode | None:
    """A category by id or slug."""
    if key in (None, ""):
        return None
    for node in category_tree():
        if str(node.id) == str(key) or node.slug == str(key):
            return node
    return None


def category_lookup(text: str) -> CategoryNode | None:
    """A category by id, slug or name in either language, with or without diacritics ("Gạo thơm",
    "gao thom", "Fragrant rice", "gao-thom", "2"): how people name one in a spreadsheet or a link."""
    key = text.strip()
    if not key:
        return None
    found = category_by_key(key)
    if found is not None:
        return found
    folded = fold(key)
    for node in category_tree():
        if folded in (fold(node.name_vi), fold(node.name_en)):
            return node
    return None


def category_descendant_ids(category_id: int, tree: list[CategoryNode] | None = None) -> list[int]:
    """The category and everything below it (in `tree` when the caller has read it already)."""
    wanted = {category_id}
    for node in category_tree() if tree is None else tree:  # parents come first, so one pass is enough
        if node.parent_id in wanted:
            wanted.add(node.id)
    return sorted(wanted)


def category_subtrees(tree: Sequence[CategoryNode]) -> dict[int, list[int]]:
    """Every category's own id and its descendants' ids, from one tree in one pass (children last)."""
    subtrees: dict[int, list[int]] = {node.id: [node.id] for node in tree}
    for node in reversed(tree):  # children come after their parents: fold each into its parent
        if node.parent_id is not None and node.parent_id in subtrees:
            subtrees[node.parent_id].extend(subtrees[node.id])
    return {key: sorted(ids) for key, ids in subtrees.items()}


# `_TREE`'s nodes by id, for the same version: indexing the tree anew cost ~40 µs of CPU per product page not kept.
_INDEX: dict[int, dict[int, CategoryNode]] = {}


def _tree_index() -> dict[int, CategoryNode]:
    version = catalog_version()
    index = _INDEX.get(version)
    if index is None:
        index = {node.id: node for node in category_tree()}
        _INDEX.clear()
        _INDEX[version] = index
    return index


def category_path(category_id: int) -> list[CategoryNode]:
    """From the root down to the category (for breadcrumbs)."""
    index = _tree_index()
    path: list[CategoryNode] = []
    node = index.get(category_id)
    while node is not None:
        path.insert(0, node)
        node = index.get(node.parent_id) if node.parent_id else None
    return path


def vat_categories() -> list[VatCategory]:
    return list(VatCategory.objects.order_by("position", "code"))


def _vat_names(vat: VatCategory) -> set[str]:
    """What people write for a VAT category: its code, its names, its rate ("5%", "5 %", "5"), and for goods
    outside VAT "KCT" or "không chịu thuế" (all folded)."""
    names = {fold(vat.code), fold(vat.name_vi), fold(vat.name_en)}
    # The short name before any explanation in brackets: "Thuế suất 5%", "Không chịu thuế GTGT".
    names |= {fold(vat.name_vi.split("(")[0]), fold(vat.name_en.split("(")[0])}
    if vat.subject_to_vat:
        rate = f"{vat.rate_percent.normalize():f}"
        names |= {rate, f"{rate}%", f"{rate} %", f"vat {rate}%", f"thue suat {rate}%"}
    else:
        names |= {"kct", "khong chiu thue", "khong chiu thue gtgt", "not subject to vat"}
    return {name.strip() for name in names if name.strip()}


def vat_category_lookup(text: str) -> VatCategory | None:
    """A VAT category by code, name, rate or "KCT"; None when the text names none of them."""
    folded = fold(text)
    if not folded:
        return None
    for vat in vat_categories():
        if folded in _vat_names(vat):
            return vat
    return None
