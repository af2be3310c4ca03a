"""Writes to certificates: the cooperative records them with a scan, alliance staff verify or reject.

Any change to a certificate sends it back for review. Whether a certificate counts (badge, filter, facet)
is decided from its dates at query time; nothing here runs on the expiry date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from catalog import uploads
from catalog.cache import catalog_changed
from catalog.models import Certificate, CertificateKind, CertificateScope, CertificateStatus, Product
from catalog.permissions import CERTIFICATES_MANAGE, CERTIFICATES_VERIFY
from catalog.services.common import raise_if, require_own
from market.core.errors import Conflict, ValidationFailed
from market.core.services import audit_record
from market.core.text import nfc
from market.organisations.permissions import Actor

CERTIFICATE_FIELDS = ("kind", "number", "issuer", "valid_from", "valid_to", "ocop_stars", "scope")
# Kinds whose grant may have no end date (a geographical indication does not expire).
OPEN_ENDED_KINDS = frozenset({CertificateKind.GI, CertificateKind.OTHER})
OCOP_VALIDITY_MONTHS = 36

REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    CertificateStatus.PENDING: frozenset({CertificateStatus.VERIFIED, CertificateStatus.REJECTED}),
    CertificateStatus.REJECTED: frozenset({CertificateStatus.VERIFIED, CertificateStatus.PENDING}),
    CertificateStatus.VERIFIED: frozenset({CertificateStatus.REJECTED, CertificateStatus.PENDING}),
}


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate in range(day.day, 0, -1):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)


def _apply(certificate: Certificate, data: Mapping[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    for field, raw in data.items():
        if field not in CERTIFICATE_FIELDS:
            continue
        value = raw
        if field in ("number", "issuer"):
            value = nfc(str(value or ""))
        elif field in ("valid_from", "valid_to"):
            if value in (None, ""):
                value = None
            elif not isinstance(value, date):
                value = parse_date(str(value))
                if value is None:
                    errors[field] = [_("Enter a date as dd/mm/yyyy.")]
                    continue
        elif field == "ocop_stars":
            if value in (None, ""):
                value = None
            else:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    errors[field] = [_("OCOP stars are 3, 4 or 5.")]
                    continue
        elif field == "kind" and value not in CertificateKind.values:
            errors[field] = [_("Choose a kind of certificate from the list.")]
            continue
        elif field == "scope" and value not in CertificateScope.values:
            errors[field] = [_("Choose whether it covers the whole cooperative or chosen products.")]
            continue
        if getattr(certificate, field) != value:
            setattr(certificate, field, value)
            changed.append(field)

    if not certificate.kind and "kind" not in errors:
        errors["kind"] = [_("Choose a kind of certificate from the list.")]
    if not certificate.number and "number" not in errors:
        errors["number"] = [_("Enter the number printed on the certificate.")]
    elif len(certificate.number) > 80:
        errors["number"] = [_("At most %(n)s characters.") % {"n": 80}]
    if not certificate.issuer and "issuer" not in errors:
        errors["issuer"] = [_("Enter who issued it, e.g. the provincial Department of Agriculture.")]
    elif len(certificate.issuer) > 200:
        errors["issuer"] = [_("At most %(n)s characters.") % {"n": 200}]
    if not certificate.scope and "scope" not in errors:
        errors["scope"] = [_("Choose whether it covers the whole cooperative or chosen products.")]
    if certificate.valid_from is None and "valid_from" not in errors:
        errors["valid_from"] = [_("Enter the date it was issued or takes effect.")]
    if certificate.valid_to is None and certificate.kind and certificate.kind not in OPEN_ENDED_KINDS:
        errors.setdefault("valid_to", []).append(_("Enter the date it expires."))
    if certificate.valid_from and certificate.valid_to and certificate.valid_to < certificate.valid_from:
        errors.setdefault("valid_to", []).append(_("It cannot expire before it takes effect."))
    if certificate.kind == CertificateKind.OCOP:
        if certificate.ocop_stars not in (3, 4, 5):
            errors.setdefault("ocop_stars", []).append(_("OCOP stars are 3, 4 or 5."))
        if certificate.valid_from and certificate.valid_to:
            limit = _add_months(certificate.valid_from, OCOP_VALIDITY_MONTHS)
            if certificate.valid_to > limit:
                errors.setdefault("valid_to", []).append(
                    _("An OCOP certificate is valid for at most 36 months (until %(day)s).")
                    % {"day": limit.strftime("%d/%m/%Y")}
                )
    elif certificate.ocop_stars is not None:
        certificate.ocop_stars = None
        changed.append("ocop_stars")
    return changed, errors


def _products_for(certificate: Certificate, product_ids: Iterable[int] | None) -> list[Product] | None:
    if product_ids is None:
        return None
    ids = sorted({int(i) for i in product_ids})
    products = list(Product.objects.filter(pk__in=ids, cooperative_id=certificate.cooperative_id))
    if len(products) != len(ids):
        raise ValidationFailed(fields={"products": [_("Choose products of your own cooperative.")]})
    return products


@transaction.atomic
def certificate_create(
    *, actor: Actor, data: Mapping[str, Any], scan: IO[bytes] | None, product_ids: Iterable[int] = ()
) -> Certificate:
    """Record a certificate with its scan; it counts once alliance staff verify it."""
    actor.require(CERTIFICATES_MANAGE)
    assert actor.organisation is not None
    certificate = Certificate(cooperative=actor.organisation, status=CertificateStatus.PENDING)
    _changed, errors = _apply(certificate, data)
    products: list[Product] = []
    try:
        products = _products_for(certificate, product_ids) or []
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if certificate.scope == CertificateScope.PRODUCTS and not products and "products" not in errors:
        errors["products"] = [_("Choose the products it covers.")]
    if scan is None:
        errors["scan"] = [_("Attach a scan or photo of the certificate, so that the alliance can check it.")]
    raise_if(errors)
    processed = uploads.process_certificate_scan(scan)  # type: ignore[arg-type]
    certificate.scan_content_type = processed.content_type
    certificate.scan.save(processed.file.name, processed.file, save=False)
    name = certificate.scan.name
    try:
        certificate.save()
    except Exception:
        certificate.scan.storage.delete(name)
        raise
    if certificate.scope == CertificateScope.PRODUCTS:
        certificate.products.set(products)
    audit_record(actor=actor, action="certificate.created", target=certificate, data={"kind": certificate.kind})
    return certificate


@transaction.atomic
def certificate_update(
    *,
    actor: Actor,
    certificate: Certificate,
    data: Mapping[str, Any],
    product_ids: Iterable[int] | None = None,
    scan: IO[bytes] | None = None,
) -> Certificate:
    """Change a certificate (a renewal, a new scan, other products). Any change sends it back for review."""
    require_own(actor, certificate.cooperative_id)
    actor.require(CERTIFICATES_MANAGE)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    old_products = set(certificate.products.values_list("pk", flat=True))
    changed, errors = _apply(certificate, data)
    products = None
    try:
        products = _products_for(certificate, product_ids)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if certificate.scope == CertificateScope.PRODUCTS and "products" not in errors:
        effective = products if products is not None else old_products
        if not effective:
            errors["products"] = [_("Choose the products it covers.")]
    raise_if(errors)
    processed = uploads.process_certificate_scan(scan) if scan is not None else None
    products_changed = products is not None and {p.pk for p in products} != old_products
    if not changed and processed is None and not products_changed:
        return certificate
    old_scan = certificate.scan.name if processed else None
    if processed is not None:
        certificate.scan_content_type = processed.content_type
        certificate.scan.save(processed.file.name, processed.file, save=False)
        changed += ["scan", "scan_content_type"]
    was = certificate.status
    certificate.status = CertificateStatus.PENDING
    certificate.review_note = ""
    certificate.reviewed_at = None
    certificate.reviewed_by = None
    certificate.save(update_fields=[*changed, "status", "review_note", "reviewed_at", "reviewed_by", "updated_at"])
    if certificate.scope == CertificateScope.COOPERATIVE:
        certificate.products.clear()
    elif products is not None:
        certificate.products.set(products)
    if old_scan and old_scan != certificate.scan.name:
        storage = certificate.scan.storage
        transaction.on_commit(lambda: storage.delete(old_scan))
    audit_record(
        actor=actor,
        action="certificate.updated",
        target=certificate,
        data={"fields": sorted(changed), "products_changed": products_changed, "was": was},
    )
    if was == CertificateStatus.VERIFIED:
        catalog_changed()
    return certificate


def _review(*, actor: Actor, certificate: Certificate, to: str, note: str = "") -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    current = certificate.status
    if to not in REVIEW_TRANSITIONS[current] or to == current:
        raise Conflict(
            _("A certificate that is %(current)s cannot become %(target)s.")
            % {
                "current": CertificateStatus(current).label.lower(),
                "target": CertificateStatus(to).label.lower(),
            }
        )
    certificate.status = to
    certificate.review_note = note
    certificate.reviewed_at = timezone.now()
    certificate.reviewed_by = actor.user
    certificate.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by", "updated_at"])
    audit_record(actor=actor, action=f"certificate.{to}", target=certificate, data={"from": current, "note": note})
    catalog_changed()
    return certificate


@transaction.atomic
def certificate_verify(*, actor: Actor, certificate: Certificate) -> Certificate:
    actor.require(CERTIFICATES_VERIFY)
    if not certificate.scan:
        raise Conflict(_("There is no scan to check; ask the cooperative to attach one."))
    return _review(actor=actor, certificate=certificate, to=CertificateStatus.VERIFIED)


@transaction.atomic
def certificate_reject(*, actor: Actor, certificate: Certificate, reason: str) -> Certificate:
    actor.require(CERTIFICATES_VERIFY)
    reason = nfc(reason or "")
    if len(reason) < 5:
        raise ValidationFailed(fields={"reason": [_("Tell the cooperative why, so that it can fix it.")]})
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": [_("Keep the reason under 500 characters.")]})
    return _review(actor=actor, certificate=certificate, to=CertificateStatus.REJECTED, note=reason)


def certificate_expiry_warning_mark_sent(*, certificate_id: int, expiry_date: date) -> bool:
    """Record that the 30-day warning for this expiry date went out. True only for the call that marked
    it, so a daily job run twice (or by two workers) warns once; a renewal (new valid_to) re-arms it."""
    updated = (
        Certificate.objects.filter(pk=certificate_id, valid_to=expiry_date)
        .exclude(expiry_warning_sent_for=expiry_date)
        .update(expiry_warning_sent_for=expiry_date)
    )
    return updated == 1


def certificate_expiry_warnings_send(*, on: date | None = None) -> int:
    """The daily job: warn each cooperative once, 30 days ahead, that a certificate is about to expire (its
    badge stops counting that day). Each warning is marked and written to the outbox in one transaction, so a
    second run, or a second worker, sends nothing more. Returns how many warnings were written."""
    from catalog.notifications import CERTIFICATE_EXPIRING
    from catalog.selectors import certificates_due_expiry_warning
    from market.notifications.services import notify

    sent = 0
    for certificate in list(certificates_due_expiry_warning(on=on)):
        assert certificate.valid_to is not None
        with transaction.atomic():
            if not certificate_expiry_warning_mark_sent(
                certificate_id=certificate.pk, expiry_date=certificate.valid_to
            ):
                continue
            notify(
                kind=CERTIFICATE_EXPIRING,
                recipients=[certificate.cooperative],
                context={
                    "certificate_id": certificate.pk,
                    "certificate_label": certificate.badge_label,
                    "number": certificate.number,
                    "valid_to": certificate.valid_to.isoformat(),
                    "cooperative_name": certificate.cooperative.name,
                },
                object_ref=certificate,
                occurrence=certificate.valid_to.isoformat(),
            )
            sent += 1
    return sent
