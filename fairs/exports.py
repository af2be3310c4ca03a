"""What fairs exports (registered in FairsConfig.ready()): booth applications (staff all, a cooperative its
own) and the fair reports' headline figures, one row per fair (staff), through the selectors the pages and
the API read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fairs import selectors
from fairs.models import Application, ApplicationStatus, BoothType, Fair, FairStatus, FeeStatus
from market.exports.registry import Column, ExportKind, choice, register_export
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


def _applications(actor: Actor, status: str | None) -> QuerySet[Application]:
    return selectors.applications_for(actor=actor, status=ApplicationStatus(status) if status else None)


def _reports(actor: Actor, status: str | None) -> QuerySet[Fair]:
    return selectors.fairs_with_figures(actor=actor, status=status)


def _booth_code(application: Application) -> str:
    booth = selectors.live_booth(application)
    return booth.code if booth else ""


APPLICATION_COLUMNS = [
    Column(_("Fair"), lambda a: a.fair.name),
    Column(_("Submitted at"), lambda a: a.created_at),
    Column(_("Cooperative"), lambda a: a.cooperative.name),
    Column(_("Cooperative tax code"), lambda a: a.cooperative.tax_code),
    Column(_("Status"), choice(ApplicationStatus, "status")),
    Column(_("Booth type"), choice(BoothType, "booth_type")),
    Column(_("Zone wanted"), lambda a: a.zone.name if a.zone else ""),
    Column(_("Booth"), _booth_code),
    Column(_("Waitlist position"), lambda a: a.waitlist_position),
    Column(_("First-time exhibitor"), lambda a: _("Yes") if a.first_time else _("No")),
    Column(_("Fee"), choice(FeeStatus, "fee_status")),
    Column(_("Booth price (VND)"), lambda a: a.price),
    Column(_("Subsidy (VND)"), lambda a: a.subsidy),
    Column(_("Amount due (VND)"), lambda a: a.amount_due),
    Column(_("Decided at"), lambda a: a.decided_at),
    Column(_("Reason"), lambda a: a.decision_reason),
]

REPORT_COLUMNS = [
    Column(_("Fair"), lambda f: f.name),
    Column(_("First day"), lambda f: f.starts_on),
    Column(_("Last day"), lambda f: f.ends_on),
    Column(_("Venue"), lambda f: f.venue),
    Column(_("Status"), choice(FairStatus, "status")),
    Column(_("Applications"), lambda f: f.applied),
    Column(_("Approved"), lambda f: f.approved),
    Column(_("Booths assigned"), lambda f: f.booths_assigned),
    Column(_("Meetings booked"), lambda f: f.meetings_booked),
    Column(_("Meetings held"), lambda f: f.meetings_held),
    Column(_("Booth prices (VND)"), lambda f: f.fees_price),
    Column(_("Subsidy (VND)"), lambda f: f.fees_subsidy),
    Column(_("Due (VND)"), lambda f: f.fees_due),
    Column(_("Paid (VND)"), lambda f: f.fees_paid),
]


def register_exports() -> None:
    register_export(
        ExportKind(
            name="fair_applications", label=_("Fair applications"), scope=ApiScope.FAIRS, source=_applications,
            date_field="created_at", statuses=ApplicationStatus, columns=APPLICATION_COLUMNS,
            available=lambda actor: selectors.is_staff(actor) or actor.is_seller,
        )
    )  # fmt: skip
    register_export(
        ExportKind(
            name="fair_reports", label=_("Fair reports"), scope=ApiScope.FAIRS, source=_reports,
            date_field="starts_on", date_is_datetime=False, statuses=FairStatus, columns=REPORT_COLUMNS,
            available=selectors.is_staff,
        )
    )  # fmt: skip
