"""A cursor that cannot be read is a 400 naming the `cursor` parameter, not a 404 as if the list were missing
(found by tests/hostile/test_schemathesis.py)."""

import pytest
from django.test import Client

from market.organisations.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cursor", ["qRö\n", "bz14"])  # not ASCII; "o=x", an offset that is no number
def test_an_unreadable_cursor_is_a_400_naming_it(cooperative, cursor):
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
    response = client.get("/api/v1/certificates/", {"cursor": cursor}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"cursor": ["Invalid cursor"]}
