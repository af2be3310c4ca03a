"""The daily digest, the kind registry, template files (checked by `manage.py check`) and their overrides."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import transaction

from market.notifications import registry
from market.notifications.checks import check_notification_templates
from market.notifications.models import Channel, Group, Notification, NotificationSettings, Status
from market.notifications.registry import NotificationKind, get_kind, register_kind, registered_kinds
from market.notifications.relay import relay_outbox
from market.notifications.rendering import render_email
from market.notifications.services import DIGEST_KIND, digest_compose, notify
from market.organisations.models import Role
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


def tell(user, organisation, occurrence="") -> None:
    with transaction.atomic():
        notify(
            kind="organisations.verified",
            recipients=[user],
            context={"organisation_id": organisation.pk, "organisation_name": organisation.name, "is_seller": True},
            object_ref=organisation,
            occurrence=occurrence,
        )


def test_the_digest_gathers_held_emails_into_one(cooperative, mailoutbox):
    user = member(cooperative, Role.OWNER)
    NotificationSettings.objects.create(user=user, daily_digest=True)
    other = OrganisationFactory(name="HTX Xoài Cao Lãnh")
    tell(user, cooperative)
    tell(user, other)
    assert Notification.objects.filter(status=Status.HELD).count() == 2
    assert relay_outbox(worker="test").claimed == 0  # held rows wait for the digest

    assert digest_compose() == 1
    assert digest_compose() == 0  # nothing left to gather

    digest = Notification.objects.get(kind=DIGEST_KIND)
    assert (digest.channel, digest.status, digest.context["count"]) == (Channel.EMAIL, Status.PENDING, 2)
    assert set(Notification.objects.filter(digest=digest).values_list("status", flat=True)) == {Status.DIGESTED}
    relay_outbox(worker="test")
    [message] = mailoutbox
    assert "2 thông báo" in message.subject
    assert f"{cooperative.name} đã được Liên minh HTX xác minh." in message.body
    assert "HTX Xoài Cao Lãnh đã được Liên minh HTX xác minh." in message.body

    tell(user, cooperative, occurrence="later")
    assert digest_compose() == 1
    assert Notification.objects.filter(kind=DIGEST_KIND).count() == 2


def test_the_check_framework_is_clean_and_notices_missing_templates():
    call_command("check")
    assert check_notification_templates() == []
    kind = NotificationKind(name="tests.missing", group=Group.ORDERS, label="x", template="notifications/tests/none")
    register_kind(kind)
    try:
        problems = check_notification_templates()
        assert {p.id for p in problems} == {"notifications.E001"}
        assert len(problems) == 8  # four files in two languages
    finally:
        registry._KINDS.pop("tests.missing")


def test_a_kind_is_registered_once():
    existing = get_kind("organisations.verified")
    assert register_kind(existing) is existing  # the same definition again is harmless
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        register_kind(NotificationKind(name=existing.name, group=Group.ORDERS, label="x", template="y"))
    with pytest.raises(ImproperlyConfigured, match="unknown group"):
        NotificationKind(name="tests.bad", group="marketing", label="x", template="y")
    with pytest.raises(ImproperlyConfigured, match="bad channels"):
        NotificationKind(name="tests.bad", group=Group.ORDERS, label="x", template="y", channels=frozenset({"fax"}))
    assert {k.name for k in registered_kinds()} >= {
        "organisations.verified",
        "organisations.rejected",
        "organisations.invitation",
        DIGEST_KIND,
    }


def test_every_kind_renders_in_both_languages_from_its_sample():
    for kind in registered_kinds():
        for language in ("vi", "en"):
            email = render_email(kind, kind.sample_context, language=language, recipient_name="An")
            assert email.subject, kind.name
            assert "\n" not in email.subject
            assert f'<html lang="{language}">' in email.html
            assert email.text.strip()


def test_an_operator_overrides_a_template_without_code(tmp_path, settings):
    folder = tmp_path / "notifications" / "organisations" / "verified" / "vi"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Chúc mừng {{ organisation_name }}!\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    kind = get_kind("organisations.verified")
    email = render_email(kind, {"organisation_name": "HTX Tân Hiệp"}, language="vi")
    assert email.subject == "Chúc mừng HTX Tân Hiệp!"
    assert "Liên minh HTX đã kiểm tra" in email.text  # the other files keep their defaults


def test_settled_rows_are_forgotten_after_the_retention_period(cooperative):
    from datetime import timedelta

    from django.utils import timezone

    from market.notifications.services import outbox_prune

    user = member(cooperative, Role.OWNER)
    for occurrence in ("old", "new"):
        tell(user, cooperative, occurrence=occurrence)
    old = Notification.objects.filter(occurrence="old")
    old.filter(channel=Channel.EMAIL).update(status=Status.SENT)
    old.update(created_at=timezone.now() - timedelta(days=400))
    unread_old_in_app = old.get(channel=Channel.IN_APP)

    assert outbox_prune(days=365) == 1  # the old e-mail; the unread inbox entry stays

    assert set(Notification.objects.values_list("occurrence", "channel")) == {
        ("old", "in_app"),
        ("new", "in_app"),
        ("new", "email"),
    }
    Notification.objects.filter(pk=unread_old_in_app.pk).update(read_at=timezone.now())
    assert outbox_prune(days=365) == 1
