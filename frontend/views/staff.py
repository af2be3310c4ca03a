"""Alliance staff: the verification queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend.decorators import actor_required
from frontend.forms import RejectForm
from market.core.errors import ApplicationError
from market.core.inputs import read_query
from market.organisations import selectors, services
from market.organisations.http import MemberRequest
from market.organisations.inputs import VerificationQueueQuery
from market.organisations.models import VerificationStatus
from market.organisations.permissions import ORGANISATIONS_VERIFY
from market.organisations.policies import organisation_actions


@actor_required(ORGANISATIONS_VERIFY)
def verification_queue(request: MemberRequest) -> HttpResponse:
    status = read_query(VerificationQueueQuery, request.GET).get("status", VerificationStatus.PENDING)
    organisations = selectors.verification_queue(actor=request.actor, status=status)
    return render(
        request,
        "frontend/staff/verification_queue.html",
        {"organisations": organisations[:200], "status": status, "statuses": VerificationStatus.choices},
    )


def _detail(request: MemberRequest, organisation_id: int, reject_form: RejectForm, status: int = 200) -> HttpResponse:
    actor = request.actor
    organisation = selectors.organisation_get_for(actor=actor, organisation_id=organisation_id)
    context = {
        "organisation": organisation,
        "actions": organisation_actions(actor=actor, organisation=organisation),
        "reject_form": reject_form,
        "history": selectors.organisation_history(actor=actor, organisation_id=organisation.pk),
        "members": selectors.membership_list_for(actor=actor, organisation_id=organisation.pk),
    }
    return render(request, "frontend/staff/verification_detail.html", context, status=status)


@require_GET
@actor_required(ORGANISATIONS_VERIFY)
def verification_detail(request: MemberRequest, organisation_id: int) -> HttpResponse:
    return _detail(request, organisation_id, RejectForm())


@require_POST
@actor_required(ORGANISATIONS_VERIFY)
def verification_verify(request: MemberRequest, organisation_id: int) -> HttpResponse:
    organisation = services.organisation_verify(actor=request.actor, organisation_id=organisation_id)
    messages.success(request, _("%(name)s is verified.") % {"name": organisation.name})
    return redirect("frontend:staff-verification")


@require_POST
@actor_required(ORGANISATIONS_VERIFY)
def verification_reject(request: MemberRequest, organisation_id: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            organisation = services.organisation_reject(
                actor=request.actor, organisation_id=organisation_id, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("%(name)s was rejected; they can see why.") % {"name": organisation.name})
            return redirect("frontend:staff-verification")
    return _detail(request, organisation_id, form, status=400)
