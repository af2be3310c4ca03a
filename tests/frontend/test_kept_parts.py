"""Rendered parts kept in the cache (frontend.fragments, the storefront's parts) are never older than the page:
after each kind of change a service makes, the catalogue and the storefront a visitor gets are exactly what they
are rendered from nothing (the cache emptied)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.deploys import another_deploy
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


def _forget_everything_kept() -> None:
    """The cache emptied, and what each process keeps: the anonymous shells, the catalogue's frames and readings."""
    from frontend import shell
    from frontend.views import catalog

    cache.clear()
    shell._kept.clear()
    catalog._frames.clear()
    catalog._read_params.cache_clear()


def _kept_and_fresh(path: str) -> tuple[str, str]:
    kept = _page(path)
    _forget_everything_kept()
    return kept, _page(path)


@pytest.mark.parametrize("change", list(CHANGES))
def test_after_each_change_the_kept_parts_are_what_a_fresh_render_shows(world, change):  # noqa: F811
    paths = [
        "/catalogue/",
        "/catalogue/?in_stock=1",
        "/catalogue/?search=g%E1%BA%A1o&ocop_min=3&price_min=1000&moq_max=50",
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


def test_a_kept_trace_page_shows_each_new_event_and_a_withdrawal(world):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from catalog import services as catalog_services
    from tests.catalog.factories import actor_for
    from tests.catalog.test_lots import add_event

    path = reverse("frontend:trace", args=[world.lot.public_id])
    _page(path)  # kept
    add_event(
        world.lot,
        kind="harvest",
        occurred_at=(timezone.now() - timedelta(days=2)).isoformat(),
        description="Thu hoạch 4.800 kg",
        quantity="4800",
    )
    kept, fresh = _kept_and_fresh(path)
    assert "Thu hoạch 4.800 kg" in kept
    assert kept == fresh
    catalog_services.lot_withdraw(actor=actor_for(world.cooperative), lot_id=world.lot.pk, reason="Độ ẩm vượt mức")
    kept, fresh = _kept_and_fresh(path)
    assert "Độ ẩm vượt mức" in kept
    assert kept == fresh


def test_each_audience_of_a_trace_page_has_its_own_kept_parts(world, monkeypatch):  # noqa: F811
    """Who a shipment went to is for the lot's cooperative, that buyer and the staff (sees_forward_detail):
    a signed-in visitor is never given the page kept for anyone else; each audience's is rendered once."""
    from frontend.views import catalog as views
    from tests.factories import member

    path = reverse("frontend:trace", args=[world.lot.public_id])
    rendered: list[object] = []
    original = views.trace_page_for

    def counted(**kwargs: Any) -> Any:
        rendered.append(kwargs["actor"])
        return original(**kwargs)

    monkeypatch.setattr(views, "trace_page_for", counted)
    for audience in (None, world.buyer, world.cooperative, world.alliance):
        for _ in range(2):
            client = Client()
            if audience is not None:
                client.force_login(member(audience))
            assert client.get(path).status_code == 200
    assert [getattr(actor, "organisation_id", None) for actor in rendered] == [
        None,
        world.buyer.pk,
        world.cooperative.pk,
        world.alliance.pk,
    ]


@pytest.mark.parametrize("change", list(CHANGES))
def test_after_each_change_the_kept_product_page_is_what_a_fresh_render_shows(world, change):  # noqa: F811
    """The product page's content is kept for everyone under its versions (frontend.views.catalog): a kept one is
    never older than the data, its cooperative's profile included."""
    path = reverse("frontend:product", args=[world.product.pk])
    _page(path)  # kept
    CHANGES[change](world)
    kept, fresh = _kept_and_fresh(path)
    assert kept == fresh, change


def test_a_product_page_names_its_cooperatives_story_as_soon_as_it_changes(world):  # noqa: F811
    """The page shows the cooperative's description; its ETag (and so what is kept) moves with the profile."""
    client = Client()
    path = reverse("frontend:product", args=[world.product.pk])
    etag = client.get(path)["ETag"]
    CHANGES["profile"](world)
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Lúa ST25 trên đất phèn, từ 2005." in response.content.decode()


def test_a_delisted_product_is_no_longer_served_from_what_was_kept(world):  # noqa: F811
    from catalog import services as catalog_services
    from tests.catalog.factories import actor_for
    from tests.factories import member

    path = reverse("frontend:product", args=[world.product.pk])
    assert Client().get(path).status_code == 200  # kept
    catalog_services.product_delist(actor=actor_for(world.cooperative), product_id=world.product.pk)
    assert Client().get(path).status_code == 404
    owner = Client()
    owner.force_login(member(world.cooperative))
    page = owner.get(path)
    assert page.status_code == 200
    assert 'data-action="edit"' in page.content.decode()  # its own, rendered for it: never kept
    assert Client().get(path).status_code == 404


def test_the_personal_parts_of_a_kept_product_page_are_each_visitors(world):  # noqa: F811
    """Kept for everyone, the content still gives the buyer their cart form, the owner their manage link, and
    anyone else the price box only."""
    from tests.factories import member

    path = reverse("frontend:product", args=[world.product.pk])
    pages = {}
    for name, audience in (("anyone", None), ("buyer", world.buyer), ("owner", world.cooperative)):
        client = Client()
        if audience is not None:
            client.force_login(member(audience))
        pages[name] = client.get(path).content.decode()
    assert 'action="/cart/"' in pages["buyer"]
    assert 'data-action="edit"' not in pages["buyer"]
    assert 'data-action="edit"' in pages["owner"]
    assert 'action="/cart/"' not in pages["owner"]
    assert 'action="/cart/"' not in pages["anyone"]
    assert 'data-action="edit"' not in pages["anyone"]


def test_a_part_kept_by_one_deploy_is_rendered_again_by_the_next(monkeypatch):
    """A deploy that changes the templates (here: the static manifest, which deploy_version reads) must not
    serve the parts the previous one rendered until the next catalogue write."""

    from frontend.fragments import fragment_part, kept_parts

    def fragment(render):
        return kept_parts([fragment_part("deploy-test", {}, render)])[0]

    assert fragment(lambda: "old templates") == "old templates"
    with another_deploy(monkeypatch):
        assert fragment(lambda: "new templates") == "new templates"


@pytest.mark.parametrize("page", ["trace", "storefront"])
def test_a_trace_page_or_storefront_kept_by_one_deploy_is_rendered_again_by_the_next(world, monkeypatch, page):  # noqa: F811
    """Their kept parts were keyed without the deploy: another deploy's templates served the previous one's."""

    path = {
        "trace": f"/trace/{world.lot.public_id}/",
        "storefront": reverse("frontend:cooperative", args=[world.cooperative.pk]),
    }[page]

    def rendered() -> bool:
        """Whether the page's parts were made (the trace's are written by hand, not by a template): making them reads
        the lot or the cooperative, kept parts need no SQL."""
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(path)
        assert response.status_code == 200
        return len(queries) > 0

    assert rendered()
    assert not rendered()  # kept
    with another_deploy(monkeypatch):
        assert rendered()
