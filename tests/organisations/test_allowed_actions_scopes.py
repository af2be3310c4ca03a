"""`allowed_actions` through an API token lists only what the token's scopes let it do: an action whose
operation would answer 403 missing_scope is not offered. Sessions are limited by role alone."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from catalog.policy import CERTIFICATE_POLICY, LOT_POLICY, PRODUCT_POLICY
from linkage.policy import CALL_OFF_POLICY, CONTRACT_POLICY, DISPUTE_POLICY, FORCE_MAJEURE_POLICY
from market.organisations import services
from market.organisations.models import ApiScope, Organisation, Role, User
from market.organisations.permissions import Actor
from market.organisations.policy import Policy
from orders.policy import BALANCE_POLICY, ORDER_POLICY, QUOTE_POLICY, RFQ_POLICY
from tests.catalog.factories import actor_for, make_product
from tests.factories import member
from tests.orders.factories import only_order, place, stocked_product

pytestmark = pytest.mark.django_db


def bearer(organisation: Organisation, user: User, scopes: set[ApiScope]) -> APIClient:
    actor = Actor(user=user, organisation=organisation, role=Role.OWNER)
    _token, secret = services.api_token_create(actor=actor, name="ERP", scopes=frozenset(scopes), expires_on=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def actions(client: APIClient, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return set(response.json()["allowed_actions"])


def test_a_seller_token_that_may_only_read_orders_is_offered_no_fulfilment(buyer, cooperative):
    order = only_order(place(actor_for(buyer), [(stocked_product(cooperative), "100")]))
    owner = member(cooperative, Role.OWNER)
    url = f"/api/v1/orders/{order.pk}/"
    assert "confirm" not in actions(bearer(cooperative, owner, {ApiScope.ORDERS_READ}), url)
    assert "confirm" in actions(bearer(cooperative, owner, {ApiScope.ORDERS_READ, ApiScope.ORDERS_FULFIL}), url)
    # And a session, limited by role alone, is offered it.
    session = APIClient()
    session.force_login(owner)
    assert "confirm" in actions(session, url)


def test_a_buyer_token_without_orders_place_is_not_offered_cancel(buyer, cooperative):
    order = only_order(place(actor_for(buyer), [(stocked_product(cooperative), "100")]))
    owner = member(buyer, Role.OWNER)
    url = f"/api/v1/orders/{order.pk}/"
    read_only = bearer(buyer, owner, {ApiScope.ORDERS_READ})
    assert "cancel" not in actions(read_only, url)
    assert read_only.post(f"/api/v1/orders/{order.pk}/cancel/").status_code == 403  # what the list now matches
    assert "cancel" in actions(bearer(buyer, owner, {ApiScope.ORDERS_READ, ApiScope.ORDERS_PLACE}), url)


def test_a_catalogue_reader_is_not_offered_edits_nor_a_lot(cooperative):
    product = make_product(cooperative)
    owner = member(cooperative, Role.OWNER)
    url = f"/api/v1/products/{product.pk}/"
    assert actions(bearer(cooperative, owner, {ApiScope.CATALOGUE_READ}), url) == set()
    writer = actions(bearer(cooperative, owner, {ApiScope.CATALOGUE_READ, ApiScope.CATALOGUE_WRITE}), url)
    assert "edit" in writer
    assert "add_lot" not in writer
    assert "add_lot" in actions(bearer(cooperative, owner, {ApiScope.CATALOGUE_READ, ApiScope.LOTS}), url)


def _post_views() -> dict[str, Any]:
    """URL name (namespace:name) -> view class, for every route of the API."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, Any]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}:{entry.name}", getattr(entry.callback, "view_class", None)

    return dict(walk(get_resolver().url_patterns, ""))


SCOPED: list[tuple[str, Policy[Any, Any]]] = [
    ("orders:order", ORDER_POLICY),
    ("orders:order", BALANCE_POLICY),
    ("orders:rfq", RFQ_POLICY),
    ("orders:quote", QUOTE_POLICY),
    ("catalog:product", PRODUCT_POLICY),
    ("catalog:lot", LOT_POLICY),
    ("catalog:certificate", CERTIFICATE_POLICY),
    ("linkage:contract", CONTRACT_POLICY),
    ("linkage:call-off", CALL_OFF_POLICY),
    ("linkage:force-majeure", FORCE_MAJEURE_POLICY),
    ("linkage:dispute", DISPUTE_POLICY),
]


def test_each_policy_action_names_the_scope_its_verb_endpoint_requires():
    """The policy's scope table and the views' `required_scopes` are one truth: where an action has its own
    verb endpoint (`order-confirm` for confirm), both name the same scope."""
    views = _post_views()
    compared = 0
    for prefix, policy in SCOPED:
        assert set(policy.scopes) == set(policy.declared), prefix
        for action, scope in policy.scopes.items():
            view = views.get(f"{prefix}-{action.value.replace('_', '-')}")
            if view is None:
                continue
            assert view.required_scopes["POST"] == scope, (prefix, action)
            compared += 1
    assert compared >= 25


def test_every_policy_names_a_scope_for_each_of_its_actions():
    """A policy without its scope table would offer a token actions its scopes refuse. Every policy module is
    imported by the URLconf; the policies are read from the project's own modules (not from the garbage
    collector, which also holds the example policies of other test modules run in the same process)."""
    get_resolver().url_patterns  # noqa: B018  (imports every app's api, hence its policies)
    project = ("market.", "catalog.", "orders.", "fairs.", "linkage.", "frontend.")
    policies = {
        id(value): value
        for name, module in list(sys.modules.items())
        if name.startswith(project) and module is not None
        for value in vars(module).values()
        if isinstance(value, Policy)
    }.values()
    assert len(policies) >= 25
    for policy in policies:
        assert set(policy.scopes) == set(policy.declared), policy.declared
