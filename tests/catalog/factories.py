"""Catalogue test data, made through the services (so that derived columns are right) or factory_boy."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from catalog import gs1, pricing, services
from catalog.commands import CertificateDetails, ProductDetails
from catalog.models import (
    Category,
    Certificate,
    CertificateKind,
    CertificateScope,
    HarvestLot,
    Product,
    VatCategory,
)
from market.core.quantity import Unit
from market.organisations.models import Organisation, Role
from market.organisations.permissions import Actor
from tests.factories import member

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def actor_for(organisation: Organisation, role: str = Role.OWNER, user: Any = None) -> Actor:
    """An actor acting for `organisation` with `role`: a real member (made once per organisation and role)."""
    from market.organisations.models import Membership

    if user is None:
        membership = Membership.objects.filter(organisation=organisation, role=role).select_related("user").first()
        user = membership.user if membership else member(organisation, role)
    return Actor(user=user, organisation=organisation, role=role)


def category(slug: str = "gao-thom") -> Category:
    return Category.objects.get(slug=slug)


def vat(code: str = "vat-5") -> VatCategory:
    return VatCategory.objects.get(code=code)


def product_details(
    *,
    name: str = "Gạo ST25 Tân Hiệp",
    category: str = "gao-thom",
    unit: str = "kg",
    moq: str = "100",
    order_multiple: str | None = "50",
    vat_category: str = "vat-5",
    gtin: str = "",
    **other: Any,
) -> ProductDetails:
    """Typed details from the short forms tests write (slugs, codes, quantities as text)."""
    return ProductDetails(
        name_vi=name,
        category_id=Category.objects.get(slug=category).pk,
        unit=Unit(unit),
        moq=Decimal(moq),
        order_multiple=Decimal(order_multiple) if order_multiple is not None else None,
        vat_category_id=VatCategory.objects.get(code=vat_category).pk,
        gtin=gs1.normalise_gtin(gtin) if gtin else "",
        **other,
    )


def tier_specs(rows: list[tuple[str, int]]) -> list[pricing.TierSpec]:
    return [pricing.TierSpec(Decimal(q), p) for q, p in rows]


def make_product(
    cooperative: Organisation,
    *,
    name: str = "Gạo ST25 Tân Hiệp",
    tiers: list[tuple[str, int]] | None = None,
    publish: bool = True,
    actor: Actor | None = None,
    **data: Any,
) -> Product:
    actor = actor or actor_for(cooperative)
    tier_rows = tiers if tiers is not None else [("100", 32000), ("1000", 29000)]
    product = services.product_create(
        actor=actor, details=product_details(name=name, **data), tiers=tier_specs(tier_rows)
    )
    if publish:
        product = services.product_publish(actor=actor_for(cooperative), product_id=product.pk)
    return Product.objects.get(pk=product.pk)


def scan_pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def make_certificate(
    cooperative: Organisation,
    *,
    kind: str = "vietgap",
    valid_from: date | None = None,
    valid_to: date | None = None,
    verified: bool = True,
    products: list[Product] | None = None,
    ocop_stars: int | None = None,
    staff: Actor | None = None,
    number: str = "VG-2025-001",
) -> Certificate:
    today = timezone.localdate()
    details = CertificateDetails(
        kind=CertificateKind(kind),
        number=number,
        issuer="Sở Nông nghiệp và Môi trường An Giang",
        valid_from=valid_from or today - timedelta(days=100),
        valid_to=valid_to if valid_to is not None else today + timedelta(days=300),
        ocop_stars=ocop_stars,
        scope=CertificateScope.PRODUCTS if products else CertificateScope.COOPERATIVE,
    )
    certificate = services.certificate_create(
        actor=actor_for(cooperative, Role.OWNER),
        details=details,
        scan=scan_pdf(),
        product_ids=[p.pk for p in products or []],
    )
    if verified:
        if staff is None:
            staff = actor_for(Organisation.objects.filter(kind="alliance").first() or _alliance(), Role.STAFF)
        certificate = services.certificate_verify(actor=staff, certificate_id=certificate.pk)
    return certificate


def _alliance() -> Organisation:
    from tests.factories import OrganisationFactory

    return OrganisationFactory(kind="alliance", name="Liên minh HTX")


def make_lot(
    product: Product,
    *,
    code: str = "ST25-2026-01",
    quantity: str = "5000",
    harvest_date: date | None = None,
    expiry_date: date | None = None,
    publish: bool = True,
    certificates: list[Certificate] | None = None,
) -> HarvestLot:
    from catalog import inputs
    from market.core.inputs import InputMode, read_input

    actor = actor_for(product.cooperative)
    payload = {
        "code": code,
        "quantity_produced": quantity,
        "harvest_date": str(harvest_date or timezone.localdate() - timedelta(days=10)),
        "expiry_date": str(expiry_date) if expiry_date else None,
        "plot": "Cánh đồng lớn Kênh 8",
    }
    fields = read_input(inputs.LotInput, payload, mode=InputMode.JSON, context={"unit": product.unit})
    lot = services.lot_create(
        actor=actor,
        product_id=product.pk,
        details=inputs.lot_details(fields),
        certificate_ids=[c.pk for c in certificates or []],
    )
    if publish:
        lot = services.lot_publish(actor=actor, lot_id=lot.pk)
    return HarvestLot.objects.get(pk=lot.pk)


def jpeg_bytes(size: tuple[int, int] = (800, 600), color: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def png_upload(size: tuple[int, int] = (800, 600), name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 60, 200)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def jpeg_upload(size: tuple[int, int] = (800, 600), name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(size), content_type="image/jpeg")


D = Decimal


def certificate_changed(actor: Actor, certificate: Certificate, **changes: Any) -> Certificate:
    """Change some of a certificate's details through the service (as a PATCH does)."""
    details = replace(CertificateDetails.of(certificate), **changes)
    return services.certificate_update(actor=actor, certificate_id=certificate.pk, details=details)


def certificate_from(actor: Actor, payload: dict[str, Any], **options: Any) -> Certificate:
    """A certificate as the API reads it: the schema on JSON, then the service."""
    from catalog import inputs
    from market.core.inputs import InputMode, read_input

    fields = read_input(inputs.CertificateInput, payload, mode=InputMode.JSON)
    return services.certificate_create(
        actor=actor,
        details=inputs.certificate_details(fields),
        product_ids=fields.get("products", []),
        **options,
    )


def make_shop(cooperative: Organisation) -> dict[str, Any]:
    """A cooperative's small shop as the public pages show it: rice with a lot and an OCOP certificate, honey,
    and a certificate of no product."""
    rice = make_product(cooperative, name="Gạo ST25 Tân Hiệp", origin_province_code=91)
    make_product(
        cooperative, name="Mật ong U Minh", category="mat-ong", moq="10", order_multiple="1", tiers=[("10", 290000)]
    )
    lot = make_lot(rice)
    make_certificate(cooperative, kind="ocop", ocop_stars=4, products=[rice], number="OCOP-1")
    make_certificate(cooperative)
    return {"rice": rice, "lot": lot, "cooperative": cooperative}
