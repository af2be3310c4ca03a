"""Reads of fairs, already scoped to the caller: staff see everything; a cooperative sees its own
applications; a buyer sees its own meetings; the public sees published plans and exhibitors."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from catalog.models import Product, ProductStatus
from fairs.lifecycle import PLAN_PUBLIC_STATUSES, PUBLIC_STATUSES
from fairs.models import (
    BOOKED,
    LIVE_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    Badge,
    BadgeKind,
    Booth,
    BoothAssignment,
    BoothType,
    CheckinDevice,
    Fair,
    FeeStatus,
    Meeting,
    MeetingOutcome,
    MeetingSlot,
    MeetingStatus,
    OutcomeKind,
    PlanStatus,
    SubsidyLedger,
    SubsidyProgramme,
)
from fairs.permissions import FAIRS_MANAGE
from fairs.policy import live_assignment
from fairs.subsidies import Eligibility, subsidy_eligibility, subsidy_share
from market.core import rows
from market.core.errors import NotFound
from market.core.text import fold
from market.organisations import geo
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from market.organisations.selectors import json_value
from orders.models import Order, Rfq


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


def booth_get(*, actor: Actor, fair_id: int, booth_id: int) -> Booth:
    """A booth of the fair the actor can see: one of another fair is not found, as a missing one."""
    fair = fair_get(actor=actor, fair_id=fair_id)
    booth = fair.booths.select_related("fair", "hall").filter(pk=booth_id).first()
    if booth is None:
        raise NotFound()
    return booth


def names_public(*, actor: Actor, fair: Fair) -> bool:
    """Who got which booth is public once the plan is published; staff always see it."""
    return fair.status in PLAN_PUBLIC_STATUSES or is_staff(actor)


def programmes(*, actor: Actor) -> QuerySet[SubsidyProgramme]:
    return SubsidyProgramme.objects.all() if is_staff(actor) else SubsidyProgramme.objects.none()


# --- the plan ------------------------------------------------------------------------------------
@dataclass
class PlanBooth:
    booth: Booth
    status: PlanStatus
    exhibitor: str = ""
    exhibitor_id: int | None = None
    application_id: int | None = None


def plan(*, fair: Fair, show_names: bool = True) -> list[PlanBooth]:
    """Every booth with its status: blocked; assigned (paid or fully subsidised); held (assigned, fee
    awaited); free. Without `show_names` the exhibitors stay hidden (before publication)."""
    live = {
        a.booth_id: a
        for a in BoothAssignment.objects.filter(fair=fair, released_at__isnull=True).select_related(
            "application__cooperative"
        )
    }
    rows = []
    for booth in Booth.objects.filter(fair=fair).select_related("hall", "zone").order_by("hall__position", "code"):
        booth.fair = fair  # the one fair the caller holds, not a copy of it built per booth
        assignment = live.get(booth.pk)
        if booth.blocked:
            rows.append(PlanBooth(booth, PlanStatus.BLOCKED))
        elif assignment is None:
            rows.append(PlanBooth(booth, PlanStatus.FREE))
        else:
            app = assignment.application
            paid = app.fee_status in (FeeStatus.PAID, FeeStatus.COVERED)
            status = PlanStatus.ASSIGNED if paid else PlanStatus.HELD
            if show_names:
                rows.append(PlanBooth(booth, status, app.cooperative.name, app.cooperative_id, app.pk))
            else:
                rows.append(PlanBooth(booth, status))
    return rows


def plan_counts(rows: list[PlanBooth]) -> dict[str, int]:
    return {status.value: sum(1 for r in rows if r.status == status) for status in PlanStatus}


def booths_filtered(
    *,
    fair: Fair,
    hall: int | None = None,
    status: PlanStatus | None = None,
    booth_type: BoothType | None = None,
    show_names: bool = True,
) -> list[PlanBooth]:
    """The plan's booths narrowed by the list's filters (fairs.inputs.BoothFilter)."""
    return [
        row
        for row in plan(fair=fair, show_names=show_names)
        if (hall is None or row.booth.hall_id == hall)
        and (status is None or row.status == status)
        and (booth_type is None or row.booth.booth_type == booth_type)
    ]


# --- what a booth would cost a cooperative -----------------------------------------------------------
@dataclass(frozen=True)
class BoothQuote:
    booth: Booth
    subsidy: int

    @property
    def price(self) -> int:
        return self.booth.price

    @property
    def due(self) -> int:
        return self.booth.price - self.subsidy


@dataclass(frozen=True)
class FeeOutlook:
    """What the fair's subsidy programme would pay towards each free booth for this cooperative now: its
    share, within what is left of the budget and of the cooperative's yearly cap. The subsidy is committed
    (and may be less if the budget runs out meanwhile) when a booth is assigned."""

    programme: SubsidyProgramme | None
    eligibility: Eligibility | None
    cap_left: int
    quotes: list[BoothQuote]

    def quote(self, booth_id: int) -> BoothQuote | None:
        return next((q for q in self.quotes if q.booth.pk == booth_id), None)


def fee_outlook(*, fair: Fair, cooperative: Organisation) -> FeeOutlook:
    taken = BoothAssignment.objects.filter(fair=fair, released_at__isnull=True).values("booth_id")
    booths = list(
        Booth.objects.filter(fair=fair, blocked=False).exclude(pk__in=taken).select_related("zone").order_by("code")
    )
    programme = fair.subsidy_programme
    if programme is None:
        return FeeOutlook(None, None, 0, [BoothQuote(b, 0) for b in booths])
    eligibility = subsidy_eligibility(programme=programme, cooperative=cooperative)
    ledger = SubsidyLedger.objects.filter(programme=programme, cooperative=cooperative).first()
    cap_left = (ledger.cap - ledger.used) if ledger else programme.yearly_cap
    left = min(cap_left, programme.remaining) if eligibility.eligible else 0
    quotes = [
        BoothQuote(b, min(left, subsidy_share(programme=programme, booth_type=b.booth_type, price=b.price)))
        for b in booths
    ]
    return FeeOutlook(programme, eligibility, cap_left, quotes)


# --- applications --------------------------------------------------------------------------------
def applications_for(
    *,
    actor: Actor,
    fair: Fair | None = None,
    status: ApplicationStatus | None = None,
    booth_type: BoothType | None = None,
    zone: int | None = None,
    province: int | None = None,
    q: str = "",
) -> QuerySet[Application]:
    """The applications the actor may see (staff: all; a cooperative: its own), narrowed by the review
    list's filters (fairs.inputs.ApplicationFilter)."""
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
    if status is not None:
        qs = qs.filter(status=status)
    if booth_type is not None:
        qs = qs.filter(booth_type=booth_type)
    if zone is not None:
        qs = qs.filter(zone_id=zone)
    if province is not None:
        qs = qs.filter(cooperative__province_code=province)
    if q:
        qs = qs.filter(Q(cooperative__name__icontains=q) | Q(cooperative__name__icontains=fold(q)))
    return qs.order_by("status", "waitlist_position", "created_at", "pk")


def application_get_for(*, actor: Actor, application_id: int) -> Application:
    application = applications_for(actor=actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    return application


def live_application(*, actor: Actor, fair: Fair) -> Application | None:
    """The actor's cooperative's current application to the fair (submitted, approved or waitlisted)."""
    return applications_for(actor=actor, fair=fair).filter(status__in=LIVE_APPLICATION_STATUSES).first()


def live_booth(application: Application) -> Booth | None:
    live = live_assignment(application)
    return live.booth if live else None


def cooperative_history(*, actor: Actor, cooperative_id: int) -> QuerySet[Application]:
    """Staff: the cooperative's applications at every fair (the review queue shows them)."""
    if not is_staff(actor):
        return Application.objects.none()
    return (
        Application.objects.filter(cooperative_id=cooperative_id)
        .select_related("fair")
        .order_by("-fair__starts_on", "-pk")
    )


def booth_choices_for(application: Application) -> list[Booth]:
    """Free booths of the application's fair for staff to assign: the applicant's ranked choices first (in
    their order), then the others by code. The first is the one to offer."""
    taken = BoothAssignment.objects.filter(fair_id=application.fair_id, released_at__isnull=True).values("booth_id")
    free = {b.pk: b for b in Booth.objects.filter(fair_id=application.fair_id, blocked=False).exclude(pk__in=taken)}
    ranked = [free.pop(p.booth_id) for p in application.preferences.order_by("rank") if p.booth_id in free]
    return ranked + sorted(free.values(), key=lambda b: b.code)


# --- exhibitors (public) -------------------------------------------------------------------------
@dataclass
class Exhibitor:
    application: Application
    booth: Booth
    products: list[Product] = field(default_factory=list)


def exhibitors(*, fair: Fair, q: str = "") -> list[Exhibitor]:
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
    folded = fold(q) if q else ""
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


# The statuses of a fair whose plan is public, in a fixed order (a statement's parameters).
_PLAN_PUBLIC = sorted(status.value for status in PLAN_PUBLIC_STATUSES)


# What a storefront shows of a fair it lists (its name in either language, its link, its days and venue), and
# the fairs' value on the cooperative read with them (`fairs_exhibited_values`) with the column of that row.
FAIR_LISTED_FIELDS = ("id", "slug", "name_vi", "name_en", "venue", "starts_on", "ends_on")
FAIRS_EXHIBITED = "fairs_exhibited"
_COOPERATIVE_ROW = f'"{Organisation._meta.db_table}"."id"'


@functools.cache
def _fairs_exhibited_statement(selected: str, cooperative: str) -> str:
    """`fairs_exhibited`'s query (`cooperative`: a parameter, or the column of the row it is read with), written
    once per process: the ORM spent ~1 ms of CPU building it on every storefront not kept
    (tests/fairs/test_fairs_exhibited.py compares the two). The cooperative's approved applications are read
    first, once (an InitPlan), then their live assignments: written as a join, PostgreSQL believing the tables
    nearly empty (no statistics yet) scanned every application once per assignment, 1,000 blocks and 3–30 ms
    for every storefront of the bench catalogue."""
    return f"""
        SELECT {selected} FROM {Fair._meta.db_table} f
         WHERE f.id IN (SELECT b.fair_id FROM {BoothAssignment._meta.db_table} b
                         WHERE b.released_at IS NULL
                           AND b.application_id = ANY (ARRAY(SELECT a.id FROM {Application._meta.db_table} a
                                                             WHERE a.cooperative_id = {cooperative} AND a.status = %s)))
           AND f.status IN ({", ".join(["%s"] * len(_PLAN_PUBLIC))})
         ORDER BY f.starts_on DESC, f.id DESC
         LIMIT %s
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def fairs_exhibited(*, cooperative_id: int, limit: int = 12) -> list[Fair]:
    """The fairs whose published plan gives the cooperative a booth (approved, not released), newest first:
    what its storefront lists as fairs attended (or, before the first day, coming), with FAIR_LISTED_FIELDS
    loaded. One query."""
    statement = _fairs_exhibited_statement(rows.select_list(Fair, "f", FAIR_LISTED_FIELDS), "%s")
    with connection.cursor() as cursor:
        cursor.execute(statement, [cooperative_id, ApplicationStatus.APPROVED.value, *_PLAN_PUBLIC, limit])
        return rows.instances(Fair, cursor.fetchall(), FAIR_LISTED_FIELDS)


def fairs_exhibited_values(*, limit: int = 12) -> dict[str, RawSQL]:
    """`fairs_exhibited` as a value read with the cooperative's own row (`seller_public_get(values=…)`, as the
    storefront reads its record): one statement fewer. A JSON list, on PostgreSQL; none elsewhere
    (`fairs_exhibited_of` then reads them in a statement of their own)."""
    if connection.vendor != "postgresql":
        return {}
    listed = _fairs_exhibited_statement(rows.json_row(Fair, "f", FAIR_LISTED_FIELDS), _COOPERATIVE_ROW)
    params = [ApplicationStatus.APPROVED.value, *_PLAN_PUBLIC, limit]
    # The statement is written from the models' names; every value is a parameter.
    return {FAIRS_EXHIBITED: json_value(f"to_jsonb(ARRAY({listed}))", params)}


def fairs_exhibited_of(cooperative: Organisation, *, limit: int = 12) -> list[Fair]:
    """The fairs the cooperative exhibited at, from the value read with it (`fairs_exhibited_values`) where it
    was, else read now."""
    listed = getattr(cooperative, FAIRS_EXHIBITED, None)
    if listed is None:
        return fairs_exhibited(cooperative_id=cooperative.pk, limit=limit)
    return rows.instances_from_json(Fair, listed, FAIR_LISTED_FIELDS)


# --- meetings ------------------------------------------------------------------------------------
def meetings_for(*, actor: Actor, fair: Fair | None = None, status: MeetingStatus | None = None) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("fair", "slot", "buyer", "exhibitor", "table").prefetch_related("outcomes")
    if not is_staff(actor):
        if actor.organisation_id is None:
            return qs.none()
        qs = qs.filter(Q(buyer_id=actor.organisation_id) | Q(exhibitor_id=actor.organisation_id))
    if fair is not None:
        qs = qs.filter(fair=fair)
    if status is not None:
        qs = qs.filter(status=status)
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


def badges_for(*, actor: Actor, fair: Fair) -> QuerySet[Badge]:
    qs = Badge.objects.filter(fair=fair).select_related("organisation", "fair", "revoked_by", "reissued_as")
    if is_staff(actor):
        return qs
    return qs.filter(organisation_id=actor.organisation_id) if actor.organisation_id else qs.none()


def checkin_copy(*, actor: Actor, fair: Fair) -> QuerySet[Badge]:
    """The badges a check-in phone keeps (staff: every badge of the fair), reading only the columns its rows show
    and the sync's order needs (fairs.api.CheckinCopyRow)."""
    return (
        badges_for(actor=actor, fair=fair)
        .select_related(None)
        .select_related("organisation", "reissued_as")
        .only(
            "pk",
            "code",
            "holder_name",
            "checked_in_at",
            "revoked_at",
            "updated_at",
            "organisation",
            "organisation__name",
            "reissued_as",
            "reissued_as__code",
        )
    )


@dataclass(frozen=True)
class CheckinCounts:
    exhibitor_done: int = 0
    exhibitor_total: int = 0
    buyer_done: int = 0
    buyer_total: int = 0

    @property
    def done(self) -> int:
        return self.exhibitor_done + self.buyer_done

    @property
    def total(self) -> int:
        return self.exhibitor_total + self.buyer_total


def checkin_counts(*, fair: Fair) -> CheckinCounts:
    """The badges in force, and how many of them are checked in (a revoked badge counts in neither)."""
    done: dict[str, int] = {}
    total: dict[str, int] = {}
    for kind, all_, checked in (
        Badge.objects.filter(fair=fair, revoked_at__isnull=True)
        .values("kind")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(checked_in_at__isnull=False)))
        .values_list("kind", "total", "done")
    ):
        total[kind], done[kind] = all_, checked
    return CheckinCounts(
        exhibitor_done=done.get(BadgeKind.EXHIBITOR, 0),
        exhibitor_total=total.get(BadgeKind.EXHIBITOR, 0),
        buyer_done=done.get(BadgeKind.BUYER, 0),
        buyer_total=total.get(BadgeKind.BUYER, 0),
    )


def checkin_devices(*, fair: Fair) -> list[CheckinDevice]:
    """The phones scanning at the fair's entrance, with what each still held when it last reported."""
    return list(CheckinDevice.objects.filter(fair=fair).select_related("user").order_by("label", "device_id"))


# --- the staff dashboard -------------------------------------------------------------------------
def _per_fair(queryset: QuerySet[Any]) -> Coalesce:
    """How many rows of `queryset` belong to the outer fair: a subquery each, so that counting
    applications, booths and meetings together never multiplies the rows."""
    counted = queryset.filter(fair=OuterRef("pk")).order_by().values("fair").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def _per_fair_sum(queryset: QuerySet[Any], field: str) -> Coalesce:
    """The sum of `field` over the rows of `queryset` that belong to the outer fair (a subquery, like `_per_fair`)."""
    summed = queryset.filter(fair=OuterRef("pk")).order_by().values("fair").annotate(n=Sum(field)).values("n")
    return Coalesce(Subquery(summed), 0)


def fairs_with_figures(*, actor: Actor, status: str | None = None) -> QuerySet[Fair]:
    """Fairs with their headline figures, one query for any number of fairs; staff only: `applied`,
    `approved`, `booths_assigned`, `meetings_booked`, `meetings_held`, and the approved applications' booth
    fees `fees_price`, `fees_subsidy`, `fees_due`, `fees_paid` (as the fair report counts them)."""
    if not is_staff(actor):
        return Fair.objects.none()
    approved = Application.objects.filter(status=ApplicationStatus.APPROVED)
    fairs = Fair.objects.annotate(
        applied=_per_fair(Application.objects.all()),
        approved=_per_fair(approved),
        booths_assigned=_per_fair(BoothAssignment.objects.filter(released_at__isnull=True)),
        meetings_booked=_per_fair(Meeting.objects.filter(status__in=BOOKED)),
        meetings_held=_per_fair(Meeting.objects.filter(status=MeetingStatus.HELD)),
        fees_price=_per_fair_sum(approved, "price"),
        fees_subsidy=_per_fair_sum(approved, "subsidy"),
        fees_due=_per_fair_sum(approved, "amount_due"),
        fees_paid=_per_fair_sum(approved.filter(fee_status=FeeStatus.PAID), "amount_due"),
    )
    return fairs.filter(status=status) if status else fairs


def fair_outcomes(*, actor: Actor, limit: int = 5) -> list[Fair]:
    """The latest fairs (by first day) with their outcomes so far (`fairs_with_figures`). One query; staff only."""
    return list(fairs_with_figures(actor=actor).order_by("-starts_on", "-id")[:limit])


# --- the report ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutcomeTotal:
    kind: OutcomeKind
    count: int
    value: int


def _outcome_key(outcome: MeetingOutcome) -> tuple[str, int | None]:
    """What an outcome is about: the same order or RFQ however many meetings or sides record it; an MoU or
    an interest belongs to its meeting (both sides may record the one MoU they signed)."""
    if outcome.kind == OutcomeKind.ORDER:
        return (OutcomeKind.ORDER, outcome.order_id)
    if outcome.kind == OutcomeKind.RFQ:
        return (OutcomeKind.RFQ, outcome.rfq_id)
    return (outcome.kind, outcome.meeting_id)


def outcome_totals(*, fair: Fair) -> list[OutcomeTotal]:
    """Outcomes counted once each: the latest record of each wins (a correction); an order counts at its
    current total (delivered weight may change it)."""
    latest: dict[tuple[str, int | None], MeetingOutcome] = {}
    for outcome in (
        MeetingOutcome.objects.filter(meeting__fair=fair).select_related("order").order_by("created_at", "pk")
    ):
        latest[_outcome_key(outcome)] = outcome
    totals: dict[OutcomeKind, tuple[int, int]] = {}
    for outcome in latest.values():
        kind = OutcomeKind(outcome.kind)
        value = outcome.order.total if outcome.order is not None else outcome.value
        count, total = totals.get(kind, (0, 0))
        totals[kind] = (count + 1, total + value)
    return [OutcomeTotal(kind, *totals[kind]) for kind in OutcomeKind if kind in totals]


@dataclass
class FairReport:
    fair: Fair
    zones: list[dict[str, Any]]
    programme: dict[str, Any] | None
    by_province: list[tuple[str, int]]
    by_kind: list[tuple[str, int]]
    applications: list[tuple[ApplicationStatus, int]]
    checkins: CheckinCounts
    meetings: list[tuple[MeetingStatus, int]]
    outcomes: list[OutcomeTotal]
    fees: dict[str, int]

    @property
    def meetings_booked(self) -> int:
        return sum(n for status, n in self.meetings if status in BOOKED)

    @property
    def meetings_held(self) -> int:
        return sum(n for status, n in self.meetings if status == MeetingStatus.HELD)


def fair_report(*, fair: Fair) -> FairReport:
    rows = plan(fair=fair)
    per_zone: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        name = row.booth.zone.name if row.booth.zone else row.booth.hall.name
        per_zone[name][row.status] += 1
        per_zone[name]["total"] += 1
    zones = [
        {
            "name": name,
            "total": c["total"],
            "assigned": c[PlanStatus.ASSIGNED],
            "held": c[PlanStatus.HELD],
            "free": c[PlanStatus.FREE],
            "blocked": c[PlanStatus.BLOCKED],
            "occupancy": round(
                100 * (c[PlanStatus.ASSIGNED] + c[PlanStatus.HELD]) / max(1, c["total"] - c[PlanStatus.BLOCKED])
            ),
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
    provinces: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for app in exhibiting:
        unit = geo.province(app.cooperative.province_code)
        provinces[unit.name if unit else "?"] += 1
        kinds[app.cooperative.get_kind_display()] += 1
    statuses = dict(Application.objects.filter(fair=fair).values_list("status").annotate(n=Count("pk")))
    meetings = dict(Meeting.objects.filter(fair=fair).values_list("status").annotate(n=Count("pk")))
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
        applications=[(s, statuses.get(s.value, 0)) for s in ApplicationStatus],
        checkins=checkin_counts(fair=fair),
        meetings=[(s, meetings.get(s.value, 0)) for s in MeetingStatus],
        outcomes=outcome_totals(fair=fair),
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
