"""factory_boy factories for the foundation's models. Other apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import factory

from market.organisations.demo import demo_tax_code
from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User, VerificationStatus

TEST_PASSWORD = "correct-horse-battery"


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
    tax_code = factory.Sequence(lambda n: demo_tax_code(500 + n))
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
