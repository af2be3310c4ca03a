"""Real Celery workers (with beat) on Redis and a real SMTP server on loopback: the outbox survives Redis
outages, killed workers and concurrent relays; messages are counted at the SMTP server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection, transaction
from django.test import Client
from psycopg import sql

from market.notifications.models import AttemptOutcome, Channel, DeliveryAttempt, Notification, Status
from market.notifications.services import Address, notify
from market.organisations.models import Organisation, Role, VerificationStatus
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.notifications.conftest import wait_until
from tests.orders.factories import only_order, place, stocked_product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


def verify_through_the_page(staff_user, organisation: Organisation) -> None:
    client = Client()
    client.force_login(staff_user)
    response = client.post(f"/staff/verification/{organisation.pk}/verify/")
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation.refresh_from_db()
    assert organisation.verification_status == VerificationStatus.VERIFIED


def pending_cooperative(name: str) -> tuple[Organisation, object]:
    organisation = OrganisationFactory(name=name, verification_status=VerificationStatus.PENDING)
    owner = member(organisation, Role.OWNER, language="vi")
    return organisation, owner


def email_rows(**filters):
    return Notification.objects.filter(channel=Channel.EMAIL, **filters)


def settle(seconds: float = 2.0) -> None:
    """Give a duplicate every chance to arrive before counting (the assertions never depend on timing)."""
    time.sleep(seconds)


def test_a_verified_cooperative_gets_exactly_one_email_in_vietnamese(relay_worker, smtp_server, staff_user):
    relay_worker()
    cooperative, owner = pending_cooperative("HTX Mật ong U Minh")

    verify_through_the_page(staff_user, cooperative)

    wait_until(lambda: smtp_server.count() >= 1, what="the e-mail")
    settle()
    [message] = smtp_server.messages
    assert str(message["To"]) == owner.email
    assert str(message["Subject"]).strip() == "HTX Mật ong U Minh đã được xác minh trên Market Link"
    assert "Liên minh HTX đã kiểm tra và xác minh" in message.get_body(("plain",)).get_content()
    row = email_rows().get()
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert Notification.objects.get(channel=Channel.IN_APP).read_at is None


def test_an_order_placed_gets_the_cooperative_exactly_one_email_in_vietnamese(
    relay_worker, smtp_server, cooperative, buyer
):
    owner = member(cooperative, Role.OWNER, language="vi")
    product, _lot = stocked_product(cooperative)
    relay_worker()

    order = only_order(place(actor_for(buyer, Role.OWNER), [(product, "1000")]))

    wait_until(lambda: any(str(m["To"]) == owner.email for m in smtp_server.messages), what="the cooperative's e-mail")
    settle()
    [message] = [m for m in smtp_server.messages if str(m["To"]) == owner.email]
    assert str(message["Subject"]).strip() == f"Đơn hàng mới {order.number} từ {buyer.name}"
    assert "Vui lòng xác nhận" in message.get_body(("plain",)).get_content()


def test_redis_down_while_orders_are_placed(private_redis, relay_worker, smtp_server, cooperative, buyer, settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    owner = member(cooperative, Role.OWNER, language="vi")
    product, _lot = stocked_product(cooperative)
    buying = actor_for(buyer, Role.OWNER)
    relay_worker(broker=private_redis.url, REDIS_URL=private_redis.url)
    private_redis.stop()

    orders = [only_order(place(buying, [(product, "100")], key=f"while-down-{i}")) for i in range(3)]
    settle(3)
    to_owner = email_rows(recipient_user=owner)
    assert to_owner.filter(status=Status.PENDING).count() == 3  # the orders stand; their e-mails wait
    assert not any(str(m["To"]) == owner.email for m in smtp_server.messages)

    private_redis.start()

    wait_until(lambda: to_owner.filter(status=Status.SENT).count() == 3, timeout=90, what="e-mails after Redis")
    settle()
    subjects = sorted(str(m["Subject"]).strip() for m in smtp_server.messages if str(m["To"]) == owner.email)
    assert subjects == sorted(f"Đơn hàng mới {o.number} từ {buyer.name}" for o in orders)


def test_a_temporary_smtp_failure_is_retried_by_the_worker(relay_worker, smtp_server, cooperative):
    owner = member(cooperative, Role.OWNER)
    smtp_server.rcpt_replies = ["451 4.3.0 Try again later", "421 4.7.0 Too busy"]
    relay_worker()
    with transaction.atomic():
        notify(
            kind="organisations.verified", recipients=[owner], context={}, object_ref=cooperative, channels=["email"]
        )

    wait_until(lambda: email_rows(status=Status.SENT).exists(), what="the retried e-mail")
    settle(1)
    row = email_rows().get()
    assert (row.attempts, smtp_server.count()) == (3, 1)
    assert list(row.delivery_attempts.values_list("outcome", flat=True)) == ["retry", "retry", "sent"]


def test_redis_down_while_events_happen(private_redis, relay_worker, smtp_server, staff_user, settings):
    # One Redis is both the broker and the web process's cache, with the production cache backend.
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": private_redis.url}}
    relay_worker(broker=private_redis.url, REDIS_URL=private_redis.url)
    first, _ = pending_cooperative("HTX Lúa gạo Tân Hiệp")
    verify_through_the_page(staff_user, first)
    wait_until(lambda: smtp_server.count() == 1, what="the e-mail sent while Redis is up")

    private_redis.stop()
    later = [pending_cooperative(f"HTX Khóm Tắc Cậu {i}")[0] for i in range(3)]
    for organisation in later:
        verify_through_the_page(staff_user, organisation)  # the business change succeeds without Redis
    settle(3)
    assert smtp_server.count() == 1
    assert email_rows(status=Status.PENDING).count() == 3  # waiting in the outbox, not lost

    private_redis.start()

    wait_until(lambda: smtp_server.count() >= 4, timeout=90, what="the e-mails after Redis came back")
    settle()
    ids = smtp_server.notification_ids()
    assert len(ids) == len(set(ids)) == 4
    assert email_rows(status=Status.SENT).count() == 4


def test_worker_killed_before_handing_the_message_over(relay_worker, smtp_server, cooperative):
    member(cooperative, Role.OWNER)
    smtp_server.hold_rcpt = threading.Event()  # the server stalls at RCPT: the message is mid-send
    first = relay_worker()
    with transaction.atomic():
        notify(kind="organisations.verified", recipients=[cooperative], context={}, object_ref=cooperative)
    assert smtp_server.reached.wait(60), first.output()[-3000:]
    assert email_rows().get().status == Status.SENDING

    first.kill()
    stalled, smtp_server.hold_rcpt = smtp_server.hold_rcpt, None
    stalled.set()
    relay_worker()

    wait_until(lambda: email_rows(status=Status.SENT).exists(), what="delivery after the restart")
    settle()
    row = email_rows().get()
    assert smtp_server.count() == 1
    assert row.attempts == 2
    outcomes = list(DeliveryAttempt.objects.filter(notification=row).values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.INTERRUPTED, AttemptOutcome.SENT]


def test_worker_killed_after_handing_the_message_over(relay_worker, smtp_server, cooperative):
    member(cooperative, Role.OWNER)
    smtp_server.hold_after_data = threading.Event()  # the server has the whole message, the "250" waits
    first = relay_worker()
    with transaction.atomic():
        notify(kind="organisations.verified", recipients=[cooperative], context={}, object_ref=cooperative)
    assert smtp_server.reached.wait(60), first.output()[-3000:]
    # The relay commits the hand-over right after writing the final ".", so just after the server has it.
    wait_until(lambda: email_rows().get().status == Status.DELIVERING, what="the hand-over to be committed")

    first.kill()
    stalled, smtp_server.hold_after_data = smtp_server.hold_after_data, None
    stalled.set()
    relay_worker()

    wait_until(lambda: email_rows(status=Status.UNCONFIRMED).exists(), what="the row to be marked unconfirmed")
    settle(3)
    assert smtp_server.count() == 1  # delivered exactly once: the server had it, nobody sent it again
    row = email_rows().get()
    assert (row.status, row.attempts) == (Status.UNCONFIRMED, 1)


def test_two_workers_with_their_own_relays_never_send_a_row_twice(relay_worker, smtp_server, cooperative):
    smtp_server.delay = 0.02
    relay_worker(concurrency=2, NOTIFICATIONS_BATCH_SIZE="5")
    relay_worker(concurrency=2, NOTIFICATIONS_BATCH_SIZE="5")
    with transaction.atomic():
        notify(
            kind="organisations.verified",
            recipients=[Address(email=f"thanh-vien-{i}@test.example") for i in range(150)],
            context={"organisation_name": cooperative.name},
            object_ref=cooperative,
        )

    wait_until(lambda: smtp_server.count() >= 150, timeout=120, what="150 e-mails")
    settle()
    ids = smtp_server.notification_ids()
    assert len(ids) == len(set(ids)) == 150
    assert email_rows(status=Status.SENT).count() == 150
    workers = {name.rsplit(":", 1)[0] for name in email_rows().values_list("claimed_by", flat=True)}
    assert len(workers) == 2, workers


class DataTap:
    """A TCP relay between the worker and the SMTP server that stops the worker at one chosen moment: the whole
    message body has reached the server, the final "." has not (SIGSTOP on the worker's process group, on the
    first client chunk after the server's "354" that does not end DATA).

    The worker writes the "." right after its hand-over's UPDATE of the row, so on a loaded machine the body and
    the "." could reach the tap in one chunk before the SIGSTOP. The tap therefore locks the row (`hold_row`, its
    own connection) before it passes the "354" on: the hand-over waits on the lock until the worker is killed."""

    def __init__(self, upstream_port: int, hold_row: Callable[[], None]) -> None:
        self.upstream_port = upstream_port
        self.hold_row = hold_row
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.worker_group: int | None = None
        self.stopped = threading.Event()
        self.dot_seen = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            state = {"in_data": False}
            threading.Thread(target=self._pump, args=(server, client, state, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, server, state, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, state: dict, from_client: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if not from_client and chunk.startswith(b"354"):
                    self.hold_row()
                    state["in_data"] = True
                elif from_client and state["in_data"]:
                    if chunk.endswith(b"\r\n.\r\n"):
                        self.dot_seen.set()
                    elif self.worker_group is not None and not self.stopped.is_set():
                        os.killpg(self.worker_group, signal.SIGSTOP)
                        self.stopped.set()
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()


def test_worker_killed_between_the_body_and_the_final_dot_delivers_it_once(relay_worker, smtp_server, cooperative):
    """The lost e-mail of issue 13: the relay recorded the hand-over before writing the final "." of DATA, so a
    kill between the two left a row "handed over" that the server had thrown away. Now nothing says
    "delivering" until the "." is written: killed there, the row is still "sending" and is sent again."""
    member(cooperative, Role.OWNER)
    locker = psycopg.connect(**connection.get_connection_params())
    statement = sql.SQL("SELECT 1 FROM {} WHERE channel = %s FOR UPDATE").format(
        sql.Identifier(Notification._meta.db_table)
    )

    def hold_row() -> None:
        locker.execute(statement, [Channel.EMAIL])

    tap = DataTap(smtp_server.port, hold_row)
    first = relay_worker(EMAIL_PORT=str(tap.port))
    tap.worker_group = first.process.pid  # the worker leads its own process group (start_new_session)
    with transaction.atomic():
        notify(kind="organisations.verified", recipients=[cooperative], context={}, object_ref=cooperative)
    assert tap.stopped.wait(60), first.output()[-3000:]
    time.sleep(0.5)  # whatever the stopped worker had already sent to PostgreSQL is done by now

    first.kill()
    tap.close()
    locker.close()  # the killed worker's hand-over gets the lock, and its backend finds no client: rolled back
    assert not tap.dot_seen.is_set()
    assert smtp_server.count() == 0
    row = email_rows().get()
    assert row.status == Status.SENDING, row.status  # not "delivering": nothing was handed over
    assert row.handed_over_at is None

    relay_worker()
    wait_until(lambda: email_rows(status=Status.SENT).exists(), what="delivery after the restart")
    settle()
    row = email_rows().get()
    assert (smtp_server.count(), row.attempts) == (1, 2)
    assert row.handed_over_at is not None
    outcomes = list(DeliveryAttempt.objects.filter(notification=row).values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.INTERRUPTED, AttemptOutcome.SENT]
