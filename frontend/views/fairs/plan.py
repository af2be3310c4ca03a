"""Alliance staff at work on a fair: the list, a new fair, the plan editor (halls, booths drawn and dragged,
each booth's panel), the fair's steps and the allocation, the review queue and subsidy programmes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from fairs import inputs, policy, selectors, services
from fairs.lifecycle import FAIR_TRANSITIONS
from fairs.models import LIVE_APPLICATION_STATUSES, Application, Booth, BoothType, Fair, SubsidyProgramme
from fairs.permissions import FAIRS_MANAGE
from fairs.policy import BoothAction
from frontend.decorators import actor_required
from frontend.errors import page_message
from frontend.schema_forms import SchemaForm
from frontend.views.fairs.common import fair_of, invalid, tell
from frontend.views.fairs.drawing import PlanView, draw, plan_layout
from market.core.errors import ApplicationError, ValidationFailed
from market.core.once import Once, posted_key
from market.core.parsing import format_decimal
from market.organisations import geo
from market.organisations.http import MemberRequest
from market.organisations.models import Organisation


@actor_required(FAIRS_MANAGE)
def staff_fairs(request: MemberRequest) -> HttpResponse:
    fairs = selectors.fairs_visible(actor=request.actor).order_by("-starts_on")
    return render(request, "frontend/fairs/staff_list.html", {"fairs": fairs})


@actor_required(FAIRS_MANAGE)
def fair_new(request: MemberRequest) -> HttpResponse:
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.FairInput,
        initial={"province_code": 91},
        choices={
            "province_code": geo.province_choices(),
            "subsidy_programme_id": [(p.pk, f"{p.name} ({p.year})") for p in selectors.programmes(actor=request.actor)],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = services.fair_create_once(
                actor=request.actor, spec=inputs.FairSpec(**form.cleaned_data), once_key=posted_key(request.POST)
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            if done.replayed:
                messages.success(request, _("This fair was already created; it was not created again."))
            else:
                messages.success(request, _("The fair is created as a draft: add a hall and draw its booths."))
            return redirect("frontend:fair-plan-editor", done.value.slug)
    if form.is_bound:
        return invalid(request, "frontend/fairs/fair_new.html", {"form": form})
    return render(request, "frontend/fairs/fair_new.html", {"form": form})


# --- the plan editor -----------------------------------------------------------------------------
def _editor_context(request: MemberRequest, fair: Fair, **forms: SchemaForm) -> dict[str, Any]:
    return {
        "fair": fair,
        "actions": policy.fair_actions(actor=request.actor, fair=fair),
        "transitions": [(t, FAIR_TRANSITIONS[t][1].label) for t in FAIR_TRANSITIONS],
        "has_halls": fair.halls.exists(),
        "booth_types": BoothType.choices,
        "hall_form": forms.get("hall_form") or SchemaForm(schema=inputs.HallInput, prefix="hall"),
        "import_form": forms.get("import_form") or SchemaForm(schema=inputs.PlanImportInput, prefix="import"),
        **_editor_plan(fair),
    }


def _editor_plan(fair: Fair) -> dict[str, object]:
    """The plan as the editor draws it (every booth's figures; never cached: staff see each change they make)."""
    layout = plan_layout(fair, show_names=True)
    return {"halls": layout.halls, "counts": layout.counts, "plan_svg": mark_safe(draw(layout, PlanView.EDITOR))}  # noqa: S308 (escaped by draw)


@actor_required(FAIRS_MANAGE)
def plan_editor(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    if request.GET.get("partial") == "plan":
        # After a change the editor redraws the plan and its legend (the counts) from here.
        return render(request, "frontend/fairs/_plan_panel.html", {"fair": fair, **_editor_plan(fair)})
    return render(request, "frontend/fairs/plan_editor.html", _editor_context(request, fair))


def _back_to_editor(fair: Fair) -> HttpResponse:
    return redirect("frontend:fair-plan-editor", fair.slug)


@actor_required(FAIRS_MANAGE)
def fair_transition(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    form = SchemaForm(request.POST, schema=inputs.FairTransitionInput)
    if request.method == "POST" and form.is_valid():
        try:
            services.fair_transition(actor=request.actor, fair_id=fair.pk, transition=form.cleaned_data["action"])
        except ApplicationError as error:
            tell(request, error)
        else:
            messages.success(request, _("The fair's status changed."))
    return _back_to_editor(fair)


@actor_required(FAIRS_MANAGE)
def fair_allocate(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    if request.method == "POST":
        try:
            run = services.allocation_run_once(actor=request.actor, fair_id=fair.pk, once_key=posted_key(request.POST))
        except ApplicationError as error:
            tell(request, error)
        else:
            messages.success(request, _allocation_told(run))
    return _back_to_editor(fair)


def _allocation_told(run: Once[list[services.Allocation]]) -> str:
    """What the run did, counted as it happened (sent again, the form is told the first run's counts)."""
    counts = services.allocation_counts(run.value)
    values = {
        "assigned": format_decimal(counts.assigned),
        "waitlisted": format_decimal(counts.waitlisted),
        "unplaced": format_decimal(counts.approved_without_booth),
    }
    if run.replayed:
        return (
            _(
                "The allocation had already run from this form; it was not run again. It assigned %(assigned)s "
                "booths, put %(waitlisted)s applications on the waitlist and left %(unplaced)s approved applications "
                "without a booth."
            )
            % values
        )
    return (
        _(
            "Allocation done: %(assigned)s booths assigned, %(waitlisted)s applications on the waitlist, "
            "%(unplaced)s approved applications still without a booth."
        )
        % values
    )


@actor_required(FAIRS_MANAGE)
def hall_add(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    form = SchemaForm(request.POST if request.method == "POST" else None, schema=inputs.HallInput, prefix="hall")
    if request.method == "POST" and form.is_valid():
        try:
            services.hall_create(actor=request.actor, fair_id=fair.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Hall added."))
            return _back_to_editor(fair)
    if not form.is_bound:
        return _back_to_editor(fair)
    return invalid(request, "frontend/fairs/plan_editor.html", _editor_context(request, fair, hall_form=form))


@actor_required(FAIRS_MANAGE)
def plan_import(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    if request.method != "POST":
        return _back_to_editor(fair)
    form = SchemaForm(request.POST, request.FILES, schema=inputs.PlanImportInput, prefix="import")
    if form.is_valid():
        try:
            rows = inputs.read_plan_csv(form.cleaned_data["file"].read())
            result = services.plan_import(actor=request.actor, fair_id=fair.pk, rows=rows)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Imported: %(created)d new booths, %(updated)d updated.") % result)
            return _back_to_editor(fair)
    return invalid(request, "frontend/fairs/plan_editor.html", _editor_context(request, fair, import_form=form))


# --- one booth's panel ---------------------------------------------------------------------------
def _booth_or_none(fair: Fair, booth_id: int) -> Booth | None:
    return Booth.objects.select_related("fair", "hall", "zone").filter(fair=fair, pk=booth_id).first()


def _booth(fair: Fair, booth_id: int) -> Booth:
    booth = _booth_or_none(fair, booth_id)
    if booth is None:
        raise Http404()
    return booth


def _booth_form(fair: Fair, booth: Booth, data: Any = None) -> SchemaForm:
    spec = inputs.booth_spec_of(booth)
    initial = {**spec.__dict__, "zone": spec.zone_id}
    return SchemaForm(
        data,
        schema=inputs.BoothInput,
        prefix="booth",
        exclude=("hall",),
        initial=initial,
        # The zones of its hall: a zone is an area of one hall (another hall's, posted from an old page, is refused).
        choices={"zone": [(z.pk, z.name) for z in fair.zones.filter(hall_id=booth.hall_id)]},
    )


def _panel(
    request: MemberRequest,
    fair: Fair,
    booth: Booth | None,
    *,
    form: SchemaForm | None = None,
    assign_form: SchemaForm | None = None,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"fair": fair, "booth": booth, "done": done, "error": error}
    if booth is not None:
        state = policy.booth_state(booth)
        waiting = selectors.applications_for(actor=request.actor, fair=fair).filter(
            status__in=LIVE_APPLICATION_STATUSES
        )
        context.update(
            state=state,
            actions=policy.booth_actions(actor=request.actor, state=state),
            form=form or _booth_form(fair, booth),
            assign_form=assign_form
            or SchemaForm(
                schema=inputs.BoothAssignInput,
                prefix="assign",
                choices={
                    "application": [
                        (a.pk, f"{a.cooperative.name} · {a.get_status_display()} · {a.get_booth_type_display()}")
                        for a in waiting
                        if selectors.live_booth(a) is None
                    ]
                },
            ),
        )
    response = render(request, "frontend/fairs/_booth_panel.html", context, status=status)
    if done:
        response["HX-Trigger"] = "plan-changed"
    return response


@actor_required(FAIRS_MANAGE)
def plan_booth(request: MemberRequest, slug: str, booth_id: int) -> HttpResponse:
    """The booth's panel beside the plan: its form, and the buttons of what may be done with it now."""
    fair = fair_of(request, slug)
    return _panel(request, fair, _booth(fair, booth_id))


@actor_required(FAIRS_MANAGE)
def plan_booth_act(request: MemberRequest, slug: str, booth_id: int, verb: str) -> HttpResponse:
    """A button of the booth's panel: save, assign, free or delete. Answers with the panel again (and tells
    the editor to redraw the plan); a form that is not right comes back with what was typed."""
    fair = fair_of(request, slug)
    try:
        action = BoothAction(verb)
    except ValueError:
        raise Http404() from None
    if request.method != "POST":
        return _panel(request, fair, _booth(fair, booth_id))
    if action == BoothAction.DELETE:
        # Not looked up first: the delete form sent again finds its booth removed by the first send, and says so.
        return _booth_delete(request, fair, booth_id)
    booth = _booth(fair, booth_id)
    actor = request.actor
    try:
        if action == BoothAction.EDIT:
            form = _booth_form(fair, booth, request.POST)
            if not form.is_valid():
                return _panel(request, fair, booth, form=form, status=400)
            try:
                saved = services.booth_update_once(
                    actor=actor,
                    booth_id=booth.pk,
                    change=inputs.BoothChange.whole(inputs.booth_spec(form.cleaned_data)),
                    once_key=posted_key(request.POST),
                )
            except ValidationFailed as error:
                form.add_service_errors(error)
                return _panel(request, fair, booth, form=form, status=400)
            if saved.replayed:
                done = _("Booth %(code)s was already saved from this form; it was not saved again.")
            else:
                done = _("Booth %(code)s saved.")
            done %= {"code": saved.value.code}
        elif action == BoothAction.ASSIGN:
            assign_form = SchemaForm(request.POST, schema=inputs.BoothAssignInput, prefix="assign")
            if not assign_form.is_valid():
                return _panel(request, fair, booth, assign_form=assign_form, status=400)
            assigned = services.booth_assign_once(
                actor=actor,
                application_id=assign_form.cleaned_data["application"],
                booth_id=booth.pk,
                once_key=posted_key(request.POST),
            )
            if assigned.replayed:
                done = _("Booth %(code)s was already assigned to %(name)s from this form; it was not assigned again.")
            else:
                done = _("Booth %(code)s assigned to %(name)s.")
            done %= {"code": booth.code, "name": assigned.value.cooperative.name}
        else:  # BoothAction.RELEASE
            freed = services.booth_release_once(actor=actor, booth_id=booth.pk, once_key=posted_key(request.POST))
            done = _freed_again_told(booth, freed.value) if freed.replayed else _freed_told(booth)
    except ApplicationError as error:
        return _refused(request, fair, booth_id, error)
    return _acted(request, fair, booth_id, done)


def _waitlist_holder(booth: Booth) -> Organisation | None:
    """Who holds `booth` after it was freed: the release offers it to the waitlist, so a holder now is the
    cooperative the waitlist gave it to."""
    holder = policy.booth_state(booth).live
    return None if holder is None else holder.application.cooperative


def _freed_told(booth: Booth) -> str:
    holder = _waitlist_holder(booth)
    if holder is None:
        return _("Booth %(code)s is free again.") % {"code": booth.code}
    return _("Booth %(code)s was freed and given at once to %(name)s from the waitlist.") % {
        "code": booth.code,
        "name": holder.name,
    }


def _freed_again_told(booth: Booth, taken_from: Application) -> str:
    """The same form sent again frees nothing: it says what the first send did, the waitlist's share included."""
    told = {"code": booth.code, "name": taken_from.cooperative.name}
    holder = _waitlist_holder(booth)
    if holder is None:
        return (
            _("Booth %(code)s was already freed from this form (taken back from %(name)s); nothing more was changed.")
            % told
        )
    return _(
        "Booth %(code)s was already freed from this form (taken back from %(name)s) and given at once to "
        "%(holder)s from the waitlist; nothing more was changed."
    ) % {**told, "holder": holder.name}


def _booth_delete(request: MemberRequest, fair: Fair, booth_id: int) -> HttpResponse:
    try:
        removed = services.booth_delete_once(
            actor=request.actor, fair_id=fair.pk, booth_id=booth_id, once_key=posted_key(request.POST)
        )
    except ApplicationError as error:
        return _refused(request, fair, booth_id, error)
    if removed.replayed:
        done = _("Booth %(code)s was already deleted from this form; nothing more was changed.")
    else:
        done = _("Booth %(code)s deleted.")
    return _acted(request, fair, booth_id, done % {"code": removed.value.data["code"]})


def _refused(request: MemberRequest, fair: Fair, booth_id: int, error: ApplicationError) -> HttpResponse:
    """The panel again (of the booth, when it is still there) saying why nothing was done."""
    return _panel(request, fair, _booth_or_none(fair, booth_id), error=page_message(error), status=error.status_code)


def _acted(request: MemberRequest, fair: Fair, booth_id: int, done: str) -> HttpResponse:
    """What was done: with htmx the panel of the booth (none when it was removed) saying so, otherwise the editor."""
    if not request.headers.get("HX-Request"):
        messages.success(request, done)
        return _back_to_editor(fair)
    return _panel(request, fair, _booth_or_none(fair, booth_id), done=done)


# --- the review queue ----------------------------------------------------------------------------
@actor_required(FAIRS_MANAGE)
def review_queue(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    filters = SchemaForm(
        request.GET or None,
        schema=inputs.ApplicationFilter,
        choices={"zone": [(z.pk, z.name) for z in fair.zones.all()], "province": geo.province_choices()},
    )
    context: dict[str, Any] = {"fair": fair, "filters": filters, "applications": []}
    if filters.is_bound and not filters.is_valid():
        return invalid(request, "frontend/fairs/review.html", context)
    chosen = filters.cleaned_data if filters.is_bound else {}
    context["applications"] = selectors.applications_for(actor=request.actor, fair=fair, **chosen)[:300]
    return render(request, "frontend/fairs/review.html", context)


# --- subsidy programmes --------------------------------------------------------------------------
def _programme_initial(programme: SubsidyProgramme | None) -> dict[str, Any]:
    """The form's starting values: the programme's, or sensible defaults for a new one."""
    if programme is None:
        return {
            "year": timezone.localdate().year,
            "rate_standard": 70,
            "requires_verified": True,
            "first_time_priority": True,
            "eligible_kinds": ["cooperative"],
        }
    names = ("name", "funder", "year", "budget", "yearly_cap", "requires_verified", "first_time_priority")
    values: dict[str, Any] = {name: getattr(programme, name) for name in names}
    values.update({name: getattr(programme, name) for name in inputs.RATE_FIELDS})
    values.update(
        eligible_kinds=programme.eligible_kinds, eligible_provinces=[str(c) for c in programme.eligible_provinces]
    )
    return values


@actor_required(FAIRS_MANAGE)
def programmes(request: MemberRequest, programme_id: int | None = None) -> HttpResponse:
    """Staff list the subsidy programmes with what each has committed, and create or change one."""
    actor = request.actor
    editing = get_object_or_404(selectors.programmes(actor=actor), pk=programme_id) if programme_id else None
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.ProgrammeInput,
        initial=_programme_initial(editing),
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = services.programme_save(
                actor=actor,
                programme_id=programme_id,
                spec=inputs.programme_spec(form.cleaned_data),
                once_key=posted_key(request.POST),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            if done.replayed:
                message = _("Programme %(name)s was already saved; it was not saved again.")
            else:
                message = _("Programme %(name)s saved.")
            messages.success(request, message % {"name": done.value.name})
            return redirect("frontend:fair-programmes")
    context = {"programmes": selectors.programmes(actor=actor), "editing": editing, "form": form}
    if form.is_bound:
        return invalid(request, "frontend/fairs/programmes.html", context)
    return render(request, "frontend/fairs/programmes.html", context)
