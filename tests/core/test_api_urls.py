"""The API's URLconfs (market.urls.api_v1, one per app) are disjoint: no path that one app's patterns match is
matched by another's. Django tries the included URLconfs in turn, so the order they are listed in is then free
to serve speed (the catalogue's public reads first) and can never hand a request to the wrong view."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern

import market.urls

# What each kind of path converter is tried with: digits, a word, and words other apps use as path segments.
SAMPLES = {"int": ["12"], "other": ["12", "ab12", "check-in", "export", "facets", "me", "sync", "pdf"]}


def _patterns(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _examples(pattern: str) -> Iterator[str]:
    """Paths the pattern matches: each converter written with each sample of its kind."""
    bare = pattern.replace("^", "").replace("$", "")
    for word in SAMPLES["other"]:
        written = re.sub(r"<int:\w+>", SAMPLES["int"][0], bare)
        yield re.sub(r"<(?:\w+:)?\w+>", word, written)


def _matches(urlconf: URLResolver, example: str) -> bool:
    resolver = URLResolver(RegexPattern(r"^/"), urlconf.url_patterns)
    try:
        resolver.resolve("/" + example)
    except Resolver404:
        return False
    return True


@pytest.mark.parametrize("app", market.urls.api_v1, ids=lambda included: included.urlconf_name.__name__)
def test_no_other_app_claims_a_path_of_this_apps_api(app: URLResolver) -> None:
    others = [included for included in market.urls.api_v1 if included is not app]
    claimed = {
        (example, other.urlconf_name.__name__)
        for pattern in _patterns(app.url_patterns)
        for example in _examples(pattern)
        if _matches(app, example)
        for other in others
        if _matches(other, example)
    }
    assert claimed == set()
