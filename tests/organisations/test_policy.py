"""A policy is one table: the actions it lists are exactly those `authorize` accepts."""

from dataclasses import dataclass
from enum import StrEnum

import pytest

from market.core.errors import Conflict, PermissionDenied
from market.organisations.models import OrganisationKind, Role
from market.organisations.permissions import MANAGING_ROLES, Actor, capability
from market.organisations.policy import Policy, Rule
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


class Action(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"


@dataclass
class Thing:
    seller_id: int
    status: str


SELL = capability("test.sell", kinds={OrganisationKind.COOPERATIVE})
SELL_MANAGE = capability("test.sell_manage", kinds={OrganisationKind.COOPERATIVE}, roles=MANAGING_ROLES)


def sellers(actor: Actor, thing: Thing) -> bool:
    return actor.organisation_id == thing.seller_id


POLICY: Policy[Action, Thing] = Policy(
    {
        Action.CONFIRM: Rule(SELL, party=sellers, when=lambda t: t.status == "placed"),
        Action.CANCEL: Rule(SELL_MANAGE, party=sellers, when=lambda t: t.status in {"placed", "confirmed"}),
    }
)


def actor_of(organisation, role):
    return Actor(user=member(organisation, role), organisation=organisation, role=role)


@pytest.mark.parametrize("status", ["placed", "confirmed", "shipped"])
@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.STAFF])
@pytest.mark.parametrize("own", [True, False])
def test_listed_actions_are_exactly_the_authorised_ones(status, role, own):
    seller = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    acting = seller if own else OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    actor = actor_of(acting, role)
    thing = Thing(seller_id=seller.pk, status=status)
    allowed = POLICY.actions(actor=actor, obj=thing)
    for action in Action:
        if action in allowed:
            POLICY.authorize(actor=actor, obj=thing, action=action)
        else:
            with pytest.raises((PermissionDenied, Conflict)):
                POLICY.authorize(actor=actor, obj=thing, action=action)
    assert ("cancel" in allowed) == (own and role in MANAGING_ROLES and status != "shipped")


def test_wrong_state_is_a_conflict_and_wrong_role_a_denial():
    seller = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    shipped = Thing(seller_id=seller.pk, status="shipped")
    with pytest.raises(Conflict):
        POLICY.authorize(actor=actor_of(seller, Role.OWNER), obj=shipped, action=Action.CANCEL)
    with pytest.raises(PermissionDenied):
        POLICY.authorize(actor=actor_of(seller, Role.STAFF), obj=shipped, action=Action.CANCEL)
    assert POLICY.actions(actor=Actor.anonymous(), obj=shipped) == frozenset()


def test_a_conflict_message_may_name_the_objects_state():
    seller = OrganisationFactory(kind=OrganisationKind.COOPERATIVE)
    policy: Policy[Action, Thing] = Policy(
        {Action.CONFIRM: Rule(SELL, party=sellers, when=lambda t: False, conflict=lambda t: f"Still {t.status}.")}
    )
    with pytest.raises(Conflict, match=r"Still shipped\."):
        policy.authorize(actor=actor_of(seller, Role.OWNER), obj=Thing(seller.pk, "shipped"), action=Action.CONFIRM)
