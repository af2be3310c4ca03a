"""Login throttling counted failures per e-mail + address only, so one address could try one password on
many accounts. Failures from one address over all e-mails are limited too (LOGIN_ADDRESS_FAILURE_LIMIT)."""

import pytest
from django.test import Client, override_settings

from market.organisations.models import Role
from tests.factories import TEST_PASSWORD, member

pytestmark = pytest.mark.django_db


def _login(client: Client, email: str, password: str, address: str):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=4, AXES_FAILURE_LIMIT=5)
def test_one_password_tried_on_many_accounts_from_one_address_is_stopped(cooperative):
    people = [member(cooperative, Role.STAFF, email=f"nguoi{n}@test.example") for n in range(5)]
    client = Client()
    for person in people[:4]:  # once each: the per-e-mail limit never trips
        assert _login(client, person.email, "Matkhau123!", "203.0.113.7").status_code == 200
    refused = _login(client, people[4].email, TEST_PASSWORD, "203.0.113.7")
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not held back by this one's failures.
    assert _login(Client(), people[4].email, TEST_PASSWORD, "198.51.100.20").status_code == 302


@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=4)
def test_fewer_failures_than_the_limit_and_blank_forms_do_not_stop_an_address(cooperative):
    person = member(cooperative, Role.STAFF, email="mot@test.example")
    client = Client()
    for _ in range(3):
        _login(client, "khong-co@test.example", "sai", "203.0.113.8")
    for _ in range(5):
        client.post("/login/", {}, REMOTE_ADDR="203.0.113.8")
    assert _login(client, person.email, TEST_PASSWORD, "203.0.113.8").status_code == 302
