"""Alliance staff: the certificate review queue and one certificate's review, with its history in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from catalog import inputs, selectors, services
from catalog.models import Certificate, CertificateStatus
from catalog.permissions import CERTIFICATES_VERIFY
from catalog.policy import CertificateAction, allowed, certificate_actions
from frontend.catalog_forms import posted_action
from frontend.decorators import actor_required
from frontend.schema_forms import SchemaForm
from market.core import inputs as core_inputs
from market.core.errors import ApplicationError
from market.core.models import AuditEvent
from market.organisations.http import MemberRequest

# What each recorded event of a certificate means, in words (never the raw code on a page).
CERTIFICATE_EVENTS: dict[str, Any] = {
    "certificate.created": gettext_lazy("Sent for review"),
    "certificate.updated": gettext_lazy("Changed by the cooperative and sent for review again"),
    "certificate.submitted": gettext_lazy("Sent for review again, unchanged"),
    "certificate.verified": gettext_lazy("Verified"),
    "certificate.rejected": gettext_lazy("Rejected"),
    "certificate.revoked": gettext_lazy("Revoked"),
}
# The certificate's fields by their labels (a change lists what changed).
CHANGED_FIELDS: dict[str, Any] = {
    name: field.label for name, field in inputs.CertificateInput().fields.items() if field.label
} | {"scan_content_type": None}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    who: str
    note: str


def certificate_history(certificate: Certificate) -> list[HistoryLine]:
    """The certificate's recorded events, newest first, each said in words."""
    events = AuditEvent.objects.filter(target_type="catalog.certificate", target_id=str(certificate.pk))
    lines = []
    for event in events.select_related("actor_user").order_by("-created_at", "-id")[:20]:
        what = str(CERTIFICATE_EVENTS.get(event.action, _("Changed")))
        changed = [str(CHANGED_FIELDS[f]) for f in event.data.get("fields", []) if CHANGED_FIELDS.get(f)]
        if changed:
            what = _("%(what)s (changed: %(fields)s)") % {"what": what, "fields": ", ".join(changed)}
        who = event.actor_user.email if event.actor_user else ""
        lines.append(HistoryLine(at=event.created_at, what=what, who=who, note=str(event.data.get("note") or "")))
    return lines


class QueueQuery(serializers.Serializer):
    status = core_inputs.ChoiceInput(CertificateStatus, required=False)


@actor_required(CERTIFICATES_VERIFY)
def certificate_queue(request: MemberRequest) -> HttpResponse:
    values, errors = inputs.read_query_leniently(QueueQuery, request.GET)
    status = values.get("status") or CertificateStatus.PENDING
    items = selectors.certificate_review_queue(actor=request.actor, status=status)
    return render(
        request,
        "frontend/staff/certificate_queue.html",
        {"certificates": items[:200], "status": status, "statuses": CertificateStatus.choices, "errors": errors},
        status=400 if errors else 200,
    )


@actor_required(CERTIFICATES_VERIFY)
def certificate_review(request: MemberRequest, certificate_id: int) -> HttpResponse:
    actor = request.actor
    certificate = selectors.certificate_get_for(actor=actor, certificate_id=certificate_id)
    action = None
    if request.method == "POST":
        try:
            action = posted_action(request.POST, CertificateAction)
        except ApplicationError as error:
            messages.error(request, " ".join(m for ms in error.fields.values() for m in ms))
    needs_reason = action in (CertificateAction.REJECT, CertificateAction.REVOKE)
    reason_form = SchemaForm(request.POST if needs_reason else None, schema=inputs.ReasonInput)
    try:
        if action == CertificateAction.VERIFY:
            services.certificate_verify(actor=actor, certificate_id=certificate.pk)
            messages.success(request, _("Certificate %(number)s is verified.") % {"number": certificate.number})
            return redirect("frontend:staff-certificates")
        if needs_reason and reason_form.is_valid():
            verb = services.certificate_reject if action == CertificateAction.REJECT else services.certificate_revoke
            verb(actor=actor, certificate_id=certificate.pk, reason=reason_form.cleaned_data["reason"])
            messages.success(
                request,
                _("Certificate %(number)s was rejected; the cooperative can see why.") % {"number": certificate.number},
            )
            return redirect("frontend:staff-certificates")
    except ApplicationError as error:
        reason_form.add_service_errors(error)
    return render(
        request,
        "frontend/staff/certificate_review.html",
        {
            "certificate": certificate,
            "actions": allowed(certificate_actions(actor=actor, obj=certificate)),
            "reject_form": reason_form,
            "history": certificate_history(certificate),
        },
        status=400 if reason_form.errors else 200,
    )
