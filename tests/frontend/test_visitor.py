"""The signed-in visitor of a page (frontend.visitor): the user, their memberships and their unread bell are
read in one query and shared by the actor, the organisation switcher and the bell."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from market.organisations.models import Membership, Role, User
from tests.factories import member, unread_notifications

pytestmark = pytest.mark.django_db


def _read_by(sql: str) -> set[str]:
    return {t for t in ("organisations_membership", "notifications_notification") if f'"{t}"' in sql}


def test_the_actor_the_switcher_and_the_bell_come_from_one_read(buyer, cooperative):
    user = member(buyer, Role.MANAGER)
    Membership.objects.create(user=user, organisation=cooperative, role=Role.STAFF)
    unread_notifications(user, buyer, 3)
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/design/").content.decode()
    # The session, then the user's memberships joined to the user, with the unread count read along.
    sql = [q["sql"] for q in queries.captured_queries]
    assert '"django_session"' in sql[0]
    assert _read_by(sql[1]) == {"organisations_membership", "notifications_notification"}
    assert '"organisations_user"' in sql[1]
    assert not any(_read_by(later) for later in sql[2:])
    assert 'class="bell-count" aria-hidden="true">3<' in html
    assert buyer.name in html  # the switcher lists both
    assert cooperative.name in html


def test_the_acting_organisation_is_the_one_chosen_and_else_the_oldest(buyer, cooperative):
    user = member(cooperative, Role.STAFF)
    Membership.objects.create(user=user, organisation=buyer, role=Role.OWNER)
    user.acting_organisation = buyer
    user.save(update_fields=["acting_organisation"])
    client = Client()
    client.force_login(user)
    assert client.get("/design/").context["actor"].organisation == buyer
    user.acting_organisation = None
    user.save(update_fields=["acting_organisation"])
    actor = client.get("/design/").context["actor"]
    assert (actor.organisation, actor.role) == (cooperative, Role.STAFF)  # joined first


def test_a_user_of_no_organisation_is_read_with_their_bell(buyer):
    user = member(buyer)
    Membership.objects.filter(user=user).delete()
    unread_notifications(user, buyer, 2)
    client = Client()
    client.force_login(user)
    response = client.get("/design/")
    actor = response.context["actor"]
    assert actor.is_authenticated
    assert actor.organisation is None
    assert 'class="bell-count" aria-hidden="true">2<' in response.content.decode()


def test_a_session_of_the_model_backend_is_still_served(buyer):
    """Sessions stored before (or by the admin's login) name ModelBackend: the page reads what it needs."""
    user = member(buyer)
    unread_notifications(user, buyer, 1)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/design/")
    assert response.context["actor"].organisation == buyer
    assert 'class="bell-count" aria-hidden="true">1<' in response.content.decode()


def test_the_login_page_stores_the_visitor_backend(buyer):
    user = member(buyer, email="lan@example.com")
    user.set_password("mật-khẩu-dài-123")
    user.save()
    client = Client()
    response = client.post("/login/", {"username": "lan@example.com", "password": "mật-khẩu-dài-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "frontend.visitor.VisitorBackend"
    wrong = Client().post("/login/", {"username": "lan@example.com", "password": "sai"})
    assert wrong.status_code == 200  # ModelBackend checked it and refused


def test_a_revoked_membership_and_a_deactivated_user_take_effect_at_the_next_request(buyer, cooperative):
    user = member(buyer)
    Membership.objects.create(user=user, organisation=cooperative, role=Role.STAFF)
    client = Client()
    client.force_login(user, backend="frontend.visitor.VisitorBackend")
    assert client.get("/design/").context["actor"].organisation == buyer

    Membership.objects.filter(user=user, organisation=buyer).delete()
    actor = client.get("/design/").context["actor"]
    assert (actor.organisation, actor.role) == (cooperative, Role.STAFF)

    User.objects.filter(pk=user.pk).update(is_active=False)
    assert not client.get("/design/").context["actor"].is_authenticated
