"""What fairs exports (registered in FairsConfig.ready()): booth applications (staff all, a cooperative its
own) and the fair reports' headline figures, one row per fair (staff), through the selectors the pages and
the API read."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairs import selectors
from fairs.models import Application, ApplicationStatus, BoothAssignment, BoothType, Fair, FairStatus, FeeStatus
from market.exports.registry import ExportKind, Labels, field, register_export
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


def _applications(actor: Actor, status: str | None) -> QuerySet[Application]:
    applications = selectors.applications_for(actor=actor, status=ApplicationStatus(status) if status else None)
    # The code of the booth it holds now (selectors.live_booth; at most one live assignment per application).
    live = BoothAssignment.objects.filter(application=OuterRef("pk"), released_at__isnull=True)
    return applications.annotate(live_booth_code=Subquery(live.values("booth__code")[:1]))


def _reports(actor: Actor, status: str | None) -> QuerySet[Fair]:
    return selectors.fairs_with_figures(actor=actor, status=status)


def _fair_name(name_vi: str, name_en: str) -> str:
    """Fair.name: the English name in an English export when the fair has one."""
    return name_en if (get_language() or "vi").startswith("en") and name_en else name_vi


def _yes_no(yes: bool) -> str:
    return str(_("Yes") if yes else _("No"))


APPLICATION_COLUMNS = [
    field(_("Fair"), "fair__name_vi", "fair__name_en", show=_fair_name),
    field(_("Submitted at"), "created_at"),
    field(_("Cooperative"), "cooperative__name"),
    field(_("Cooperative tax code"), "cooperative__tax_code"),
    field(_("Status"), "status", show=Labels(ApplicationStatus)),
    field(_("Booth type"), "booth_type", show=Labels(BoothType)),
    field(_("Zone wanted"), "zone__name"),
    field(_("Booth"), "live_booth_code"),
    field(_("Waitlist position"), "waitlist_position"),
    field(_("First-time exhibitor"), "first_time", show=_yes_no),
    field(_("Fee"), "fee_status", show=Labels(FeeStatus)),
    field(_("Booth price (VND)"), "price"),
    field(_("Subsidy (VND)"), "subsidy"),
    field(_("Amount due (VND)"), "amount_due"),
    field(_("Decided at"), "decided_at"),
    field(_("Reason"), "decision_reason"),
]

REPORT_COLUMNS = [
    field(_("Fair"), "name_vi", "name_en", show=_fair_name),
    field(_("First day"), "starts_on"),
    field(_("Last day"), "ends_on"),
    field(_("Venue"), "venue"),
    field(_("Status"), "status", show=Labels(FairStatus)),
    field(_("Applications"), "applied"),
    field(_("Approved"), "approved"),
    field(_("Booths assigned"), "booths_assigned"),
    field(_("Meetings booked"), "meetings_booked"),
    field(_("Meetings held"), "meetings_held"),
    field(_("Booth prices (VND)"), "fees_price"),
    field(_("Subsidy (VND)"), "fees_subsidy"),
    field(_("Due (VND)"), "fees_due"),
    field(_("Paid (VND)"), "fees_paid"),
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
