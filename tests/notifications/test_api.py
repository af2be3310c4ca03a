"""API: the inbox (own entries only), preferences, and the staff delivery log with a permission matrix."""

from __future__ import annotations

import pytest
from django.db import transaction

from market.core.models import AuditEvent
from market.notifications.models import Channel, ChannelPreference, Notification, Status
from market.notifications.services import notify
from market.organisations.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "other_org_owner", "member_without_role", "member_with_role", "alliance_staff"]


def tell(user, organisation, *, channels=(Channel.IN_APP,), occurrence="") -> None:
    with transaction.atomic():
        notify(
            kind="organisations.verified",
            recipients=[user],
            context={"organisation_id": organisation.pk, "organisation_name": organisation.name, "is_seller": True},
            object_ref=organisation,
            channels=list(channels),
            occurrence=occurrence,
        )


def test_inbox_lists_only_my_entries_newest_first(
    api, coop_owner, coop_staff, cooperative, django_assert_max_num_queries
):
    for i in range(60):
        tell(coop_owner, cooperative, occurrence=str(i))
    tell(coop_staff, cooperative)
    client = api(coop_owner)

    with django_assert_max_num_queries(8):
        first = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert len(first["results"]) == 50
    entry = first["results"][0]
    assert entry["title"] == f"{cooperative.name} was verified by the cooperative alliance."
    assert (entry["link"], entry["group"], entry["read_at"]) == ("/organisation/", "account", None)
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 10
    ids = [e["id"] for e in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)
    assert not set(ids) & set(Notification.objects.filter(recipient_user=coop_staff).values_list("id", flat=True))
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 60}


def test_mark_read_one_and_all(api, coop_owner, coop_staff, cooperative):
    for i in range(3):
        tell(coop_owner, cooperative, occurrence=str(i))
    mine = Notification.objects.filter(recipient_user=coop_owner).first()

    assert api(coop_staff).post(f"/api/v1/notifications/{mine.pk}/mark-read/").status_code == 404
    response = api(coop_owner).post(f"/api/v1/notifications/{mine.pk}/mark-read/")
    assert response.status_code == 200
    assert response.json()["read_at"]
    assert api(coop_owner).get("/api/v1/notifications/?unread=true").json()["results"].__len__() == 2
    assert api(coop_owner).post("/api/v1/notifications/mark-all-read/").json() == {"marked": 2}
    assert api(coop_owner).get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_email_rows_are_not_inbox_entries(api, coop_owner, cooperative):
    tell(coop_owner, cooperative, channels=(Channel.EMAIL,))
    assert api(coop_owner).get("/api/v1/notifications/").json()["results"] == []


def test_preferences_read_and_replace(api, coop_owner):
    client = api(coop_owner)
    body = client.get("/api/v1/notifications/preferences/").json()
    assert body["daily_digest"] is False
    cells = {(p["group"], p["channel"]): p for p in body["preferences"]}
    assert cells[("orders", "email")] == {"group": "orders", "channel": "email", "enabled": True, "available": True}
    assert cells[("orders", "zalo")]["available"] is False

    response = client.put(
        "/api/v1/notifications/preferences/",
        {"daily_digest": True, "preferences": [{"group": "orders", "channel": "email", "enabled": False}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["daily_digest"] is True
    assert ChannelPreference.objects.get(user=coop_owner, group="orders", channel="email").enabled is False
    bad = client.put(
        "/api/v1/notifications/preferences/",
        {"daily_digest": False, "preferences": [{"group": "marketing", "channel": "email", "enabled": True}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "preferences.0.group" in bad.json()["error"]["fields"]


def test_anonymous_cannot_use_the_inbox(api):
    assert api(None).get("/api/v1/notifications/").status_code == 401
    assert api(None).get("/api/v1/notifications/preferences/").status_code == 401


@pytest.fixture
def world(cooperative, other_cooperative, alliance):
    owner = member(cooperative, Role.OWNER)
    users = {
        "anonymous": None,
        "other_org_owner": member(other_cooperative, Role.OWNER),
        "member_without_role": member(cooperative, Role.STAFF),
        "member_with_role": owner,
        "alliance_staff": member(alliance, Role.STAFF),
    }
    tell(owner, cooperative, channels=(Channel.EMAIL,))
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(status=Status.FAILED, last_error="550 refused")
    return users, row


# endpoint -> (method, path, expected for: anonymous, other org, member without role, member with role, staff)
MATRIX = {
    "deliveries": ("get", "/api/v1/notifications/deliveries/", (401, 403, 403, 403, 200)),
    "delivery": ("get", "/api/v1/notifications/deliveries/{row}/", (401, 403, 403, 403, 200)),
    "resend": ("post", "/api/v1/notifications/deliveries/{row}/resend/", (401, 403, 403, 403, 200)),
}


@pytest.mark.parametrize("endpoint", MATRIX)
@pytest.mark.parametrize("who", ACTORS)
def test_staff_endpoints_permission_matrix(api, world, endpoint, who):
    users, row = world
    method, path, expected = MATRIX[endpoint]
    before = (Notification.objects.get(pk=row.pk).status, AuditEvent.objects.count())
    response = getattr(api(users[who]), method)(path.format(row=row.pk))
    assert response.status_code == expected[ACTORS.index(who)], response.content
    if response.status_code >= 400:
        assert (Notification.objects.get(pk=row.pk).status, AuditEvent.objects.count()) == before


def test_staff_filter_deliveries_and_see_attempts(api, world, staff_user, django_assert_max_num_queries):
    users, row = world
    client = api(users["alliance_staff"])
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/notifications/deliveries/?problems=true&channel=email").json()
    assert [d["id"] for d in body["results"]] == [row.pk]
    assert body["results"][0]["last_error"] == "550 refused"
    assert client.get("/api/v1/notifications/deliveries/?status=sent").json()["results"] == []
    detail = client.get(f"/api/v1/notifications/deliveries/{row.pk}/").json()
    assert detail["context"]["organisation_name"]
    assert detail["delivery_attempts"] == []
    resent = client.post(f"/api/v1/notifications/deliveries/{row.pk}/resend/").json()
    assert resent["status"] == "pending"
    again = client.post(f"/api/v1/notifications/deliveries/{row.pk}/resend/")
    assert again.status_code == 409
