"""One permission mechanism for the API and the pages.

A request acts as an `Actor`: a user, the organisation they act for, and their role in it. What an actor
may do is a `Capability`: which organisation kinds hold it, which roles within them, and whether the
organisation must be verified. Apps declare their capabilities next to their services; the API's
`HasCapability` and the pages' `capability_required` both ask `Actor.can`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from market.core.errors import PermissionDenied
from market.organisations.models import SELLER_KINDS, ApiScope, Organisation, OrganisationKind, Role, User

ALL_ROLES = frozenset(Role.values)
MANAGING_ROLES = frozenset({Role.OWNER, Role.MANAGER})
ALL_KINDS = frozenset(OrganisationKind.values)


@dataclass(frozen=True, slots=True)
class Capability:
    name: str
    kinds: frozenset[str]
    roles: frozenset[str] = ALL_ROLES
    verified: bool = False

    def __str__(self) -> str:
        return self.name


def capability(
    name: str, *, kinds: Iterable[str], roles: Iterable[str] = ALL_ROLES, verified: bool = False
) -> Capability:
    return Capability(name=name, kinds=frozenset(kinds), roles=frozenset(roles), verified=verified)


@dataclass(frozen=True, slots=True)
class Actor:
    user: User | None
    organisation: Organisation | None
    role: str | None
    # What an API token may reach; None for a session (people are limited by their role alone).
    scopes: frozenset[ApiScope] | None = None

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user=None, organisation=None, role=None)

    @classmethod
    def system(cls) -> Actor:
        """Background work (beat jobs, webhooks) with no person behind it."""
        return cls(user=None, organisation=None, role=None)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.pk if self.organisation else None

    @property
    def is_alliance_staff(self) -> bool:
        return self.organisation is not None and self.organisation.kind == OrganisationKind.ALLIANCE

    @property
    def is_seller(self) -> bool:
        return self.organisation is not None and self.organisation.kind in SELLER_KINDS

    @property
    def is_buyer(self) -> bool:
        return self.organisation is not None and self.organisation.kind == OrganisationKind.BUYER

    def can(self, cap: Capability) -> bool:
        if not self.is_authenticated or self.organisation is None or self.role is None:
            return False
        if self.organisation.kind not in cap.kinds or self.role not in cap.roles:
            return False
        return not cap.verified or self.organisation.is_verified

    def require(self, cap: Capability) -> None:
        if self.can(cap):
            return
        if cap.verified and self.organisation is not None and not self.organisation.is_verified:
            raise PermissionDenied(_("Your organisation must be verified by the alliance before it can do this."))
        raise PermissionDenied()


# --- capabilities of this app -------------------------------------------------------------------
ORGANISATION_UPDATE = capability("organisations.update", kinds=ALL_KINDS, roles=MANAGING_ROLES)
ORGANISATION_BANK_UPDATE = capability("organisations.bank_update", kinds=ALL_KINDS, roles={Role.OWNER})
MEMBERS_VIEW = capability("organisations.members_view", kinds=ALL_KINDS)
MEMBERS_MANAGE = capability("organisations.members_manage", kinds=ALL_KINDS, roles=MANAGING_ROLES)
TOKENS_MANAGE = capability("organisations.tokens_manage", kinds=ALL_KINDS, roles=MANAGING_ROLES)
ORGANISATIONS_VERIFY = capability("organisations.verify", kinds={OrganisationKind.ALLIANCE})
# Alliance staff read every organisation (support, verification); others read their own.
ORGANISATIONS_VIEW_ALL = capability("organisations.view_all", kinds={OrganisationKind.ALLIANCE})
