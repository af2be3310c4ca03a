"""Zalo ZNS and eSMS adapters against a local HTTP peer that checks the providers' documented request shapes
(the peer answers HTTP 400 and records a violation on any other shape)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from market.notifications.channels.sms import national_phone
from market.notifications.channels.zalo import zalo_phone
from market.notifications.models import (
    AttemptOutcome,
    Channel,
    ChannelPreference,
    Notification,
    Status,
    ZaloToken,
)
from market.notifications.relay import claim_batch, relay_outbox
from market.notifications.services import Address, notify
from market.organisations.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

VERIFIED = "organisations.verified"


@pytest.fixture
def zalo(provider_server, settings):
    for name, value in provider_server.zalo_settings().items():
        setattr(settings, name, value)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return provider_server


@pytest.fixture
def sms(provider_server, settings):
    for name, value in provider_server.sms_settings().items():
        setattr(settings, name, value)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return provider_server


def phone_member(organisation, channel: str, **fields):
    user = member(organisation, Role.OWNER, phone="+84912345678", **fields)
    ChannelPreference.objects.create(user=user, group="account", channel=channel, enabled=True)
    ChannelPreference.objects.create(user=user, group="account", channel="email", enabled=False)
    return user


def announce(organisation, recipients=None, channels=None) -> None:
    with transaction.atomic():
        notify(
            kind=VERIFIED,
            recipients=recipients or [organisation],
            context={"organisation_id": organisation.pk, "organisation_name": organisation.name, "is_seller": True},
            object_ref=organisation,
            channels=channels,
        )


def test_phone_formats():
    assert zalo_phone("+84912345678") == "84912345678"
    assert zalo_phone("0912 345 678") == "84912345678"
    assert national_phone("+84912345678") == "0912345678"
    assert national_phone("0912345678") == "0912345678"


# --- Zalo ZNS ------------------------------------------------------------------------------------
def test_zns_message_has_the_documented_shape(zalo, cooperative):
    phone_member(cooperative, "zalo")
    announce(cooperative)

    stats = relay_outbox(worker="test")

    assert zalo.violations == []
    row = Notification.objects.get(channel=Channel.ZALO)
    assert (stats.sent, row.status) == (1, Status.SENT)
    [request] = zalo.zns
    assert request == {
        "phone": "84912345678",
        "template_id": "231456",
        "template_data": {"ten_to_chuc": cooperative.name},
        "tracking_id": str(row.pk),
    }
    assert zalo.zns_headers[0]["access_token"] == zalo.access_token
    assert row.provider_message_id  # Zalo's msg_id
    # The first send refreshed the OA token; the rotated refresh token is kept for next time.
    token = ZaloToken.objects.get()
    assert (token.access_token, token.refresh_token, zalo.refreshes) == (zalo.access_token, "rt-1", 1)
    assert token.expires_at > timezone.now() + timedelta(hours=24)


def test_a_valid_token_is_reused_and_an_expired_one_refreshed(zalo, cooperative, other_cooperative):
    phone_member(cooperative, "zalo")
    announce(cooperative)
    relay_outbox(worker="test")
    phone_member(other_cooperative, "zalo")
    announce(other_cooperative)
    relay_outbox(worker="test")
    assert (len(zalo.zns), zalo.refreshes) == (2, 1)

    ZaloToken.objects.update(expires_at=timezone.now() + timedelta(minutes=1))  # about to expire
    with transaction.atomic():
        notify(
            kind=VERIFIED, recipients=[cooperative], context={"organisation_name": "x"}, object_ref=other_cooperative
        )
    relay_outbox(worker="test")
    assert (len(zalo.zns), zalo.refreshes, ZaloToken.objects.get().refresh_token) == (3, 2, "rt-2")
    assert zalo.violations == []


def test_a_token_zalo_rejects_is_refreshed_within_the_same_attempt(zalo, cooperative):
    phone_member(cooperative, "zalo")
    ZaloToken.objects.create(
        app_id=zalo.zalo_settings()["ZALO_APP_ID"],
        access_token="revoked-token",
        refresh_token=zalo.refresh_token,
        seed_hash=hashlib.sha256(b"rt-seed-0").hexdigest(),
        expires_at=timezone.now() + timedelta(hours=10),
    )
    announce(cooperative)

    relay_outbox(worker="test")

    row = Notification.objects.get(channel=Channel.ZALO)
    assert (row.status, row.attempts, len(zalo.zns), zalo.refreshes) == (Status.SENT, 1, 1, 1)


def test_a_phone_not_on_zalo_falls_back_to_email(zalo, cooperative, mailoutbox):
    user = phone_member(cooperative, "zalo", language="en")
    zalo.zns_replies = [{"error": -118, "message": "Zalo account not existed"}]
    announce(cooperative)

    relay_outbox(worker="test")

    zns = Notification.objects.get(channel=Channel.ZALO)
    assert zns.status == Status.FAILED
    assert "-118" in zns.last_error
    email = Notification.objects.get(channel=Channel.EMAIL)
    assert (email.fallback_for, email.status) == (zns, Status.SENT)
    [message] = mailoutbox
    assert message.to == [user.email]
    assert message.subject == f"{cooperative.name} is verified on Market Link"


def test_a_zalo_quota_problem_is_retried_then_falls_back(zalo, cooperative, settings, mailoutbox):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0
    settings.NOTIFICATIONS_PHONE_MAX_ATTEMPTS = 2
    phone_member(cooperative, "zalo")
    zalo.zns_replies = [{"error": -144, "message": "OA has exceeded daily quota"}] * 2
    announce(cooperative)

    relay_outbox(worker="test")
    relay_outbox(worker="test")

    zns = Notification.objects.get(channel=Channel.ZALO)
    assert (zns.status, zns.attempts) == (Status.FAILED, 2)
    assert list(zns.delivery_attempts.values_list("outcome", flat=True)) == [
        AttemptOutcome.RETRY,
        AttemptOutcome.FAILED,
    ]
    assert len(mailoutbox) == 1


def test_no_answer_from_zalo_after_the_request_is_unconfirmed(zalo, cooperative, settings):
    phone_member(cooperative, "zalo")
    announce(cooperative)
    claim_batch(worker="dead", limit=10)
    Notification.objects.filter(channel=Channel.ZALO).update(
        status=Status.DELIVERING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    relay_outbox(worker="test")

    assert Notification.objects.get(channel=Channel.ZALO).status == Status.UNCONFIRMED
    assert zalo.zns == []  # not asked again: ZNS has no idempotency key


def test_zalo_settings_can_be_absent_then_it_is_disabled(settings, cooperative):
    settings.ZALO_APP_ID = ""
    phone_member(cooperative, "zalo")
    announce(cooperative)
    assert not Notification.objects.filter(channel=Channel.ZALO).exists()
    assert Notification.objects.filter(channel=Channel.EMAIL).exists()


# --- SMS (eSMS) ----------------------------------------------------------------------------------
def test_sms_has_the_documented_shape_and_no_diacritics(sms, cooperative):
    phone_member(cooperative, "sms")
    announce(cooperative)

    relay_outbox(worker="test")

    assert sms.violations == []
    row = Notification.objects.get(channel=Channel.SMS)
    assert row.status == Status.SENT
    [request] = sms.sms
    assert {k: request[k] for k in ("Phone", "Brandname", "SmsType", "IsUnicode", "Sandbox", "RequestId")} == {
        "Phone": "0912345678",
        "Brandname": "LIENMINHHTX",
        "SmsType": "2",
        "IsUnicode": "0",
        "Sandbox": "0",
        "RequestId": f"ml-{row.pk}",
    }
    name = "HTX Thu nghiem"  # "HTX Thử nghiệm …" without its marks
    assert request["Content"].startswith(f"Market Link: {name}")
    assert "da duoc Lien minh HTX xac minh" in request["Content"]
    assert request["Content"].isascii()


def test_sms_with_unicode_keeps_vietnamese(sms, cooperative, settings):
    settings.ESMS_UNICODE = True
    phone_member(cooperative, "sms")
    announce(cooperative)
    relay_outbox(worker="test")
    [request] = sms.sms
    assert request["IsUnicode"] == "1"
    assert "đã được Liên minh HTX xác minh" in request["Content"]


def test_sms_after_a_crash_in_flight_is_asked_again_and_arrives_once(sms, cooperative):
    """eSMS drops a repeated RequestId, so a worker lost after the hand-over is simply retried."""
    phone_member(cooperative, "sms")
    announce(cooperative)
    relay_outbox(worker="first")  # the SMS went out ...
    row = Notification.objects.get(channel=Channel.SMS)
    # ... and pretend the worker died before recording it.
    Notification.objects.filter(pk=row.pk).update(
        status=Status.DELIVERING, lease_expires_at=timezone.now() - timedelta(seconds=1), attempts_left=3
    )

    relay_outbox(worker="second")

    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.provider_message_id == f"RequestId ml-{row.pk}"  # the gateway answered "Duplicate RequestId"
    assert len(sms.sms) == 1  # accepted once


def test_sms_refused_for_good_falls_back_to_email(sms, cooperative, mailoutbox):
    phone_member(cooperative, "sms")
    sms.sms_replies = [{"CodeResult": "108", "ErrorMessage": "Phone number is not in correct format"}]
    announce(cooperative)

    relay_outbox(worker="test")

    assert Notification.objects.get(channel=Channel.SMS).status == Status.FAILED
    assert len(mailoutbox) == 1


def test_an_sms_to_a_phone_number_without_an_account(sms, cooperative):
    with transaction.atomic():
        notify(
            kind=VERIFIED,
            recipients=[Address(phone="+84987654321", language="vi")],
            context={"organisation_name": "HTX Dừa Chợ Lách"},
            object_ref=cooperative,
        )
    relay_outbox(worker="test")
    [request] = sms.sms
    assert request["Phone"] == "0987654321"
    assert "HTX Dua Cho Lach" in request["Content"]


def test_a_phone_number_alone_gets_one_message_zalo_first(zalo, provider_server, settings, cooperative):
    for name, value in provider_server.sms_settings().items():
        setattr(settings, name, value)
    with transaction.atomic():
        notify(
            kind=VERIFIED,
            recipients=[Address(phone="+84987654321")],
            context={"organisation_name": "HTX Dừa Chợ Lách"},
            object_ref=cooperative,
        )
    assert list(Notification.objects.values_list("channel", flat=True)) == [Channel.ZALO]


def test_a_zalo_message_whose_last_attempt_was_interrupted_goes_by_email(zalo, cooperative, settings, mailoutbox):
    settings.NOTIFICATIONS_PHONE_MAX_ATTEMPTS = 1
    phone_member(cooperative, "zalo")
    announce(cooperative)
    claim_batch(worker="dead", limit=10)  # its only attempt; the worker dies before the hand-over
    Notification.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    relay_outbox(worker="test")

    zns = Notification.objects.get(channel=Channel.ZALO)
    assert zns.status == Status.FAILED
    assert Notification.objects.get(channel=Channel.EMAIL).fallback_for == zns
    assert len(mailoutbox) == 1
    assert zalo.zns == []
