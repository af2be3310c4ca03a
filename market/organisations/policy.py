"""One answer to "what may this actor do to this object now?", per aggregate.

An aggregate declares a `Policy`: for each action (a StrEnum member) a `Rule` — the capability it needs, the
side of the object the actor must be on (the order's seller, the application's cooperative…) and the states
in which it is possible. From that one table:

- `policy.actions(actor=actor, obj=order)` is the frozenset the pages show buttons for (templates test
  membership: `{% if "cancel" in actions %}`) and the API returns as `allowed_actions`;
- `policy.authorize(actor=actor, obj=order, action=OrderAction.CANCEL)` is what the service calls, raising
  PermissionDenied (403: not your side, or your role may not) or Conflict (409: not in this state).

So a button is shown exactly when the service would accept the press.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from market.core.errors import Conflict, PermissionDenied
from market.organisations.permissions import Actor, Capability

Obj = TypeVar("Obj")
A = TypeVar("A", bound=StrEnum)


def anyone(actor: Actor, obj: object) -> bool:
    return True


def always(obj: object) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Rule(Generic[Obj]):
    capability: Capability
    # The actor's relation to the object (e.g. the order's seller); failing it is a 403.
    party: Callable[[Actor, Obj], bool] = anyone
    # Whether the object's state allows the action; failing it is a 409 with `conflict` (a message, or a
    # function of the object when the message names its dates or figures).
    when: Callable[[Obj], bool] = always
    conflict: str | Promise | Callable[[Obj], str] = field(default=_("This is not possible in the current state."))

    def permits(self, actor: Actor, obj: Obj) -> bool:
        return actor.can(self.capability) and self.party(actor, obj) and self.when(obj)


class Policy(Generic[A, Obj]):
    def __init__(self, rules: Mapping[A, Rule[Obj]]) -> None:
        self.rules = dict(rules)

    def actions(self, *, actor: Actor, obj: Obj) -> frozenset[A]:
        return frozenset(action for action, rule in self.rules.items() if rule.permits(actor, obj))

    def authorize(self, *, actor: Actor, obj: Obj, action: A) -> None:
        rule = self.rules[action]
        actor.require(rule.capability)
        if not rule.party(actor, obj):
            raise PermissionDenied()
        if not rule.when(obj):
            raise Conflict(rule.conflict(obj) if callable(rule.conflict) else str(rule.conflict))
