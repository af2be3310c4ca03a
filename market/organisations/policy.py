"""One answer to "what may this actor do to this object now?", per aggregate.

An aggregate declares a `Policy`: for each action (a StrEnum member) a `Rule` — the capability it needs, the
side of the object the actor must be on (the order's seller, the application's cooperative…) and the states
in which it is possible. From that one table:

- `policy.actions(actor=actor, obj=order)` is the frozenset the pages show buttons for (templates test
  membership: `{% if "cancel" in actions %}`) and the API returns as `allowed_actions`;
- `policy.authorize(actor=actor, obj=order, action=OrderAction.CANCEL)` is what the service calls, raising
  PermissionDenied (403: not your side, or your role may not) or Conflict (409: not in this state).

So a button is shown exactly when the service would accept the press.

An action may have several rules, one per side that may take it (the buyer cancels before the cooperative
confirms; the cooperative's managers until it ships): it is possible when any of them permits it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from market.core.errors import Conflict, PermissionDenied
from market.organisations.models import ApiScope
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
    def __init__(
        self, rules: Mapping[A, Rule[Obj] | Sequence[Rule[Obj]]], *, scopes: Mapping[A, ApiScope] | None = None
    ) -> None:
        self.alternatives: dict[A, tuple[Rule[Obj], ...]] = {
            action: (rule,) if isinstance(rule, Rule) else tuple(rule) for action, rule in rules.items()
        }
        # The API token scope each action's operation requires (the view's `required_scopes`): an action the
        # token's scopes would refuse is not offered in `allowed_actions`.
        self.scopes: dict[A, ApiScope] = dict(scopes or {})
        if scopes is not None and set(self.scopes) != set(self.alternatives):
            raise ImproperlyConfigured(f"Policy scopes must name every action: {sorted(map(str, self.alternatives))}")

    def actions(self, *, actor: Actor, obj: Obj) -> frozenset[A]:
        return frozenset(
            action
            for action, rules in self.alternatives.items()
            if self.token_allows(actor, action) and any(r.permits(actor, obj) for r in rules)
        )

    def token_allows(self, actor: Actor, action: A) -> bool:
        """Sessions (no scopes) are limited by role alone; a token also by the scope the action's operation needs."""
        if actor.scopes is None:
            return True
        scope = self.scopes.get(action)
        return scope is None or scope in actor.scopes

    @property
    def declared(self) -> tuple[A, ...]:
        """Every action the policy knows (for documentation: the API's `allowed_actions`)."""
        return tuple(self.alternatives)

    def require_capability(self, *, actor: Actor, action: A) -> None:
        """The role check alone, for services that refuse a stranger before looking the object up."""
        rules = self.alternatives[action]
        if not any(actor.can(rule.capability) for rule in rules):
            actor.require(rules[0].capability)  # raises the most helpful refusal

    def refusal_message(self, action: A, obj: Obj) -> str:
        conflict = self.alternatives[action][0].conflict
        return conflict(obj) if callable(conflict) else str(conflict)

    def state_refusal(self, action: A, obj: Obj) -> str | None:
        """Why the object's state does not allow the action (whoever asks), or None when it does: for pages
        that explain before showing a form."""
        if any(rule.when(obj) for rule in self.alternatives[action]):
            return None
        return self.refusal_message(action, obj)

    def authorize(self, *, actor: Actor, obj: Obj, action: A) -> None:
        self.require_capability(actor=actor, action=action)
        held = [rule for rule in self.alternatives[action] if actor.can(rule.capability)]
        sided = [rule for rule in held if rule.party(actor, obj)]
        if not sided:
            raise PermissionDenied()
        if not any(rule.when(obj) for rule in sided):
            conflict = sided[0].conflict
            raise Conflict(conflict(obj) if callable(conflict) else str(conflict))
