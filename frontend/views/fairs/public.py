"""The public fair pages: the list, a fair with its plan and exhibitor directory, the printable plan, and
badges with their QR codes."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fairs import inputs, policy, selectors, services
from fairs.lifecycle import FAIR_TRANSITIONS, PLAN_PUBLIC_STATUSES
from fairs.models import Fair
from fairs.permissions import FAIRS_BADGES
from fairs.plan_version import fair_page_versions
from frontend.decorators import actor_required
from frontend.errors import page_message
from frontend.schema_forms import SchemaForm
from frontend.views.fairs.common import fair_of
from frontend.views.fairs.directory import exhibitor_directory
from frontend.views.fairs.drawing import PlanView, plan_drawing
from market.core.errors import ApplicationError
from market.core.http import REVALIDATE, generated_file
from market.organisations.http import ActorRequest, MemberRequest


def fair_list(request: ActorRequest) -> HttpResponse:
    fairs = selectors.fairs_visible(actor=request.actor).order_by("-starts_on")[:50]
    return render(request, "frontend/fairs/list.html", {"fairs": fairs})


def fair_detail(request: ActorRequest, slug: str) -> HttpResponse:
    """The fair, its plan and its exhibitors; the buttons are what the visitor may do now (fairs.policy)."""
    actor = request.actor
    fair = fair_of(request, slug)
    q = inputs.read_filters(inputs.ExhibitorFilter, request.GET)["q"]
    show_names = selectors.names_public(actor=actor, fair=fair)
    # Read together: the drawing and the directory are each kept under theirs.
    plan, listed = fair_page_versions(fair)
    directory = exhibitor_directory(fair, q=q, show_names=show_names, version=listed)
    if request.headers.get("HX-Request") and request.GET.get("partial") == "exhibitors":
        return HttpResponse(directory)
    context = {
        "fair": fair,
        "directory": directory,
        "query": q,
        "mine": selectors.live_application(actor=actor, fair=fair) if actor.is_seller else None,
        "actions": policy.fair_actions(actor=actor, fair=fair),
        "is_staff": selectors.is_staff(actor),
        "transitions": [(t, FAIR_TRANSITIONS[t][1].label) for t in FAIR_TRANSITIONS],
        **_plan_context(fair, show_names=show_names, view=PlanView.SCREEN, version=plan),
    }
    return render(request, "frontend/fairs/detail.html", context)


def _plan_context(fair: Fair, *, show_names: bool, view: PlanView, version: str | None = None) -> dict[str, object]:
    drawing = plan_drawing(fair, show_names=show_names, view=view, version=version)
    return {"plan": drawing, "counts": drawing.counts}


def fair_plan_svg(request: ActorRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    show_names = selectors.names_public(actor=request.actor, fair=fair)
    svg = plan_drawing(fair, show_names=show_names, view=PlanView.DOWNLOAD).svg
    # Once published the plan is the same for everyone (per language: LanguageMiddleware varies on Cookie)
    # and may be kept a few minutes; before that staff see exhibitor names others do not, and it changes as
    # they draw. The plan editor asks for it with `cache: "no-cache"`.
    public = fair.status in PLAN_PUBLIC_STATUSES
    response = generated_file(
        request, svg, content_type="image/svg+xml", public=public, max_age=300 if public else REVALIDATE
    )
    # Opened on its own the drawing takes its colours from our stylesheet, and may do nothing else.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'self'; frame-ancestors 'none'"
    return response


def fair_plan(request: ActorRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    show_names = selectors.names_public(actor=request.actor, fair=fair)
    context = {"fair": fair, **_plan_context(fair, show_names=show_names, view=PlanView.PRINT)}
    return render(request, "frontend/fairs/plan_print.html", context)


@actor_required()
def badges(request: MemberRequest, slug: str) -> HttpResponse:
    """The badges the actor may see (staff: all), one card each, printable on A6 and shown on a phone; an
    exhibitor's or buyer's owner or manager names the people who get badges of their own."""
    fair = fair_of(request, slug)
    form = SchemaForm(request.POST if request.method == "POST" else None, schema=inputs.BadgePersonInput)
    if request.method == "POST" and form.is_valid():
        try:
            badge = services.badge_issue_person(actor=request.actor, fair_id=fair.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Badge made for %(name)s.") % {"name": badge.holder_name})
            return redirect("frontend:fair-badges", fair.slug)
    return _badges_page(request, fair, form=form, status=400 if form.errors else 200)


def _badges_page(
    request: MemberRequest,
    fair: Fair,
    *,
    form: SchemaForm | None = None,
    revoking: str = "",
    revoke_form: SchemaForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The badges page; `revoking` names the card whose revoke form comes back with what was typed and why it
    was refused."""
    # A badge issued again shows the code it replaces (one join, not a query per card).
    items = selectors.badges_for(actor=request.actor, fair=fair).select_related("replaces")
    # By id last: a person's revoked badge comes before the one issued again to them.
    if selectors.is_staff(request.actor):
        items = items.order_by("kind", "organisation__name", "holder_name", "pk")
    else:
        items = items.order_by("holder_name", "pk")
    rows = [(badge, policy.badge_actions(actor=request.actor, badge=badge)) for badge in items[:500]]
    # The organisation's own badge in force, which a person's badge hangs on (the service finds the same one).
    mine = [b for b, _actions in rows if b.organisation_id == request.actor.organisation_id]
    party = next((b for b in mine if not b.holder_name and not b.is_revoked), None)
    context = {
        "fair": fair,
        "rows": rows,
        # Revoked badges are listed but never printed: with none in force there is nothing to print, and the
        # page says so instead of offering to print a blank A6 sheet.
        "printable": sum(1 for badge, _actions in rows if not badge.is_revoked),
        "form": form or SchemaForm(schema=inputs.BadgePersonInput),
        "may_name": request.actor.can(FAIRS_BADGES) and policy.person_badge_refusal(fair=fair, party=party) is None,
        "revoking": revoking,
        "revoke_form": revoke_form or SchemaForm(schema=inputs.BadgeRevokeInput),
    }
    return render(request, "frontend/fairs/badges.html", context, status=status)


@require_POST
@actor_required()
def badge_revoke(request: MemberRequest, slug: str, code: str) -> HttpResponse:
    """Revoke a badge from its card on the badges page (the reason typed on the card). A refusal shows the page
    again with the reason as typed and the message on that card."""
    fair = fair_of(request, slug)
    form = SchemaForm(request.POST, schema=inputs.BadgeRevokeInput)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            badge = services.badge_revoke(actor=request.actor, fair_id=fair.pk, code=code, reason=reason)
        except ApplicationError as error:
            form.add_service_errors(error)
            return _badges_page(request, fair, revoking=code, revoke_form=form, status=error.status_code)
        done = _("Badge %(code)s of %(name)s revoked.")
        messages.success(request, done % {"code": badge.code, "name": badge.display_name})
        return redirect("frontend:fair-badges", fair.slug)
    return _badges_page(request, fair, revoking=code, revoke_form=form, status=400)


@require_POST
@actor_required()
def badge_reissue(request: MemberRequest, slug: str, code: str) -> HttpResponse:
    """Issue a revoked badge again from its card: a new badge under a new code (a refusal: its message on the
    badges page; there is nothing typed to keep)."""
    fair = fair_of(request, slug)
    try:
        badge = services.badge_reissue(actor=request.actor, fair_id=fair.pk, code=code)
    except ApplicationError as error:
        messages.error(request, page_message(error))
    else:
        done = _("New badge %(code)s made for %(name)s.")
        messages.success(request, done % {"code": badge.code, "name": badge.display_name})
    return redirect("frontend:fair-badges", fair.slug)


def badge_svg(payload: str) -> bytes:
    """The badge's QR code as a standalone SVG document: with its namespace (without it a browser shows an
    <img> of it as broken, only the alt text) and a white background (so a printed or rasterised copy
    decodes)."""
    import io

    buffer = io.BytesIO()
    # Never a Micro QR (segno picks one for a short text): phone cameras, BarcodeDetector and jsQR read only
    # full QR codes.
    qr = segno.make(payload, error="m", micro=False)
    qr.save(buffer, kind="svg", scale=6, light="white", dark="black", xmldecl=False)
    return buffer.getvalue()


@actor_required()
def badge_qr(request: MemberRequest, slug: str, code: str) -> HttpResponse:
    fair = fair_of(request, slug)
    # A revoked badge's QR is not drawn again: nobody prints a badge the entrance refuses.
    badge = selectors.badges_for(actor=request.actor, fair=fair).filter(code=code, revoked_at__isnull=True).first()
    if badge is None:
        raise Http404()
    svg = badge_svg(services.badge_payload(badge))
    return generated_file(request, svg, content_type="image/svg+xml", public=False, max_age=3600)
