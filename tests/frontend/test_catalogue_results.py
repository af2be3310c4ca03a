"""The catalogue's results written by hand (frontend.fragments.results_html) are exactly what
partials/catalogue_results.html renders from the same values: every branch of the template, both languages, and
text that needs escaping."""

from __future__ import annotations

import itertools

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from catalog import selectors
from frontend.fragments import RESULTS_TEMPLATE, results_html

GRID = mark_safe('\n<li class="product-card">a card &amp; its <b>markup</b></li>\n')
LINKS = [None, "", "/catalogue/?q=g%E1%BA%A1o&sort=newest&cursor=a\"b<c>'d"]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    ("search", "unusable_search", "cards"),
    [("gạo", False, [GRID]), ("gạo", False, []), ("<?!>&\"'", True, []), ("", False, [GRID])],
)
def test_written_results_are_the_rendered_template(language, search, unusable_search, cards):
    query = selectors.ProductQuery.from_values({"search": search})
    for first_link, next_link in itertools.product(LINKS, LINKS):
        with translation.override(language):
            rendered = render_to_string(
                RESULTS_TEMPLATE,
                {
                    "query": query,
                    "unusable_search": unusable_search,
                    "next_link": next_link,
                    "first_link": first_link,
                    "cards": cards,
                    "grid": GRID if cards else mark_safe(""),
                },
            )
            written = results_html(
                grid=GRID if cards else "",
                search=query.search,
                unusable_search=unusable_search,
                empty=not cards,
                first_link=first_link,
                next_link=next_link,
            )
        assert written == rendered, (first_link, next_link)
