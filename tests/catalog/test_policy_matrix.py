"""Generated matrices, one per aggregate (product, lot, certificate): every state × every role. The page shows
an action's button exactly when the service accepts that action, and both agree with the policy table.

Each action is pressed through its service inside a savepoint that is rolled back, so every action of a
case is tried on the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from catalog import services
from catalog.commands import CertificateDetails, LotDetails, ProductDetails
from catalog.models import TraceEventKind
from catalog.policy import (
    CertificateAction,
    LotAction,
    ProductAction,
    certificate_actions,
    lot_actions,
    product_actions,
)
from market.core.errors import ApplicationError
from market.organisations.models import OrganisationKind, Role, VerificationStatus
from market.organisations.permissions import Actor
from tests.catalog.factories import make_certificate, make_lot, make_product
from tests.factories import OrganisationFactory, member
from tests.matrix import shown_actions

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "buyer", "other_cooperative", "owner", "manager", "staff_role", "alliance_staff"]


@dataclass
class World:
    cooperative: Any
    people: dict[str, tuple[Any, Actor]]  # role -> (user or None, actor)


@pytest.fixture
def world(db: Any) -> Callable[..., World]:
    def build(*, verified: bool = True) -> World:
        status = VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
        cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, verification_status=status)
        others = {
            "buyer": (OrganisationFactory(kind=OrganisationKind.BUYER), Role.OWNER),
            "other_cooperative": (OrganisationFactory(kind=OrganisationKind.COOPERATIVE), Role.OWNER),
            "owner": (cooperative, Role.OWNER),
            "manager": (cooperative, Role.MANAGER),
            "staff_role": (cooperative, Role.STAFF),
            "alliance_staff": (OrganisationFactory(kind=OrganisationKind.ALLIANCE), Role.STAFF),
        }
        people: dict[str, tuple[Any, Actor]] = {"anonymous": (None, Actor.anonymous())}
        for role, (organisation, membership) in others.items():
            user = member(organisation, membership)
            people[role] = (user, Actor(user=user, organisation=organisation, role=membership))
        return World(cooperative=cooperative, people=people)

    return build


class _Undo(Exception):
    pass


def accepted(press: Callable[[], object]) -> bool:
    """Whether the service accepts the press; nothing it did is kept."""
    try:
        with transaction.atomic():
            press()
            raise _Undo
    except _Undo:
        return True
    except ApplicationError:
        return False


def shown(user: Any, *paths: str) -> set[str]:
    client = Client()
    if user is not None:
        client.force_login(user)
    found: set[str] = set()
    for path in paths:
        response = client.get(path)
        if response.status_code == 200:
            found |= shown_actions(response.content)
    return found


def check(shown_now: set[str], policy: frozenset[Any], presses: dict[Any, Callable[[], object]]) -> None:
    accepting = {action.value for action, press in presses.items() if accepted(press)}
    assert {a.value for a in policy} == accepting, "the policy and the service disagree"
    assert shown_now == accepting, "the page and the service disagree"


# --- products ------------------------------------------------------------------------------------
PRODUCT_STATES = ["draft", "draft_without_price", "draft_unverified", "published", "delisted"]


def product_in(state: str, world: Callable[..., World]) -> tuple[World, Any]:
    here = world(verified=state != "draft_unverified")
    tiers = [] if state == "draft_without_price" else None
    product = make_product(here.cooperative, publish=state in ("published", "delisted"), tiers=tiers)
    if state == "delisted":
        product = services.product_delist(actor=here.people["owner"][1], product_id=product.pk)
    return here, product


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", PRODUCT_STATES)
def test_product_buttons_are_exactly_what_the_service_accepts(world, state, role):
    here, product = product_in(state, world)
    user, actor = here.people[role]
    lot = LotDetails(code="MATRIX-1", quantity_produced=Decimal(100), harvest_date=timezone.localdate())
    presses: dict[Any, Callable[[], object]] = {
        ProductAction.EDIT: lambda: services.product_update(
            actor=actor, product_id=product.pk, details=ProductDetails.of(product)
        ),
        ProductAction.PUBLISH: lambda: services.product_publish(actor=actor, product_id=product.pk),
        ProductAction.DELIST: lambda: services.product_delist(actor=actor, product_id=product.pk),
        ProductAction.ADD_LOT: lambda: services.lot_create(actor=actor, product_id=product.pk, details=lot),
    }
    check(
        shown(user, f"/my/products/{product.pk}/"),
        product_actions(actor=actor, obj=product),
        presses,
    )


# --- lots ----------------------------------------------------------------------------------------
LOT_STATES = ["draft", "draft_of_a_draft_product", "published", "withdrawn"]


def lot_in(state: str, world: Callable[..., World]) -> tuple[World, Any]:
    here = world()
    product = make_product(here.cooperative, publish=state != "draft_of_a_draft_product")
    lot = make_lot(product, publish=state in ("published", "withdrawn"))
    if state == "withdrawn":
        services.lot_withdraw(actor=here.people["owner"][1], lot_id=lot.pk, reason="Bao bì bị ẩm, thu hồi")
        lot.refresh_from_db()
    return here, lot


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", LOT_STATES)
def test_lot_buttons_are_exactly_what_the_service_accepts(world, state, role):
    here, lot = lot_in(state, world)
    user, actor = here.people[role]
    presses: dict[Any, Callable[[], object]] = {
        LotAction.EDIT: lambda: services.lot_update(actor=actor, lot_id=lot.pk, details=LotDetails.of(lot)),
        LotAction.PUBLISH: lambda: services.lot_publish(actor=actor, lot_id=lot.pk),
        LotAction.WITHDRAW: lambda: services.lot_withdraw(actor=actor, lot_id=lot.pk, reason="Thu hồi do mưa lớn"),
        LotAction.ADD_EVENT: lambda: services.trace_event_add(
            actor=actor,
            lot_id=lot.pk,
            kind=TraceEventKind.NOTE,
            occurred_at=timezone.now() - timedelta(minutes=1),
            description="Kiểm tra kho",
        ),
        LotAction.COUNT_STOCK: lambda: services.lot_stock_adjust(
            actor=actor, lot_id=lot.pk, quantity_available=lot.quantity_available, reason="Kiểm kho định kỳ"
        ),
    }
    check(shown(user, f"/my/lots/{lot.pk}/"), lot_actions(actor=actor, obj=lot), presses)


# --- certificates --------------------------------------------------------------------------------
CERTIFICATE_STATES = ["pending", "rejected", "verified"]


def certificate_in(state: str, world: Callable[..., World]) -> tuple[World, Any]:
    here = world()
    staff = here.people["alliance_staff"][1]
    certificate = make_certificate(here.cooperative, verified=state == "verified", staff=staff)
    if state == "rejected":
        certificate = services.certificate_reject(
            actor=staff, certificate_id=certificate.pk, reason="Bản chụp không đọc được số"
        )
    return here, certificate


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", CERTIFICATE_STATES)
def test_certificate_buttons_are_exactly_what_the_service_accepts(world, state, role):
    here, certificate = certificate_in(state, world)
    user, actor = here.people[role]
    reason = "Cơ quan cấp đã thu hồi giấy này"
    presses: dict[Any, Callable[[], object]] = {
        CertificateAction.EDIT: lambda: services.certificate_update(
            actor=actor, certificate_id=certificate.pk, details=CertificateDetails.of(certificate)
        ),
        CertificateAction.SUBMIT: lambda: services.certificate_submit(actor=actor, certificate_id=certificate.pk),
        CertificateAction.VERIFY: lambda: services.certificate_verify(actor=actor, certificate_id=certificate.pk),
        CertificateAction.REJECT: lambda: services.certificate_reject(
            actor=actor, certificate_id=certificate.pk, reason=reason
        ),
        CertificateAction.REVOKE: lambda: services.certificate_revoke(
            actor=actor, certificate_id=certificate.pk, reason=reason
        ),
    }
    pages = (f"/my/certificates/{certificate.pk}/", f"/staff/certificates/{certificate.pk}/")
    check(shown(user, *pages), certificate_actions(actor=actor, obj=certificate), presses)
