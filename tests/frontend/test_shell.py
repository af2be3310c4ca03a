"""The anonymous page shell rendered once (frontend.shell): what each visitor gets is what a full render of the
page would have given them, with their own CSRF token, nonce and path; anyone else's shell is rendered in full."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.middleware.csrf import _unmask_cipher_token
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from frontend import shell
from frontend.visitor import VISITOR_BACKEND
from market.organisations.models import Membership, Organisation, Role
from tests.catalog.factories import make_lot, make_product
from tests.factories import member, unread_notifications

pytestmark = pytest.mark.django_db

TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")([^"]+)"')
SLOT = "\x00slot:{}\x00"


def _tokens(html: str) -> list[str]:
    return [found.group(2) for found in TOKENS.finditer(html)]


def _masked_alike(html: str) -> str:
    """The page with its CSRF tokens (masked afresh by each render) written as one."""
    return TOKENS.sub(r'\1csrf"', html)


@pytest.fixture
def pages(cooperative, alliance):
    """Each page on the shared shell: (path, its template, the names of the parts it fills in)."""
    rice = make_product(cooperative, name='Gạo <ST25> & "Tân Hiệp"')  # the title escaped as the template does
    lot = make_lot(rice)
    return {
        "catalogue": ("/catalogue/", "frontend/catalog/catalogue.html", ["content"]),
        "catalogue searched": (
            "/catalogue/?search=g%E1%BA%A1o&in_stock=1&sort=newest",
            "frontend/catalog/catalogue.html",
            ["content"],
        ),
        "product": (f"/products/{rice.pk}/", "frontend/catalog/product.html", ["title", "content"]),
        "product with a quantity": (
            f"/products/{rice.pk}/?quantity=120",
            "frontend/catalog/product.html",
            ["title", "content"],
        ),
        "storefront": (
            f"/cooperatives/{cooperative.pk}/",
            "frontend/organisation/storefront.html",
            ["title", "description", "head", "content"],
        ),
        "trace": (f"/trace/{lot.public_id}/", "frontend/catalog/trace.html", ["title", "content"]),
    }


# Who asks: anonymous; signed in for a buyer (their bell empty, with a few and with more than it counts) or for the
# page's cooperative (the product's "manage" link); with a name that needs escaping.
VISITORS = {
    "anonymous": None,
    "buyer": ("buyer", 0),
    "buyer, 3 unread": ("buyer", 3),
    "buyer, 120 unread": ("buyer", 120),
    "cooperative": ("cooperative", 1),
}


def _visitor_client(visitor: str, language: str, organisations: dict[str, Organisation]) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if VISITORS[visitor] is not None:
        kind, unread = VISITORS[visitor]
        user = member(organisations[kind], full_name='Lê <Thị> & "Hoa"', language=language)
        unread_notifications(user, organisations[kind], unread)
        client.force_login(user, backend=VISITOR_BACKEND)
    return client


@pytest.mark.parametrize("visitor", list(VISITORS))
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    "page", ["catalogue", "catalogue searched", "product", "product with a quantity", "storefront", "trace"]
)
def test_the_kept_shell_is_what_a_full_render_gives_the_visitor(pages, page, language, visitor, buyer, cooperative):
    path, template, names = pages[page]
    client = _visitor_client(visitor, language, {"buyer": buyer, "cooperative": cooperative})
    for _ in range(2):  # the second from the kept shell
        response = client.get(path)
        assert response.status_code == 200
    html = _masked_alike(response.content.decode())
    # The same request rendered by Django in full (its nonce, its path, its language), with a slot for each part.
    with translation.override(language):
        parts = {name: mark_safe(SLOT.format(name)) for name in names}  # noqa: S308 (constants)
        full = _masked_alike(render_to_string(template, {"parts": parts}, request=response.wsgi_request))
    pattern = "".join(
        re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>.*?)"
        for i, piece in enumerate(re.split("\x00slot:([a-z]+)\x00", full))
    )
    shown = re.fullmatch(pattern, html, re.DOTALL)
    assert shown is not None, page
    if "?" in path:
        assert escape(path) in html  # the path written in, escaped as the template does
    if page.startswith("product"):
        assert shown.group("title") == escape('Gạo <ST25> & "Tân Hiệp"')


@pytest.mark.parametrize("visitor", ["anonymous", "buyer, 3 unread", "cooperative"])
def test_a_visitor_of_one_organisation_is_given_the_kept_shell_of_their_audience(pages, visitor, buyer, cooperative):
    path, _template, _names = pages["product"]
    client = _visitor_client(visitor, "vi", {"buyer": buyer, "cooperative": cooperative})
    shell._kept.clear()  # as a new process starts
    first, second = client.get(path), client.get(path)

    assert "frontend/base.html" in [t.name for t in first.templates]  # rendered once, kept
    assert "frontend/base.html" not in [t.name for t in second.templates]
    assert _masked_alike(first.content.decode()) == _masked_alike(second.content.decode())


def test_a_visitor_with_an_organisation_switcher_gets_a_shell_of_their_own(buyer, cooperative, pages):
    path, _template, _names = pages["product"]
    user = member(buyer)
    Membership.objects.create(user=user, organisation=cooperative, role=Role.STAFF)
    client = Client()
    client.force_login(user, backend=VISITOR_BACKEND)
    for _ in range(2):
        response = client.get(path)
        assert "frontend/base.html" in [t.name for t in response.templates]
        assert 'id="acting-organisation"' in response.content.decode()


def test_each_visitor_gets_their_own_token_and_the_nonce_their_policy_allows():
    pages = []
    for _ in range(2):
        client = Client()
        response = client.get("/catalogue/")
        html = response.content.decode()
        tokens = _tokens(html)
        assert len(tokens) == 2
        secret = client.cookies[settings.CSRF_COOKIE_NAME].value
        assert {_unmask_cipher_token(token) for token in tokens} == {secret}  # their own secret, masked
        nonce = re.search(r'nonce="([^"]+)"', html)
        assert nonce is not None
        assert f"'nonce-{nonce.group(1)}'" in response["Content-Security-Policy"]
        pages.append((secret, nonce.group(1)))
    assert pages[0][0] != pages[1][0]
    assert pages[0][1] != pages[1][1]


def test_a_signed_in_visitor_and_waiting_messages_get_a_shell_of_their_own(buyer):
    Client().get("/catalogue/")  # the anonymous shell, kept
    user = member(buyer, full_name="Trần Thị Thảo")
    signed_in = Client()
    signed_in.force_login(user)
    html = signed_in.get("/catalogue/").content.decode()
    assert f">{user.get_short_name()}</a>" in html
    assert 'href="/login/"' not in html
    # A message waiting for an anonymous visitor is shown once, in the next page rendered.
    waiting = Client()
    waiting.cookies[CookieStorage.cookie_name] = CookieStorage(HttpRequest())._encode([Message(INFO, "Đã lưu.")])
    assert "Đã lưu." in waiting.get("/catalogue/").content.decode()
    assert "Đã lưu." not in waiting.get("/catalogue/").content.decode()


def test_the_token_written_into_a_shared_shell_passes_djangos_check_and_is_masked_per_response():
    """frontend.csrf masks the token itself (one draw of randomness, where Django draws once per character):
    Django's CsrfViewMiddleware takes it, for a new visitor and for one who has their cookie."""
    client = Client(enforce_csrf_checks=True)
    first = _tokens(client.get("/catalogue/").content.decode())[0]
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    second = _tokens(client.get("/catalogue/").content.decode())[0]
    assert first != second
    assert _unmask_cipher_token(first) == _unmask_cipher_token(second) == secret
    switch = reverse("frontend:set-language")
    for token in (first, second):
        response = client.post(switch, {"language": "en", "next": "/catalogue/", "csrfmiddlewaretoken": token})
        assert response.status_code == 302
    forged = second[:32] + first[32:]  # another mask over the same cipher: not the secret
    refused = client.post(switch, {"language": "vi", "next": "/catalogue/", "csrfmiddlewaretoken": forged})
    assert refused.status_code == 403


def test_a_search_that_holds_a_mark_is_rendered_in_full(cooperative, alliance):
    """The catalogue's content around its results is kept split at private-use marks (frontend.views.catalog):
    a search typed with one is shown as typed, with its results once, from a render of its own."""
    make_product(cooperative, name="Gạo ST25")
    typed = "gạo \ue000frame_results\ue000"
    for _ in range(2):
        response = Client().get("/catalogue/", {"search": typed})
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count('id="product-grid"') == 1
        assert f'value="{typed}"' in html
