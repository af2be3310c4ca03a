"""The intake of a call-off at the processor's gate: weighed, measured, graded by the table of the version
the call-off was ordered under, and recorded on its order (the variable-weight path: the order line and its
invoice follow the accepted weight at the graded price)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linkage import webhooks
from linkage.grading import DeliveryDetails, MissingMeasurement, grade
from linkage.models import CallOff, CallOffStatus, Delivery, EventKind, LinkageContract, Measure
from linkage.notifications import DELIVERY_RECORDED
from linkage.policy import CALL_OFF_POLICY, CallOffAction
from linkage.services.calloffs import move_called, release_cancelled_orders
from linkage.services.common import (
    contract_context,
    contract_id_of_call_off,
    lock_contract,
    locked_transaction,
    record_event,
)
from linkage.terms import bands_of
from market.core.errors import ValidationFailed
from market.core.once import Once, Reuse, once
from market.core.parsing import format_decimal
from market.integrations.registry import emit_event
from market.notifications.services import notify
from market.organisations.permissions import Actor
from orders.services.lifecycle import order_receive_graded


def is_short(*, called: Decimal, accepted: Decimal, tolerance_percent: Decimal) -> bool:
    """Accepted less than the called volume by more than the contract's tolerance."""
    return accepted < called * (100 - tolerance_percent) / 100


def _measurements_text(measurements: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{Measure(m).label} {format_decimal(v)}" for m, v in measurements.items())


def delivery_record_once(*, actor: Actor, key: str, call_off_id: int, details: DeliveryDetails) -> Once[Delivery]:
    """Record a delivery written down at the gate (perhaps offline) under the phone's key for it: sent again
    (its answer lost), the same record finds the delivery it made and makes no second one. A refused record
    claims nothing: corrected, it may be sent again under its key."""
    return once(
        action="linkage.delivery_recorded",
        key=key,
        actor=actor,
        model=Delivery,
        make=lambda: delivery_record(actor=actor, call_off_id=call_off_id, details=details),
        reuse=Reuse(
            lambda first: first.call_off_id == call_off_id,
            _("This record's key was already used for another call-off."),
        ),
    )


@locked_transaction
def delivery_record(*, actor: Actor, call_off_id: int, details: DeliveryDetails) -> Delivery:
    """Record what the scale and the meters read for a shipped call-off; the grading table of its version
    gives the accepted weight and the unit price, and its order is delivered and invoiced on them."""
    contract = lock_contract(actor=actor, contract_id=contract_id_of_call_off(call_off_id))
    release_cancelled_orders(contract, actor=actor)
    call_off = CallOff.objects.select_for_update(of=("self",)).select_related("order", "version").get(pk=call_off_id)
    call_off.contract = contract
    CALL_OFF_POLICY.authorize(actor=actor, obj=call_off, action=CallOffAction.RECORD_DELIVERY)
    # As for a household's intake (catalog.supply): a day's slack for a phone's clock, never a day to come.
    if details.received_on > timezone.localdate() + timedelta(days=1):
        raise ValidationFailed(fields={"received_on": [_("An intake cannot be recorded for a day that has not come.")]})
    version = call_off.version
    assert call_off.unit_price is not None
    assert call_off.order is not None
    try:
        grading = grade(
            bands=bands_of(version),
            measurements=details.measurements,
            gross=details.gross_quantity,
            base_price=call_off.unit_price,
        )
    except MissingMeasurement as missing:
        raise ValidationFailed(
            fields={missing.measure: [_("Enter the measured value: the contract's grading table needs it.")]}
        ) from None
    # What was called for this delivery is replaced by what was accepted (more needs room in the contract).
    move_called(contract, grading.net - call_off.quantity)
    short = is_short(called=call_off.quantity, accepted=grading.net, tolerance_percent=version.tolerance_percent)
    delivery = Delivery.objects.create(
        call_off=call_off,
        contract=contract,
        received_on=details.received_on,
        recorded_by=actor.user,
        weigh_ticket=details.weigh_ticket,
        vehicle=details.vehicle,
        gross_quantity=details.gross_quantity,
        measurements={m: f"{v.normalize():f}" for m, v in details.measurements.items()},
        deduction=grading.deduction,
        net_quantity=grading.net,
        base_price=grading.base_price,
        price_adjustment=grading.price_adjustment,
        unit_price=grading.unit_price,
        amount=grading.amount,
        grading=[line.as_json() for line in grading.lines],
        short=short,
        note=details.note,
    )
    LinkageContract.objects.filter(pk=contract.pk).update(
        delivered_quantity=F("delivered_quantity") + grading.net,
        delivered_value=F("delivered_value") + grading.amount,
    )
    call_off.status = CallOffStatus.DELIVERED
    call_off.save(update_fields=["status", "updated_at"])
    line = call_off.order.lines.get()
    order_receive_graded(
        actor=actor,
        order_id=call_off.order.pk,
        line_id=line.pk,
        quantity=grading.net,
        unit_price=grading.unit_price,
        note=_("Weighed %(gross)s, accepted %(net)s after grading (weigh ticket %(ticket)s).")
        % {
            "gross": format_decimal(details.gross_quantity),
            "net": format_decimal(grading.net),
            "ticket": details.weigh_ticket or "—",
        },
    )
    figures = {
        "call_off": call_off.number,
        "gross": f"{details.gross_quantity.normalize():f}",
        "deduction": f"{grading.deduction.normalize():f}",
        "net": f"{grading.net.normalize():f}",
        "unit_price": grading.unit_price,
        "amount": grading.amount,
    }
    record_event(contract, actor=actor, kind=EventKind.DELIVERY_RECORDED, version_number=version.number, data=figures)
    notify(
        kind=DELIVERY_RECORDED,
        recipients=[contract.buyer, contract.cooperative],
        context=contract_context(
            contract, **figures, unit=contract.unit_symbol, measurements=_measurements_text(details.measurements)
        ),
        object_ref=contract,
        occurrence=f"delivery-{delivery.pk}",
    )
    emit_event(type=webhooks.DELIVERY_GRADED, obj=delivery, organisations=[contract.buyer, contract.cooperative])
    return delivery
