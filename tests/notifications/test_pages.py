"""Pages: the inbox and the bell, preferences, and the staff delivery log, resend and template previews."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from market.core.models import AuditEvent
from market.notifications.models import Channel, ChannelPreference, Notification, NotificationSettings, Status
from market.notifications.registry import registered_kinds
from market.notifications.services import notify
from market.organisations.models import Role
from tests.factories import OrganisationFactory, member
from tests.forms import once_key

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


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


def bell_count(html: str) -> str:
    start = html.index('id="notification-bell"')
    chunk = html[start : html.index("</a>", start)]
    if "bell-count" not in chunk:
        return "0"
    return chunk.split('class="bell-count" aria-hidden="true">')[1].split("<")[0]


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences/", "/staff/notifications/"])
def test_private_pages_send_anonymous_to_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_bell_counts_and_the_inbox_marks_read(coop_owner, cooperative):
    for i in range(3):
        tell(coop_owner, cooperative, occurrence=str(i))
    client = logged_in(coop_owner)
    assert bell_count(client.get("/dashboard/").content.decode()) == "3"

    inbox = client.get("/notifications/").content.decode()

    assert inbox.count('class="inbox-item unread"') == 3  # shown as new this time ...
    assert f"{cooperative.name} đã được Liên minh HTX xác minh." in inbox
    assert bell_count(inbox) == "0"  # ... and read from now on
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert 'class="inbox-item unread"' not in client.get("/notifications/").content.decode()


def test_the_inbox_speaks_the_readers_language(coop_owner, cooperative):
    tell(coop_owner, cooperative)
    coop_owner.language = "en"
    coop_owner.save()
    page = logged_in(coop_owner).get("/notifications/").content.decode()
    assert f"{cooperative.name} was verified by the cooperative alliance." in page


def test_the_inbox_pages_back_and_marks_all_read(coop_owner, cooperative):
    for i in range(35):
        tell(coop_owner, cooperative, occurrence=str(i))
    client = logged_in(coop_owner)
    page = client.get("/notifications/").content.decode()
    assert page.count("inbox-item") == 30
    assert "Thông báo cũ hơn" in page
    assert Notification.objects.filter(read_at__isnull=True).count() == 5
    sixth_oldest = Notification.objects.order_by("id")[5].pk
    older = client.get(f"/notifications/?before={sixth_oldest}").content.decode()
    assert older.count("inbox-item") == 5

    client.post("/notifications/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_opening_one_marks_it_read_and_follows_its_link(coop_owner, cooperative):
    tell(coop_owner, cooperative)
    row = Notification.objects.get()
    response = logged_in(coop_owner).get(f"/notifications/{row.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/organisation/")
    row.refresh_from_db()
    assert row.read_at is not None


def test_someone_elses_notification_is_not_found(coop_owner, coop_staff, cooperative):
    tell(coop_owner, cooperative)
    row = Notification.objects.get()
    assert logged_in(coop_staff).get(f"/notifications/{row.pk}/open/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_the_bell_alone_for_htmx(coop_owner, cooperative):
    tell(coop_owner, cooperative)
    assert Client().get("/notifications/bell/").status_code == 204
    html = logged_in(coop_owner).get("/notifications/bell/", HTTP_HX_REQUEST="true").content.decode()
    assert bell_count(html) == "1"
    assert 'hx-trigger="every 60s' in html


def test_preferences_are_saved_and_used(coop_owner, cooperative):
    client = logged_in(coop_owner)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="account__email" id="id_account__email" checked' in page
    assert 'name="account__zalo" id="id_account__zalo" disabled' in page  # Zalo is not configured here

    response = client.post(
        "/notifications/preferences/",
        {"orders__in_app": "on", "orders__email": "on", "account__in_app": "on", "account__zalo": "on",
         "daily_digest": "on"},
    )  # fmt: skip

    assert response.status_code == 302
    saved = dict(((p.group, p.channel), p.enabled) for p in ChannelPreference.objects.filter(user=coop_owner))
    assert saved[("account", "email")] is False
    assert saved[("orders", "email")] is True
    assert ("account", "zalo") not in saved  # a disabled channel cannot be switched on by a crafted form
    assert NotificationSettings.objects.get(user=coop_owner).daily_digest is True
    assert AuditEvent.objects.filter(action="notifications.preferences_updated").count() == 1
    tell(coop_owner, cooperative, channels=(Channel.IN_APP, Channel.EMAIL))
    assert list(Notification.objects.values_list("channel", flat=True)) == [Channel.IN_APP]


# --- staff ---------------------------------------------------------------------------------------
@pytest.fixture
def failed_row(cooperative):
    user = member(cooperative, Role.OWNER)
    with transaction.atomic():
        notify(
            kind="organisations.invitation",
            recipients=[user],
            context={"inviting_organisation": "HTX A", "inviter_name": "B", "role": "staff",
                     "accept_url": "http://127.0.0.1:8000/invitations/very-secret-token/", "expires_on": "2026-03-23"},
            object_ref=cooperative,
            channels=[Channel.EMAIL],
        )  # fmt: skip
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(
        status=Status.FAILED, attempts=1, last_error="recipient refused: 550 5.1.1 Mailbox unavailable"
    )
    return row


def test_only_alliance_staff_see_deliveries(coop_owner, failed_row):
    assert logged_in(coop_owner).get("/staff/notifications/").status_code == 403
    assert logged_in(coop_owner).get(f"/staff/notifications/{failed_row.pk}/").status_code == 403
    assert logged_in(coop_owner).post(f"/staff/notifications/{failed_row.pk}/resend/").status_code == 403
    failed_row.refresh_from_db()
    assert failed_row.status == Status.FAILED
    assert logged_in(coop_owner).get("/staff/notifications/templates/").status_code == 403


def test_the_delivery_log_filters_and_shows_failures(
    staff_user, failed_row, cooperative, django_assert_max_num_queries
):
    other = OrganisationFactory(name="HTX Không liên quan")
    other_owner = member(other, Role.OWNER)
    tell(other_owner, other, channels=(Channel.EMAIL,))
    client = logged_in(staff_user)

    with django_assert_max_num_queries(12):
        page = client.get("/staff/notifications/").content.decode()
    assert "550 5.1.1 Mailbox unavailable" in page
    assert page.count("<tr>") == 3  # header + two rows

    problems = client.get("/staff/notifications/?tab=problems").content.decode()
    assert problems.count("<tr>") == 2
    by_status = client.get("/staff/notifications/?status=pending").content.decode()
    assert other_owner.email in by_status
    assert "organisations.invitation" not in by_status.split("<tbody>")[1]
    by_search = client.get(f"/staff/notifications/?search={failed_row.recipient_user.email}").content.decode()
    assert by_search.count("<tr>") == 2
    by_kind = client.get("/staff/notifications/?kind=organisations.verified&channel=email").content.decode()
    assert other_owner.email in by_kind
    assert failed_row.recipient_user.email not in by_kind


def test_staff_see_a_delivery_without_its_secrets_and_resend_it(staff_user, failed_row):
    client = logged_in(staff_user)
    page = client.get(f"/staff/notifications/{failed_row.pk}/").content.decode()
    assert "550 5.1.1 Mailbox unavailable" in page
    assert "very-secret-token" not in page
    assert "Gửi lại" in page

    response = client.post(f"/staff/notifications/{failed_row.pk}/resend/")

    assert response.status_code == 302
    failed_row.refresh_from_db()
    assert (failed_row.status, failed_row.attempts_left) == (Status.PENDING, 10)
    assert AuditEvent.objects.filter(action="notification.resent", target_id=str(failed_row.pk)).exists()
    again = client.post(f"/staff/notifications/{failed_row.pk}/resend/", follow=True).content.decode()
    assert "Chỉ gửi lại được tin bị lỗi hoặc chưa xác nhận" in again


@pytest.mark.parametrize("language", ["vi", "en"])
def test_staff_preview_every_kind_in_both_languages(staff_user, language):
    client = logged_in(staff_user)
    listing = client.get("/staff/notifications/templates/").content.decode()
    for kind in registered_kinds():
        assert kind.name in listing
        page = client.get(f"/staff/notifications/templates/{kind.name}/?language={language}")
        assert page.status_code == 200, kind.name
        html = page.content.decode()
        assert f'src="/staff/notifications/templates/{kind.name}/email/?language={language}"' in html
        assert "notice error" not in html, kind.name
        email = client.get(f"/staff/notifications/templates/{kind.name}/email/?language={language}")
        assert email.status_code == 200, kind.name
        assert email["Content-Security-Policy"].endswith("; sandbox")  # its inline styles, and nothing else
        assert email["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get("/staff/notifications/templates/orders.nothing/").status_code == 404


def test_the_invitation_message_says_it_is_emailed(coop_owner):
    client = logged_in(coop_owner)
    key = once_key(client.get("/organisation/members/").content.decode())
    response = client.post(
        "/organisation/members/", {"email": "moi@test.example", "role": "staff", "once_key": key}, follow=True
    )
    assert "đang gửi e-mail đến moi@test.example" in response.content.decode()
    assert Notification.objects.filter(kind="organisations.invitation", recipient_address="moi@test.example").exists()


def test_the_delivery_log_says_which_problem_rows_are_safe_to_send_again(staff_user, failed_row, cooperative):
    """Failed: the provider never took it. Unconfirmed with the whole message handed over: a resend may
    duplicate it. Unconfirmed without (left by the relay that recorded the hand-over before the final "."):
    it may never have arrived."""
    from django.utils import timezone

    user = failed_row.recipient_user
    rows = []
    for occurrence, handed_over_at in (("whole", timezone.now()), ("earlier", None)):
        with transaction.atomic():
            notify(
                kind="organisations.verified",
                recipients=[user],
                context={"organisation_id": cooperative.pk, "organisation_name": cooperative.name, "is_seller": True},
                object_ref=cooperative,
                channels=[Channel.EMAIL],
                occurrence=occurrence,
            )
        row = Notification.objects.get(kind="organisations.verified", occurrence=occurrence)
        Notification.objects.filter(pk=row.pk).update(status=Status.UNCONFIRMED, handed_over_at=handed_over_at)
        rows.append(row)

    page = logged_in(staff_user).get("/staff/notifications/?tab=problems").content.decode()
    marks = {
        int(chunk.split("/", 1)[0]): chunk.split('data-resend="', 1)[1].split('"', 1)[0]
        for chunk in page.split('href="/staff/notifications/')[1:]
        if 'data-resend="' in chunk.split("</tr>", 1)[0]
    }
    assert marks == {failed_row.pk: "safe", rows[0].pk: "may_duplicate", rows[1].pk: "unknown"}
    assert "Gửi lại an toàn" in page
    detail = logged_in(staff_user).get(f"/staff/notifications/{rows[1].pk}/").content.decode()
    assert "có thể chưa bao giờ đến" in detail
