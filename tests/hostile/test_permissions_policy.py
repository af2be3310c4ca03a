"""No Permissions-Policy on any response: every response now says which browser features pages may use."""

import pytest
from django.test import Client

from market.core.security import PERMISSIONS_POLICY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/", "/catalogue/", "/login/", "/api/v1/products/", "/api/v1/orders/", "/no-such-page/", "/healthz"]
)
def test_every_response_carries_the_permissions_policy(path):
    response = Client().get(path)
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "microphone=()" in response["Permissions-Policy"]
    assert "camera=(self)" in response["Permissions-Policy"]
