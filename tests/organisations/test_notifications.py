"""Organisation events announce themselves through the outbox, in the same transaction as the change."""

from __future__ import annotations

import pytest

from market.core.errors import PermissionDenied
from market.core.models import AuditEvent
from market.notifications.models import Channel, Notification, Status
from market.organisations import services
from market.organisations.models import Role, VerificationStatus
from market.organisations.permissions import Actor
from tests.factories import OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(alliance):
    return Actor(user=member(alliance, Role.STAFF), organisation=alliance, role=Role.STAFF)


@pytest.fixture
def pending():
    organisation = OrganisationFactory(verification_status=VerificationStatus.PENDING)
    member(organisation, Role.OWNER)
    member(organisation, Role.STAFF)
    return organisation


def test_verification_tells_every_member(staff, pending):
    services.organisation_verify(actor=staff, organisation_id=pending.pk)
    rows = Notification.objects.filter(kind="organisations.verified")
    assert rows.count() == 4  # two members, in the app and by e-mail
    event = AuditEvent.objects.get(action="organisation.verification.verified")
    assert set(rows.values_list("occurrence", flat=True)) == {f"decision-{event.pk}"}
    row = rows.filter(channel=Channel.EMAIL).first()
    assert row.context == {
        "organisation_id": pending.pk,
        "organisation_name": pending.name,
        "is_seller": True,
        "reason": "",
    }
    assert row.organisation == pending


def test_rejection_carries_the_reason(staff, pending):
    services.organisation_reject(actor=staff, organisation_id=pending.pk, reason="Giấy phép không khớp tên pháp lý")
    row = Notification.objects.filter(kind="organisations.rejected", channel=Channel.EMAIL).first()
    assert row.context["reason"] == "Giấy phép không khớp tên pháp lý"
    assert not Notification.objects.filter(kind="organisations.verified").exists()


def test_each_decision_is_told_again_but_resubmitting_is_not_told(staff, pending):
    owner = Actor(user=pending.memberships.get(role=Role.OWNER).user, organisation=pending, role=Role.OWNER)
    services.organisation_reject(actor=staff, organisation_id=pending.pk, reason="Thiếu giấy chứng nhận")
    services.organisation_resubmit(actor=owner, organisation_id=pending.pk)
    services.organisation_verify(actor=staff, organisation_id=pending.pk)
    services.organisation_reject(actor=staff, organisation_id=pending.pk, reason="Mã số thuế đã đổi")
    services.organisation_verify(actor=staff, organisation_id=pending.pk)
    per_kind = {
        kind: Notification.objects.filter(kind=kind, channel=Channel.EMAIL, recipient_user=owner.user).count()
        for kind in ("organisations.verified", "organisations.rejected")
    }
    assert per_kind == {"organisations.verified": 2, "organisations.rejected": 2}


def test_a_refused_decision_writes_nothing(pending, coop_owner):
    with pytest.raises(PermissionDenied):
        services.organisation_verify(
            actor=Actor(user=coop_owner, organisation=coop_owner.acting_organisation, role=Role.OWNER),
            organisation_id=pending.pk,
        )
    assert not Notification.objects.exists()


def test_an_invitation_emails_the_address_in_the_inviters_language(cooperative):
    inviter = member(cooperative, Role.OWNER, language="en", full_name="Anna Smith")
    actor = Actor(user=inviter, organisation=cooperative, role=Role.OWNER)
    invitation, token = services.invitation_create(
        actor=actor, organisation_id=cooperative.pk, email="Moi@Test.Example", role=Role.MANAGER
    )
    row = Notification.objects.get()
    assert (row.kind, row.channel, row.status) == ("organisations.invitation", Channel.EMAIL, Status.PENDING)
    assert (row.recipient_address, row.language, row.recipient_user) == ("moi@test.example", "en", None)
    assert (row.object_type, row.object_id) == ("organisations.invitation", str(invitation.pk))
    assert row.context["accept_url"] == f"http://127.0.0.1:8000/invitations/{token}/"
    assert row.context["inviter_name"] == "Anna Smith"
    assert row.context["role"] == "manager"


def test_inviting_someone_who_has_an_account_reaches_them_in_the_app_too(cooperative, coop_owner):
    existing = UserFactory(email="da-co@test.example")
    services.invitation_create(
        actor=Actor(user=coop_owner, organisation=cooperative, role=Role.OWNER),
        organisation_id=cooperative.pk,
        email="da-co@test.example",
        role="staff",
    )
    assert sorted(Notification.objects.filter(recipient_user=existing).values_list("channel", flat=True)) == [
        "email",
        "in_app",
    ]


def test_a_new_invitation_for_the_same_address_is_emailed_again(cooperative, coop_owner):
    actor = Actor(user=coop_owner, organisation=cooperative, role=Role.OWNER)
    services.invitation_create(actor=actor, organisation_id=cooperative.pk, email="moi@test.example", role=Role.STAFF)
    services.invitation_create(actor=actor, organisation_id=cooperative.pk, email="moi@test.example", role=Role.STAFF)
    assert Notification.objects.filter(kind="organisations.invitation").count() == 2
