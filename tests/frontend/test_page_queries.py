"""Issue #14's ceiling: each public page (the catalogue with and without a search and filters, a product, a
cooperative's storefront, a lot's trace page) runs at most eight SQL queries, from an empty cache or a warm one,
for an anonymous visitor and a signed-in buyer."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from frontend.visitor import VISITOR_BACKEND
from tests.catalog.factories import make_shop
from tests.factories import member

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8


@pytest.fixture
def pages(cooperative, alliance) -> dict[str, str]:
    shop = make_shop(cooperative)
    rice, lot = shop["rice"], shop["lot"]
    return {
        "catalogue": "/catalogue/",
        "catalogue, search and filters": "/catalogue/?search=gao+st25&province=91&certificate=vietgap&ocop_min=3",
        "product": f"/products/{rice.pk}/",
        "storefront": f"/cooperatives/{cooperative.pk}/",
        "trace": f"/trace/{lot.public_id}/",
    }


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "buyer"])
@pytest.mark.parametrize("page", ["catalogue", "catalogue, search and filters", "product", "storefront", "trace"])
def test_each_public_page_runs_at_most_eight_queries(pages, page, signed_in, buyer, django_assert_max_num_queries):
    client = Client()
    if signed_in:
        client.force_login(member(buyer))
    cache.clear()
    for state in ("cold", "warm"):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(pages[page])
        assert response.status_code == 200, (page, state)


def _signed_in(organisation) -> Client:
    client = Client()
    client.force_login(member(organisation), backend=VISITOR_BACKEND)
    return client


# A signed-in buyer's pages pay for their session and their visitor (the user with their memberships, organisations
# and bell): one statement each, on top of the anonymous visitor's (catalogue: the page, then the category tree
# and the facets when cold; product: none when kept, else its cooperative, the product and the category tree).
SIGNED_IN_QUERIES = {
    "catalogue": {"cold": 2 + 3, "warm": 2 + 1},
    "product": {"cold": 2 + 3, "warm": 2 + 0},
}


@pytest.mark.parametrize("page", list(SIGNED_IN_QUERIES))
def test_a_signed_in_buyers_page_runs_its_anonymous_queries_and_two_more(pages, page, buyer, django_assert_num_queries):
    client = _signed_in(buyer)
    cache.clear()
    for state in ("cold", "warm"):
        with django_assert_num_queries(SIGNED_IN_QUERIES[page][state]):
            response = client.get(pages[page])
        assert response.status_code == 200, (page, state)
        assert b'id="notification-bell"' in response.content


def test_a_buyers_product_page_renders_no_template_once_kept(pages, buyer, cooperative):
    """Its shell is the buyers' kept one (frontend.shell) and its personal parts are written (the cart's box at the
    minimum order, their token): as the partials would render them (tests/frontend/test_product_content.py)."""
    client = _signed_in(buyer)
    client.get(pages["product"])

    response = client.get(pages["product"])

    assert response.templates == []
    html = response.content.decode()
    assert 'class="quote-form stack add-to-cart" method="post" action="/cart/"' in html
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert tokens
    assert {_unmask_cipher_token(token) for token in tokens} == {secret}
    owner = _signed_in(cooperative).get(pages["product"]).content.decode()  # the cooperative's: its "manage" link
    assert 'data-action="edit"' in owner
    assert 'data-action="edit"' not in html
