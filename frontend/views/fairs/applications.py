"""Booth applications: applying (with what each booth would cost after the subsidy), the cooperative's list,
and one application's page, where staff decide and the cooperative withdraws or pays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework import serializers

from catalog.models import Product, ProductStatus
from fairs import inputs, policy, selectors, services
from fairs.models import Application, ApplicationEvent, Badge, BoothType, Fair
from fairs.permissions import FAIRS_APPLY, FAIRS_EXHIBIT
from fairs.policy import ApplicationAction, FairAction
from frontend.decorators import actor_required
from frontend.errors import page_message
from frontend.schema_forms import SchemaForm
from frontend.views.fairs.common import fair_of, invalid
from market.core.errors import ApplicationError, NotFound, PermissionDenied
from market.core.once import posted_key
from market.core.parsing import format_money
from market.organisations.http import MemberRequest
from market.organisations.models import SELLER_KINDS, Organisation
from market.organisations.permissions import Actor
from market.payments.models import Payable


# --- applying ------------------------------------------------------------------------------------
def _booth_label(quote: selectors.BoothQuote) -> str:
    booth = quote.booth
    parts = [booth.code, booth.get_booth_type_display()]
    if booth.zone:
        parts.append(booth.zone.name)
    if booth.cold_storage:
        parts.append(_("cold storage"))
    if quote.subsidy:
        parts.append(
            _("you pay %(due)s of %(price)s") % {"due": format_money(quote.due), "price": format_money(quote.price)}
        )
    else:
        parts.append(format_money(quote.price))
    return " · ".join(parts)


def _apply_form(request: MemberRequest, outlook: selectors.FeeOutlook, fair_zones: Any) -> SchemaForm:
    organisation = request.actor.organisation
    assert organisation is not None
    products = Product.objects.filter(cooperative=organisation, status=ProductStatus.PUBLISHED).order_by("name_vi")
    partners = Organisation.objects.filter(kind__in=SELLER_KINDS).exclude(pk=organisation.pk)
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.ApplicationInput,
        initial={"booth_type": BoothType.STANDARD},
        choices={
            "zone_id": [(z.pk, z.name) for z in fair_zones],
            "preferences": [(q.booth.pk, _booth_label(q)) for q in outlook.quotes],
            "products": [(p.pk, p.name) for p in products],
            "co_exhibitors": [(o.pk, o.name) for o in partners.order_by("name")[:300]],
        },
    )
    # Hundreds of cooperatives: a list to pick from, not a wall of checkboxes.
    form.fields["co_exhibitors"].widget = forms.SelectMultiple(attrs={"size": "4"})
    return form


@actor_required(FAIRS_APPLY)
def fair_apply(request: MemberRequest, slug: str) -> HttpResponse:
    """The application form, with each free booth's price, the subsidy the fair's programme would give this
    cooperative and what it would pay. A cooperative that has applied already is told so before any form."""
    actor = request.actor
    fair = fair_of(request, slug)
    assert actor.organisation is not None
    state = policy.fair_state(actor=actor, fair=fair)
    refusal = policy.FAIR_POLICY.state_refusal(FairAction.APPLY, state)
    if refusal is not None and request.method != "POST":
        return _apply_refused(request, fair, refusal)
    outlook = selectors.fee_outlook(fair=fair, cooperative=actor.organisation)
    form = _apply_form(request, outlook, fair.zones.all())
    if request.method == "POST" and form.is_valid():
        # The service first, even when the cooperative has applied by now: the same form sent again (a double
        # click) answers with the application its first send made, under the form's one-time key.
        try:
            done = services.application_submit_once(
                actor=actor,
                fair_id=fair.pk,
                request=inputs.ApplicationRequest(**form.cleaned_data),
                once_key=posted_key(request.POST),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your application was sent. The alliance will decide and let you know."))
            return redirect("frontend:fair-application", done.value.pk)
    if refusal is not None:
        return _apply_refused(request, fair, refusal, status=409)
    chosen = [str(v) for v in form["preferences"].value() or []] if form.is_bound else []
    context = {
        "fair": fair,
        "form": form,
        "outlook": outlook,
        "choices": [(n, chosen[n - 1] if n <= len(chosen) else "") for n in range(1, inputs.MAX_PREFERENCES + 1)],
    }
    if form.is_bound:
        return invalid(request, "frontend/fairs/apply.html", context)
    return render(request, "frontend/fairs/apply.html", context)


def _apply_refused(request: MemberRequest, fair: Fair, refusal: str, *, status: int = 200) -> HttpResponse:
    """Why the cooperative cannot apply now (applications closed, applied already: with a link to it), no form."""
    context = {"fair": fair, "refusal": refusal, "mine": selectors.live_application(actor=request.actor, fair=fair)}
    return render(request, "frontend/fairs/apply.html", context, status=status)


@actor_required(FAIRS_EXHIBIT)
def my_applications(request: MemberRequest) -> HttpResponse:
    items = selectors.applications_for(actor=request.actor).order_by("-created_at")[:100]
    return render(request, "frontend/fairs/my_applications.html", {"applications": items})


# --- one application -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Verb:
    """A button of the application page: its form's schema and the service it presses."""

    schema: type[serializers.Serializer] | None
    press: Callable[[Actor, int, Mapping[str, Any]], str]  # returns what to tell the person


def _assign(actor: Actor, application_id: int, fields: Mapping[str, Any]) -> str:
    application = services.booth_assign(actor=actor, application_id=application_id, booth_id=fields["booth"])
    booth = selectors.live_booth(application)
    return _("Booth %(code)s assigned.") % {"code": booth.code if booth else ""}


def _approve(actor: Actor, application_id: int, fields: Mapping[str, Any]) -> str:
    services.application_approve(actor=actor, application_id=application_id)
    return _("Approved.")


def _waitlist(actor: Actor, application_id: int, fields: Mapping[str, Any]) -> str:
    services.application_waitlist(actor=actor, application_id=application_id, note=fields["reason"])
    return _("Added to the waitlist.")


def _reject(actor: Actor, application_id: int, fields: Mapping[str, Any]) -> str:
    services.application_reject(actor=actor, application_id=application_id, reason=fields["reason"])
    return _("Rejected; the cooperative sees the reason.")


def _release(actor: Actor, application_id: int, fields: Mapping[str, Any]) -> str:
    services.assignment_release(actor=actor, application_id=application_id, reason=fields["reason"])
    return _("The booth is released.")


def _withdraw(actor: Actor, application_id: int, fields: Mapping[str, Any]) -> str:
    services.application_withdraw(actor=actor, application_id=application_id, reason=fields["reason"])
    return _("The application is withdrawn.")


VERBS: dict[ApplicationAction, Verb] = {
    ApplicationAction.ASSIGN_BOOTH: Verb(inputs.AssignInput, _assign),
    ApplicationAction.APPROVE: Verb(None, _approve),
    ApplicationAction.WAITLIST: Verb(inputs.ApplicationNoteInput, _waitlist),
    ApplicationAction.REJECT: Verb(inputs.ApplicationRejectInput, _reject),
    ApplicationAction.RELEASE_BOOTH: Verb(inputs.ApplicationNoteInput, _release),
    ApplicationAction.WITHDRAW: Verb(inputs.ApplicationNoteInput, _withdraw),
}


def _application(request: MemberRequest, application_id: int) -> Application:
    try:
        return selectors.application_get_for(actor=request.actor, application_id=application_id)
    except NotFound:
        raise Http404() from None


def _verb_form(
    action: ApplicationAction, schema: type[serializers.Serializer], booths: list[Any], data: Any = None
) -> SchemaForm:
    """The form of one verb, blank or bound to what was posted; the booth to assign is picked from the free ones."""
    return SchemaForm(
        data,
        schema=schema,
        prefix=action.value,
        initial={"booth": booths[0].pk} if booths else {},
        choices={
            "booth": [(b.pk, f"{b.code} · {b.get_booth_type_display()} · {format_money(b.price)}") for b in booths]
        },
    )


def _forms(booths: list[Any], bound: tuple[ApplicationAction, SchemaForm] | None = None) -> dict[str, SchemaForm]:
    """A form per verb with fields; the one just posted keeps what was typed and its errors."""
    forms = {
        action.value: _verb_form(action, verb.schema, booths)
        for action, verb in VERBS.items()
        if verb.schema is not None
    }
    if bound is not None:
        forms[bound[0].value] = bound[1]
    return forms


def _page(
    request: MemberRequest,
    application: Application,
    *,
    bound: tuple[ApplicationAction, SchemaForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    actions = policy.application_actions(actor=actor, application=application)
    booths = selectors.booth_choices_for(application) if ApplicationAction.ASSIGN_BOOTH in actions else []
    booth = selectors.live_booth(application)
    # Before a booth is assigned, the cooperative sees what each of its choices would cost it now.
    outlook = None
    if booth is None and ApplicationAction.WITHDRAW in actions:
        outlook = selectors.fee_outlook(fair=application.fair, cooperative=application.cooperative)
    preferences = list(application.preferences.select_related("booth"))
    context = {
        "application": application,
        "actions": actions,
        # The forms on the page: those of the actions offered, and the one just refused (someone acted first),
        # kept with what was typed and why, without its button.
        "shown": actions | {bound[0]} if bound is not None else actions,
        "forms": _forms(booths, bound),
        # With none free the state allows assigning, but an empty list and its button could only be refused.
        "free_booths": bool(booths),
        "booth": booth,
        "payable": Payable.objects.filter(kind=services.BOOTH_FEE_KIND, object_id=str(application.pk)).first()
        if ApplicationAction.PAY_FEE in actions
        else None,
        "events": ApplicationEvent.objects.filter(application=application).select_related("actor_user"),
        "history": selectors.cooperative_history(actor=actor, cooperative_id=application.cooperative_id).exclude(
            pk=application.pk
        ),
        "is_staff": selectors.is_staff(actor),
        "preferences": [(p, outlook.quote(p.booth_id) if outlook else None) for p in preferences],
        "products": application.products.all(),
        "co_exhibitors": application.co_exhibitors.all(),
        "badge": Badge.objects.filter(fair=application.fair, organisation=application.cooperative).first(),
    }
    return render(request, "frontend/fairs/application.html", context, status=status)


@actor_required()
def application_detail(request: MemberRequest, application_id: int) -> HttpResponse:
    return _page(request, _application(request, application_id))


@actor_required()
def application_act(request: MemberRequest, application_id: int, verb: str) -> HttpResponse:
    """A button of the application page pressed: its form read by its schema, then its service."""
    if request.method != "POST":
        return redirect("frontend:fair-application", application_id)
    application = _application(request, application_id)
    try:
        action = ApplicationAction(verb)
        chosen = VERBS[action]
    except (ValueError, KeyError):
        raise Http404() from None
    form = None
    if chosen.schema is not None:
        # Bound with the booths it offered, so that it comes back as the same list if it is refused.
        booths = selectors.booth_choices_for(application) if action == ApplicationAction.ASSIGN_BOOTH else []
        form = _verb_form(action, chosen.schema, booths, request.POST)
    if form is not None and not form.is_valid():
        return _page(request, application, bound=(action, form), status=400)
    try:
        done = chosen.press(request.actor, application.pk, form.cleaned_data if form is not None else {})
    except ApplicationError as error:
        # A press the page never offered this person (not their side, not their role) has nothing typed to keep;
        # neither has a button without a form.
        if form is None or isinstance(error, PermissionDenied | NotFound):
            messages.error(request, page_message(error))
            return redirect("frontend:fair-application", application_id)
        # Refused for what was typed, or because someone acted first (the application withdrawn or decided
        # meanwhile): the form again with what was typed and why, at the form.
        form.add_service_errors(error)
        return _page(request, _application(request, application_id), bound=(action, form), status=error.status_code)
    messages.success(request, done)
    return redirect("frontend:fair-application", application_id)
