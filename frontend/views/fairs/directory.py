"""The fair page's exhibitor directory, rendered once per change and kept in the cache.

The directory (every approved exhibitor with a booth: its card with name, booth, province, zone and showcased
products; ~200 cards at a big fair) was most of the fair page's CPU, the same for every visitor until the next
write. It is kept under the directory's version (fairs.plan_version.fair_page_versions: the plan's counter, which
every write to booths, zones, applications and assignments bumps; the fair's own change; the exhibitors' and the
products' newest change), this deploy (templates, code, translations) and the language. A search is rendered
each time: its matches are the visitor's own question."""

from __future__ import annotations

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from fairs import selectors
from fairs.models import Fair
from market.core.conditional import deploy_version

TEMPLATE = "frontend/fairs/_exhibitors.html"
# Keyed on the version: this only bounds what a version no one asks for again keeps.
CACHE_SECONDS = 24 * 3600


def _rendered(fair: Fair, *, q: str, show_names: bool) -> str:
    exhibitors = selectors.exhibitors(fair=fair, q=q) if show_names else []
    return render_to_string(TEMPLATE, {"exhibitors": exhibitors, "query": q})


def exhibitor_directory(fair: Fair, *, q: str, show_names: bool, version: str) -> SafeString:
    """The directory's HTML (`#exhibitors`): the whole of it from the cache under its `version` (as the page read
    it with the plan's); a search's matches, or the notice shown before names are public, rendered afresh."""
    if q or not show_names:
        return mark_safe(_rendered(fair, q=q, show_names=show_names))  # noqa: S308 (escaped by the template)
    key = f"fair-directory:{fair.pk}:{get_language()}:{deploy_version()}:{version}"
    html = cache.get(key)
    if html is None:
        html = _rendered(fair, q="", show_names=True)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 (escaped by the template)
