"""Call-offs: adding one to the schedule, ordering it (an order through the same placement service as
checkout, at the price its version's rule gives on its date), cancelling a planned one, and giving back the
volume of one whose order was cancelled in orders.

The contract's `called_quantity` moves only here and at intake, by conditional UPDATEs on the contract row
that this transaction already holds locked, and the database refuses `called_quantity > max_quantity`: two
call-offs ordered at once can never exceed the committed volume plus tolerance.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from linkage.models import CallOff, CallOffStatus, EventKind, LinkageContract
from linkage.policy import CALL_OFF_POLICY, CONTRACT_POLICY, CallOffAction, ContractAction
from linkage.pricing import version_price
from linkage.services.common import (
    contract_id_of_call_off,
    lock_contract,
    locked_transaction,
    planned_call_offs_moved,
    record_event,
)
from market.core.errors import Conflict, ValidationFailed
from market.core.once import Once, Reuse, once
from market.core.parsing import format_date, format_decimal
from market.organisations.permissions import Actor
from market.payments.services import placed_again_on_reference_collision
from orders.models import Checkout, Order, OrderSource, OrderStatus
from orders.services.placement import PricedLine, order_place_priced


# --- the contract's volume -----------------------------------------------------------------------
def move_called(contract: LinkageContract, delta: Decimal) -> None:
    """Add `delta` (negative gives volume back) to what is called; Conflict when it would pass the most the
    contract allows. The caller holds the contract row locked."""
    if delta > 0:
        moved = LinkageContract.objects.filter(pk=contract.pk, called_quantity__lte=F("max_quantity") - delta).update(
            called_quantity=F("called_quantity") + delta
        )
        if not moved:
            contract.refresh_from_db(fields=["called_quantity", "max_quantity"])
            raise Conflict(
                _("Only %(left)s %(unit)s may still be called under this contract (its volume plus tolerance).")
                % {"left": format_decimal(contract.remaining_quantity), "unit": contract.unit_symbol},
                code="volume_exceeded",
            )
    elif delta < 0:
        LinkageContract.objects.filter(pk=contract.pk).update(called_quantity=F("called_quantity") + delta)
    if delta:
        planned_call_offs_moved([contract.pk])  # what may still be called decides whether they may be ordered
    contract.refresh_from_db(fields=["called_quantity"])


def release_cancelled_orders(contract: LinkageContract, *, actor: Actor | None) -> int:
    """Ordered call-offs whose order was cancelled (by either side, or unpaid) give their volume back.
    Run with the contract locked: before every placement and intake, and by the beat job."""
    released = list(
        CallOff.objects.select_for_update()
        .filter(contract=contract, status=CallOffStatus.PLACED, order__status=OrderStatus.CANCELLED)
        .order_by("pk")
    )
    for call_off in released:
        call_off.status = CallOffStatus.CANCELLED
        call_off.save(update_fields=["status", "updated_at"])
        move_called(contract, -call_off.quantity)
        record_event(
            contract,
            actor=actor,
            kind=EventKind.CALL_OFF_CANCELLED,
            version_number=call_off.version.number,
            data={"call_off": call_off.number, "order": call_off.order_id},
        )
    return len(released)


# --- adding and ordering -------------------------------------------------------------------------
@placed_again_on_reference_collision
@locked_transaction
def call_off_add(*, actor: Actor, contract_id: int, due_on: date, quantity: Decimal, place: bool) -> CallOff:
    """The processor adds a delivery to the schedule (a date in the term, a volume); with `place` it is
    ordered at once."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.ADD_CALL_OFF)
    version = contract.version_in_force
    assert version is not None
    if not version.starts_on <= due_on <= version.ends_on or due_on < timezone.localdate():
        raise ValidationFailed(
            fields={
                "due_on": [
                    _("Choose a date from today within the term (%(start)s – %(end)s).")
                    % {"start": format_date(version.starts_on), "end": format_date(version.ends_on)}
                ]
            }
        )
    number = (contract.call_offs.aggregate(n=Max("number"))["n"] or 0) + 1
    # A date force majeure covers can be planned (suspended until it ends) but not ordered.
    suspended_by = None if place else contract.suspended_on(due_on)
    call_off = CallOff.objects.create(
        contract=contract,
        version=version,
        number=number,
        due_on=due_on,
        quantity=quantity,
        status=CallOffStatus.SUSPENDED if suspended_by else CallOffStatus.PLANNED,
        suspended_by=suspended_by,
    )
    call_off.contract = contract
    record_event(
        contract,
        actor=actor,
        kind=EventKind.CALL_OFF_ADDED,
        version_number=version.number,
        data={"call_off": number, "due_on": due_on.isoformat(), "quantity": f"{quantity.normalize():f}"},
    )
    if place:
        release_cancelled_orders(contract, actor=actor)
        _place(contract, call_off, actor=actor)
    return call_off


def call_off_add_once(
    *, actor: Actor, key: str, contract_id: int, due_on: date, quantity: Decimal, place: bool
) -> Once[CallOff]:
    """call_off_add under the key of the form it was typed in or the API request's Idempotency-Key: sent twice (a
    double click on "Add", a retry after a lost answer) it adds one call-off, and orders it once; the second send
    answers with the first."""
    return once(
        action="linkage.call_off_added",
        key=key,
        actor=actor,
        model=CallOff,
        make=lambda: call_off_add(actor=actor, contract_id=contract_id, due_on=due_on, quantity=quantity, place=place),
        reuse=Reuse(
            lambda first: (first.contract_id, first.due_on, first.quantity) == (contract_id, due_on, quantity),
            _("This Idempotency-Key was already used for another call-off: send this one with a new key."),
        ),
    )


@placed_again_on_reference_collision
@locked_transaction
def call_off_place(*, actor: Actor, call_off_id: int) -> CallOff:
    """The processor orders a planned call-off."""
    contract = lock_contract(actor=actor, contract_id=contract_id_of_call_off(call_off_id))
    release_cancelled_orders(contract, actor=actor)
    call_off = CallOff.objects.select_for_update().get(pk=call_off_id)
    call_off.contract = contract
    _place(contract, call_off, actor=actor)
    return call_off


def _place(contract: LinkageContract, call_off: CallOff, *, actor: Actor) -> None:
    CALL_OFF_POLICY.authorize(actor=actor, obj=call_off, action=CallOffAction.PLACE)
    version = contract.version_in_force
    assert version is not None
    price = version_price(version=version, on=call_off.due_on)
    move_called(contract, call_off.quantity)
    buyer = contract.buyer
    checkout = Checkout.objects.create(
        buyer=buyer,
        placed_by=actor.user,
        delivery_address=version.delivery_place,
        delivery_province_code=version.delivery_province_code,
        delivery_from=call_off.due_on,
        delivery_to=call_off.due_on,
        po_number=f"{contract.number}/{call_off.number}",
        note=f"Giao lô {call_off.number} theo hợp đồng liên kết {contract.number}",
        invoice_tax_code=buyer.tax_code,
        invoice_legal_name=buyer.legal_name,
        invoice_address=buyer.full_address,
        invoice_email=buyer.email or (actor.user.email if actor.user else ""),
    )
    order = order_place_priced(
        actor=actor,
        checkout=checkout,
        cooperative_id=contract.cooperative_id,
        lines=[PricedLine(product=version.product, quantity=call_off.quantity, unit_price=price.unit_price)],
    )
    call_off.version = version
    call_off.status = CallOffStatus.PLACED
    call_off.order = order
    call_off.unit_price = price.unit_price
    call_off.price_basis = price.as_json()
    call_off.placed_at = timezone.now()
    call_off.placed_by = actor.user
    call_off.save()
    record_event(
        contract,
        actor=actor,
        kind=EventKind.CALL_OFF_PLACED,
        version_number=version.number,
        data={"call_off": call_off.number, "order": order.number, "unit_price": price.unit_price},
    )


@locked_transaction
def call_off_cancel(*, actor: Actor, call_off_id: int) -> CallOff:
    """The processor drops a planned (or suspended) call-off from the schedule."""
    contract = lock_contract(actor=actor, contract_id=contract_id_of_call_off(call_off_id))
    call_off = CallOff.objects.select_for_update().get(pk=call_off_id)
    call_off.contract = contract
    CALL_OFF_POLICY.authorize(actor=actor, obj=call_off, action=CallOffAction.CANCEL)
    call_off.status = CallOffStatus.CANCELLED
    call_off.save(update_fields=["status", "updated_at"])
    record_event(
        contract,
        actor=actor,
        kind=EventKind.CALL_OFF_CANCELLED,
        version_number=call_off.version.number,
        data={"call_off": call_off.number},
    )
    return call_off


def call_off_of_order_moved(order: Order) -> int:
    """The order of a call-off changed status (orders.followers): the call-off moves, as recording its delivery
    (`record_delivery` in its `allowed_actions`) reads whether the order is shipped. Other orders have none."""
    if order.source != OrderSource.CONTRACT:
        return 0
    return CallOff.objects.filter(order_id=order.pk).update()


def call_offs_release_cancelled() -> int:
    """Beat: every contract with an ordered call-off whose order was cancelled gives the volume back."""
    ids = (
        CallOff.objects.filter(status=CallOffStatus.PLACED, order__status=OrderStatus.CANCELLED)
        .values_list("contract_id", flat=True)
        .distinct()
    )
    released = 0
    for contract_id in list(ids):
        released += _release_for(contract_id)
    return released


@locked_transaction
def _release_for(contract_id: int) -> int:
    contract = LinkageContract.objects.select_for_update(of=("self",)).get(pk=contract_id)
    return release_cancelled_orders(contract, actor=None)
