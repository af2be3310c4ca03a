"""Alliance staff: the certificate review queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalog import selectors, services
from catalog.models import CertificateStatus
from catalog.permissions import CERTIFICATES_VERIFY
from frontend.decorators import actor_required
from frontend.forms import RejectForm, add_service_errors
from market.core.errors import ApplicationError
from market.core.models import AuditEvent


@actor_required(CERTIFICATES_VERIFY)
def certificate_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CertificateStatus.PENDING)
    if status not in CertificateStatus.values:
        status = CertificateStatus.PENDING
    items = selectors.certificate_review_queue(actor=request.actor, status=status)  # type: ignore[attr-defined]
    return render(
        request,
        "frontend/staff/certificate_queue.html",
        {"certificates": items[:200], "status": status, "statuses": CertificateStatus.choices},
    )


@actor_required(CERTIFICATES_VERIFY)
def certificate_review(request: HttpRequest, certificate_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    certificate = selectors.certificate_get_for(actor=actor, certificate_id=certificate_id)
    reject_form = RejectForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "verify":
                services.certificate_verify(actor=actor, certificate=certificate)
                messages.success(request, _("Certificate %(number)s is verified.") % {"number": certificate.number})
                return redirect("frontend:staff-certificates")
            if reject_form.is_valid():
                services.certificate_reject(
                    actor=actor, certificate=certificate, reason=reject_form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _("Certificate %(number)s was rejected; the cooperative can see why.")
                    % {"number": certificate.number},
                )
                return redirect("frontend:staff-certificates")
        except ApplicationError as exc:
            add_service_errors(reject_form, exc)
    history = AuditEvent.objects.filter(
        target_type="catalog.certificate", target_id=str(certificate.pk)
    ).select_related("actor_user")[:20]
    return render(
        request,
        "frontend/staff/certificate_review.html",
        {"certificate": certificate, "reject_form": reject_form, "history": history},
        status=400 if reject_form.errors else 200,
    )
