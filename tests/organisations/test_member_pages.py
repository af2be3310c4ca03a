"""The members page as its users use it: odd input, double clicks, only the choices the service accepts."""

from __future__ import annotations

import pytest
from django.test import Client

from market.organisations.models import Invitation, User

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_address_too_long_for_an_account_is_refused_at_its_field_with_what_was_typed(coop_owner):
    address = "a" * 300 + "@htx.example"
    response = logged_in(coop_owner).post("/organisation/members/", {"email": address, "role": "staff"})
    assert response.status_code == 400
    assert "254" in response.content.decode()
    assert response.context["invite_form"]["email"].value() == address
    assert not Invitation.objects.exists()
