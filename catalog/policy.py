"""What an actor may do now with a product, a lot or a certificate: one table each (docs/edge.md §3).

The services authorise through these tables, the pages show exactly these actions (`data-action="…"`),
and the API returns them as `allowed_actions`. The `when` predicates are the transitions tables below,
the ones the services move the status by.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from catalog.models import Certificate, CertificateStatus, HarvestLot, LotStatus, Product, ProductStatus
from catalog.permissions import (
    CERTIFICATES_MANAGE,
    CERTIFICATES_VERIFY,
    LOTS_MANAGE,
    LOTS_PUBLISH,
    PRODUCTS_MANAGE,
    PRODUCTS_PUBLISH,
)
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule

# --- products ------------------------------------------------------------------------------------
# A draft is published once; a published product may be delisted and listed again.
PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProductStatus.DRAFT: frozenset({ProductStatus.PUBLISHED}),
    ProductStatus.PUBLISHED: frozenset({ProductStatus.DELISTED}),
    ProductStatus.DELISTED: frozenset({ProductStatus.PUBLISHED}),
}


class ProductAction(StrEnum):
    EDIT = "edit"
    PUBLISH = "publish"
    DELIST = "delist"
    ADD_LOT = "add_lot"


def owns_product(actor: Actor, product: Product) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == product.cooperative_id


def may_become(status: str, target: str, transitions: dict[str, frozenset[str]]) -> bool:
    return target in transitions.get(status, frozenset())


def has_price(product: Product) -> bool:
    return product.price_from is not None


def publishable(product: Product) -> bool:
    """A draft or delisted product with a price (buyers must see what it costs)."""
    return may_become(product.status, ProductStatus.PUBLISHED, PRODUCT_TRANSITIONS) and has_price(product)


PRODUCT_POLICY: Policy[ProductAction, Product] = Policy(
    {
        ProductAction.EDIT: Rule(PRODUCTS_MANAGE, party=owns_product),
        ProductAction.PUBLISH: Rule(
            PRODUCTS_PUBLISH,
            party=owns_product,
            when=publishable,
            conflict=_("Only a draft or delisted product with a price can be published."),
        ),
        ProductAction.DELIST: Rule(
            PRODUCTS_PUBLISH,
            party=owns_product,
            when=lambda p: may_become(p.status, ProductStatus.DELISTED, PRODUCT_TRANSITIONS),
            conflict=_("Only a published product can be delisted."),
        ),
        ProductAction.ADD_LOT: Rule(LOTS_MANAGE, party=owns_product),
    },
    scopes={**dict.fromkeys(ProductAction, ApiScope.CATALOGUE_WRITE), ProductAction.ADD_LOT: ApiScope.LOTS},
)


def product_actions(*, actor: Actor, obj: Product) -> frozenset[ProductAction]:
    return PRODUCT_POLICY.actions(actor=actor, obj=obj)


# --- harvest lots --------------------------------------------------------------------------------
LOT_TRANSITIONS: dict[str, frozenset[str]] = {
    LotStatus.DRAFT: frozenset({LotStatus.PUBLISHED}),
    LotStatus.PUBLISHED: frozenset({LotStatus.WITHDRAWN}),
    LotStatus.WITHDRAWN: frozenset(),
}


class LotAction(StrEnum):
    EDIT = "edit"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    ADD_EVENT = "add_event"
    COUNT_STOCK = "count_stock"


def owns_lot(actor: Actor, lot: HarvestLot) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == lot.product.cooperative_id


def sees_forward_detail(*, actor: Actor, lot: HarvestLot, buyer_id: int | None) -> bool:
    """Who a lot's shipment went to (the buyer's legal name, the order number, the quantity) is for the lot's
    cooperative, that buyer and the alliance's staff. Anyone else with the lot's link (a consumer scanning
    the QR code, another buyer) reads only that it left on a date for a buyer in a province."""
    if actor.is_alliance_staff or owns_lot(actor, lot):
        return True
    return buyer_id is not None and actor.organisation_id == buyer_id


def lot_publishable(lot: HarvestLot) -> bool:
    """A draft lot of a product already shown to buyers (its trace page shows the product)."""
    return may_become(lot.status, LotStatus.PUBLISHED, LOT_TRANSITIONS) and lot.product.status != ProductStatus.DRAFT


LOT_POLICY: Policy[LotAction, HarvestLot] = Policy(
    {
        LotAction.EDIT: Rule(
            LOTS_MANAGE,
            party=owns_lot,
            when=lambda lot: lot.status == LotStatus.DRAFT,
            conflict=_("A published lot cannot be changed. Record a correction event instead; buyers see both."),
        ),
        LotAction.PUBLISH: Rule(
            LOTS_PUBLISH,
            party=owns_lot,
            when=lot_publishable,
            conflict=_("Only a draft lot of a published product can be published."),
        ),
        LotAction.WITHDRAW: Rule(
            LOTS_PUBLISH,
            party=owns_lot,
            when=lambda lot: may_become(lot.status, LotStatus.WITHDRAWN, LOT_TRANSITIONS),
            conflict=_("Only a published lot can be withdrawn."),
        ),
        # Events are only ever appended, whatever the lot's state (a withdrawn lot's trace goes on).
        LotAction.ADD_EVENT: Rule(LOTS_MANAGE, party=owns_lot),
        LotAction.COUNT_STOCK: Rule(
            LOTS_MANAGE,
            party=owns_lot,
            when=lambda lot: lot.status == LotStatus.PUBLISHED,
            conflict=_("Only a published lot has stock to count."),
        ),
    },
    scopes=dict.fromkeys(LotAction, ApiScope.LOTS),
)


def lot_actions(*, actor: Actor, obj: HarvestLot) -> frozenset[LotAction]:
    return LOT_POLICY.actions(actor=actor, obj=obj)


# --- certificates --------------------------------------------------------------------------------
# Any change by the cooperative sends a certificate back to PENDING (see certificate_update).
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    CertificateStatus.PENDING: frozenset({CertificateStatus.VERIFIED, CertificateStatus.REJECTED}),
    CertificateStatus.REJECTED: frozenset({CertificateStatus.VERIFIED, CertificateStatus.PENDING}),
    CertificateStatus.VERIFIED: frozenset({CertificateStatus.REJECTED, CertificateStatus.PENDING}),
}


class CertificateAction(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"  # ask for review again, unchanged, after a rejection
    VERIFY = "verify"
    REJECT = "reject"  # a certificate waiting for review
    REVOKE = "revoke"  # a verified one


def owns_certificate(actor: Actor, certificate: Certificate) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == certificate.cooperative_id


def verifiable(certificate: Certificate) -> bool:
    """Waiting or rejected, with a scan to check."""
    return may_become(certificate.status, CertificateStatus.VERIFIED, REVIEW_TRANSITIONS) and bool(certificate.scan)


CERTIFICATE_POLICY: Policy[CertificateAction, Certificate] = Policy(
    {
        CertificateAction.EDIT: Rule(CERTIFICATES_MANAGE, party=owns_certificate),
        CertificateAction.SUBMIT: Rule(
            CERTIFICATES_MANAGE,
            party=owns_certificate,
            when=lambda c: c.status == CertificateStatus.REJECTED,
            conflict=_("Only a rejected certificate is sent for review again."),
        ),
        CertificateAction.VERIFY: Rule(
            CERTIFICATES_VERIFY,
            when=verifiable,
            conflict=_("Only a certificate waiting for review or rejected, with its scan, can be verified."),
        ),
        CertificateAction.REJECT: Rule(
            CERTIFICATES_VERIFY,
            when=lambda c: c.status == CertificateStatus.PENDING,
            conflict=_("Only a certificate waiting for review can be rejected."),
        ),
        CertificateAction.REVOKE: Rule(
            CERTIFICATES_VERIFY,
            when=lambda c: c.status == CertificateStatus.VERIFIED,
            conflict=_("Only a verified certificate can be revoked."),
        ),
    },
    scopes=dict.fromkeys(CertificateAction, ApiScope.CATALOGUE_WRITE),
)


def certificate_actions(*, actor: Actor, obj: Certificate) -> frozenset[CertificateAction]:
    return CERTIFICATE_POLICY.actions(actor=actor, obj=obj)


def allowed(actions: frozenset[StrEnum]) -> list[str]:
    """What the API returns as `allowed_actions` and pages give templates: sorted values."""
    return sorted(action.value for action in actions)
