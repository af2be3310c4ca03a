"""Reads of certificates: a cooperative's own, the staff review queue, and the expiry-warning selector."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from catalog.models import Certificate, CertificateStatus
from catalog.permissions import CATALOG_VIEW_ALL, CERTIFICATES_VERIFY
from market.core.errors import NotFound
from market.organisations.permissions import Actor

EXPIRY_WARNING_DAYS = 30


def certificate_list_for(
    *, actor: Actor, status: str | None = None, kind: str | None = None, cooperative_id: int | None = None
) -> QuerySet[Certificate]:
    """The actor's cooperative's certificates (alliance staff: everyone's)."""
    if actor.can(CATALOG_VIEW_ALL):
        queryset = Certificate.objects.all()
        if cooperative_id:
            queryset = queryset.filter(cooperative_id=cooperative_id)
    elif actor.is_seller:
        queryset = Certificate.objects.filter(cooperative_id=actor.organisation_id)
    else:
        return Certificate.objects.none()
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.select_related("cooperative", "reviewed_by").prefetch_related("products")


def certificates_expiring(
    *, actor: Actor, on: date | None = None, within_days: int = EXPIRY_WARNING_DAYS
) -> QuerySet[Certificate]:
    """The actor's cooperative's verified certificates that expire within `within_days` days of `on` (today
    in Vietnam): the ones to renew now. Soonest first."""
    day = on or timezone.localdate()
    return (
        certificate_list_for(actor=actor, status=CertificateStatus.VERIFIED)
        .filter(valid_to__gte=day, valid_to__lte=day + timedelta(days=within_days))
        .prefetch_related(None)
        .order_by("valid_to", "id")
    )


def certificate_get_for(*, actor: Actor, certificate_id: int) -> Certificate:
    certificate = certificate_list_for(actor=actor).filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFound()
    return certificate


def certificate_review_queue(*, actor: Actor, status: str = CertificateStatus.PENDING) -> QuerySet[Certificate]:
    """Certificates waiting for (or past) review, oldest first, for alliance staff."""
    if not actor.can(CERTIFICATES_VERIFY):
        return Certificate.objects.none()
    return certificate_list_for(actor=actor, status=status).order_by("updated_at", "id")


def certificates_changing_force(*, since: date, until: date) -> QuerySet[Certificate]:
    """Verified certificates that started or stopped counting by date on a day after `since` up to `until`
    (valid from that day, or valid until the day before): nothing was written when it happened."""
    return Certificate.objects.filter(status=CertificateStatus.VERIFIED).filter(
        Q(valid_from__gt=since, valid_from__lte=until) | Q(valid_to__gte=since, valid_to__lt=until)
    )


def certificates_due_expiry_warning(
    *, on: date | None = None, within_days: int = EXPIRY_WARNING_DAYS
) -> QuerySet[Certificate]:
    """Verified certificates that expire within `within_days` days of `on` (today in Vietnam) and whose
    cooperative has not been warned for that expiry date yet.

    A daily job sends one warning per certificate and expiry date (on the 30th day before, or on the
    first run after that if a day was missed), through `catalog.services.certificate_expiry_warn`.
    Renewing the certificate (a new `valid_to`) makes it due again for the new date.
    """
    day = on or timezone.localdate()
    queryset = Certificate.objects.filter(
        status=CertificateStatus.VERIFIED,
        valid_to__isnull=False,
        valid_to__gte=day,
        valid_to__lte=day + timedelta(days=within_days),
    )
    return (
        queryset.filter(Q(expiry_warning_sent_for__isnull=True) | ~Q(expiry_warning_sent_for=F("valid_to")))
        .select_related("cooperative")
        .order_by("valid_to", "id")
    )
