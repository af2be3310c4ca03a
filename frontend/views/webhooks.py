"""Organisation → Webhooks: the endpoints, their secrets (shown once), the delivery log with "send again".
Thin: every write is a market.integrations service, every read a selector, every button a policy action."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.decorators import actor_required
from frontend.errors import say_refused
from frontend.forms import WebhookEndpointForm, WebhookRotateSecretForm
from market.core.errors import ApplicationError, NotFound
from market.core.inputs import InputMode, read_input
from market.core.once import posted_key
from market.integrations import selectors, services
from market.integrations.config import webhook_settings
from market.integrations.inputs import EndpointSwitch, EndpointSwitchInput
from market.integrations.models import WebhookEndpoint
from market.integrations.permissions import WEBHOOKS_MANAGE
from market.integrations.policy import delivery_actions, endpoint_actions
from market.organisations.http import MemberRequest

LOG_SIZE = 50


def _with_secret(response: HttpResponse, secret: str | None) -> HttpResponse:
    if secret:
        response["Cache-Control"] = "no-store"  # the secret must not be kept by the browser or a proxy
    return response


@actor_required(WEBHOOKS_MANAGE)
def endpoint_list(request: MemberRequest) -> HttpResponse:
    """The organisation's endpoints, and a new one: its secret is on the answer to the POST and nowhere else."""
    form = WebhookEndpointForm(request.POST or None)
    secret = None
    created: WebhookEndpoint | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.endpoint_create_once(
                actor=request.actor, once_key=posted_key(request.POST), **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            form = WebhookEndpointForm()
    context = {
        "endpoints": selectors.endpoint_list_for(actor=request.actor),
        "form": form,
        "new_secret": secret,
        "created": created,
    }
    response = render(request, "frontend/webhooks/list.html", context, status=400 if form.errors else 200)
    return _with_secret(response, secret)


def _detail_page(
    request: MemberRequest,
    endpoint: WebhookEndpoint,
    *,
    form: WebhookEndpointForm | None = None,
    rotate_form: WebhookRotateSecretForm | None = None,
    new_secret: str | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor
    config = webhook_settings()
    deliveries = selectors.delivery_list_for(actor=actor, endpoint_id=endpoint.pk).prefetch_related("attempt_log")
    context = {
        "endpoint": endpoint,
        "actions": endpoint_actions(actor=actor, endpoint=endpoint),
        "form": form or WebhookEndpointForm(initial={**_initial(endpoint)}),
        "rotate_form": rotate_form or WebhookRotateSecretForm(),
        "deliveries": [(d, delivery_actions(actor=actor, delivery=d)) for d in deliveries[:LOG_SIZE]],
        "new_secret": new_secret,
        "keep_delivered_days": config.keep_delivered.days,
        "keep_failed_days": config.keep_failed.days,
    }
    return _with_secret(render(request, "frontend/webhooks/detail.html", context, status=status), new_secret)


def _initial(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {"url": endpoint.url, "description": endpoint.description, "events": list(endpoint.events)}


@actor_required(WEBHOOKS_MANAGE)
def endpoint_detail(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    """Edit the URL and the events; below, the delivery log."""
    if request.method != "POST":
        return _detail_page(request, selectors.endpoint_get_for(actor=request.actor, endpoint_id=endpoint_id))
    try:
        endpoint = selectors.endpoint_get_for(actor=request.actor, endpoint_id=endpoint_id)
    except NotFound:
        return _gone(request)
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_update(actor=request.actor, endpoint_id=endpoint.pk, **form.cleaned_data)
        except NotFound:
            return _gone(request)
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("frontend:webhook-detail", endpoint.pk)
    return _detail_page(request, endpoint, form=form, status=400)


@require_POST
@actor_required(WEBHOOKS_MANAGE)
def endpoint_rotate(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    try:
        endpoint = selectors.endpoint_get_for(actor=request.actor, endpoint_id=endpoint_id)
    except NotFound:
        return _gone(request)
    form = WebhookRotateSecretForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = services.endpoint_rotate_secret_once(
                actor=request.actor, once_key=posted_key(request.POST), endpoint_id=endpoint.pk, **form.cleaned_data
            )
        except NotFound:
            return _gone(request)
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            return _detail_page(request, endpoint, new_secret=secret)
    return _detail_page(request, endpoint, rotate_form=form, status=400)


def _gone(request: MemberRequest) -> HttpResponse:
    """The endpoint was removed meanwhile (a double click on "Remove", another tab): back to the list, saying so.
    Another organisation's (a page kept open across a switch of organisation) is told the same: nothing leaks."""
    messages.error(request, _("This endpoint was removed: the list below is up to date."))
    return redirect("frontend:webhooks")


@require_POST
@actor_required(WEBHOOKS_MANAGE)
def endpoint_switch(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    """Enable a disabled endpoint, or disable an enabled one (the button shown is the one the policy allows).
    Anything but the two buttons' values is refused by the schema, told on the page, and changes nothing."""
    try:
        action = read_input(EndpointSwitchInput, request.POST, mode=InputMode.FORM)["action"]
        if action == EndpointSwitch.ENABLE:
            services.endpoint_enable(actor=request.actor, endpoint_id=endpoint_id)
            messages.success(request, _("Endpoint enabled: deliveries resume."))
        else:
            services.endpoint_disable(actor=request.actor, endpoint_id=endpoint_id)
            messages.success(request, _("Endpoint disabled: nothing more is sent to it until you enable it."))
    except NotFound:
        return _gone(request)
    except ApplicationError as error:
        say_refused(request, error)
    return redirect("frontend:webhook-detail", endpoint_id)


@require_POST
@actor_required(WEBHOOKS_MANAGE)
def endpoint_ping(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    try:
        services.endpoint_ping(actor=request.actor, endpoint_id=endpoint_id)
    except NotFound:
        return _gone(request)
    except ApplicationError as error:  # disabled meanwhile
        say_refused(request, error)
    else:
        messages.success(request, _("Test event queued: it appears in the log below within seconds."))
    return redirect("frontend:webhook-detail", endpoint_id)


@require_POST
@actor_required(WEBHOOKS_MANAGE)
def endpoint_delete(request: MemberRequest, endpoint_id: int) -> HttpResponse:
    try:
        services.endpoint_delete(actor=request.actor, endpoint_id=endpoint_id)
    except NotFound:
        return _gone(request)
    messages.success(request, _("Endpoint removed."))
    return redirect("frontend:webhooks")


@require_POST
@actor_required(WEBHOOKS_MANAGE)
def delivery_send_again(request: MemberRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    """From the endpoint's log, back to it. A log entry the nightly prune removed since the page was opened is
    told there; another organisation's (or another endpoint's) is told the same, so nothing leaks."""
    try:
        endpoint = selectors.endpoint_get_for(actor=request.actor, endpoint_id=endpoint_id)
    except NotFound:
        return _gone(request)
    try:
        delivery = selectors.delivery_get_for(actor=request.actor, endpoint_id=endpoint.pk, delivery_id=delivery_id)
        services.delivery_send_again(actor=request.actor, delivery_id=delivery.pk)
    except NotFound:
        messages.error(
            request,
            _(
                "This delivery is no longer kept in the log, so it cannot be sent again. If your system missed the "
                "event, read the data it was about again through the API; the log below is up to date."
            ),
        )
    except ApplicationError as error:  # sent again already (a double click): still being sent
        say_refused(request, error)
    else:
        messages.success(request, _("The event will be sent again (same id) within seconds."))
    return redirect("frontend:webhook-detail", endpoint.pk)
