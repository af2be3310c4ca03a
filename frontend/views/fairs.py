"""Trade fair pages: public fair page, plan and exhibitor directory; applications; the staff plan editor,
review queue, check-in and report; badges; business matching."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductStatus
from fairs import selectors, services
from fairs.models import (
    ApplicationEvent,
    ApplicationStatus,
    Badge,
    Booth,
    BoothType,
    FairStatus,
    MeetingSlot,
    OutcomeKind,
    SubsidyProgramme,
    Zone,
)
from fairs.permissions import FAIRS_APPLY, FAIRS_EXHIBIT, FAIRS_MANAGE, FAIRS_MEET
from fairs.services.common import FAIR_TRANSITIONS
from frontend.decorators import actor_required
from market.core.errors import ApplicationError, NotFound
from market.core.http import REVALIDATE, generated_file
from market.core.quantity import Unit
from market.organisations import geo
from market.organisations.models import SELLER_KINDS, Organisation
from market.payments.models import Payable

SCALE = 10  # SVG units per metre
HALL_GAP = 6  # metres between halls on the plan


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def _fair(request: HttpRequest, slug: str):
    try:
        return selectors.fair_get(actor=_actor(request), slug=slug)
    except NotFound:
        raise Http404() from None


def _error(request: HttpRequest, exc: ApplicationError) -> None:
    details = "; ".join(f"{'; '.join(v)}" for v in exc.fields.values())
    messages.error(request, f"{exc.message} {details}".strip())


# --- the plan as SVG -----------------------------------------------------------------------------
@dataclass
class HallLayout:
    name: str
    pk: int
    top: Decimal
    width: Decimal
    depth: Decimal
    booths: list[Any] = field(default_factory=list)


def _u(metres: Decimal) -> int:
    return int((Decimal(metres) * SCALE).to_integral_value())


def plan_layout(fair: Any, *, show_names: bool) -> dict[str, Any]:
    rows = selectors.plan(fair=fair)
    halls: list[HallLayout] = []
    top = Decimal(0)
    for hall in fair.halls.all():
        halls.append(HallLayout(hall.name, hall.pk, top, hall.width_m, hall.depth_m))
        top += hall.depth_m + HALL_GAP
    by_hall = {h.pk: h for h in halls}
    for row in rows:
        if not show_names and row.status in ("held", "assigned"):
            row.exhibitor = ""
        layout = by_hall.get(row.booth.hall_id)
        if layout is not None:
            b = row.booth
            row.svg = {  # type: ignore[attr-defined]
                "x": _u(b.x),
                "y": _u(layout.top + b.y),
                "w": _u(b.width),
                "h": _u(b.depth),
                "cx": _u(b.x + b.width / 2),
                "cy": _u(layout.top + b.y + b.depth / 2),
            }
            layout.booths.append(row)
    width = max((h.width for h in halls), default=Decimal(60))
    height = max(top - HALL_GAP, Decimal(10))
    for hall in halls:
        hall.svg = {"y": _u(hall.top), "w": _u(hall.width), "h": _u(hall.depth), "label_y": _u(hall.top) + 14}  # type: ignore[attr-defined]
    return {
        "halls": halls,
        "view_width": _u(width) + 2,
        "view_height": _u(height) + 2,
        "scale": SCALE,
        "counts": {s: sum(1 for r in rows if r.status == s) for s in ("free", "held", "assigned", "blocked")},
    }


def _names_public(request: HttpRequest, fair: Any) -> bool:
    return fair.status in selectors.PLAN_PUBLIC_STATUSES or selectors.is_staff(_actor(request))


def fair_plan_svg(request: HttpRequest, slug: str) -> HttpResponse:
    fair = _fair(request, slug)
    context = {"fair": fair, **plan_layout(fair, show_names=_names_public(request, fair)), "standalone": True}
    # Once published the plan is the same for everyone (per language: LanguageMiddleware varies on Cookie)
    # and may be kept a few minutes; before that staff see exhibitor names others do not, and it changes as
    # they draw. The plan editor asks for it with `cache: "no-cache"`.
    public = fair.status in selectors.PLAN_PUBLIC_STATUSES
    svg = render_to_string("frontend/fairs/plan.svg", context, request=request)
    return generated_file(
        request, svg, content_type="image/svg+xml", public=public, max_age=300 if public else REVALIDATE
    )


def fair_plan(request: HttpRequest, slug: str) -> HttpResponse:
    fair = _fair(request, slug)
    context = {"fair": fair, **plan_layout(fair, show_names=_names_public(request, fair))}
    return render(request, "frontend/fairs/plan_print.html", context)


# --- public pages --------------------------------------------------------------------------------
def fair_list(request: HttpRequest) -> HttpResponse:
    fairs = selectors.fairs_visible(actor=_actor(request)).order_by("-starts_on")[:50]
    return render(request, "frontend/fairs/list.html", {"fairs": fairs})


def fair_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    fair = _fair(request, slug)
    query = request.GET.get("q", "").strip()[:100]
    exhibitors = selectors.exhibitors(fair=fair, query=query) if _names_public(request, fair) else []
    mine = None
    if actor.is_seller:
        mine = selectors.applications_for(actor=actor, fair=fair).exclude(status=ApplicationStatus.WITHDRAWN).first()
    context = {
        "fair": fair,
        "exhibitors": exhibitors,
        "query": query,
        "mine": mine,
        "can_apply": actor.can(FAIRS_APPLY) and fair.status == FairStatus.OPEN and mine is None,
        "can_meet": actor.can(FAIRS_MEET) and fair.status in (FairStatus.PUBLISHED, FairStatus.RUNNING),
        "is_staff": selectors.is_staff(actor),
        **plan_layout(fair, show_names=_names_public(request, fair)),
    }
    if request.headers.get("HX-Request") and request.GET.get("partial") == "exhibitors":
        return render(request, "frontend/fairs/_exhibitors.html", context)
    return render(request, "frontend/fairs/detail.html", context)


# --- applications --------------------------------------------------------------------------------
@actor_required(FAIRS_APPLY)
def fair_apply(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    fair = _fair(request, slug)
    booths = list(fair.booths.filter(blocked=False).select_related("zone").order_by("code"))
    products = Product.objects.filter(cooperative=actor.organisation, status=ProductStatus.PUBLISHED).order_by(
        "name_vi"
    )
    partners = (
        Organisation.objects.filter(kind__in=SELLER_KINDS).exclude(pk=actor.organisation.pk).order_by("name")[:300]
    )
    values: dict[str, Any] = {"booth_type": BoothType.STANDARD}
    if request.method == "POST":
        post = request.POST
        values = {k: post.get(k, "") for k in ("booth_type", "zone", "samples", "note")}
        try:
            zone = Zone.objects.filter(fair=fair, pk=post.get("zone") or 0).first()
            preferences = [int(post[f"pref{i}"]) for i in (1, 2, 3) if post.get(f"pref{i}", "").isdigit()]
            application = services.application_submit(
                actor=actor,
                fair=fair,
                booth_type=post.get("booth_type") or BoothType.STANDARD,
                zone=zone,
                preferences=preferences,
                products=[int(p) for p in post.getlist("products") if p.isdigit()],
                co_exhibitors=[int(p) for p in post.getlist("co_exhibitors") if p.isdigit()],
                samples=post.get("samples", ""),
                needs_cold_chain=bool(post.get("needs_cold_chain")),
                needs_power=bool(post.get("needs_power")),
                needs_water=bool(post.get("needs_water")),
                note=post.get("note", ""),
            )
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Your application was sent. The alliance will decide and let you know."))
            return redirect("frontend:fair-application", application.pk)
    return render(
        request,
        "frontend/fairs/apply.html",
        {
            "fair": fair,
            "booths": booths,
            "zones": fair.zones.all(),
            "products": products,
            "partners": partners,
            "booth_types": BoothType.choices,
            "values": values,
        },
    )


@actor_required(FAIRS_EXHIBIT)
def my_applications(request: HttpRequest) -> HttpResponse:
    items = selectors.applications_for(actor=_actor(request)).order_by("-created_at")[:100]
    return render(request, "frontend/fairs/my_applications.html", {"applications": items})


@actor_required()
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        application = selectors.application_get_for(actor=actor, application_id=application_id)
    except NotFound:
        raise Http404() from None
    staff = selectors.is_staff(actor)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "withdraw":
                services.application_withdraw(
                    actor=actor, application=application, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("The application is withdrawn."))
            elif action == "approve" and staff:
                services.application_approve(actor=actor, application=application)
                messages.success(request, _("Approved."))
            elif action == "waitlist" and staff:
                services.application_waitlist(actor=actor, application=application, note=request.POST.get("reason", ""))
                messages.success(request, _("Added to the waitlist."))
            elif action == "reject" and staff:
                services.application_reject(actor=actor, application=application, reason=request.POST.get("reason", ""))
                messages.success(request, _("Rejected; the cooperative sees the reason."))
            elif action == "assign" and staff:
                booth = Booth.objects.filter(fair=application.fair, pk=request.POST.get("booth") or 0).first()
                if booth is None:
                    raise NotFound(_("Choose a booth of this fair."))
                services.booth_assign(actor=actor, application=application, booth=booth)
                messages.success(request, _("Booth %(code)s assigned.") % {"code": booth.code})
            elif action == "release" and staff:
                services.assignment_release(actor=actor, application=application, reason=request.POST.get("reason", ""))
                messages.success(request, _("The booth is released."))
        except ApplicationError as exc:
            _error(request, exc)
        return redirect("frontend:fair-application", application_id)
    application = selectors.application_get_for(actor=actor, application_id=application_id)
    booth = selectors.live_booth(application)
    payable = Payable.objects.filter(kind=services.BOOTH_FEE_KIND, object_id=str(application.pk)).first()
    free_booths = []
    if staff:
        taken = application.fair.assignments.filter(released_at__isnull=True).values("booth_id")
        free_booths = list(application.fair.booths.filter(blocked=False).exclude(pk__in=taken).order_by("code"))
    return render(
        request,
        "frontend/fairs/application.html",
        {
            "application": application,
            "booth": booth,
            "payable": payable,
            "events": ApplicationEvent.objects.filter(application=application).select_related("actor_user"),
            "history": selectors.cooperative_history(actor=actor, cooperative_id=application.cooperative_id).exclude(
                pk=application.pk
            ),
            "is_staff": staff,
            "is_own": actor.organisation_id == application.cooperative_id,
            "free_booths": free_booths,
            "preferences": application.preferences.select_related("booth"),
            "products": application.products.all(),
            "co_exhibitors": application.co_exhibitors.all(),
            "badge": Badge.objects.filter(fair=application.fair, organisation=application.cooperative).first(),
        },
    )


# --- staff ---------------------------------------------------------------------------------------
@actor_required(FAIRS_MANAGE)
def staff_fairs(request: HttpRequest) -> HttpResponse:
    fairs = selectors.fairs_visible(actor=_actor(request)).order_by("-starts_on")
    return render(request, "frontend/fairs/staff_list.html", {"fairs": fairs})


@actor_required(FAIRS_MANAGE)
def plan_editor(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    fair = _fair(request, slug)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "import" and request.FILES.get("file"):
                result = services.plan_import_csv(actor=actor, fair=fair, content=request.FILES["file"].read())
                messages.success(request, _("Imported: %(created)d new booths, %(updated)d updated.") % result)
            elif action == "transition":
                services.fair_transition(actor=actor, fair=fair, to=request.POST.get("to", ""))
                messages.success(request, _("The fair's status changed."))
            elif action == "allocate":
                plan = services.allocation_run(actor=actor, fair=fair)
                assigned = sum(1 for p in plan if p.booth_id)
                messages.success(
                    request,
                    _("Allocation done: %(assigned)d booths assigned, %(waitlisted)d on the waitlist.")
                    % {"assigned": assigned, "waitlisted": len(plan) - assigned},
                )
            elif action == "hall":
                services.hall_create(
                    actor=actor,
                    fair=fair,
                    name=request.POST.get("name", ""),
                    width_m=Decimal(request.POST.get("width") or 60),
                    depth_m=Decimal(request.POST.get("depth") or 40),
                )
                messages.success(request, _("Hall added."))
        except ApplicationError as exc:
            _error(request, exc)
        except ArithmeticError:
            messages.error(request, _("Enter the hall's size in metres."))
        return redirect("frontend:fair-plan-editor", fair.slug)
    pending = [
        a
        for a in selectors.applications_for(actor=actor, fair=fair).filter(
            status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED]
        )
        if not a.live_assignments
    ]
    return render(
        request,
        "frontend/fairs/plan_editor.html",
        {
            "fair": fair,
            "halls": fair.halls.all(),
            "zones": fair.zones.all(),
            "booth_types": BoothType.choices,
            "pending": pending,
            "next_statuses": [(s, FairStatus(s).label) for s in FAIR_TRANSITIONS[fair.status]],
            **plan_layout(fair, show_names=True),
        },
    )


@actor_required(FAIRS_MANAGE)
def review_queue(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    fair = _fair(request, slug)
    status = request.GET.get("status", "")
    status = status if status in ApplicationStatus.values else ""
    booth_type = request.GET.get("booth_type", "")
    booth_type = booth_type if booth_type in BoothType.values else ""
    zone = request.GET.get("zone", "")
    province = request.GET.get("province", "")
    query = request.GET.get("q", "").strip()[:100]
    items = selectors.applications_for(
        actor=actor,
        fair=fair,
        status=status,
        booth_type=booth_type,
        zone_id=int(zone) if zone.isdigit() else None,
        province_code=int(province) if province.isdigit() else None,
        query=query,
    )[:300]
    return render(
        request,
        "frontend/fairs/review.html",
        {
            "fair": fair,
            "applications": items,
            "statuses": ApplicationStatus.choices,
            "booth_types": BoothType.choices,
            "zones": fair.zones.all(),
            "provinces": geo.province_choices(),
            "filters": {"status": status, "booth_type": booth_type, "zone": zone, "province": province, "q": query},
        },
    )


@actor_required(FAIRS_MANAGE)
def checkin(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    fair = _fair(request, slug)
    result = None
    if request.method == "POST":
        from fairs.api import checkin_payload

        try:
            scan = services.checkin_scan(actor=actor, fair=fair, code=request.POST.get("code", ""))
            result = checkin_payload(scan, selectors.checkin_counts(fair=fair))
        except ApplicationError as exc:
            result = {"error": exc.message}
        if request.headers.get("HX-Request"):
            return render(request, "frontend/fairs/_checkin_result.html", {"result": result, "fair": fair})
    counts = selectors.checkin_counts(fair=fair)
    if request.GET.get("partial") == "counter":
        return render(request, "frontend/fairs/_checkin_counter.html", {"counts": counts, "fair": fair})
    return render(request, "frontend/fairs/checkin.html", {"fair": fair, "counts": counts, "result": result})


# --- badges --------------------------------------------------------------------------------------
@actor_required()
def badges(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    fair = _fair(request, slug)
    items = selectors.badges_for(actor=actor, fair=fair)
    if selectors.is_staff(actor):
        items = items.order_by("kind", "organisation__name")
    return render(request, "frontend/fairs/badges.html", {"fair": fair, "badges": items[:500]})


@actor_required()
def badge_qr(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    import segno

    fair = _fair(request, slug)
    badge = selectors.badges_for(actor=_actor(request), fair=fair).filter(code=code).first()
    if badge is None:
        raise Http404()
    qr = segno.make(services.badge_payload(badge), error="m")
    svg = qr.svg_inline(scale=6, light="white", dark="black")
    return generated_file(request, svg, content_type="image/svg+xml", public=False, max_age=3600)


# --- business matching ---------------------------------------------------------------------------
@actor_required(FAIRS_MEET)
def matching(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    fair = _fair(request, slug)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "register":
                services.buyer_register(actor=actor, fair=fair, interests=request.POST.get("interests", ""))
                messages.success(request, _("You are registered for business matching. Your badge is ready."))
            else:
                exhibitor = Organisation.objects.filter(pk=request.POST.get("exhibitor") or 0).first()
                slot = MeetingSlot.objects.filter(fair=fair, pk=request.POST.get("slot") or 0).first()
                if exhibitor is None or slot is None:
                    raise NotFound(_("Choose an exhibitor and a time."))
                services.meeting_request(
                    actor=actor, fair=fair, exhibitor=exhibitor, slot=slot, message=request.POST.get("message", "")
                )
                messages.success(
                    request,
                    _("Meeting requested with %(name)s. They will accept or decline.") % {"name": exhibitor.name},
                )
        except ApplicationError as exc:
            _error(request, exc)
        return redirect(f"{reverse('frontend:fair-matching', args=[fair.slug])}?q={request.POST.get('q', '')}")
    registered = selectors.buyer_registered(fair=fair, buyer_id=actor.organisation_id)
    query = request.GET.get("q", "").strip()[:100]
    rows = []
    if registered:
        for exhibitor in selectors.exhibitors(fair=fair, query=query):
            slots = selectors.free_slots(
                fair=fair, buyer_id=actor.organisation_id, exhibitor_id=exhibitor.application.cooperative_id
            )
            rows.append({"exhibitor": exhibitor, "slots": slots})
    return render(
        request,
        "frontend/fairs/matching.html",
        {"fair": fair, "registered": registered, "rows": rows, "query": query},
    )


@actor_required()
def meetings(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST":
        try:
            meeting = selectors.meeting_get_for(actor=actor, meeting_id=int(request.POST.get("meeting") or 0))
            action = request.POST.get("action")
            if action == "accept":
                services.meeting_accept(actor=actor, meeting=meeting)
                messages.success(request, _("Meeting accepted."))
            elif action == "decline":
                services.meeting_decline(actor=actor, meeting=meeting, reason=request.POST.get("reason", ""))
                messages.success(request, _("Meeting declined."))
            elif action == "cancel":
                services.meeting_cancel(actor=actor, meeting=meeting)
                messages.success(request, _("Meeting cancelled."))
            elif action == "outcome":
                services.meeting_outcome_record(
                    actor=actor,
                    meeting=meeting,
                    kind=request.POST.get("kind", ""),
                    volume=request.POST.get("volume") or None,
                    unit=request.POST.get("unit", ""),
                    value=request.POST.get("value") or 0,
                    note=request.POST.get("note", ""),
                    rfq_id=int(request.POST.get("rfq") or 0) or None,
                    order_id=int(request.POST.get("order") or 0) or None,
                )
                messages.success(request, _("Outcome recorded."))
        except ApplicationError as exc:
            _error(request, exc)
        except ValueError:
            messages.error(request, _("Enter whole numbers."))
        return redirect("frontend:fair-meetings")
    items = list(selectors.meetings_for(actor=actor)[:300])
    links = selectors.outcome_links_for(meetings=[m for m in items if m.status in ("accepted", "held")])
    for item in items:
        item.links = links.get(item.pk)
    return render(
        request,
        "frontend/fairs/meetings.html",
        {
            "meetings": items,
            "outcome_kinds": OutcomeKind.choices,
            "units": Unit.choices,
            "is_buyer": actor.is_buyer,
            "is_seller": actor.is_seller,
        },
    )


# --- report --------------------------------------------------------------------------------------
def _bars(items: list[tuple[str, int]], *, max_value: int | None = None) -> dict[str, Any]:
    top = max_value or max((v for _, v in items), default=0) or 1
    rows = [
        {"label": label, "value": value, "width": round(300 * value / top, 1), "y": 28 * i}
        for i, (label, value) in enumerate(items)
    ]
    return {"rows": rows, "height": 28 * len(rows) + 4}


@actor_required(FAIRS_MANAGE)
def report(request: HttpRequest, slug: str, fmt: str = "html") -> HttpResponse:
    fair = _fair(request, slug)
    data = selectors.fair_report(fair=fair)
    outcome_counts = [(o["label"], o["count"]) for o in data.outcomes]
    context = {
        "fair": fair,
        "report": data,
        "occupancy_chart": _bars([(z["name"], z["occupancy"]) for z in data.zones], max_value=100),
        "province_chart": _bars(data.by_province),
        "outcome_chart": _bars(outcome_counts),
        "meetings_held": data.meetings.get("held", 0),
        "meetings_booked": sum(data.meetings.get(s, 0) for s in ("requested", "accepted", "held")),
    }
    if fmt == "csv":
        return generated_file(
            request, _report_csv(data), content_type="text/csv; charset=utf-8", public=False,
            filename=f"bao-cao-{fair.slug}.csv", disposition="attachment",
        )  # fmt: skip
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_to_string("frontend/fairs/report_pdf.html", context, request=request)
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        return generated_file(
            request, pdf, content_type="application/pdf", public=False, filename=f"bao-cao-{fair.slug}.pdf",
            disposition="attachment",
        )  # fmt: skip
    return render(request, "frontend/fairs/report.html", context)


def _report_csv(data: selectors.FairReport) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["section", "item", "value", "extra"])
    for zone in data.zones:
        writer.writerow(
            ["occupancy", zone["name"], zone["assigned"] + zone["held"], f"{zone['occupancy']}% of {zone['total']}"]
        )
    if data.programme:
        writer.writerow(["subsidy", data.programme["name"], data.programme["spent"], data.programme["budget"]])
        writer.writerow(["subsidy_this_fair", data.programme["name"], data.programme["this_fair"], ""])
    for name, count in data.by_province:
        writer.writerow(["exhibitors_by_province", name, count, ""])
    for name, count in data.by_kind:
        writer.writerow(["exhibitors_by_kind", name, count, ""])
    for status, count in data.applications.items():
        writer.writerow(["applications", status, count, ""])
    writer.writerow(["checkins", "exhibitors", data.checkins["exhibitor_done"], data.checkins["exhibitor_total"]])
    writer.writerow(["checkins", "buyers", data.checkins["buyer_done"], data.checkins["buyer_total"]])
    for status, count in data.meetings.items():
        writer.writerow(["meetings", status, count, ""])
    for outcome in data.outcomes:
        writer.writerow(["outcomes", outcome["kind"], outcome["count"], outcome["value"]])
    for key, value in data.fees.items():
        writer.writerow(["fees", key, value, ""])
    return out.getvalue()


# --- staff: new fair, matching slots and tables ------------------------------------------------------
@actor_required(FAIRS_MANAGE)
def fair_new(request: HttpRequest) -> HttpResponse:
    from datetime import date

    actor = _actor(request)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            dates = {
                k: date.fromisoformat(request.POST.get(k, ""))
                for k in ("starts_on", "ends_on", "applications_open_on", "applications_close_on")
            }
        except ValueError:
            messages.error(request, _("Enter every date."))
        else:
            try:
                programme = SubsidyProgramme.objects.filter(pk=request.POST.get("programme") or 0).first()
                province = request.POST.get("province_code", "")
                fair = services.fair_create(
                    actor=actor,
                    name_vi=request.POST.get("name_vi", ""),
                    name_en=request.POST.get("name_en", ""),
                    venue=request.POST.get("venue", ""),
                    province_code=int(province) if province.isdigit() else 0,
                    address_line=request.POST.get("address_line", ""),
                    subsidy_programme=programme,
                    **dates,
                )
            except ApplicationError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The fair is created as a draft: add a hall and draw its booths."))
                return redirect("frontend:fair-plan-editor", fair.slug)
    return render(
        request,
        "frontend/fairs/fair_new.html",
        {
            "values": values,
            "provinces": geo.province_choices(),
            "programmes": selectors.programmes(actor=actor),
        },
    )


@actor_required(FAIRS_MANAGE)
def matching_setup(request: HttpRequest, slug: str) -> HttpResponse:
    from datetime import date, datetime, time, timedelta

    actor = _actor(request)
    fair = _fair(request, slug)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "tables":
                count = int(request.POST.get("count") or 0)
                existing = fair.tables.count()
                services.tables_create(
                    actor=actor,
                    fair=fair,
                    names=[_("Table %(n)d") % {"n": existing + i + 1} for i in range(max(0, min(count, 100)))],
                )
                messages.success(request, _("Tables added."))
            else:
                day = date.fromisoformat(request.POST.get("day", ""))
                first = time.fromisoformat(request.POST.get("first", "09:00"))
                count = max(1, min(int(request.POST.get("count") or 1), 40))
                minutes = max(10, min(int(request.POST.get("minutes") or 30), 240))
                start = timezone.make_aware(datetime.combine(day, first))
                services.slots_create(
                    actor=actor,
                    fair=fair,
                    starts=[start + timedelta(minutes=minutes * i) for i in range(count)],
                    minutes=minutes,
                )
                messages.success(request, _("Meeting times added."))
        except ValueError:
            messages.error(request, _("Enter a day, a first time and whole numbers."))
        except ApplicationError as exc:
            _error(request, exc)
        return redirect("frontend:fair-matching-setup", fair.slug)
    return render(
        request,
        "frontend/fairs/matching_setup.html",
        {"fair": fair, "slots": fair.slots.all(), "tables": fair.tables.all()},
    )


# --- subsidy programmes --------------------------------------------------------------------------
PROGRAMME_FIELDS = ("name", "funder", "year", "budget", "yearly_cap", "requires_verified", "first_time_priority")


def _programme_values(programme: SubsidyProgramme | None) -> dict[str, Any]:
    """The form's starting values: the programme's, or sensible defaults for a new one."""
    if programme is None:
        return {
            "year": timezone.localdate().year,
            "rate_standard": 70,
            "requires_verified": True,
            "first_time_priority": True,
            "eligible_kinds": ["cooperative"],
        }
    values: dict[str, Any] = {field: getattr(programme, field) for field in PROGRAMME_FIELDS}
    values.update({f"rate_{kind}": getattr(programme, f"rate_{kind}").normalize() for kind in BoothType.values})
    values.update(eligible_kinds=programme.eligible_kinds, eligible_provinces=programme.eligible_provinces)
    return values


@actor_required(FAIRS_MANAGE)
def programmes(request: HttpRequest, programme_id: int | None = None) -> HttpResponse:
    """Staff list the subsidy programmes with what each has committed, and create or change one."""
    actor = _actor(request)
    editing = get_object_or_404(selectors.programmes(actor=actor), pk=programme_id) if programme_id else None
    values = _programme_values(editing)
    if request.method == "POST":
        data = {**request.POST.dict(), **{k: request.POST.getlist(k) for k in ("eligible_kinds", "eligible_provinces")}}
        try:
            saved = services.programme_save(actor=actor, data=data, programme_id=programme_id)
        except ApplicationError as exc:
            _error(request, exc)
            values = {**data, "eligible_provinces": [int(c) for c in data["eligible_provinces"] if c.isdigit()]}
        else:
            messages.success(request, _("Programme %(name)s saved.") % {"name": saved.name})
            return redirect("frontend:fair-programmes")
    return render(
        request,
        "frontend/fairs/programmes.html",
        {
            "programmes": selectors.programmes(actor=actor),
            "editing": editing,
            "values": values,
            "rates": [(f"rate_{kind}", label, values.get(f"rate_{kind}", "")) for kind, label in BoothType.choices],
            "seller_kinds": [(k.value, k.label) for k in sorted(SELLER_KINDS)],
            "provinces": geo.province_choices(),
        },
    )
