"""`GET /api/v1/invoices/export/?format=csv` answered 404: DRF read `format` as the name of one of its
renderers. The export's own `format` wins (regression guard: this already held when the test was written)."""

import pytest
from django.test import Client

from market.organisations.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "content_type"),
    [("?format=csv", "text/csv; charset=utf-8"), ("?format=json", "application/json"), ("", "application/json")],
)
def test_the_invoice_export_answers_in_the_format_asked(buyer, query, content_type):
    client = Client()
    client.force_login(member(buyer, Role.OWNER))
    response = client.get(f"/api/v1/invoices/export/{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == content_type
    if query == "?format=csv":
        assert response.content.decode("utf-8-sig").startswith("kind,symbol,number,")
