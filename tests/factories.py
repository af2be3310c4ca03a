"""factory_boy factories for the foundation's models. Other apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory
from django.db import transaction
from stdnum.vn import mst

from market.notifications.models import Channel
from market.notifications.services import notify
from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User, VerificationStatus

TEST_PASSWORD = "correct-horse-battery"


def test_tax_code(serial: int) -> str:
    """A valid MST (right check digit) for any serial up to 99,999, so that a long test session never runs out
    (the demo's codes stop at serial 999). Prefix 18 keeps them apart from the demo organisations' 17."""
    for suffix in range(100):
        body = f"18{serial:05d}{suffix:02d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            return body + check
    raise ValueError(serial)


test_tax_code.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.example")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    language = "vi"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.COOPERATIVE
    name = factory.Sequence(lambda n: f"HTX Thử nghiệm {n}")
    legal_name = factory.LazyAttribute(lambda o: f"Hợp tác xã {o.name}")
    tax_code = factory.Sequence(lambda n: test_tax_code(500 + n))
    province_code = 91
    commune_code = 31078
    address_line = "Ấp 1"
    verification_status = VerificationStatus.VERIFIED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.OWNER


def member(organisation: Organisation, role: str = Role.OWNER, **user_fields: object) -> User:
    """A user who belongs to `organisation` with `role` and acts for it."""
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    user.acting_organisation = organisation
    user.save(update_fields=["acting_organisation"])
    return user


def unread_notifications(user: User, organisation: Organisation, times: int) -> None:
    """`times` unread in-app notifications in the user's inbox (the bell's count), about `organisation`."""
    with transaction.atomic():
        for n in range(times):
            notify(
                kind="organisations.verified",
                recipients=[user],
                context={
                    "organisation_id": organisation.pk,
                    "organisation_name": organisation.name,
                    "is_seller": False,
                },
                object_ref=organisation,
                channels=[Channel.IN_APP],
                occurrence=f"test-{n}",
            )
