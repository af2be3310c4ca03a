"""Rendered parts kept in the cache (frontend.fragments, the storefront's parts) are never older than the page:
after each kind of change a service makes, the catalogue and the storefront a visitor gets are exactly what they
are rendered from nothing (the cache emptied)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.frontend.test_storefront_etag import CHANGES, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# What differs from one response to the next whatever the data: the visitor's CSRF token and the CSP nonce.
_PER_RESPONSE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), "csrf"),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), "csrf"),
    (re.compile(r'nonce="[^"]+"'), "nonce"),
]


def _page(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    for pattern, replacement in _PER_RESPONSE:
        html = pattern.sub(replacement, html)
    return html


def _kept_and_fresh(path: str) -> tuple[str, str]:
    kept = _page(path)
    cache.clear()
    return kept, _page(path)


@pytest.mark.parametrize("change", list(CHANGES))
def test_after_each_change_the_kept_parts_are_what_a_fresh_render_shows(world, change):  # noqa: F811
    paths = [
        "/catalogue/",
        "/catalogue/?in_stock=1",
        f"/catalogue/?cooperative={world.cooperative.pk}",
        reverse("frontend:cooperative", args=[world.cooperative.pk]),
    ]
    for path in paths:
        _page(path)  # kept
    CHANGES[change](world)
    for path in paths:
        kept, fresh = _kept_and_fresh(path)
        assert kept == fresh, (change, path)


def test_a_card_says_sold_out_once_its_stock_is_gone(world):  # noqa: F811
    assert 'class="stock"' in _page("/catalogue/")
    CHANGES["lot sold out"](world)
    assert 'class="stock"' not in _page("/catalogue/")


def _in(language: str, path: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path).content.decode()


def test_a_page_in_english_keeps_its_own_parts(world):  # noqa: F811
    storefront = reverse("frontend:cooperative", args=[world.cooperative.pk])
    assert "Minimum order" not in _in("vi", storefront)
    assert "Minimum order" in _in("en", storefront)
    assert "Minimum order" not in _in("vi", "/catalogue/")
    assert "Minimum order" in _in("en", "/catalogue/")
    assert "Apply filters" not in _in("vi", "/catalogue/?in_stock=1")
    assert "Apply filters" in _in("en", "/catalogue/?in_stock=1")
