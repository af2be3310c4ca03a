"""notify()'s recipients read by a statement made once per process (`_directory_rows`) are what its ORM
definition (`_directory_queryset`) reads: members of several organisations (one of them member of both),
their channel preferences and digest choices, an inactive member, the account behind an e-mail address (a
member of another organisation) and an address that is nobody's."""

from __future__ import annotations

from typing import Any

import pytest

from market.notifications.models import ChannelPreference, NotificationSettings
from market.notifications.services import _Directory, _directory_queryset, _directory_rows
from market.organisations.models import Membership, OrganisationKind, Role
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

EXTRA = ("membership_id", "member_of", "daily_digest", "pref_group", "pref_channel", "pref_enabled")


def _row(user: Any) -> tuple[Any, ...]:
    fields = tuple(getattr(user, f.attname) for f in user._meta.concrete_fields)
    return fields + tuple(getattr(user, name) for name in EXTRA)


def test_the_recipients_are_what_the_orm_reads(cooperative, buyer):
    owner = member(cooperative, Role.OWNER)
    manager = member(cooperative, Role.MANAGER)
    Membership.objects.create(user=manager, organisation=buyer, role=Role.STAFF)
    buying = member(buyer, Role.OWNER)
    gone = member(buyer, Role.STAFF)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    ChannelPreference.objects.create(user=owner, group="orders", channel="email", enabled=False)
    ChannelPreference.objects.create(user=owner, group="orders", channel="zalo", enabled=True)
    NotificationSettings.objects.update_or_create(user=buying, defaults={"daily_digest": True})
    outsider_org = OrganisationFactory(kind=OrganisationKind.BUYER, name="Khác")
    outsider = member(outsider_org, Role.OWNER, email="ketoan@khac.example")
    for organisation_ids, emails in (
        ({cooperative.pk, buyer.pk}, {"ketoan@khac.example", "nobody@nowhere.example"}),
        ({cooperative.pk}, set()),
        (set(), {outsider.email.lower()}),
        ({buyer.pk, outsider_org.pk}, {"nobody@nowhere.example"}),
    ):
        ours = sorted(_row(user) for user in _directory_rows(organisation_ids, emails))
        definition = sorted(_row(user) for user in _directory_queryset(organisation_ids, emails))
        assert ours == definition
        assert ours
    directory = _Directory.load([cooperative, buyer, "ketoan@khac.example"])
    assert {pk: [u.pk for u in users] for pk, users in directory.members.items()} == {
        cooperative.pk: [owner.pk, manager.pk],
        buyer.pk: [manager.pk, buying.pk, gone.pk],
    }
    assert directory.prefs == {(owner.pk, "orders", "email"): False, (owner.pk, "orders", "zalo"): True}
    assert directory.digest_users == {buying.pk}
    assert directory.accounts["ketoan@khac.example"].pk == outsider.pk
