"""Notifications: the inbox and the bell, preferences, and for alliance staff the delivery log and templates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from frontend.decorators import actor_required
from frontend.errors import page_message
from frontend.forms import add_service_errors
from frontend.schema_forms import SchemaForm
from market.core.errors import ApplicationError
from market.core.inputs import read_query
from market.core.security import csp_allow
from market.notifications import selectors, services
from market.notifications.config import channel_available_for, zalo_templates
from market.notifications.inputs import DeliveryLogQuery, DeliveryTab, InboxQuery, TemplatePreviewQuery
from market.notifications.models import Channel, Group, Notification, Status
from market.notifications.permissions import NOTIFICATIONS_MANAGE
from market.notifications.policy import delivery_actions
from market.notifications.registry import TEMPLATE_PARTS, find_kind
from market.notifications.rendering import (
    RenderError,
    masked_context,
    render_email,
    render_inbox_line,
    render_sms,
)
from market.organisations.http import ActorRequest, MemberRequest

INBOX_PAGE = 30
LOG_PAGE = 50
WAITING = (Status.PENDING, Status.SENDING, Status.DELIVERING, Status.HELD)


# --- the inbox and the bell ----------------------------------------------------------------------
@login_required
def inbox(request: MemberRequest) -> HttpResponse:
    """Opening the inbox marks what it shows as read; the page still shows which entries were new."""
    if request.method == "POST":
        services.inbox_mark_all_read(user=request.user)
        messages.success(request, _("All notifications are marked as read."))
        return redirect("frontend:notifications")
    before = read_query(InboxQuery, request.GET).get("before")
    entries = selectors.inbox_for(user=request.user, before_id=before, limit=INBOX_PAGE + 1)
    more = len(entries) > INBOX_PAGE
    entries = entries[:INBOX_PAGE]
    services.inbox_mark_read(user=request.user, notification_ids=[e.id for e in entries if e.unread])
    context = {
        "entries": entries,
        "older": entries[-1].id if more and entries else None,
        "unread_notifications": selectors.unread_count(user=request.user),
    }
    return render(request, "frontend/notifications/inbox.html", context)


@login_required
def notification_open(request: MemberRequest, notification_id: int) -> HttpResponse:
    notification = services.inbox_open(user=request.user, notification_id=notification_id)
    entry = selectors.inbox_entry(notification)
    target = entry.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("frontend:notifications")


def bell(request: ActorRequest) -> HttpResponse:
    """The bell alone, for htmx to refresh the count now and then (204, nothing to swap, once logged out)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(
        request,
        "frontend/notifications/bell.html",
        {"unread_notifications": selectors.unread_count(user=request.user)},
    )


# --- preferences ---------------------------------------------------------------------------------
def _field_name(group: str, channel: str) -> str:
    return f"{group}__{channel}"


class PreferencesForm(forms.Form):
    daily_digest = forms.BooleanField(
        label=gettext_lazy("Send me one e-mail a day instead of one per event"),
        required=False,
        help_text=gettext_lazy(
            "Invitations and other urgent messages still come at once; the summary leaves at 17:00."
        ),
    )

    def __init__(self, *args: Any, matrix: selectors.PreferenceMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        self.fields["daily_digest"].initial = matrix.daily_digest
        for cell in matrix.cells.values():
            self.fields[_field_name(cell.group, cell.channel)] = forms.BooleanField(
                required=False, initial=cell.enabled, disabled=not cell.available
            )

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for group, label in self.matrix.groups:
            cells = []
            for channel, channel_label in self.matrix.channels:
                cell = self.matrix.cells[(group, channel)]
                cells.append({"field": self[_field_name(group, channel)], "label": channel_label, "cell": cell})
            rows.append({"group": group, "label": label, "cells": cells})
        return rows

    def choices(self) -> dict[tuple[Group, Channel], bool]:
        return {
            (Group(cell.group), Channel(cell.channel)): bool(
                self.cleaned_data.get(_field_name(cell.group, cell.channel))
            )
            for cell in self.matrix.cells.values()
            if cell.available
        }


@login_required
def preferences(request: MemberRequest) -> HttpResponse:
    matrix = selectors.preferences_for(user=request.user)
    form = PreferencesForm(request.POST or None, matrix=matrix)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                actor=request.actor,
                enabled=form.choices(),
                daily_digest=form.cleaned_data["daily_digest"],
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your choices are saved."))
            return redirect("frontend:notification-preferences")
    unavailable = [label for channel, label in Channel.choices if not matrix.cells[(Group.ACCOUNT, channel)].available]
    context = {"form": form, "matrix": matrix, "unavailable": unavailable}
    return render(request, "frontend/notifications/preferences.html", context, status=400 if form.errors else 200)


# --- staff: the delivery log ---------------------------------------------------------------------
class DeliveryFilterForm(SchemaForm):
    """The log's filters, rendered from the same schema that reads them (page and API)."""

    schema = DeliveryLogQuery

    def __init__(self, data: Any, *, kinds: list[Any]) -> None:
        everything = [("", gettext_lazy("All"))]
        super().__init__(
            data,
            exclude=("problems", "tab", "before"),
            choices={
                "status": everything + list(Status.choices),
                "channel": everything + list(Channel.choices),
                "group": everything + list(Group.choices),
                "kind": everything + [(k.name, k.label) for k in kinds],
            },
        )


@actor_required(NOTIFICATIONS_MANAGE)
def delivery_log(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    query = read_query(DeliveryLogQuery, request.GET)
    tab = query.pop("tab", DeliveryTab.ALL)
    before = query.pop("before", None)
    kinds = selectors.kinds_for_staff(actor=actor)
    filters = {key: value for key, value in query.items() if key != "problems"}
    queryset = selectors.delivery_log_for(actor=actor, problems=tab == DeliveryTab.PROBLEMS, **filters)
    if tab == DeliveryTab.WAITING:
        queryset = queryset.filter(status__in=WAITING)
    if before:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: LOG_PAGE + 1])
    more = len(rows) > LOG_PAGE
    rows = rows[:LOG_PAGE]
    labels = {kind.name: kind.label for kind in kinds}
    query_string = request.GET.copy()
    query_string.pop("before", None)
    older = None
    if more and rows:
        query_string["before"] = str(rows[-1].pk)
        older = f"?{query_string.urlencode()}"
    tab_query = request.GET.copy()
    for key in ("tab", "before"):
        tab_query.pop(key, None)
    context = {
        "form": DeliveryFilterForm(request.GET if filters else None, kinds=kinds),
        "filtered": bool(filters),
        "rows": [(row, labels.get(row.kind, row.kind)) for row in rows],
        "older": older,
        "tab": tab,
        "tab_query": tab_query.urlencode(),
        "counts": selectors.delivery_counts(actor=actor),
    }
    return render(request, "frontend/notifications/staff_log.html", context)


def _delivery_page(request: MemberRequest, row: Notification) -> HttpResponse:
    actor = request.actor
    kind = find_kind(row.kind)
    context = {
        "row": row,
        "kind": kind,
        "actions": delivery_actions(actor=actor, notification=row),
        "attempts": selectors.delivery_attempts(actor=actor, notification=row),
        "context_items": sorted(masked_context(kind, row.context).items()),
    }
    return render(request, "frontend/notifications/staff_detail.html", context)


@actor_required(NOTIFICATIONS_MANAGE)
def delivery_detail(request: MemberRequest, notification_id: int) -> HttpResponse:
    return _delivery_page(request, selectors.delivery_get_for(actor=request.actor, notification_id=notification_id))


@require_POST
@actor_required(NOTIFICATIONS_MANAGE)
def delivery_resend(request: MemberRequest, notification_id: int) -> HttpResponse:
    try:
        row = services.notification_resend(actor=request.actor, notification_id=notification_id)
    except ApplicationError as exc:
        messages.error(request, page_message(exc))
    else:
        messages.success(request, _("It will be sent again within a few seconds."))
        notification_id = row.pk
    return redirect("frontend:staff-notification-detail", notification_id=notification_id)


# --- staff: templates ----------------------------------------------------------------------------
@actor_required(NOTIFICATIONS_MANAGE)
def template_list(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    zalo = zalo_templates()
    kinds = [
        {
            "kind": kind,
            "group_label": Group(kind.group).label,
            "channels": [label for value, label in Channel.choices if value in kind.channels],
            "zalo_template": zalo.get(kind.name, ""),
        }
        for kind in selectors.kinds_for_staff(actor=actor)
    ]
    return render(request, "frontend/notifications/staff_templates.html", {"kinds": kinds, "parts": TEMPLATE_PARTS})


@actor_required(NOTIFICATIONS_MANAGE)
def template_preview(request: MemberRequest, kind_name: str) -> HttpResponse:
    actor = request.actor
    kind = selectors.kind_for_staff(actor=actor, name=kind_name)
    language = read_query(TemplatePreviewQuery, request.GET).get("language", "vi")
    sample = dict(kind.sample_context)
    context: dict[str, Any] = {"kind": kind, "language": language, "sample": sorted(sample.items())}
    try:
        email = render_email(kind, sample, language=language, recipient_name="Nguyễn Văn An")
        context.update(
            email=email,
            inbox_line=render_inbox_line(kind, sample, language=language),
            sms=render_sms(kind, sample, language=language, unicode=False),
        )
    except RenderError as exc:
        context["error"] = str(exc)
    context["zalo_template"] = zalo_templates().get(kind.name, "")
    context["zalo_available"] = channel_available_for(Channel.ZALO, kind.name)
    context["zalo_params"] = [(param, key, sample.get(key, "")) for param, key in kind.zalo_params.items()]
    context["template_files"] = [kind.template_name(language, part) for part in TEMPLATE_PARTS]
    csp_allow(request, frame_src=("'self'",))  # the e-mail, drawn by template_preview_email in a frame
    return render(request, "frontend/notifications/staff_template_preview.html", context)


# An e-mail as HTML needs its inline styles (mail clients drop stylesheets); shown on its own, in a sandboxed
# frame of the preview page, it may use those and nothing else: no script, no request anywhere.
EMAIL_PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'"


@xframe_options_sameorigin
@actor_required(NOTIFICATIONS_MANAGE)
def template_preview_email(request: MemberRequest, kind_name: str) -> HttpResponse:
    kind = selectors.kind_for_staff(actor=request.actor, name=kind_name)
    language = read_query(TemplatePreviewQuery, request.GET).get("language", "vi")
    try:
        email = render_email(kind, dict(kind.sample_context), language=language, recipient_name="Nguyễn Văn An")
    except RenderError as exc:
        return HttpResponse(str(exc), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = f"{EMAIL_PREVIEW_POLICY}; sandbox"
    return response
