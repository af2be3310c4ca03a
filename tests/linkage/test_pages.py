"""The contract pages: who sees what, what the forms store (typed as people in Vietnam type), and the
contract page's query count pinned whatever the number of deliveries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linkage.models import Delivery, LinkageContract
from market.organisations.models import Role
from tests.factories import member
from tests.linkage import factories

pytestmark = pytest.mark.django_db


def _login(client, organisation, role=Role.OWNER):
    user = member(organisation, role)
    client.force_login(user)
    return user


def _deliver(contract: LinkageContract, count: int) -> None:
    for index in range(count):
        call = factories.dispatch(factories.call_off(contract, "1000", days=1 + index % 30))
        factories.weigh(call, "1000", moisture="15", impurities="1", unfilled="1")


def _page_queries(client, contract: LinkageContract) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("frontend:linkage-contract", args=[contract.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_contract_page_with_100_deliveries_has_a_pinned_query_count(client, contract):
    _login(client, contract.buyer)
    _deliver(contract, 2)
    few = _page_queries(client, contract)
    _deliver(contract, 98)
    assert Delivery.objects.filter(contract=contract).count() == 100
    many = _page_queries(client, contract)
    assert few == many == 20
