"""Navigation and dashboard cards per role. Later capabilities add their entries to these tables."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from market.organisations.models import OrganisationKind
from market.organisations.permissions import Actor


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Card:
    title: str | Promise
    text: str | Promise
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


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
    Link(_("Organisation"), "frontend:organisation"),
]

SELLER_CARDS = [
    Card(
        _("Products"),
        _("List your rice, seafood, fruit and crafts with prices per quantity and harvest lots."),
        "frontend:my-products",
    ),
    Card(_("Harvest lots"), _("Record lots and their trace, print QR labels for the packages."), "frontend:my-lots"),
    Card(
        _("Raw-material areas"),
        _("Your plots on a map, member households, intakes weighed at the field, and what each member is owed."),
        "frontend:supply",
    ),
    Card(
        _("Certificates"),
        _("VietGAP, OCOP, organic and more: the alliance checks them, buyers see the badges."),
        "frontend:my-certificates",
    ),
    Card(_("Orders"), _("Confirm, ship and invoice the orders buyers place with you."), "frontend:orders"),
    Card(_("Quotations"), _("Answer buyers' requests for quotation."), "frontend:rfqs"),
    Card(
        _("Linkage contracts"),
        _("Seasonal contracts with processors: sign, deliver call-offs, see what is owed."),
        "frontend:linkage-contracts",
    ),
    Card(_("Trade fairs"), _("Apply for booths and meet buyers at the alliance's fairs."), "frontend:fair-list"),
    Card(_("Payments"), _("What buyers paid you, and what you owe for booth fees."), "frontend:payments"),
    Card(
        _("Members"), _("Invite the people who work with you and choose their roles."), "frontend:organisation-members"
    ),
]
BUYER_CARDS = [
    Card(
        _("Catalogue"), _("Find products from verified cooperatives, with or without diacritics."), "frontend:catalogue"
    ),
    Card(_("Orders"), _("Order in bulk from several cooperatives in one checkout."), "frontend:orders"),
    Card(_("Requests for quotation"), _("Ask cooperatives for offers on the volumes you need."), "frontend:rfqs"),
    Card(
        _("Linkage contracts"),
        _("Contract a cooperative's season: call off deliveries, grade them at your gate."),
        "frontend:linkage-contracts",
    ),
    Card(
        _("Supply outlook"),
        _("Expected harvests of the cooperatives' raw-material areas by month, and what is not contracted yet."),
        "frontend:supply-outlook",
    ),
    Card(_("Trade fairs"), _("Book meetings with exhibitors at the alliance's fairs."), "frontend:fair-list"),
    Card(_("Payments"), _("Pay by bank transfer (VietQR) or card, and see what you paid."), "frontend:payments"),
    Card(_("API tokens"), _("Connect your ERP to Market Link."), "frontend:organisation-tokens"),
]
STAFF_CARDS = [
    Card(_("Verification queue"), _("Check new organisations' tax codes and details."), "frontend:staff-verification"),
    Card(
        _("Notifications"),
        _("Every e-mail, Zalo and SMS message: what left, what failed, and sending it again; the templates."),
        "frontend:staff-notifications",
    ),
    Card(
        _("Certificate review"),
        _("Check cooperatives' certificates against their scans before badges show."),
        "frontend:staff-certificates",
    ),
    Card(_("Trade fairs"), _("Floor plans, booths, subsidies, applications and meetings."), "frontend:staff-fairs"),
    Card(_("Payments"), _("Payments, bank statements, reconciliation and settlements."), "frontend:staff-payments"),
    Card(
        _("Linkage report"),
        _("Contracts, hectares, households and volumes under linkage, by cooperative and season."),
        "frontend:linkage-report",
    ),
]


def navigation_for(actor: Actor | None) -> list[Link]:
    if actor is None or actor.organisation is None:
        return PUBLIC_LINKS
    if actor.is_alliance_staff:
        return STAFF_LINKS
    return BUYER_LINKS if actor.organisation.kind == OrganisationKind.BUYER else SELLER_LINKS


def dashboard_cards_for(actor: Actor) -> list[Card]:
    if actor.is_alliance_staff:
        return STAFF_CARDS
    return BUYER_CARDS if actor.is_buyer else SELLER_CARDS
