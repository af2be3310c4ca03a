"""Writes to certificates: the cooperative records them with a scan, alliance staff verify or reject.

Any change to a certificate sends it back for review. Whether a certificate counts (badge, filter, facet)
is decided from its dates at query time; nothing here runs on the expiry date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import uploads
from catalog.cache import catalog_changed
from catalog.commands import CertificateDetails
from catalog.models import Certificate, CertificateKind, CertificateScope, CertificateStatus, Product
from catalog.notifications import CERTIFICATE_EXPIRING
from catalog.permissions import CERTIFICATES_MANAGE
from catalog.policy import CERTIFICATE_POLICY, CertificateAction
from catalog.services.common import hide_from_strangers, raise_if
from market.core.errors import NotFound, ValidationFailed
from market.core.parsing import format_date
from market.core.services import audit_record
from market.notifications.services import notify
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed

# Kinds whose grant may have no end date (a geographical indication does not expire).
OPEN_ENDED_KINDS = frozenset({CertificateKind.GI, CertificateKind.OTHER})
OCOP_VALIDITY_MONTHS = 36


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


def _apply(certificate: Certificate, details: CertificateDetails) -> list[str]:
    values: dict[str, Any] = {f.name: getattr(details, f.name) for f in fields(details)}
    if values["kind"] != CertificateKind.OCOP:
        values["ocop_stars"] = None  # stars belong to OCOP only
    changed = []
    for name, value in values.items():
        if getattr(certificate, name, None) != value:
            setattr(certificate, name, value)
            changed.append(name)
    return changed


def _errors(certificate: Certificate) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not certificate.number:
        errors["number"] = [_("Enter the number printed on the certificate.")]
    if not certificate.issuer:
        errors["issuer"] = [_("Enter who issued it, e.g. the provincial Department of Agriculture.")]
    if certificate.valid_to is None and certificate.kind not in OPEN_ENDED_KINDS:
        errors.setdefault("valid_to", []).append(_("Enter the date it expires."))
    if certificate.valid_to and certificate.valid_to < certificate.valid_from:
        errors.setdefault("valid_to", []).append(_("It cannot expire before it takes effect."))
    if certificate.kind == CertificateKind.OCOP:
        if certificate.ocop_stars not in (3, 4, 5):
            errors.setdefault("ocop_stars", []).append(_("OCOP stars are 3, 4 or 5."))
        if certificate.valid_to:
            limit = _add_months(certificate.valid_from, OCOP_VALIDITY_MONTHS)
            if certificate.valid_to > limit:
                errors.setdefault("valid_to", []).append(
                    _("An OCOP certificate is valid for at most 36 months (until %(day)s).")
                    % {"day": format_date(limit)}
                )
    return errors


def _products_for(cooperative_id: int, product_ids: Iterable[int]) -> list[Product]:
    ids = sorted(set(product_ids))
    products = list(Product.objects.filter(pk__in=ids, cooperative_id=cooperative_id))
    if len(products) != len(ids):
        raise ValidationFailed(fields={"products": [_("Choose products of your own cooperative.")]})
    return products


@transaction.atomic
def certificate_create(
    *, actor: Actor, details: CertificateDetails, scan: IO[bytes] | None, product_ids: Iterable[int] = ()
) -> Certificate:
    """Record a certificate with its scan; it counts once alliance staff verify it."""
    actor.require(CERTIFICATES_MANAGE)
    assert actor.organisation is not None
    certificate = Certificate(cooperative=actor.organisation, status=CertificateStatus.PENDING)
    _apply(certificate, details)
    errors = _errors(certificate)
    products: list[Product] = []
    try:
        products = _products_for(certificate.cooperative_id, product_ids)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if certificate.scope == CertificateScope.PRODUCTS and not products and "products" not in errors:
        errors["products"] = [_("Choose the products it covers.")]
    if scan is None:
        errors["scan"] = [_("Attach a scan or photo of the certificate, so that the alliance can check it.")]
    raise_if(errors)
    assert scan is not None
    processed = uploads.process_certificate_scan(scan)
    certificate.scan_content_type = processed.content_type
    certificate.scan.save(processed.file.name or "scan", processed.file, save=False)
    name = certificate.scan.name or ""
    try:
        certificate.save()
    except Exception:
        certificate.scan.storage.delete(name)
        raise
    if certificate.scope == CertificateScope.PRODUCTS:
        certificate.products.set(products)
    audit_record(actor=actor, action="certificate.created", target=certificate, data={"kind": certificate.kind})
    return certificate


def _locked(actor: Actor, certificate_id: int) -> Certificate:
    certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFound()
    hide_from_strangers(actor, certificate.cooperative_id)
    return certificate


def _back_to_review(certificate: Certificate, fields: list[str]) -> None:
    certificate.status = CertificateStatus.PENDING
    certificate.review_note = ""
    certificate.reviewed_at = None
    certificate.reviewed_by = None
    certificate.save(update_fields=[*fields, "status", "review_note", "reviewed_at", "reviewed_by", "updated_at"])


@transaction.atomic
def certificate_update(
    *,
    actor: Actor,
    certificate_id: int,
    details: CertificateDetails,
    product_ids: Iterable[int] | None = None,
    scan: IO[bytes] | None = None,
) -> Certificate:
    """Change a certificate (a renewal, a new scan, other products). Any change sends it back for review."""
    certificate = _locked(actor, certificate_id)
    CERTIFICATE_POLICY.authorize(actor=actor, obj=certificate, action=CertificateAction.EDIT)
    old_products = set(certificate.products.values_list("pk", flat=True))
    changed = _apply(certificate, details)
    errors = _errors(certificate)
    products = None
    if product_ids is not None:
        try:
            products = _products_for(certificate.cooperative_id, product_ids)
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
        certificate.scan.save(processed.file.name or "scan", processed.file, save=False)
        changed += ["scan", "scan_content_type"]
    was = certificate.status
    _back_to_review(certificate, changed)
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
        # It no longer counts until verified again: for the products it covered, and those it covers now.
        covered_products_moved([certificate], product_ids=old_products)
        catalog_changed()
        storefront_changed([certificate.cooperative_id])
    return certificate


@transaction.atomic
def certificate_submit(*, actor: Actor, certificate_id: int) -> Certificate:
    """Ask the alliance to look at a rejected certificate again, as it is (the rejection was a mistake, or
    the cooperative answered it outside the platform)."""
    certificate = _locked(actor, certificate_id)
    CERTIFICATE_POLICY.authorize(actor=actor, obj=certificate, action=CertificateAction.SUBMIT)
    was = certificate.status
    _back_to_review(certificate, [])
    audit_record(actor=actor, action="certificate.submitted", target=certificate, data={"was": was})
    return certificate


def covered_products_moved(certificates: Iterable[Certificate], *, product_ids: Iterable[int] = ()) -> int:
    """Move `updated_at` of the products these certificates cover (a cooperative-wide one covers all the
    cooperative's products), plus `product_ids`: a product's API answer lists its certificates in force, so a
    client syncing products (`updated_since`) must see it change when one starts or stops counting."""
    covered = Q(pk__in=list(product_ids))
    for certificate in certificates:
        if certificate.scope == CertificateScope.COOPERATIVE:
            covered |= Q(cooperative_id=certificate.cooperative_id)
        else:
            covered |= Q(pk__in=certificate.products.values("pk"))
    return Product.objects.filter(covered).update()


def _review(*, actor: Actor, certificate: Certificate, to: str, action: str, note: str = "") -> Certificate:
    current = certificate.status
    certificate.status = to
    certificate.review_note = note
    certificate.reviewed_at = timezone.now()
    certificate.reviewed_by = actor.user
    certificate.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by", "updated_at"])
    audit_record(actor=actor, action=action, target=certificate, data={"from": current, "note": note})
    if CertificateStatus.VERIFIED in (current, to):
        covered_products_moved([certificate])
    catalog_changed()
    storefront_changed([certificate.cooperative_id])  # its certificates in force
    return certificate


@transaction.atomic
def certificate_verify(*, actor: Actor, certificate_id: int) -> Certificate:
    certificate = _locked(actor, certificate_id)
    CERTIFICATE_POLICY.authorize(actor=actor, obj=certificate, action=CertificateAction.VERIFY)
    return _review(actor=actor, certificate=certificate, to=CertificateStatus.VERIFIED, action="certificate.verified")


def _check_reason(reason: str) -> None:
    if len(reason) < 5:
        raise ValidationFailed(fields={"reason": [_("Tell the cooperative why, so that it can fix it.")]})


@transaction.atomic
def certificate_reject(*, actor: Actor, certificate_id: int, reason: str) -> Certificate:
    """Refuse a certificate waiting for review; the cooperative reads why."""
    certificate = _locked(actor, certificate_id)
    CERTIFICATE_POLICY.authorize(actor=actor, obj=certificate, action=CertificateAction.REJECT)
    _check_reason(reason)
    return _review(
        actor=actor, certificate=certificate, to=CertificateStatus.REJECTED, action="certificate.rejected", note=reason
    )


@transaction.atomic
def certificate_revoke(*, actor: Actor, certificate_id: int, reason: str) -> Certificate:
    """Withdraw a verified certificate (revoked by its issuer, found false): its badge goes at once."""
    certificate = _locked(actor, certificate_id)
    CERTIFICATE_POLICY.authorize(actor=actor, obj=certificate, action=CertificateAction.REVOKE)
    _check_reason(reason)
    return _review(
        actor=actor, certificate=certificate, to=CertificateStatus.REJECTED, action="certificate.revoked", note=reason
    )


def certificate_expiry_warn(*, certificate_id: int, expiry_date: date) -> bool:
    """Warn the cooperative that a certificate expires on `expiry_date`: mark the warning and write its
    notification in one transaction. True only for the call that marked it, so a daily job run twice (or by
    two workers) warns once; a renewal (new valid_to) re-arms it."""
    with transaction.atomic():
        updated = (
            Certificate.objects.filter(pk=certificate_id, valid_to=expiry_date)
            .exclude(expiry_warning_sent_for=expiry_date)
            .update(expiry_warning_sent_for=expiry_date)
        )
        if updated != 1:
            return False
        certificate = Certificate.objects.select_related("cooperative").get(pk=certificate_id)
        notify(
            kind=CERTIFICATE_EXPIRING,
            recipients=[certificate.cooperative],
            context={
                "certificate_id": certificate.pk,
                "number": certificate.number,
                "issuer": certificate.issuer,
                "cooperative_name": certificate.cooperative.name,
                "expires_on": expiry_date.isoformat(),
                "days_left": (expiry_date - timezone.localdate()).days,
            },
            object_ref=certificate,
            occurrence=expiry_date.isoformat(),
        )
    return True
