"""Issue #14's ceiling: each public page (the catalogue with and without a search and filters, a product, a
cooperative's storefront, a lot's trace page) runs at most eight SQL queries, from an empty cache or a warm one,
for an anonymous visitor and a signed-in buyer."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

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
