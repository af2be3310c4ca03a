"""The signed-in buyer's pages in the bench (bench/targets.py, bench/fixtures.py): each "-buyer" target asks what
its anonymous twin asks, with the Cookie of a session the login made, and the page it is given is a buyer's."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from django.test import Client

from bench.fixtures import signed_in_buyer_cookie
from bench.targets import pick_rotation, pick_subjects, resolve
from market.organisations.models import Membership, OrganisationKind
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

BUYER_TWINS = ("page-catalogue", "page-product", "page-product-cold")


@pytest.fixture
def catalogue() -> None:
    cooperative = OrganisationFactory()
    product = make_product(cooperative, name="Gạo ST25")
    make_certificate(cooperative, products=[product], number="VG-1")
    make_lot(product, code="LO-1")


def _client_fetch(path: str, headers: Mapping[str, str]) -> tuple[bytes, Mapping[str, str]]:
    response = Client().get(path, headers=dict(headers))
    return response.content, response.headers


def _cookies(header: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in header.split("; "))


def test_the_cookie_signs_in_the_owner_of_a_verified_buyer_acting_for_it():
    cookies = _cookies(signed_in_buyer_cookie())

    membership = Membership.objects.select_related("user", "organisation").get(user__email="page-buyer-0@bench.example")
    assert (membership.organisation.kind, membership.organisation.verification_status) == (
        OrganisationKind.BUYER,
        "verified",
    )
    assert membership.user.acting_organisation_id == membership.organisation_id
    client = Client()
    client.cookies.load(cookies)
    assert client.session["_auth_user_id"] == str(membership.user_id)
    assert client.session["_auth_user_backend"] == "frontend.visitor.VisitorBackend"
    assert set(cookies) == {"sessionid", "csrftoken"}
    assert _cookies(signed_in_buyer_cookie())["sessionid"] != cookies["sessionid"]  # a new session each time
    assert Membership.objects.filter(user__email="page-buyer-0@bench.example").count() == 1  # the buyer made once


def test_each_buyer_target_asks_its_anonymous_twins_paths_signed_in(catalogue):
    cookie = signed_in_buyer_cookie()
    targets = {
        t.key: t
        for t in resolve(
            fetch=_client_fetch,
            subjects=pick_subjects(),
            rotation=pick_rotation(),
            products=1,
            lot_token="not used",
            buyer_cookie=cookie,
            fair_slug=None,
        )
    }

    for key in BUYER_TWINS:
        anonymous, signed_in = targets[key], targets[f"{key}-buyer"]
        assert signed_in.paths == anonymous.paths, key
        assert signed_in.kept == anonymous.kept, key
        assert signed_in.headers == {"Cookie": cookie}, key
        assert not signed_in.skip, key
        assert not signed_in.cache_column, key
        assert "a signed-in buyer" in signed_in.title, key
        body, _headers = _client_fetch(signed_in.path, signed_in.headers)
        assert b'id="notification-bell"' in body, key  # the buyer's shell
        assert b'id="notification-bell"' not in _client_fetch(anonymous.path, anonymous.headers)[0], key
