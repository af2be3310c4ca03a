"""Generated role × state matrix (tests/matrix.py): the contract page shows exactly the actions the policies
allow, and each contract action pressed through its service is accepted exactly when it was shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linkage import selectors, services
from linkage.models import AdvanceKind, HazardKind
from linkage.policy import (
    ContractAction,
    advance_actions,
    call_off_actions,
    contract_actions,
    dispute_actions,
    force_majeure_actions,
)
from linkage.terms import terms_of
from market.core.errors import ApplicationError, PermissionDenied
from market.organisations.models import Role
from market.organisations.permissions import Actor
from tests.catalog.factories import MINIMAL_PDF, actor_for
from tests.linkage import factories
from tests.matrix import shown_actions

pytestmark = pytest.mark.django_db


def _draft(processor, cooperative, product):
    return factories.draft(processor, cooperative, product)


def _half_signed(processor, cooperative, product):
    contract = factories.draft(processor, cooperative, product)
    services.version_sign(actor=factories.buyer_actor(contract), contract_id=contract.pk)
    return contract


def _in_force(processor, cooperative, product):
    contract = factories.sign_both(factories.draft(processor, cooperative, product))
    factories.dispatch(factories.call_off(contract, "10000"))
    services.advance_record(
        actor=factories.buyer_actor(contract), contract_id=contract.pk, kind="seed", description="Giống",
        supplied_on=timezone.localdate(), value=1_000_000,
    )  # fmt: skip
    services.dispute_open(actor=factories.coop_actor(contract), contract_id=contract.pk, subject="Ẩm", text="Đo lại")
    return contract


def _amending(processor, cooperative, product):
    contract = factories.sign_both(factories.draft(processor, cooperative, product))
    services.contract_amend(
        actor=factories.coop_actor(contract), contract_id=contract.pk, terms=factories.rice_terms(product)
    )
    return contract


def _terminated(processor, cooperative, product):
    contract = factories.sign_both(factories.draft(processor, cooperative, product))
    services.contract_terminate(actor=factories.coop_actor(contract), contract_id=contract.pk, reason="Hết vụ")
    return contract


STATES = {
    "draft": _draft,
    "half_signed": _half_signed,
    "in_force": _in_force,
    "amending": _amending,
    "terminated": _terminated,
}
ROLES = [
    ("buyer", Role.OWNER),
    ("buyer", Role.STAFF),
    ("coop", Role.OWNER),
    ("coop", Role.STAFF),
    ("staff", Role.MANAGER),
]


def _sign(actor: Actor, contract_id: int, *, as_buyer: bool) -> Any:
    """The sign button signs for the actor's own side: there is no button to sign for the other one."""
    buyer_id = selectors.contract_get_for(actor=actor, contract_id=contract_id).buyer_id
    if (actor.organisation_id == buyer_id) != as_buyer:
        raise PermissionDenied()
    return services.version_sign(actor=actor, contract_id=contract_id)


def _press(actor: Actor, contract_id: int, action: ContractAction) -> None:
    contract = selectors.contract_get_for(actor=actor, contract_id=contract_id)
    terms = terms_of(contract.open_draft or contract.version_in_force)
    today = timezone.localdate()
    commands: dict[ContractAction, Callable[[], Any]] = {
        ContractAction.EDIT: lambda: services.version_update(actor=actor, contract_id=contract_id, terms=terms),
        ContractAction.SIGN_AS_BUYER: lambda: _sign(actor, contract_id, as_buyer=True),
        ContractAction.SIGN_AS_COOPERATIVE: lambda: _sign(actor, contract_id, as_buyer=False),
        ContractAction.REOPEN: lambda: services.version_reopen(actor=actor, contract_id=contract_id),
        ContractAction.DISCARD: lambda: services.version_discard(actor=actor, contract_id=contract_id),
        ContractAction.AMEND: lambda: services.contract_amend(actor=actor, contract_id=contract_id, terms=terms),
        ContractAction.ADD_CALL_OFF: lambda: services.call_off_add(
            actor=actor, contract_id=contract_id, due_on=today + timedelta(days=3), quantity=factories.D(1),
            place=False,
        ),
        ContractAction.RECORD_ADVANCE: lambda: services.advance_record(
            actor=actor, contract_id=contract_id, kind=AdvanceKind.CASH, description="Ứng", supplied_on=today, value=1,
        ),
        ContractAction.DECLARE_FORCE_MAJEURE: lambda: services.force_majeure_declare(
            actor=actor, contract_id=contract_id, kind=HazardKind.FLOOD, starts_on=today, ends_on=None,
            description="Lũ", evidence=SimpleUploadedFile("a.pdf", MINIMAL_PDF, content_type="application/pdf"),
        ),
        ContractAction.OPEN_DISPUTE: lambda: services.dispute_open(
            actor=actor, contract_id=contract_id, subject="Giá", text="Sai"
        ),
        ContractAction.TERMINATE: lambda: services.contract_terminate(
            actor=actor, contract_id=contract_id, reason="Ngừng"
        ),
        ContractAction.CLOSE: lambda: services.contract_close(actor=actor, contract_id=contract_id),
    }  # fmt: skip
    commands[action]()


@pytest.mark.parametrize("state", list(STATES))
def test_the_page_shows_what_the_policies_allow_and_the_services_accept_exactly_that(
    state, processor, cooperative, product, alliance
):
    contract = STATES[state](processor, cooperative, product)
    organisations = {"buyer": processor, "coop": cooperative, "staff": alliance}
    for side, role in ROLES:
        actor = actor_for(organisations[side], role)
        client = Client()
        client.force_login(actor.user)
        page = client.get(reverse("frontend:linkage-contract", args=[contract.pk]))
        assert page.status_code == 200
        loaded = selectors.contract_get_for(actor=actor, contract_id=contract.pk)
        allowed = set(contract_actions(actor=actor, contract=loaded))
        expected = {a.value for a in allowed}
        for row in selectors.contract_progress(loaded).rows:
            expected |= {a.value for a in call_off_actions(actor=actor, call_off=row.call_off)}
        for advance in loaded.advances.all():
            expected |= {a.value for a in advance_actions(actor=actor, advance=advance)}
        for event in loaded.force_majeure.all():
            expected |= {a.value for a in force_majeure_actions(actor=actor, event=event)}
        for dispute in loaded.disputes.all():
            expected |= {a.value for a in dispute_actions(actor=actor, dispute=dispute)}
        assert shown_actions(page.content) == expected, (state, side, role)

        for action in ContractAction:
            with transaction.atomic():
                try:
                    _press(actor, contract.pk, action)
                    accepted = True
                except ApplicationError:
                    accepted = False
                transaction.set_rollback(True)
            assert accepted == (action in allowed), (state, side, role, action)
