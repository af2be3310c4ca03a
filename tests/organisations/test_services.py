from dataclasses import replace

import pytest

from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.core.models import AuditEvent
from market.organisations import selectors, services
from market.organisations.inputs import BankAccount, OrganisationProfile
from market.organisations.models import (
    ApiScope,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from market.organisations.permissions import Actor
from tests.factories import member

pytestmark = pytest.mark.django_db

ORG = OrganisationProfile(name="HTX Mới", legal_name="Hợp tác xã Mới", tax_code="0100109106", province_code=91)


def actor_of(user: User) -> Actor:
    membership = Membership.objects.select_related("organisation").get(user=user, organisation=user.acting_organisation)
    return Actor(user=user, organisation=membership.organisation, role=membership.role)


def test_sign_up_creates_pending_organisation_with_owner():
    user = services.sign_up(
        email="An@Example.VN",
        password="a-long-password-1",
        full_name="An",
        language="vi",
        kind=OrganisationKind.COOPERATIVE,
        profile=ORG,
    )
    assert user.email == "an@example.vn"
    organisation = user.acting_organisation
    assert organisation.verification_status == VerificationStatus.PENDING
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert AuditEvent.objects.filter(action="organisation.registered", actor_user=user).exists()


def test_sign_up_is_all_or_nothing(cooperative):
    with pytest.raises(ValidationFailed) as exc:
        services.sign_up(
            email="b@example.vn", password="short", full_name="B", language="vi", kind=OrganisationKind.COOPERATIVE,
            profile=replace(ORG, tax_code=cooperative.tax_code),
        )  # fmt: skip
    assert {"password", "tax_code"} <= set(exc.value.fields)
    assert not User.objects.filter(email="b@example.vn").exists()
    assert list(Organisation.objects.all()) == [cooperative]


def test_sign_up_with_an_existing_email_makes_nothing_and_says_nothing(coop_owner):
    user = services.sign_up(
        email=coop_owner.email.upper(), password="a-long-password-1", full_name="X", language="vi",
        kind=OrganisationKind.BUYER, profile=ORG,
    )  # fmt: skip
    assert user is None
    assert not Organisation.objects.filter(tax_code=ORG.tax_code).exists()
    with pytest.raises(ValidationFailed) as exc:  # the other fields are checked as for a new address
        services.sign_up(
            email=coop_owner.email, password="short", full_name="X", language="vi",
            kind=OrganisationKind.BUYER, profile=ORG,
        )  # fmt: skip
    assert set(exc.value.fields) == {"password"}


def test_changing_tax_code_of_verified_organisation_sends_it_back(coop_owner, cooperative):
    profile = replace(OrganisationProfile.of(cooperative), tax_code="0100109106")
    services.organisation_update(actor=actor_of(coop_owner), organisation_id=cooperative.pk, profile=profile)
    cooperative.refresh_from_db()
    assert cooperative.verification_status == VerificationStatus.PENDING


def test_only_owner_changes_bank_account(coop_manager, cooperative):
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            actor=actor_of(coop_manager),
            organisation_id=cooperative.pk,
            profile=OrganisationProfile.of(cooperative),
            bank=BankAccount("970436", "0561000123456", "HTX"),
        )


def test_reject_needs_a_reason_and_resubmit_returns_to_pending(staff_user, coop_owner, cooperative):
    staff = actor_of(staff_user)
    with pytest.raises(ValidationFailed):
        services.organisation_reject(actor=staff, organisation_id=cooperative.pk, reason=" ")
    services.organisation_reject(actor=staff, organisation_id=cooperative.pk, reason="Sai tên pháp lý")
    cooperative.refresh_from_db()
    assert (cooperative.verification_status, cooperative.verification_note) == ("rejected", "Sai tên pháp lý")
    services.organisation_resubmit(actor=actor_of(coop_owner), organisation_id=cooperative.pk)
    cooperative.refresh_from_db()
    assert cooperative.verification_status == "pending"
    with pytest.raises(Conflict):
        services.organisation_resubmit(actor=actor_of(coop_owner), organisation_id=cooperative.pk)


def test_last_owner_cannot_leave_or_be_demoted(coop_owner, cooperative):
    owner = actor_of(coop_owner)
    membership = Membership.objects.get(user=coop_owner)
    with pytest.raises(Conflict):
        services.membership_change_role(actor=owner, membership_id=membership.pk, role=Role.STAFF)
    with pytest.raises(Conflict):
        services.membership_remove(actor=owner, membership_id=membership.pk)
    second = member(cooperative, Role.OWNER)
    services.membership_change_role(
        actor=owner, membership_id=Membership.objects.get(user=second).pk, role=Role.MANAGER
    )
    assert Membership.objects.get(user=second).role == Role.MANAGER


def test_manager_cannot_touch_owners(coop_owner, coop_manager):
    manager = actor_of(coop_manager)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=manager, membership_id=Membership.objects.get(user=coop_owner).pk)
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            actor=manager, organisation_id=manager.organisation_id, email="x@test.example", role=Role.OWNER
        )


def test_invitation_flow(coop_owner, cooperative):
    invitation, token = services.invitation_create(
        actor=actor_of(coop_owner), organisation_id=cooperative.pk, email="Mai@Test.Example", role=Role.STAFF
    )
    assert invitation.email == "mai@test.example"
    assert token not in invitation.token_hash
    stranger = User.objects.create_user("other@test.example", "pw-long-enough", full_name="Other")
    with pytest.raises(PermissionDenied):
        services.invitation_accept(user=stranger, token=token)
    mai = User.objects.create_user("mai@test.example", "pw-long-enough", full_name="Mai")
    membership = services.invitation_accept(user=mai, token=token)
    assert (membership.organisation, membership.role) == (cooperative, Role.STAFF)
    mai.refresh_from_db()
    assert mai.acting_organisation == cooperative
    with pytest.raises(NotFound):
        services.invitation_accept(user=mai, token=token)


def test_removing_a_member_revokes_their_tokens(coop_owner, coop_manager, cooperative):
    token, _secret = services.api_token_create(
        actor=actor_of(coop_manager), name="ERP", scopes=frozenset({ApiScope.ORDERS_READ}), expires_on=None
    )
    services.membership_remove(actor=actor_of(coop_owner), membership_id=Membership.objects.get(user=coop_manager).pk)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_switching_acting_organisation(coop_owner, other_cooperative, cooperative):
    member_elsewhere = Membership.objects.create(user=coop_owner, organisation=other_cooperative, role=Role.STAFF)
    services.acting_organisation_switch(user=coop_owner, organisation_id=member_elsewhere.organisation_id)
    assert actor_of(coop_owner).organisation == other_cooperative
    with pytest.raises(NotFound):
        services.acting_organisation_switch(user=coop_owner, organisation_id=987654)


def test_verification_queue_is_staff_only(staff_user, coop_owner, cooperative):
    Organisation.objects.filter(pk=cooperative.pk).update(verification_status="pending")
    assert list(selectors.verification_queue(actor=actor_of(staff_user))) == [cooperative]
    assert list(selectors.verification_queue(actor=actor_of(coop_owner))) == []
