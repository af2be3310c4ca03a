"""Navigation per role. Later capabilities add their entries to these tables."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from market.organisations.models import OrganisationKind
from market.organisations.permissions import Actor


def fixed_path(name: str) -> str:
    """The path of a view that takes no arguments: reversed once per process (for each script prefix and URLconf,
    which are all a reverse without arguments depends on). reverse() costs 20–70 µs here, and the shell of every
    page (its links, forms and navigation) asked for about ten on each request."""
    return _reversed(name, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=512)
def _reversed(name: str, _prefix: str, _urlconf: str | None) -> str:
    return reverse(name)


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url_name: str

    @property
    def url(self) -> str:
        return fixed_path(self.url_name)


PUBLIC_LINKS = [
    Link(_("Home"), "frontend:home"),
    Link(_("Catalogue"), "frontend:catalogue"),
    Link(_("Fairs"), "frontend:fair-list"),
]

SELLER_LINKS = [
    Link(_("Dashboard"), "frontend:dashboard"),
    Link(_("Orders"), "frontend:orders"),
    Link(_("Quotations"), "frontend:rfqs"),
    Link(_("Contracts"), "frontend:linkage-contracts"),
    Link(_("Payments"), "frontend:payments"),
    Link(_("My products"), "frontend:my-products"),
    Link(_("Lots"), "frontend:my-lots"),
    Link(_("Certificates"), "frontend:my-certificates"),
    Link(_("Raw-material areas"), "frontend:supply"),
    Link(_("Fairs"), "frontend:fair-my-applications"),
    Link(_("Meetings"), "frontend:fair-meetings"),
    Link(_("Catalogue"), "frontend:catalogue"),
    Link(_("Exports"), "frontend:exports"),
    Link(_("Organisation"), "frontend:organisation"),
]
BUYER_LINKS = [
    Link(_("Dashboard"), "frontend:dashboard"),
    Link(_("Cart"), "frontend:cart"),
    Link(_("Orders"), "frontend:orders"),
    Link(_("Quotations"), "frontend:rfqs"),
    Link(_("Contracts"), "frontend:linkage-contracts"),
    Link(_("Supply outlook"), "frontend:supply-outlook"),
    Link(_("Payments"), "frontend:payments"),
    Link(_("Catalogue"), "frontend:catalogue"),
    Link(_("Fairs"), "frontend:fair-list"),
    Link(_("Meetings"), "frontend:fair-meetings"),
    Link(_("Exports"), "frontend:exports"),
    Link(_("Organisation"), "frontend:organisation"),
]
STAFF_LINKS = [
    Link(_("Dashboard"), "frontend:dashboard"),
    Link(_("Verification"), "frontend:staff-verification"),
    Link(_("Payments"), "frontend:staff-payments"),
    Link(_("Orders"), "frontend:orders"),
    Link(_("Contracts"), "frontend:linkage-contracts"),
    Link(_("Linkage report"), "frontend:linkage-report"),
    Link(_("Deliveries"), "frontend:staff-notifications"),
    Link(_("Certificates"), "frontend:staff-certificates"),
    Link(_("Supply outlook"), "frontend:supply-outlook"),
    Link(_("Raw-material areas"), "frontend:supply"),
    Link(_("Fairs"), "frontend:staff-fairs"),
    Link(_("Catalogue"), "frontend:catalogue"),
    Link(_("Exports"), "frontend:exports"),
    Link(_("Organisation"), "frontend:organisation"),
]


def navigation_for(actor: Actor | None) -> list[Link]:
    if actor is None or actor.organisation is None:
        return PUBLIC_LINKS
    if actor.is_alliance_staff:
        return STAFF_LINKS
    return BUYER_LINKS if actor.organisation.kind == OrganisationKind.BUYER else SELLER_LINKS
