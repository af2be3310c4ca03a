"""Conditional GET on the public pages (frontend.conditional): a browser that kept a page is answered 304
without a render while nothing the page shows has changed, and in full as soon as a service changes it."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone

from catalog import services
from catalog.models import TraceEventKind
from market.core.security import validated_nonce
from market.notifications.models import Channel
from market.notifications.services import notify
from tests.catalog.factories import actor_for, make_certificate, make_lot, make_product, tier_specs
from tests.factories import member

pytestmark = pytest.mark.django_db

NONCE_IN_BODY = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def shop(cooperative, alliance):
    rice = make_product(cooperative, name="Gạo ST25 Tân Hiệp", gtin="8935049500018")
    honey = make_product(cooperative, name="Mật ong U Minh", category="mat-ong", moq="10", order_multiple="1",
                         tiers=[("10", 290000)])  # fmt: skip
    lot = make_lot(rice)
    return {"rice": rice, "honey": honey, "lot": lot, "cooperative": cooperative}


def _paths(shop) -> dict[str, str]:
    return {
        "catalogue": "/catalogue/?search=gao&in_stock=1",
        "product": f"/products/{shop['rice'].pk}/",
        "trace": f"/trace/{shop['lot'].public_id}/",
        "digital link": f"/01/{shop['rice'].gtin}/10/{shop['lot'].code}",
    }


PAGES = ["catalogue", "product", "trace", "digital link"]


def _revalidate(client: Client, path: str, etag: str, method: str = "get"):
    return getattr(client, method)(path, HTTP_IF_NONE_MATCH=etag)


@pytest.mark.parametrize("page", PAGES)
def test_a_kept_page_is_answered_304_with_the_headers_of_its_200(shop, page):
    client = Client()
    path = _paths(shop)[page]
    first = client.get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert "private" in first["Cache-Control"]
    assert "no-cache" in first["Cache-Control"]
    assert {"Cookie", "HX-Request"} <= {v.strip() for v in first["Vary"].split(",")}

    again = _revalidate(client, path, etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == first["Cache-Control"]
    assert {"Accept-Encoding", "Cookie", "HX-Request"} <= {v.strip() for v in again["Vary"].split(",")}
    # The body the browser kept and the 304's policy (which replaces the kept one) hold one nonce.
    kept_nonce = NONCE_IN_BODY.search(first.content.decode())
    assert kept_nonce is not None
    assert f"'nonce-{kept_nonce.group(1)}'" in again["Content-Security-Policy"]
    assert kept_nonce.group(1) == validated_nonce(etag)


def test_each_render_masks_the_csrf_token_afresh_under_one_etag(shop):
    """The BREACH defence stays: two 200s with one ETag carry differently masked tokens of one secret."""
    client = Client()
    path = _paths(shop)["product"]
    first, second = client.get(path), client.get(path)
    assert first["ETag"] == second["ETag"]
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(first.content.decode()).group(1) != token.search(second.content.decode()).group(1)


def test_head_answers_like_get(shop):
    client = Client()
    path = _paths(shop)["product"]
    etag = client.get(path)["ETag"]
    head = client.head(path)
    assert head.status_code == 200
    assert head["ETag"] == etag
    assert _revalidate(client, path, etag, "head").status_code == 304


def test_a_page_of_another_visitor_is_not_revalidated(shop):
    """The ETag covers the CSRF secret: another browser (or this one after losing its cookie) gets the page
    in full, with a token of its own secret, never a 304 to someone else's kept page."""
    path = _paths(shop)["product"]
    etag = Client().get(path)["ETag"]
    stranger = Client()
    answer = _revalidate(stranger, path, etag)
    assert answer.status_code == 200
    assert answer["ETag"] != etag
    assert settings.CSRF_COOKIE_NAME in answer.cookies
    # The cookie it set is the one its ETag was computed with: the next visit revalidates.
    assert _revalidate(stranger, path, answer["ETag"]).status_code == 304


def test_language_and_who_asks_change_the_etag(shop, buyer):
    path = _paths(shop)["product"]
    client = Client()
    vietnamese = client.get(path)["ETag"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _revalidate(client, path, vietnamese)
    assert english.status_code == 200
    assert english["Content-Language"] == "en"
    assert english["ETag"] != vietnamese

    etags = {english["ETag"]}
    for organisation in (buyer, shop["cooperative"]):
        signed_in = Client()
        signed_in.cookies = client.cookies  # the same browser, signing in as each
        signed_in.force_login(member(organisation))
        answer = _revalidate(signed_in, path, english["ETag"])
        assert answer.status_code == 200
        etags.add(answer["ETag"])
    assert len(etags) == 3


def test_an_htmx_part_has_its_own_etag(shop):
    client = Client()
    path = _paths(shop)["catalogue"]
    full = client.get(path)["ETag"]
    part = client.get(path, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=full)
    assert part.status_code == 200
    assert part["ETag"] != full
    assert client.get(path, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=part["ETag"]).status_code == 304


def _owner(shop):
    return actor_for(shop["cooperative"])


def change_price(shop) -> None:
    services.product_price_tiers_set(actor=_owner(shop), product_id=shop["rice"].pk, tiers=tier_specs([("100", 31000)]))


def sell_some(shop) -> None:
    """An order takes 10 kg: the lot is not emptied, so no catalogue-wide bump; the product's own version moves."""
    services.lot_stock_take(lot=shop["lot"], quantity=Decimal("10"), reference="DH-1")


def certify(shop) -> None:
    make_certificate(shop["cooperative"], kind="ocop", ocop_stars=4, products=[shop["rice"]], number="OCOP-9")


def record_shipment(shop) -> None:
    services.trace_event_add(
        actor=_owner(shop),
        lot_id=shop["lot"].pk,
        kind=TraceEventKind.SHIPMENT,
        occurred_at=timezone.now() - timedelta(hours=1),
        description="Giao cho Công ty Mua hàng",
    )


CHANGES = {
    "a price": (change_price, ["catalogue", "product"]),
    "the stock": (sell_some, ["product"]),
    "a certificate": (certify, ["catalogue", "product", "trace", "digital link"]),
    "a trace event": (record_shipment, ["trace", "digital link"]),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_through_a_service_ends_the_304s_of_the_pages_that_show_it(shop, change):
    write, shown_on = CHANGES[change]
    client = Client()
    paths = _paths(shop)
    before = {page: client.get(path)["ETag"] for page, path in paths.items()}
    write(shop)
    for page in shown_on:
        answer = _revalidate(client, paths[page], before[page])
        assert answer.status_code == 200, (change, page)
        assert answer["ETag"] != before[page]


def test_a_write_elsewhere_keeps_a_product_page_valid(shop):
    """Stock sold of one product leaves the other product's page as it was (the per-object version)."""
    client = Client()
    path = f"/products/{shop['honey'].pk}/"
    etag = client.get(path)["ETag"]
    sell_some(shop)
    assert _revalidate(client, path, etag).status_code == 304


def test_the_unread_bell_is_part_of_a_signed_in_page(shop, buyer):
    user = member(buyer)
    client = Client()
    client.force_login(user)
    path = _paths(shop)["product"]
    etag = client.get(path)["ETag"]
    assert _revalidate(client, path, etag).status_code == 304
    with transaction.atomic():
        notify(
            kind="organisations.verified",
            recipients=[user],
            context={"organisation_id": buyer.pk, "organisation_name": buyer.name, "is_seller": False},
            object_ref=buyer,
            channels=[Channel.IN_APP],
        )
    assert _revalidate(client, path, etag).status_code == 200


def test_waiting_messages_are_shown_by_a_full_page(shop, buyer):
    """A message appears once, in the next page rendered, never in a 304 that has no body: a buyer whose
    "add to cart" is refused twice is sent back to the same product URL, and sees why each time."""
    client = Client()
    client.force_login(member(buyer))
    product = shop["rice"]
    refused = {"action": "add", "product": product.pk, "quantity": "5", "next": f"/products/{product.pk}/"}
    etag = None
    for _attempt in range(2):
        back = client.post("/cart/", refused)
        assert back.status_code == 302
        page = client.get(back["Location"], **({"HTTP_IF_NONE_MATCH": etag} if etag else {}))
        assert page.status_code == 200
        assert 'class="notice error"' in page.content.decode()
        etag = client.get(back["Location"])["ETag"]  # the same page, with no message waiting now
    assert client.get(back["Location"], HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_refused_query_has_no_etag(shop):
    answer = Client().get("/catalogue/?price_min=abc")
    assert answer.status_code == 400
    assert "ETag" not in answer
