"""Alliance staff: the verification queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from frontend.decorators import actor_required
from frontend.forms import RejectForm, add_service_errors
from market.core.errors import ApplicationError
from market.core.models import AuditEvent
from market.organisations import selectors, services
from market.organisations.models import VerificationStatus
from market.organisations.permissions import ORGANISATIONS_VERIFY


@actor_required(ORGANISATIONS_VERIFY)
def verification_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", VerificationStatus.PENDING)
    if status not in VerificationStatus.values:
        status = VerificationStatus.PENDING
    organisations = selectors.verification_queue(actor=request.actor, status=status)  # type: ignore[attr-defined]
    return render(
        request,
        "frontend/staff/verification_queue.html",
        {"organisations": organisations[:200], "status": status, "statuses": VerificationStatus.choices},
    )


@actor_required(ORGANISATIONS_VERIFY)
def verification_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    organisation = selectors.organisation_get_for(actor=actor, organisation_id=organisation_id)
    reject_form = RejectForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "verify":
                services.organisation_verify(actor=actor, organisation=organisation)
                messages.success(request, _("%(name)s is verified.") % {"name": organisation.name})
                return redirect("frontend:staff-verification")
            if reject_form.is_valid():
                services.organisation_reject(
                    actor=actor, organisation=organisation, reason=reject_form.cleaned_data["reason"]
                )
                messages.success(request, _("%(name)s was rejected; they can see why.") % {"name": organisation.name})
                return redirect("frontend:staff-verification")
        except ApplicationError as exc:
            add_service_errors(reject_form, exc)
    history = AuditEvent.objects.filter(
        target_type="organisations.organisation", target_id=str(organisation.pk)
    ).select_related("actor_user")[:20]
    members = selectors.membership_list_for(actor=actor, organisation_id=organisation.pk)
    return render(
        request,
        "frontend/staff/verification_detail.html",
        {"organisation": organisation, "reject_form": reject_form, "history": history, "members": members},
        status=400 if reject_form.errors else 200,
    )
