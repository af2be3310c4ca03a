"""/robots.txt lets crawlers read the public pages and nothing else; /favicon.ico answers with the site's icon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent.parent
# The pages anyone may see and a search engine should find (route names, with their namespace).
PUBLIC = {
    *(f"frontend:{name}" for name in ("home", "catalogue", "product", "trace", "digital-link", "cooperative",
                                      "fair-list", "fair-detail", "fair-plan", "fair-plan-svg", "robots", "favicon",
                                      "how-it-works", "manifest", "service-worker")),
    "catalog-media", "catalog-lot-qr",
}  # fmt: skip


def disallowed(robots: str, path: str) -> bool:
    """Whether a crawler that follows robots.txt as Google does (with `*`) skips `path`."""
    rules = re.findall(r"^Disallow: (\S+)$", robots, re.MULTILINE)
    return any(re.match(re.escape(rule).replace(r"\*", ".*"), path) for rule in rules)


def routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(sample path, namespaced route name) of every URL the site answers."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + str(pattern.pattern)
        name = f"{namespace}{getattr(pattern, 'name', None)}"
        if re.search(r"[\^$(\\]", text):  # a regex route (admin's): its fixed prefix is what robots.txt sees
            yield "/" + re.split(r"[\^$(\\]", text)[0], name
        elif isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, text, inner)
        elif isinstance(pattern, URLPattern):
            yield "/" + re.sub(r"<int:\w+>", "1", re.sub(r"<(?!int:)(\w+:)?\w+>", "x", text)), name


@pytest.mark.django_db
def test_robots_txt_opens_the_public_pages_and_closes_everything_else(client: Client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    robots = response.content.decode()
    assert robots.startswith("User-agent: *\n")
    assert "Sitemap:" not in robots, "there is no sitemap to point at"
    public = ["/", "/catalogue/?search=gao+st25", "/products/12/", "/cooperatives/3/", "/trace/K7Q2/",
              "/trace/K7Q2/qr.png", "/fairs/", "/fairs/hoi-cho-rach-gia/", "/fairs/hoi-cho-rach-gia/plan/"]  # fmt: skip
    for path in public:
        assert not disallowed(robots, path), path
    for path in ["/account/", "/admin/", "/staff/fairs/", "/cart/", "/checkout/", "/checkouts/4/", "/pay/MLX7/",
                 "/api/v1/products/", "/api/docs/", "/orders/1/", "/my/products/", "/dashboard/", "/login/",
                 "/fairs/meetings/", "/fairs/hoi-cho-rach-gia/apply/", "/fairs/hoi-cho-rach-gia/badges/"]:  # fmt: skip
        assert disallowed(robots, path), path
    # Every route of the site is one or the other, so a new page cannot slip in unclassified.
    wrong = {(path, name) for path, name in routes() if disallowed(robots, path) == (name in PUBLIC)}
    assert not wrong, sorted(wrong, key=str)


@pytest.mark.django_db
def test_favicon_ico_is_the_sites_icon(client: Client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content == (ROOT / "frontend/static/frontend/favicon.svg").read_bytes()
    assert response["Cache-Control"] == "public, max-age=86400"
    assert client.get("/favicon.ico", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
