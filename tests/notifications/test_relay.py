"""The relay against a real SMTP server on loopback: what arrives, retries, failures, crashes and races.

The relay runs in this process here (its Celery task is a thin wrapper, exercised with real workers in
test_worker_faults.py); messages are counted at the SMTP server."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from market.notifications.models import AttemptOutcome, Channel, DeliveryAttempt, Notification, Status
from market.notifications.relay import RelayStats, claim_batch, deliver_batch, recover_expired_leases, relay_outbox
from market.notifications.services import Address, notification_resend, notify
from market.organisations.models import Role
from market.organisations.permissions import Actor
from tests.factories import member
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db

VERIFIED = "organisations.verified"


def announce(organisation, **kwargs) -> None:
    with transaction.atomic():
        notify(
            kind=VERIFIED,
            recipients=kwargs.pop("recipients", [organisation]),
            context={"organisation_id": organisation.pk, "organisation_name": organisation.name, "is_seller": True},
            object_ref=organisation,
            channels=kwargs.pop("channels", [Channel.EMAIL]),
            **kwargs,
        )


def email_row(**filters) -> Notification:
    return Notification.objects.get(channel=Channel.EMAIL, **filters)


def outcomes(row: Notification) -> list[str]:
    return list(DeliveryAttempt.objects.filter(notification=row).order_by("number").values_list("outcome", flat=True))


def in_thread(function):
    """A thread's own database connection is closed when it ends, like a Celery task's."""

    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return run


@pytest.fixture
def smtp(smtp_server, settings):
    for name, value in smtp_server.settings().items():
        setattr(settings, name, value)
    return smtp_server


def test_each_member_gets_html_and_text_in_their_language(smtp, cooperative, settings):
    vi = member(cooperative, Role.OWNER, language="vi", full_name="Nguyễn Văn Hùng")
    en = member(cooperative, Role.STAFF, language="en", full_name="Anna Smith")
    announce(cooperative)

    stats = relay_outbox(worker="test")

    assert (stats.claimed, stats.sent) == (2, 2)
    by_address = {str(m["To"]): m for m in smtp.messages}
    assert set(by_address) == {vi.email, en.email}
    vietnamese, english = by_address[vi.email], by_address[en.email]
    assert str(vietnamese["Subject"]).strip() == f"{cooperative.name} đã được xác minh trên Market Link"
    assert str(english["Subject"]).strip() == f"{cooperative.name} is verified on Market Link"
    text = vietnamese.get_body(("plain",)).get_content()
    html = vietnamese.get_body(("html",)).get_content()
    assert "Xin chào Nguyễn Văn Hùng" in text
    assert "Liên minh HTX đã kiểm tra" in text
    assert f"{settings.SITE_URL}/organisation/" in text
    assert "Chọn những thông báo bạn muốn nhận" in text  # the footer, translated
    assert '<html lang="vi">' in html
    assert "Xem trang tổ chức" in html
    assert "Hello Anna Smith" in english.get_body(("html",)).get_content()
    row = email_row(recipient_user=vi)
    assert vietnamese["Message-ID"] == row.provider_message_id == f"<notification-{row.pk}@marketlink.local>"
    assert vietnamese["X-Market-Notification"] == str(row.pk)
    assert vietnamese["Auto-Submitted"] == "auto-generated"
    assert (row.status, row.attempts, row.claim_token != "", row.sent_at is not None) == (Status.SENT, 1, True, True)
    assert outcomes(row) == [AttemptOutcome.SENT]


def test_a_temporary_refusal_is_retried_with_backoff_and_jitter(smtp, cooperative, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    member(cooperative, Role.OWNER)
    announce(cooperative)
    smtp.rcpt_replies = ["451 4.3.0 Mailbox busy, try again later"]

    before = timezone.now()
    stats = relay_outbox(worker="test")

    row = email_row()
    assert (stats.retried, row.status, row.attempts) == (1, Status.PENDING, 1)
    assert "451" in row.last_error
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    assert relay_outbox(worker="test").claimed == 0  # not due yet
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())

    relay_outbox(worker="test")

    row.refresh_from_db()
    assert (row.status, row.attempts, smtp.count()) == (Status.SENT, 2, 1)
    assert outcomes(row) == [AttemptOutcome.RETRY, AttemptOutcome.SENT]


def test_a_refusal_after_the_whole_message_is_a_definite_answer_and_retried(smtp, cooperative, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0
    member(cooperative, Role.OWNER)
    announce(cooperative)
    smtp.data_replies = ["452 4.3.1 Insufficient system storage"]

    relay_outbox(worker="test")
    relay_outbox(worker="test")

    row = email_row()
    assert (row.status, smtp.count()) == (Status.SENT, 1)
    assert outcomes(row) == [AttemptOutcome.RETRY, AttemptOutcome.SENT]


def test_a_permanent_refusal_is_recorded_and_staff_can_resend(smtp, cooperative, staff_user, alliance):
    member(cooperative, Role.OWNER)
    announce(cooperative)
    smtp.rcpt_replies = ["550 5.1.1 Mailbox unavailable"]

    stats = relay_outbox(worker="test")

    row = email_row()
    assert (stats.failed, row.status, smtp.count()) == (1, Status.FAILED, 0)
    assert "550 5.1.1 Mailbox unavailable" in row.last_error
    assert outcomes(row) == [AttemptOutcome.FAILED]
    assert relay_outbox(worker="test").claimed == 0  # never retried on its own

    notification_resend(actor=Actor(user=staff_user, organisation=alliance, role=Role.STAFF), notification_id=row.pk)
    relay_outbox(worker="test")

    row.refresh_from_db()
    assert (row.status, row.attempts, smtp.count()) == (Status.SENT, 2, 1)


def test_an_unreachable_server_is_temporary(cooperative, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    member(cooperative, Role.OWNER)
    announce(cooperative)

    relay_outbox(worker="test")

    row = email_row()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert "SMTP server" in row.last_error


def test_attempts_run_out_and_the_row_fails(smtp, cooperative, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0
    member(cooperative, Role.OWNER)
    announce(cooperative)
    smtp.rcpt_replies = ["421 4.7.0 Too many connections"] * 3

    relay_outbox(worker="test")
    relay_outbox(worker="test")

    row = email_row()
    assert (row.status, row.attempts) == (Status.FAILED, 2)
    assert row.last_error.startswith("gave up after 2 attempts")


def test_a_worker_lost_before_the_hand_over_is_sent_again_once(smtp, cooperative):
    member(cooperative, Role.OWNER)
    announce(cooperative)
    [claimed] = claim_batch(worker="dead-worker", limit=10)  # ... and the worker dies here
    assert Notification.objects.get().status == Status.SENDING
    assert relay_outbox(worker="other").claimed == 0  # its lease still holds
    Notification.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    stats = relay_outbox(worker="other")

    row = email_row()
    assert (stats.recovered, stats.sent, row.status, row.attempts, smtp.count()) == (1, 1, Status.SENT, 2, 1)
    assert outcomes(row) == [AttemptOutcome.INTERRUPTED, AttemptOutcome.SENT]
    assert claimed.claim_token != row.claim_token


def test_a_worker_lost_after_the_hand_over_is_unconfirmed_not_resent(smtp, cooperative, staff_user, alliance):
    member(cooperative, Role.OWNER)
    announce(cooperative)
    claim_batch(worker="dead-worker", limit=10)
    # It handed the message over (the server may have it) and died before the answer.
    Notification.objects.update(status=Status.DELIVERING, lease_expires_at=timezone.now() - timedelta(seconds=1))

    stats = relay_outbox(worker="other")

    row = email_row()
    assert (stats.recovered, stats.claimed, row.status, smtp.count()) == (1, 0, Status.UNCONFIRMED, 0)
    assert "not sent again automatically" in row.last_error
    assert outcomes(row) == [AttemptOutcome.UNCONFIRMED]
    assert relay_outbox(worker="other").claimed == 0

    notification_resend(actor=Actor(user=staff_user, organisation=alliance, role=Role.STAFF), notification_id=row.pk)
    relay_outbox(worker="other")
    assert (email_row().status, smtp.count()) == (Status.SENT, 1)


def test_a_relay_whose_claim_was_taken_over_abandons_the_message(smtp, cooperative):
    member(cooperative, Role.OWNER)
    announce(cooperative)
    stale = claim_batch(worker="slow-worker", limit=10)
    Notification.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    relay_outbox(worker="other")  # recovers and sends it
    assert smtp.count() == 1

    stats = RelayStats()
    deliver_batch(stale, stats=stats, rng=None)  # the slow worker wakes up and tries

    assert (stats.skipped, stats.sent, smtp.count()) == (1, 0, 1)
    assert email_row().status == Status.SENT


@pytest.mark.django_db(transaction=True)
def test_a_late_answer_after_recovery_still_marks_it_sent(smtp, cooperative):
    member(cooperative, Role.OWNER)
    announce(cooperative)
    smtp.hold_after_data = threading.Event()
    worker = threading.Thread(target=in_thread(relay_outbox), kwargs={"worker": "slow"})
    worker.start()
    smtp.reached.wait(10)
    Notification.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert recover_expired_leases() == 1
    assert email_row().status == Status.UNCONFIRMED

    smtp.hold_after_data.set()
    worker.join(20)

    row = email_row()
    assert (row.status, smtp.count()) == (Status.SENT, 1)
    assert outcomes(row) == [AttemptOutcome.SENT]


@pytest.mark.django_db(transaction=True)
def test_relays_in_parallel_threads_never_send_a_row_twice(smtp, cooperative):
    addresses = [Address(email=f"nguoi-nhan-{i}@test.example") for i in range(120)]
    announce(cooperative, recipients=addresses)
    smtp.delay = 0.003
    results: list[RelayStats] = []
    start = threading.Barrier(4)

    def relay() -> None:
        start.wait()
        results.append(relay_outbox(worker=threading.current_thread().name, batch_size=5))

    threads = [threading.Thread(target=in_thread(relay), name=f"relay-{i}") for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    ids = smtp.notification_ids()
    assert len(ids) == len(set(ids)) == 120
    assert sum(r.sent for r in results) == 120
    assert Notification.objects.filter(status=Status.SENT).count() == 120
    assert sum(1 for r in results if r.sent) > 1, "the relays should have shared the work"
    assert Notification.objects.values("claimed_by").distinct().count() > 1


def test_the_invitation_link_is_blanked_once_sent_and_never_shown(smtp, cooperative, coop_owner):
    from market.organisations import services

    actor = Actor(user=coop_owner, organisation=cooperative, role=Role.OWNER)
    _invitation, token = services.invitation_create(
        actor=actor, organisation_id=cooperative.pk, email="moi@test.example", role=Role.STAFF
    )
    row = Notification.objects.get(kind="organisations.invitation")
    assert row.context["accept_url"].endswith(f"/invitations/{token}/")

    relay_outbox(worker="test")

    [message] = smtp.messages
    assert f"/invitations/{token}/" in message.get_body(("plain",)).get_content()
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.context["accept_url"] == ""


def test_a_kind_whose_templates_are_missing_fails_at_once(smtp, cooperative):
    from market.notifications import registry
    from market.notifications.models import Group
    from market.notifications.registry import NotificationKind, register_kind

    register_kind(NotificationKind(name="tests.missing", group=Group.ORDERS, label="x", template="notifications/none"))
    try:
        member(cooperative, Role.OWNER)
        with transaction.atomic():
            notify(
                kind="tests.missing", recipients=[cooperative], context={}, object_ref=cooperative, channels=["email"]
            )
        stats = relay_outbox(worker="test")
    finally:
        registry._KINDS.pop("tests.missing")
    row = email_row()
    assert (stats.failed, row.status, smtp.count()) == (1, Status.FAILED, 0)
    assert "missing template notifications/none/vi/subject.txt" in row.last_error


def test_a_broken_link_neither_blocks_the_message_nor_the_inbox(smtp, cooperative, client):
    from market.notifications import registry
    from market.notifications.models import Group
    from market.notifications.registry import NotificationKind, register_kind

    def broken_link(context):
        raise RuntimeError("a bug in the link")

    register_kind(
        NotificationKind(
            name="tests.broken",
            group=Group.ORDERS,
            label="broken",
            template="notifications/organisations/verified",
            link=broken_link,
        )
    )
    try:
        user = member(cooperative, Role.OWNER)
        with transaction.atomic():
            notify(
                kind="tests.broken", recipients=[user], context={"organisation_name": "HTX A"}, object_ref=cooperative
            )
        relay_outbox(worker="test")
        client.force_login(user)
        page = client.get("/notifications/")
    finally:
        registry._KINDS.pop("tests.broken")
    assert (email_row().status, smtp.count()) == (Status.SENT, 1)
    assert page.status_code == 200
    assert "HTX A đã được Liên minh HTX xác minh." in page.content.decode()
