"""Catalogue test data, made through the services (so that derived columns are right) or factory_boy."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from catalog import services
from catalog.models import Category, Certificate, HarvestLot, Product, VatCategory
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
    fields = {
        "category": data.pop("category", "gao-thom"),
        "name_vi": name,
        "unit": data.pop("unit", "kg"),
        "moq": data.pop("moq", "100"),
        "order_multiple": data.pop("order_multiple", "50"),
        "vat_category": data.pop("vat_category", "vat-5"),
        **data,
    }
    tier_rows = tiers if tiers is not None else [("100", 32000), ("1000", 29000)]
    product = services.product_create(
        actor=actor, data=fields, tiers=[{"min_quantity": q, "unit_price": p} for q, p in tier_rows]
    )
    if publish:
        product = services.product_publish(actor=actor, product=product)
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
    data = {
        "kind": kind,
        "number": number,
        "issuer": "Sở Nông nghiệp và Môi trường An Giang",
        "valid_from": valid_from or today - timedelta(days=100),
        "valid_to": valid_to if valid_to is not None else today + timedelta(days=300),
        "ocop_stars": ocop_stars,
        "scope": "products" if products else "cooperative",
    }
    certificate = services.certificate_create(
        actor=actor_for(cooperative, Role.OWNER),
        data=data,
        scan=scan_pdf(),
        product_ids=[p.pk for p in products or []],
    )
    if verified:
        if staff is None:
            staff = actor_for(Organisation.objects.filter(kind="alliance").first() or _alliance(), Role.STAFF)
        certificate = services.certificate_verify(actor=staff, certificate=certificate)
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
    actor = actor_for(product.cooperative)
    lot = services.lot_create(
        actor=actor,
        product=product,
        data={
            "code": code,
            "quantity_produced": quantity,
            "harvest_date": harvest_date or timezone.localdate() - timedelta(days=10),
            "expiry_date": expiry_date,
            "plot": "Cánh đồng lớn Kênh 8",
        },
        certificate_ids=[c.pk for c in certificates or []],
    )
    if publish:
        lot = services.lot_publish(actor=actor, lot=lot)
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
