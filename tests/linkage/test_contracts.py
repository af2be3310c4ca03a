"""Drafting, signing and amending: both signatures put a version in force, every version stays in the
history, and a call-off ordered under version 1 keeps its price and grading after an amendment."""

from dataclasses import replace

import pytest
from django.utils import timezone

from linkage import services
from linkage.grading import Band
from linkage.models import (
    CallOffStatus,
    ContractStatus,
    ContractVersion,
    Effect,
    EventKind,
    LinkageContract,
    Measure,
    VersionStatus,
)
from linkage.policy import ContractAction, contract_actions
from linkage.terms import terms_of
from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.notifications.models import Notification
from market.organisations.models import Role
from orders.models import OrderLine
from tests.catalog.factories import actor_for
from tests.linkage import factories
from tests.linkage.factories import D

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_draft_needs_both_signatures_and_the_second_puts_it_in_force(processor, cooperative, product):
    contract = factories.draft(processor, cooperative, product)
    assert contract.status == ContractStatus.DRAFT
    assert contract.number.startswith("HDLK")
    buyer, coop = actor_for(processor, Role.OWNER), actor_for(cooperative, Role.OWNER)

    services.version_sign(actor=buyer, contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert contract.version_in_force is None
    # The buyer cannot sign twice; the cooperative is told there is a contract to sign.
    with pytest.raises(Conflict):
        services.version_sign(actor=buyer, contract_id=contract.pk)
    assert Notification.objects.filter(kind="linkage.contract_to_sign", organisation=cooperative).exists()
    # Signed terms are frozen.
    with pytest.raises(Conflict):
        services.version_update(actor=coop, contract_id=contract.pk, terms=factories.rice_terms(product))

    services.version_sign(actor=coop, contract_id=contract.pk)
    contract = LinkageContract.objects.get(pk=contract.pk)
    version = contract.version_in_force
    assert contract.status == ContractStatus.ACTIVE
    assert version.status == VersionStatus.IN_FORCE
    assert version.signature_count == 2
    assert version.terms_digest == terms_of(version).digest()
    assert contract.committed_quantity == D(1_200_000)
    assert contract.max_quantity == D(1_260_000)
    # The schedule became a planned call-off; the clauses came from the configurable templates.
    assert [c.status for c in contract.call_offs.all()] == [CallOffStatus.PLANNED]
    assert version.clauses.count() == 9
    assert Notification.objects.filter(kind="linkage.contract_in_force").exists()


def test_signing_what_one_did_not_read_is_refused(processor, cooperative, product):
    contract = factories.draft(processor, cooperative, product)
    with pytest.raises(Conflict):
        services.version_sign(actor=actor_for(processor), contract_id=contract.pk, terms_digest="0" * 64)


def test_staff_staff_role_and_strangers_cannot_sign(contract, alliance, cooperative, product, other_cooperative):
    services.contract_amend(actor=actor_for(cooperative), contract_id=contract.pk, terms=factories.rice_terms(product))
    with pytest.raises(PermissionDenied):
        services.version_sign(actor=actor_for(cooperative, Role.STAFF), contract_id=contract.pk)
    with pytest.raises(PermissionDenied):
        services.version_sign(actor=actor_for(alliance, Role.OWNER), contract_id=contract.pk)
    with pytest.raises(NotFound):
        services.version_sign(actor=actor_for(other_cooperative), contract_id=contract.pk)
    assert ContractVersion.objects.get(contract=contract, number=2).signature_count == 0


def test_an_amendment_is_a_new_version_both_sign_and_the_history_keeps_every_version(contract, product):
    buyer, coop = factories.buyer_actor(contract), factories.coop_actor(contract)
    amended = replace(factories.rice_terms(product), committed_quantity=D(1_300_000), change_note="Thêm 100 tấn.")
    services.contract_amend(actor=coop, contract_id=contract.pk, terms=amended)
    assert ContractAction.AMEND not in contract_actions(
        actor=buyer, contract=LinkageContract.objects.get(pk=contract.pk)
    )
    services.version_sign(actor=coop, contract_id=contract.pk)
    contract.refresh_from_db()
    # One signature is not enough: version 1 is still in force.
    assert contract.version_in_force.number == 1
    assert contract.committed_quantity == D(1_200_000)
    assert Notification.objects.filter(kind="linkage.amendment_to_sign", organisation=contract.buyer).exists()
    services.version_sign(actor=buyer, contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.version_in_force.number == 2
    assert contract.committed_quantity == D(1_300_000)
    versions = list(contract.versions.order_by("number").values_list("number", "status"))
    assert versions == [(1, VersionStatus.SUPERSEDED), (2, VersionStatus.IN_FORCE)]
    actions = list(contract.events.values_list("action", flat=True))
    assert actions.count(EventKind.SIGNED) == 4
    assert actions.count(EventKind.IN_FORCE) == 2


def test_an_order_placed_under_version_1_keeps_its_price_and_grading(processor, cooperative, product):
    contract = factories.contract_in_force(processor, cooperative)
    product = contract.version_in_force.product
    first = factories.call_off(contract, "20000")
    # Version 2: a higher price and a harsher moisture table.
    harsher = (Band(Measure.MOISTURE, D(14), None, Effect.WEIGHT, D(3)), *factories.RICE_TABLE[3:])
    services.contract_amend(
        actor=factories.buyer_actor(contract),
        contract_id=contract.pk,
        terms=replace(factories.rice_terms(product), base_price=8000, grading=harsher),
    )
    factories.sign_both(contract)
    second = factories.call_off(contract, "20000")
    assert (first.version.number, first.unit_price) == (1, 7000)
    assert (second.version.number, second.unit_price) == (2, 8000)
    assert OrderLine.objects.get(order=first.order).unit_price == 7000

    delivery = factories.weigh(factories.dispatch(first), "20000", moisture="15", impurities="1", unfilled="2")
    # Version 1's table: 1 point × 1,2 kg per 100 kg = 240 kg, at version 1's 7.000 ₫.
    assert (delivery.net_quantity, delivery.unit_price) == (D(19760), 7000)
    line = OrderLine.objects.get(order=first.order)
    assert (line.quantity_delivered, line.unit_price) == (D(19760), 7000)


def test_an_amendment_cannot_go_below_what_is_already_called(contract, product):
    factories.call_off(contract, "900000")
    services.contract_amend(
        actor=factories.buyer_actor(contract),
        contract_id=contract.pk,
        terms=replace(factories.rice_terms(product), committed_quantity=D(800_000), schedule=()),
    )
    services.version_sign(actor=factories.buyer_actor(contract), contract_id=contract.pk)
    with pytest.raises(Conflict):
        services.version_sign(actor=factories.coop_actor(contract), contract_id=contract.pk)
    assert LinkageContract.objects.get(pk=contract.pk).version_in_force.number == 1


def test_a_half_signed_draft_returns_to_drafting_and_an_unsigned_one_is_discarded(processor, cooperative, product):
    contract = factories.draft(processor, cooperative, product)
    services.version_sign(actor=actor_for(processor), contract_id=contract.pk)
    services.version_reopen(actor=actor_for(cooperative), contract_id=contract.pk, note="Sửa giá sàn")
    version = contract.versions.get()
    assert version.signature_count == 0
    assert version.terms_digest == ""
    services.version_update(
        actor=actor_for(cooperative), contract_id=contract.pk, terms=factories.rice_terms(product, base_price=7200)
    )
    services.version_discard(actor=actor_for(processor), contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CANCELLED
    assert contract.versions.get().status == VersionStatus.DISCARDED


def test_the_terms_are_checked_against_the_parties(processor, cooperative, product, other_cooperative):
    foreign = factories.paddy(other_cooperative)
    with pytest.raises(ValidationFailed) as error:
        factories.draft(processor, cooperative, foreign)
    assert "product" in error.value.fields
    foreign_area = factories.area(other_cooperative)
    with pytest.raises(ValidationFailed) as error:
        factories.draft(processor, cooperative, product, area_ids=(foreign_area.pk,))
    assert "areas" in error.value.fields
    too_much = (factories.rice_terms(product).schedule[0],) * 5  # 1.500 tấn scheduled, 1.260 allowed
    with pytest.raises(ValidationFailed) as error:
        factories.draft(processor, cooperative, product, schedule=too_much)
    assert "schedule" in error.value.fields


def test_hectares_and_households_come_from_the_linked_areas(processor, cooperative, product):
    linked = factories.area(cooperative, plots=4, hectares="2.5")
    contract = factories.sign_both(factories.draft(processor, cooperative, product, area_ids=(linked.pk,)))
    assert (contract.hectares, contract.households) == (D(10), 4)


def test_termination_ends_the_schedule_and_refuses_later_call_offs(contract):
    services.contract_terminate(
        actor=factories.coop_actor(contract), contract_id=contract.pk, reason="Bên mua không nhận hàng."
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert contract.terminated_on == timezone.localdate()
    assert set(contract.call_offs.values_list("status", flat=True)) == {CallOffStatus.CANCELLED}
    with pytest.raises(Conflict, match="terminated"):
        factories.call_off(contract)
    assert contract.call_offs.filter(status=CallOffStatus.PLACED).count() == 0


def test_the_clause_templates_come_back_after_a_flush_and_keep_what_staff_wrote():
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    from linkage.models import ClauseTemplate

    ClauseTemplate.objects.filter(code="parties").update(title_vi="Các bên (sửa bởi Liên minh)")
    ClauseTemplate.objects.filter(code="disputes").delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default", apps=apps)
    assert ClauseTemplate.objects.count() == 9
    assert ClauseTemplate.objects.get(code="parties").title_vi == "Các bên (sửa bởi Liên minh)"
