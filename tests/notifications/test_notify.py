"""notify(): the outbox rows it writes, inside the caller's transaction, one per event, recipient and channel."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from market.notifications.models import Channel, ChannelPreference, Notification, NotificationSettings, Status
from market.notifications.services import Address, notify
from market.organisations.models import Role
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db

VERIFIED = "organisations.verified"


def verified_context(organisation) -> dict:
    return {"organisation_id": organisation.pk, "organisation_name": organisation.name, "is_seller": True}


def rows(**filters) -> list[tuple[str, str, str]]:
    return sorted(
        Notification.objects.filter(**filters).values_list("recipient_key", "channel", "status"),
    )


def test_an_organisation_means_its_members_in_app_and_by_email(cooperative):
    owner = member(cooperative, Role.OWNER)
    staff = member(cooperative, Role.STAFF)
    notify(kind=VERIFIED, recipients=[cooperative], context=verified_context(cooperative), object_ref=cooperative)
    assert rows() == sorted(
        [
            (f"user:{owner.pk}", "email", "pending"),
            (f"user:{owner.pk}", "in_app", "sent"),
            (f"user:{staff.pk}", "email", "pending"),
            (f"user:{staff.pk}", "in_app", "sent"),
        ]
    )
    row = Notification.objects.get(recipient_user=owner, channel=Channel.EMAIL)
    assert (row.group, row.object_type, row.object_id) == ("account", "organisations.organisation", str(cooperative.pk))
    assert row.organisation == cooperative
    assert row.context["organisation_name"] == cooperative.name


def test_the_same_event_twice_writes_nothing_more(cooperative):
    member(cooperative, Role.OWNER)
    for _ in range(3):
        notify(kind=VERIFIED, recipients=[cooperative], context=verified_context(cooperative), object_ref=cooperative)
    assert Notification.objects.count() == 2


def test_a_new_occurrence_is_a_new_event(cooperative):
    member(cooperative, Role.OWNER)
    for occurrence in ("decision-1", "decision-2"):
        notify(
            kind=VERIFIED,
            recipients=[cooperative],
            context=verified_context(cooperative),
            object_ref=cooperative,
            occurrence=occurrence,
        )
    assert Notification.objects.filter(channel=Channel.EMAIL).count() == 2


def test_the_unique_constraint_itself_refuses_a_second_row(cooperative):
    user = member(cooperative, Role.OWNER)
    notify(kind=VERIFIED, recipients=[user], context={}, object_ref=cooperative, channels=[Channel.EMAIL])
    row = Notification.objects.get()
    row.pk = None
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_rolled_back_business_transaction_leaves_no_rows(cooperative):
    member(cooperative, Role.OWNER)

    class Boom(Exception):
        pass

    def business_change_that_fails() -> None:
        with transaction.atomic():
            notify(
                kind=VERIFIED, recipients=[cooperative], context=verified_context(cooperative), object_ref=cooperative
            )
            raise Boom

    with pytest.raises(Boom):
        business_change_that_fails()
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses(cooperative):
    with pytest.raises(RuntimeError, match="inside the business transaction"):
        notify(kind=VERIFIED, recipients=[cooperative], context={}, object_ref=cooperative)


def test_preferences_choose_the_channels(cooperative):
    user = member(cooperative, Role.OWNER)
    ChannelPreference.objects.create(user=user, group="account", channel="email", enabled=False)
    notify(kind=VERIFIED, recipients=[user], context=verified_context(cooperative), object_ref=cooperative)
    assert rows() == [(f"user:{user.pk}", "in_app", "sent")]


def test_channels_argument_narrows_but_never_adds(cooperative):
    user = member(cooperative, Role.OWNER)
    ChannelPreference.objects.create(user=user, group="account", channel="email", enabled=False)
    notify(kind=VERIFIED, recipients=[user], context={}, object_ref=cooperative, channels=[Channel.EMAIL])
    assert not Notification.objects.exists()
    with pytest.raises(ValueError, match="Unknown channels"):
        notify(kind=VERIFIED, recipients=[user], context={}, object_ref=cooperative, channels=["fax"])


def test_zalo_without_configuration_goes_by_email_instead(cooperative):
    user = member(cooperative, Role.OWNER, phone="+84912345678")
    ChannelPreference.objects.create(user=user, group="account", channel="zalo", enabled=True)
    ChannelPreference.objects.create(user=user, group="account", channel="email", enabled=False)
    notify(kind=VERIFIED, recipients=[user], context={}, object_ref=cooperative)
    assert rows() == [(f"user:{user.pk}", "email", "pending"), (f"user:{user.pk}", "in_app", "sent")]


@override_settings(
    ZALO_APP_ID="1", ZALO_APP_SECRET="s", ZALO_ZNS_TEMPLATES="organisations.verified=231456", ESMS_API_KEY=""
)
def test_zalo_when_configured_and_a_phone_exists(cooperative):
    with_phone = member(cooperative, Role.OWNER, phone="+84912345678")
    without_phone = member(cooperative, Role.STAFF)
    for user in (with_phone, without_phone):
        ChannelPreference.objects.create(user=user, group="account", channel="zalo", enabled=True)
        ChannelPreference.objects.create(user=user, group="account", channel="email", enabled=False)
    notify(kind=VERIFIED, recipients=[cooperative], context={}, object_ref=cooperative, channels=["zalo", "email"])
    assert rows() == sorted(
        [(f"user:{with_phone.pk}", "zalo", "pending"), (f"user:{without_phone.pk}", "email", "pending")]
    )
    assert Notification.objects.get(channel="zalo").attempts_left == 4


@override_settings(ZALO_APP_ID="1", ZALO_APP_SECRET="s", ZALO_ZNS_TEMPLATES="orders.other=1")
def test_zalo_without_an_approved_template_for_the_kind_goes_by_email(cooperative):
    user = member(cooperative, Role.OWNER, phone="+84912345678")
    ChannelPreference.objects.create(user=user, group="account", channel="zalo", enabled=True)
    notify(kind=VERIFIED, recipients=[user], context={}, object_ref=cooperative, channels=["zalo", "email"])
    assert rows() == [(f"user:{user.pk}", "email", "pending")]


def test_an_email_address_without_an_account(cooperative):
    notify(
        kind="organisations.invitation",
        recipients=[Address(email="Moi@Test.Example", language="en"), "khac@test.example"],
        context={"accept_url": "http://x/invitations/t/"},
        object_ref=cooperative,
    )
    assert rows() == [("email:khac@test.example", "email", "pending"), ("email:moi@test.example", "email", "pending")]
    row = Notification.objects.get(recipient_key="email:moi@test.example")
    assert (row.recipient_address, row.language, row.recipient_user) == ("moi@test.example", "en", None)


def test_an_address_that_has_an_account_reaches_the_user(cooperative):
    user = UserFactory(email="co-tai-khoan@test.example", language="en")
    notify(
        kind="organisations.invitation", recipients=["co-tai-khoan@test.example"], context={}, object_ref=cooperative
    )
    assert rows() == [(f"user:{user.pk}", "email", "pending"), (f"user:{user.pk}", "in_app", "sent")]


def test_essential_kinds_ignore_opt_outs(cooperative):
    user = UserFactory()
    ChannelPreference.objects.create(user=user, group="account", channel="email", enabled=False)
    notify(kind="organisations.invitation", recipients=[user], context={}, object_ref=cooperative)
    assert (f"user:{user.pk}", "email", "pending") in rows()


def test_inactive_users_are_skipped_and_duplicates_collapse(cooperative):
    active = member(cooperative, Role.OWNER)
    member(cooperative, Role.STAFF, is_active=False)
    notify(kind=VERIFIED, recipients=[cooperative, active], context={}, object_ref=cooperative, channels=["email"])
    assert rows() == [(f"user:{active.pk}", "email", "pending")]


def test_daily_digest_holds_emails_but_not_essential_ones(cooperative):
    user = member(cooperative, Role.OWNER)
    NotificationSettings.objects.create(user=user, daily_digest=True)
    notify(kind=VERIFIED, recipients=[user], context={}, object_ref=cooperative)
    notify(kind="organisations.invitation", recipients=[user], context={}, object_ref=(("organisations.invitation"), 9))
    statuses = dict(Notification.objects.filter(channel="email").values_list("kind", "status"))
    assert statuses == {VERIFIED: Status.HELD, "organisations.invitation": Status.PENDING}


def test_bad_input_is_refused_loudly(cooperative):
    from decimal import Decimal

    from django.core.exceptions import ImproperlyConfigured

    from market.core.money import Money

    with pytest.raises(ImproperlyConfigured, match="register it"):
        notify(kind="orders.nonexistent", recipients=[cooperative], context={}, object_ref=cooperative)
    with pytest.raises(ValueError, match="must be JSON"):
        notify(kind=VERIFIED, recipients=[cooperative], context={"total": Money(Decimal(1))}, object_ref=cooperative)
    with pytest.raises(ValueError, match="invalid e-mail"):
        notify(kind=VERIFIED, recipients=["not-an-address"], context={}, object_ref=cooperative)
    with pytest.raises(TypeError):
        notify(kind=VERIFIED, recipients=[42], context={}, object_ref=cooperative)
    with pytest.raises(ValueError, match="saved object"):
        notify(kind=VERIFIED, recipients=[cooperative], context={}, object_ref=type(cooperative)())


def test_send_after_delays_email_and_hides_the_inbox_entry_until_then(cooperative):
    from datetime import timedelta

    from django.utils import timezone

    from market.notifications.selectors import inbox_for, unread_count

    user = member(cooperative, Role.OWNER)
    later = timezone.now() + timedelta(hours=1)
    notify(
        kind=VERIFIED,
        recipients=[user],
        context=verified_context(cooperative),
        object_ref=cooperative,
        send_after=later,
    )
    assert Notification.objects.get(channel="email").next_attempt_at == later
    assert unread_count(user=user) == 0
    assert inbox_for(user=user) == []


def test_members_and_the_accounts_behind_addresses_are_read_in_one_query(
    cooperative, other_cooperative, django_assert_num_queries
):
    """The members, the account behind an address (a member of another organisation: that membership does not
    make it one of these members), its digest choice and its preferences: one read, then the INSERT."""
    owner = member(cooperative, Role.OWNER)
    elsewhere = member(other_cooperative, Role.STAFF, email="ke-toan@test.example")
    NotificationSettings.objects.create(user=elsewhere, daily_digest=True)
    ChannelPreference.objects.create(user=elsewhere, group="account", channel="in_app", enabled=False)
    with django_assert_num_queries(4), transaction.atomic():  # its savepoint and release included
        notify(
            kind=VERIFIED,
            recipients=[cooperative, "Ke-Toan@test.example", "nobody@test.example"],
            context=verified_context(cooperative),
            object_ref=cooperative,
        )
    assert rows() == sorted(
        [
            ("email:nobody@test.example", "email", "pending"),
            (f"user:{elsewhere.pk}", "email", "held"),
            (f"user:{owner.pk}", "email", "pending"),
            (f"user:{owner.pk}", "in_app", "sent"),
        ]
    )
    assert Notification.objects.get(recipient_user=elsewhere).organisation is None
