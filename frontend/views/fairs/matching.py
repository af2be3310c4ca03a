"""Business matching and check-in: buyers register and request meetings; both sides answer, cancel and
record outcomes; staff set up meeting times and tables and scan badges at the entrance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fairs import api, inputs, policy, selectors, services
from fairs.models import Fair, Meeting
from fairs.permissions import FAIRS_MANAGE, FAIRS_MEET
from fairs.policy import FairAction, MeetingAction
from frontend.decorators import actor_required
from frontend.errors import page_message
from frontend.schema_forms import SchemaForm
from frontend.views.fairs.common import fair_of, tell
from market.core.errors import ApplicationError, NotFound, PermissionDenied
from market.core.once import posted_key
from market.core.parsing import format_date, format_decimal
from market.organisations.http import ActorRequest, MemberRequest


# --- buyers: register and request meetings -------------------------------------------------------------
def _request_form(cooperative_id: int, slots: list[Any], data: Any = None) -> SchemaForm:
    """The request form of one exhibitor: its free times in local time, as the meetings list writes them; the
    exhibitor is the card's own (a hidden field, not an id for the buyer to read or change)."""
    form = SchemaForm(
        data,
        schema=inputs.MeetingRequestInput,
        prefix=f"m{cooperative_id}",
        initial={"exhibitor": cooperative_id},
        choices={
            "slot": [(s.pk, date_format(timezone.localtime(s.starts_at), "SHORT_DATETIME_FORMAT")) for s in slots]
        },
    )
    form.fields["exhibitor"].widget = forms.HiddenInput()
    return form


def _matching_page(
    request: MemberRequest,
    fair: Fair,
    *,
    bound: SchemaForm | None = None,
    register: SchemaForm | None = None,
    status: int = 400,
) -> HttpResponse:
    actor = request.actor
    assert actor.organisation_id is not None
    q = inputs.read_filters(inputs.ExhibitorFilter, request.GET)["q"]
    actions = policy.fair_actions(actor=actor, fair=fair)
    rows = []
    if FairAction.BOOK_MEETING in actions:
        for exhibitor in selectors.exhibitors(fair=fair, q=q):
            slots = selectors.free_slots(
                fair=fair, buyer_id=actor.organisation_id, exhibitor_id=exhibitor.application.cooperative_id
            )
            form = _request_form(exhibitor.application.cooperative_id, slots)
            if bound is not None and bound.prefix == form.prefix:
                form = bound
            rows.append({"exhibitor": exhibitor, "slots": slots, "form": form})
    context = {
        "fair": fair,
        "actions": actions,
        "register_form": register or SchemaForm(schema=inputs.RegisterInput),
        "rows": rows,
        "query": q,
    }
    return render(
        request,
        "frontend/fairs/matching.html",
        context,
        status=status if bound is not None or register is not None else 200,
    )


@actor_required(FAIRS_MEET)
def matching(request: MemberRequest, slug: str) -> HttpResponse:
    return _matching_page(request, fair_of(request, slug))


def _back_to_matching(fair: Fair, q: str = "") -> HttpResponse:
    url = reverse("frontend:fair-matching", args=[fair.slug])
    return redirect(f"{url}?q={q}" if q else url)


@actor_required(FAIRS_MEET)
def matching_register(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    if request.method != "POST":
        return _back_to_matching(fair)
    form = SchemaForm(request.POST, schema=inputs.RegisterInput)
    if not form.is_valid():
        return _matching_page(request, fair, register=form)
    try:
        # Sent twice (a double click), the form's one-time key answers with the first registration.
        services.buyer_register_once(
            actor=request.actor, fair_id=fair.pk, once_key=posted_key(request.POST), **form.cleaned_data
        )
    except (PermissionDenied, NotFound) as error:
        tell(request, error)
    except ApplicationError as error:
        form.add_service_errors(error)
        return _matching_page(request, fair, register=form, status=error.status_code)
    else:
        messages.success(request, _("You are registered for business matching. Your badge is ready."))
    return _back_to_matching(fair)


@actor_required(FAIRS_MEET)
def meeting_request(request: MemberRequest, slug: str, exhibitor_id: int) -> HttpResponse:
    fair = fair_of(request, slug)
    q = inputs.read_filters(inputs.ExhibitorFilter, request.GET)["q"]
    if request.method != "POST":
        return _back_to_matching(fair, q)
    assert request.actor.organisation_id is not None
    slots = selectors.free_slots(fair=fair, buyer_id=request.actor.organisation_id, exhibitor_id=exhibitor_id)
    form = _request_form(exhibitor_id, slots, request.POST)
    if form.is_valid():
        try:
            # Sent twice (a double click), the form's one-time key answers with the first request's meeting.
            meeting = services.meeting_request_once(
                actor=request.actor,
                fair_id=fair.pk,
                exhibitor_id=form.cleaned_data["exhibitor"],
                slot_id=form.cleaned_data["slot"],
                message=form.cleaned_data["message"],
                once_key=posted_key(request.POST),
            ).value
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Meeting requested with %(name)s. They will accept or decline.") % {"name": meeting.exhibitor.name},
            )
            return _back_to_matching(fair, q)
    return _matching_page(request, fair, bound=form)


# --- both sides: the meetings list -----------------------------------------------------------------
def _outcome_form(meeting: Meeting, links: selectors.OutcomeLinks | None, data: Any = None) -> SchemaForm:
    return SchemaForm(
        data,
        schema=inputs.OutcomeInput,
        prefix=f"o{meeting.pk}",
        choices={
            "rfq_id": [
                (r.pk, f"{r.title} · {format_date(r.created_at.date())}") for r in (links.rfqs if links else [])
            ],
            "order_id": [(o.pk, str(o.number)) for o in (links.orders if links else [])],
        },
    )


def _meetings_page(
    request: MemberRequest, *, bound: tuple[int, MeetingAction, SchemaForm] | None = None, status: int = 200
) -> HttpResponse:
    actor = request.actor
    filters = inputs.read_filters(inputs.MeetingFilter, request.GET)
    fair = selectors.fair_get(actor=actor, fair_id=filters["fair"]) if filters["fair"] else None
    items = list(selectors.meetings_for(actor=actor, fair=fair, status=filters["status"])[:300])
    actions = {m.pk: policy.meeting_actions(actor=actor, meeting=m) for m in items}
    links = selectors.outcome_links_for(meetings=[m for m in items if MeetingAction.RECORD_OUTCOME in actions[m.pk]])
    rows = []
    for meeting in items:
        outcome = _outcome_form(meeting, links.get(meeting.pk))
        decline = SchemaForm(schema=inputs.DeclineInput, prefix=f"d{meeting.pk}")
        # The forms on the card: those of the actions offered, and the one just refused (someone acted first),
        # kept with what was typed and why, without its button.
        shown = actions[meeting.pk]
        if bound is not None and bound[0] == meeting.pk:
            shown = shown | {bound[1]}
            outcome, decline = (bound[2], decline) if bound[1] == MeetingAction.RECORD_OUTCOME else (outcome, bound[2])
        rows.append(
            {"meeting": meeting, "actions": actions[meeting.pk], "shown": shown, "outcome": outcome, "decline": decline}
        )
    return render(request, "frontend/fairs/meetings.html", {"rows": rows}, status=status)


@actor_required()
def meetings(request: MemberRequest) -> HttpResponse:
    return _meetings_page(request)


@actor_required()
def meeting_act(request: MemberRequest, meeting_id: int, verb: str) -> HttpResponse:
    """A button of a meeting: accept, decline (with a reason), cancel, record an outcome."""
    try:
        action = MeetingAction(verb)
    except ValueError:
        raise Http404() from None
    if request.method != "POST":
        return redirect("frontend:fair-meetings")
    actor = request.actor
    try:
        if action in (MeetingAction.DECLINE, MeetingAction.RECORD_OUTCOME):
            return _meeting_form_act(request, meeting_id, action)
        if action == MeetingAction.ACCEPT:
            services.meeting_accept(actor=actor, meeting_id=meeting_id)
            messages.success(request, _("Meeting accepted."))
        else:
            services.meeting_cancel(actor=actor, meeting_id=meeting_id)
            messages.success(request, _("Meeting cancelled."))
    except ApplicationError as error:
        tell(request, error)
    return redirect("frontend:fair-meetings")


def _meeting_form_act(request: MemberRequest, meeting_id: int, action: MeetingAction) -> HttpResponse:
    """Decline or record an outcome: what was typed comes back on the meeting's card with what is wrong, or why
    the service refused it when someone acted first (the buyer cancelled meanwhile); only a press the page never
    offered this person (PermissionDenied, NotFound: raised to meeting_act) goes back to the list."""
    actor = request.actor
    form: SchemaForm
    press: Callable[[], object]
    if action == MeetingAction.DECLINE:
        form = SchemaForm(request.POST, schema=inputs.DeclineInput, prefix=f"d{meeting_id}")
        done = _("Meeting declined.")

        def press() -> object:
            return services.meeting_decline(actor=actor, meeting_id=meeting_id, **form.cleaned_data)
    else:
        meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
        form = _outcome_form(meeting, selectors.outcome_links_for(meetings=[meeting]).get(meeting.pk), request.POST)
        done = _("Outcome recorded.")

        def press() -> object:
            outcome = inputs.OutcomeSpec(**form.cleaned_data)
            return services.meeting_outcome_record(actor=actor, meeting_id=meeting_id, outcome=outcome)

    if not form.is_valid():
        return _meetings_page(request, bound=(meeting_id, action, form), status=400)
    try:
        press()
    except (PermissionDenied, NotFound):
        raise
    except ApplicationError as error:
        form.add_service_errors(error)
        return _meetings_page(request, bound=(meeting_id, action, form), status=error.status_code)
    messages.success(request, done)
    return redirect("frontend:fair-meetings")


# --- staff: meeting times and tables ----------------------------------------------------------------
def _as_typed_text(form: SchemaForm, hints: dict[str, str]) -> None:
    """Date and time typed as people write them (09/03/2026, 14h30): the browser's pickers cannot be
    typed into that way in every locale."""
    for name, hint in hints.items():
        form.fields[name].widget = forms.TextInput(attrs={"placeholder": hint, "autocomplete": "off"})


def _setup_page(
    request: MemberRequest, fair: Fair, *, slots_form: SchemaForm | None = None, tables_form: SchemaForm | None = None
) -> HttpResponse:
    if slots_form is None:
        slots_form = SchemaForm(
            schema=inputs.SlotsInput,
            prefix="slots",
            initial={"day": format_date(fair.starts_on), "first": fair.day_opens_at.strftime("%H:%M"), "count": 6},
        )
    _as_typed_text(slots_form, {"day": "dd/mm/yyyy", "first": "14h30"})
    context = {
        "fair": fair,
        "actions": policy.fair_actions(actor=request.actor, fair=fair),
        "slots_form": slots_form,
        "tables_form": tables_form or SchemaForm(schema=inputs.TablesInput, prefix="tables", initial={"count": 4}),
        "slots": fair.slots.all(),
        "tables": fair.tables.all(),
    }
    status = 400 if slots_form.is_bound or (tables_form is not None and tables_form.is_bound) else 200
    return render(request, "frontend/fairs/matching_setup.html", context, status=status)


@actor_required(FAIRS_MANAGE)
def matching_setup(request: MemberRequest, slug: str) -> HttpResponse:
    return _setup_page(request, fair_of(request, slug))


@actor_required(FAIRS_MANAGE)
def slots_add(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    if request.method != "POST":
        return redirect("frontend:fair-matching-setup", fair.slug)
    form = SchemaForm(request.POST, schema=inputs.SlotsInput, prefix="slots")
    if form.is_valid():
        try:
            made = services.slots_create(actor=request.actor, fair_id=fair.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(n)s meeting times set.") % {"n": format_decimal(len(made))})
            return redirect("frontend:fair-matching-setup", fair.slug)
    return _setup_page(request, fair, slots_form=form)


@actor_required(FAIRS_MANAGE)
def tables_add(request: MemberRequest, slug: str) -> HttpResponse:
    fair = fair_of(request, slug)
    if request.method != "POST":
        return redirect("frontend:fair-matching-setup", fair.slug)
    form = SchemaForm(request.POST, schema=inputs.TablesInput, prefix="tables")
    if form.is_valid():
        try:
            services.tables_create(actor=request.actor, fair_id=fair.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Tables added."))
            return redirect("frontend:fair-matching-setup", fair.slug)
    return _setup_page(request, fair, tables_form=form)


# --- staff: check-in ---------------------------------------------------------------------------------
def _checkin_context(request: ActorRequest, fair: Fair) -> dict[str, Any]:
    state = policy.fair_state(actor=request.actor, fair=fair)
    return {
        "fair": fair,
        "counts": selectors.checkin_counts(fair=fair),
        "devices": selectors.checkin_devices(fair=fair),
        # What the page says when it answers a scan by itself, offline (fairs/checkin.js fills the name in).
        "offline_texts": {
            "welcome": _("Welcome, %(name)s: checked in."),
            "already": _("%(name)s is already checked in."),
            "revoked": _("Badge revoked: %(name)s. Do not let them in with this badge."),
            "other_fair": _("Badge %(code)s is for another fair, %(fair)s: not valid at this one."),
        },
        "actions": policy.FAIR_POLICY.actions(actor=request.actor, obj=state),
        "closed": policy.FAIR_POLICY.state_refusal(FairAction.CHECK_IN, state) or "",
    }


@actor_required(FAIRS_MANAGE)
def checkin(request: MemberRequest, slug: str) -> HttpResponse:
    """The entrance: scan or type a badge's code. The answer comes with the counters (htmx swaps both)."""
    fair = fair_of(request, slug)
    if request.GET.get("partial") == "counter":
        return render(request, "frontend/fairs/_checkin_counter.html", _checkin_context(request, fair))
    form = SchemaForm(request.POST if request.method == "POST" else None, schema=inputs.CheckInInput)
    result: dict[str, Any] | None = None
    if request.method == "POST":
        if form.is_valid():
            try:
                data = form.cleaned_data
                scan = services.checkin_scan(
                    actor=request.actor, fair_id=fair.pk, code=data["code"], device_id=data["device"]
                )
                result = api.checkin_payload(scan, selectors.checkin_counts(fair=fair))
            except ApplicationError as error:
                result = {"error": page_message(error)}
        else:
            result = {"error": " ".join(str(e) for errors in form.errors.values() for e in errors)}
    context = {**_checkin_context(request, fair), "form": form, "result": result}
    if request.headers.get("HX-Request"):
        # The answer to a scan carries the counters too (swapped out of band), so they move at once.
        return render(request, "frontend/fairs/_checkin_result.html", {**context, "swap_counter": True})
    return render(request, "frontend/fairs/checkin.html", context)
