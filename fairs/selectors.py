"""Reads of fairs, already scoped to the caller: staff see everything; a cooperative sees its own
applications; a buyer sees its own meetings; the public sees published plans and exhibitors."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from catalog.models import Product, ProductStatus
from fairs.models import (
    BOOKED,
    Application,
    ApplicationStatus,
    Badge,
    Booth,
    BoothAssignment,
    BuyerRegistration,
    Fair,
    FairStatus,
    FeeStatus,
    Meeting,
    MeetingOutcome,
    MeetingSlot,
    MeetingStatus,
    OutcomeKind,
    SubsidyProgramme,
)
from fairs.permissions import FAIRS_MANAGE
from market.core.errors import NotFound
from market.core.text import fold
from market.organisations import geo
from market.organisations.permissions import Actor
from orders.models import Order, Rfq

PUBLIC_STATUSES = (FairStatus.OPEN, FairStatus.ALLOCATION, FairStatus.PUBLISHED, FairStatus.RUNNING, FairStatus.CLOSED)
PLAN_PUBLIC_STATUSES = (FairStatus.PUBLISHED, FairStatus.RUNNING, FairStatus.CLOSED)


def is_staff(actor: Actor) -> bool:
    return actor.can(FAIRS_MANAGE)


# --- fairs ---------------------------------------------------------------------------------------
def fairs_visible(*, actor: Actor) -> QuerySet[Fair]:
    qs = Fair.objects.select_related("subsidy_programme")
    return qs if is_staff(actor) else qs.filter(status__in=PUBLIC_STATUSES)


def fair_get(*, actor: Actor, fair_id: int | None = None, slug: str | None = None) -> Fair:
    qs = fairs_visible(actor=actor)
    fair = qs.filter(pk=fair_id).first() if fair_id is not None else qs.filter(slug=slug).first()
    if fair is None:
        raise NotFound()
    return fair


def programmes(*, actor: Actor) -> QuerySet[SubsidyProgramme]:
    return SubsidyProgramme.objects.all() if is_staff(actor) else SubsidyProgramme.objects.none()


# --- the plan ------------------------------------------------------------------------------------
@dataclass
class PlanBooth:
    booth: Booth
    status: str  # free, held, assigned, blocked
    exhibitor: str = ""
    exhibitor_id: int | None = None
    application_id: int | None = None


def plan(*, fair: Fair) -> list[PlanBooth]:
    """Every booth with its status: blocked; assigned (paid or fully subsidised); held (assigned, fee
    awaited); free."""
    live = {
        a.booth_id: a
        for a in BoothAssignment.objects.filter(fair=fair, released_at__isnull=True).select_related(
            "application__cooperative"
        )
    }
    rows = []
    for booth in Booth.objects.filter(fair=fair).select_related("hall", "zone").order_by("hall__position", "code"):
        assignment = live.get(booth.pk)
        if booth.blocked:
            rows.append(PlanBooth(booth, "blocked"))
        elif assignment is None:
            rows.append(PlanBooth(booth, "free"))
        else:
            app = assignment.application
            status = "assigned" if app.fee_status in (FeeStatus.PAID, FeeStatus.COVERED) else "held"
            rows.append(PlanBooth(booth, status, app.cooperative.name, app.cooperative_id, app.pk))
    return rows


# --- applications --------------------------------------------------------------------------------
def applications_for(
    *,
    actor: Actor,
    fair: Fair | None = None,
    status: str = "",
    booth_type: str = "",
    zone_id: int | None = None,
    query: str = "",
    province_code: int | None = None,
) -> QuerySet[Application]:
    qs = Application.objects.select_related("fair", "cooperative", "zone").prefetch_related(
        Prefetch(
            "assignments",
            queryset=BoothAssignment.objects.filter(released_at__isnull=True).select_related("booth"),
            to_attr="live_assignments",
        )
    )
    if not is_staff(actor):
        if actor.organisation_id is None or not actor.is_seller:
            return qs.none()
        qs = qs.filter(cooperative_id=actor.organisation_id)
    if fair is not None:
        qs = qs.filter(fair=fair)
    if status:
        qs = qs.filter(status=status)
    if booth_type:
        qs = qs.filter(booth_type=booth_type)
    if zone_id:
        qs = qs.filter(zone_id=zone_id)
    if province_code:
        qs = qs.filter(cooperative__province_code=province_code)
    if query:
        folded = fold(query)
        qs = qs.filter(Q(cooperative__name__icontains=query) | Q(cooperative__name__icontains=folded))
    return qs.order_by("status", "waitlist_position", "created_at", "pk")


def application_get_for(*, actor: Actor, application_id: int) -> Application:
    application = applications_for(actor=actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    return application


def live_booth(application: Application) -> Booth | None:
    live = getattr(application, "live_assignments", None)
    if live is None:
        live = list(application.assignments.filter(released_at__isnull=True).select_related("booth"))
    return live[0].booth if live else None


def cooperative_history(*, actor: Actor, cooperative_id: int) -> QuerySet[Application]:
    """Staff: the cooperative's applications at every fair (the review queue shows them)."""
    if not is_staff(actor):
        return Application.objects.none()
    return (
        Application.objects.filter(cooperative_id=cooperative_id)
        .select_related("fair")
        .order_by("-fair__starts_on", "-pk")
    )


# --- exhibitors (public) -------------------------------------------------------------------------
@dataclass
class Exhibitor:
    application: Application
    booth: Booth
    products: list[Product] = field(default_factory=list)


def exhibitors(*, fair: Fair, query: str = "") -> list[Exhibitor]:
    assignments = (
        BoothAssignment.objects.filter(
            fair=fair, released_at__isnull=True, application__status=ApplicationStatus.APPROVED
        )
        .select_related("booth__zone", "application__cooperative")
        .prefetch_related(
            Prefetch(
                "application__products",
                queryset=Product.objects.filter(status=ProductStatus.PUBLISHED).order_by("name_vi"),
            )
        )
        .order_by("booth__code")
    )
    folded = fold(query) if query else ""
    found = []
    for assignment in assignments:
        app = assignment.application
        products = list(app.products.all())
        if folded:
            haystack = fold(" ".join([app.cooperative.name, assignment.booth.code, *(p.name_vi for p in products)]))
            if folded not in haystack:
                continue
        found.append(Exhibitor(application=app, booth=assignment.booth, products=products))
    return found


# --- meetings ------------------------------------------------------------------------------------
def meetings_for(*, actor: Actor, fair: Fair | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("fair", "slot", "buyer", "exhibitor", "table").prefetch_related("outcomes")
    if not is_staff(actor):
        if actor.organisation_id is None:
            return qs.none()
        qs = qs.filter(Q(buyer_id=actor.organisation_id) | Q(exhibitor_id=actor.organisation_id))
    if fair is not None:
        qs = qs.filter(fair=fair)
    return qs.order_by("slot__starts_at", "pk")


def meeting_get_for(*, actor: Actor, meeting_id: int) -> Meeting:
    meeting = meetings_for(actor=actor).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound()
    return meeting


def free_slots(*, fair: Fair, buyer_id: int, exhibitor_id: int) -> list[MeetingSlot]:
    busy = Meeting.objects.filter(fair=fair, status__in=BOOKED).filter(
        Q(buyer_id=buyer_id) | Q(exhibitor_id=exhibitor_id)
    )
    return list(MeetingSlot.objects.filter(fair=fair).exclude(pk__in=busy.values("slot_id")).order_by("starts_at"))


def buyer_registered(*, fair: Fair, buyer_id: int | None) -> bool:
    return bool(buyer_id) and BuyerRegistration.objects.filter(fair=fair, buyer_id=buyer_id).exists()


def badges_for(*, actor: Actor, fair: Fair) -> QuerySet[Badge]:
    qs = Badge.objects.filter(fair=fair).select_related("organisation")
    if is_staff(actor):
        return qs
    return qs.filter(organisation_id=actor.organisation_id) if actor.organisation_id else qs.none()


def checkin_counts(*, fair: Fair) -> dict[str, int]:
    rows = (
        Badge.objects.filter(fair=fair)
        .values("kind")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(checked_in_at__isnull=False)))
    )
    counts = {"exhibitor_total": 0, "exhibitor_done": 0, "buyer_total": 0, "buyer_done": 0}
    for row in rows:
        counts[f"{row['kind']}_total"] = row["total"]
        counts[f"{row['kind']}_done"] = row["done"]
    counts["done"] = counts["exhibitor_done"] + counts["buyer_done"]
    counts["total"] = counts["exhibitor_total"] + counts["buyer_total"]
    return counts


# --- the report ----------------------------------------------------------------------------------
@dataclass
class FairReport:
    fair: Fair
    zones: list[dict[str, Any]]
    programme: dict[str, Any] | None
    by_province: list[tuple[str, int]]
    by_kind: list[tuple[str, int]]
    applications: dict[str, int]
    checkins: dict[str, int]
    meetings: dict[str, int]
    outcomes: list[dict[str, Any]]
    fees: dict[str, int]


def fair_report(*, fair: Fair) -> FairReport:
    rows = plan(fair=fair)
    per_zone: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        name = row.booth.zone.name if row.booth.zone else row.booth.hall.name
        per_zone[name][row.status] += 1
        per_zone[name]["total"] += 1
    zones = [
        {
            "name": name,
            "total": c["total"],
            "assigned": c["assigned"],
            "held": c["held"],
            "free": c["free"],
            "blocked": c["blocked"],
            "occupancy": round(100 * (c["assigned"] + c["held"]) / max(1, c["total"] - c["blocked"])),
        }
        for name, c in per_zone.items()
    ]
    programme = None
    if fair.subsidy_programme_id:
        p = SubsidyProgramme.objects.get(pk=fair.subsidy_programme_id)
        this_fair = Application.objects.filter(fair=fair, subsidy_programme=p).aggregate(s=Sum("subsidy"))["s"] or 0
        programme = {"name": p.name, "budget": p.budget, "spent": p.spent, "this_fair": this_fair, "year": p.year}
    exhibiting = (
        Application.objects.filter(fair=fair, status=ApplicationStatus.APPROVED)
        .select_related("cooperative")
        .only("cooperative__province_code", "cooperative__kind")
    )
    provinces: Counter = Counter()
    kinds: Counter = Counter()
    for app in exhibiting:
        unit = geo.province(app.cooperative.province_code)
        provinces[unit.name if unit else "?"] += 1
        kinds[app.cooperative.get_kind_display()] += 1
    statuses = dict(
        Application.objects.filter(fair=fair).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    meetings = dict(
        Meeting.objects.filter(fair=fair).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    outcome_rows = (
        MeetingOutcome.objects.filter(meeting__fair=fair)
        .values("kind")
        .annotate(n=Count("pk"), value=Sum(Coalesce("order__total", "value")))
        .order_by("kind")
    )
    labels = dict(OutcomeKind.choices)
    outcomes = [
        {"kind": r["kind"], "label": labels[r["kind"]], "count": r["n"], "value": r["value"] or 0} for r in outcome_rows
    ]
    fees = Application.objects.filter(fair=fair, status=ApplicationStatus.APPROVED).aggregate(
        price=Sum("price"),
        subsidy=Sum("subsidy"),
        due=Sum("amount_due"),
        paid=Sum("amount_due", filter=Q(fee_status=FeeStatus.PAID)),
    )
    return FairReport(
        fair=fair,
        zones=zones,
        programme=programme,
        by_province=provinces.most_common(),
        by_kind=kinds.most_common(),
        applications={s: statuses.get(s, 0) for s in ApplicationStatus.values},
        checkins=checkin_counts(fair=fair),
        meetings={s: meetings.get(s, 0) for s in MeetingStatus.values},
        outcomes=outcomes,
        fees={k: v or 0 for k, v in fees.items()},
    )


@dataclass
class OutcomeLinks:
    """What an outcome of one meeting may point at."""

    rfqs: list[Rfq] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)


def outcome_links_for(*, meetings: list[Meeting], per_party: int = 30) -> dict[int, OutcomeLinks]:
    """For each meeting, the buyer's requests for quotation and orders with the exhibitor made from a month
    before its fair on (what a meeting can have led to), latest first; two queries for the whole list."""
    if not meetings:
        return {}
    buyers = {m.buyer_id for m in meetings}
    pairs = {(m.buyer_id, m.exhibitor_id) for m in meetings}
    since = min(m.fair.starts_on for m in meetings) - timedelta(days=30)
    rfqs: dict[int, list[Rfq]] = defaultdict(list)
    for rfq in Rfq.objects.filter(buyer_id__in=buyers, created_at__date__gte=since).order_by("-created_at", "-pk"):
        if len(rfqs[rfq.buyer_id]) < per_party:
            rfqs[rfq.buyer_id].append(rfq)
    orders: dict[tuple[int, int], list[Order]] = defaultdict(list)
    candidates = Order.objects.filter(
        buyer_id__in=buyers,
        cooperative_id__in={e for _b, e in pairs},
        number__isnull=False,
        created_at__date__gte=since,
    )
    for order in candidates.order_by("-created_at", "-pk"):
        key = (order.buyer_id, order.cooperative_id)
        if key in pairs and len(orders[key]) < per_party:
            orders[key].append(order)
    return {m.pk: OutcomeLinks(rfqs=rfqs[m.buyer_id], orders=orders[(m.buyer_id, m.exhibitor_id)]) for m in meetings}
