"""The API's public product and lot trace reads remember their bodies by ETag in the process
(catalog.api.public, market.core.remembered): asked again under the same ETag, an anonymous GET is answered with
the same bytes and headers without a statement; any change the versions see makes it afresh; errors and other
languages are never answered with another answer's body."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.cache import Watched, object_changed
from catalog.models import Product
from tests.catalog.factories import make_product
from tests.catalog.test_public_round_trips import renamed_is_seen_only_once_versions_move

pytestmark = pytest.mark.django_db


def _paths(shop) -> dict[str, str]:
    return {
        "product": f"/api/v1/products/{shop['rice'].pk}/",
        "trace": f"/api/v1/trace/{shop['lot'].public_id}/",
    }


BUMPS = {
    "product": lambda shop: object_changed(Watched.PRODUCT, [shop["rice"].pk]),
    "trace": lambda shop: object_changed(Watched.LOT, [shop["lot"].public_id]),
}
PER_REQUEST = ("X-Request-ID",)  # market.core.logging: each request's own


def _answer(response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = [(name, value) for name, value in response.headers.items() if name not in PER_REQUEST]
    return response.status_code, response.content, headers


@pytest.mark.parametrize("name", sorted(BUMPS))
def test_asked_again_the_same_bytes_and_headers_come_without_a_statement(
    shop, name, django_assert_num_queries, redis_calls
):
    path, client = _paths(shop)[name], Client()
    first = client.get(path)
    assert first.status_code == 200
    redis_calls.clear()
    with django_assert_num_queries(0):
        again = client.get(path)
    assert len(redis_calls) == 1  # the throttle's count and the versions, as before
    assert _answer(again) == _answer(first)


@pytest.mark.parametrize("name", sorted(BUMPS))
def test_a_change_the_versions_see_is_answered_afresh(shop, name):
    """A product renamed behind the services' back is not seen until its versions move, as with a 304; once they
    move, the body is made again."""
    renamed_is_seen_only_once_versions_move(shop, _paths(shop)[name], BUMPS[name])


@pytest.mark.parametrize("name", sorted(BUMPS))
def test_each_language_is_answered_with_its_own_body(shop, name):
    Product.objects.filter(pk=shop["rice"].pk).update(name_en="ST25 fragrant rice")
    path, client = _paths(shop)[name], Client()
    vietnamese = client.get(path, headers={"accept-language": "vi"}).json()
    english = client.get(path, headers={"accept-language": "en"}).json()
    names = {"product": lambda body: body["name"], "trace": lambda body: body["product"]["name"]}[name]
    assert (names(vietnamese), names(english)) == ("Gạo ST25 Tân Hiệp", "ST25 fragrant rice")
    assert client.get(path, headers={"accept-language": "vi"}).json() == vietnamese


def test_a_missing_product_is_looked_for_each_time(cooperative, django_assert_num_queries):
    draft = make_product(cooperative, name="Gạo nháp", publish=False)
    client = Client()
    for _ in range(2):
        with django_assert_num_queries(1):  # the public product's statement
            assert client.get(f"/api/v1/products/{draft.pk}/").status_code == 404


@pytest.mark.parametrize("name", sorted(BUMPS))
def test_with_no_bodies_remembered_each_answer_is_read_afresh(shop, name, settings, django_assert_num_queries):
    """API_REMEMBERED_BODIES=0 turns it off, as the bench's yardstick does (bench/settings.py PAGE_CACHE_SETTINGS)."""
    settings.API_REMEMBERED_BODIES = 0
    path, client = _paths(shop)[name], Client()
    first = client.get(path)
    with django_assert_num_queries(1):
        again = client.get(path)
    assert _answer(again) == _answer(first)
