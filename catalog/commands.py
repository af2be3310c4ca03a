"""The typed values of the catalogue's commands with many fields: what `catalog.inputs` produces from a page
post, a JSON body or a spreadsheet row, and what the services take. Nothing here is text to be parsed."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from market.core.quantity import Unit

if TYPE_CHECKING:
    from catalog.models import Certificate, CertificateKind, CertificateScope, HarvestLot, Product


@dataclass(frozen=True, slots=True)
class ProductDetails:
    """Everything about a product but its price tiers, status and photos."""

    category_id: int
    name_vi: str
    unit: Unit
    moq: Decimal
    vat_category_id: int
    # None: 1 when the minimum order is whole, else the minimum order itself.
    order_multiple: Decimal | None = None
    sku: str = ""
    name_en: str = ""
    description_vi: str = ""
    description_en: str = ""
    gtin: str = ""  # GTIN-14, already checked
    packaging: str = ""
    net_content: str = ""
    ingredients: str = ""
    storage_instructions: str = ""
    usage_instructions: str = ""
    shelf_life_days: int | None = None
    # None: where the cooperative is (a product may come from elsewhere, e.g. fish sauce bottled on Phú Quốc).
    origin_province_code: int | None = None
    origin_commune_code: int | None = None
    origin_note: str = ""

    @classmethod
    def of(cls, product: Product) -> ProductDetails:
        """A product's current details (the base a partial change is applied to)."""
        values: dict[str, Any] = {f.name: getattr(product, f.name) for f in fields(cls)}
        values["unit"] = Unit(product.unit)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class LotDetails:
    code: str  # upper case, already checked
    quantity_produced: Decimal
    harvest_date: date
    expiry_date: date | None = None
    # None: the product's origin (province, commune, origin note as the plot).
    origin_province_code: int | None = None
    origin_commune_code: int | None = None
    plot: str | None = None
    note: str = ""

    @classmethod
    def of(cls, lot: HarvestLot) -> LotDetails:
        return cls(**{f.name: getattr(lot, f.name) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class CertificateDetails:
    kind: CertificateKind
    number: str
    issuer: str
    valid_from: date
    scope: CertificateScope
    valid_to: date | None = None
    ocop_stars: int | None = None

    @classmethod
    def of(cls, certificate: Certificate) -> CertificateDetails:
        from catalog.models import CertificateKind, CertificateScope

        values: dict[str, Any] = {f.name: getattr(certificate, f.name) for f in fields(cls)}
        values["kind"] = CertificateKind(certificate.kind)
        values["scope"] = CertificateScope(certificate.scope)
        return cls(**values)


class Sort(StrEnum):
    """How the catalogue is ordered; prices compare per base unit (kg, litre, piece)."""

    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
