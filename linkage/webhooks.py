"""The webhook event types of linkage contracts (registered in LinkageConfig.ready()); `data` is what the API
answers for the object (allowed_actions empty: an event has no acting person)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from linkage.api import serializers as out
from linkage.models import CallOff, Delivery, LinkageContract
from market.integrations.registry import WebhookEventType, register_event_type
from market.organisations.permissions import Actor

CONTRACT_SIGNED = "contract.signed"
CONTRACT_AMENDED = "contract.amended"
CALL_OFF_DUE = "calloff.due"
DELIVERY_GRADED = "delivery.graded"


def contract_data(contract: LinkageContract) -> dict[str, Any]:
    """ContractDetailOut, as GET /api/v1/contracts/{id}/ answers it."""
    fresh = LinkageContract.objects.select_related("buyer", "cooperative", "version_in_force").get(pk=contract.pk)
    return dict(out.ContractDetailOut(fresh, context={"actor": Actor.system()}).data)


def call_off_data(call_off: CallOff) -> dict[str, Any]:
    """CallOffOut (with its delivery once recorded), as GET /api/v1/call-offs/{id}/ answers it."""
    fresh = CallOff.objects.select_related("order", "delivery", "version", "contract").get(pk=call_off.pk)
    return {"contract": fresh.contract_id, **out.CallOffOut(fresh, context={"actor": Actor.system()}).data}


def delivery_data(delivery: Delivery) -> dict[str, Any]:
    """The graded delivery as the API shows it: the call-off with its delivery (grading lines, accepted weight,
    price)."""
    return call_off_data(delivery.call_off)


_CONTRACT_SAMPLE = {
    "id": 21,
    "number": "HDLK-2026-021",
    "buyer": 12,
    "cooperative": 3,
    "status": "active",
    "unit": "kg",
    "version_in_force": 1,
    "committed_quantity": "200000",
}
_CALL_OFF_SAMPLE = {
    "contract": 21,
    "id": 77,
    "number": 3,
    "due_on": "2027-03-15",
    "quantity": "20000",
    "status": "planned",
}


def register_webhook_event_types() -> None:
    register_event_type(
        WebhookEventType(
            name=CONTRACT_SIGNED, label=_("Linkage contract signed"), serialize=contract_data, sample=_CONTRACT_SAMPLE
        )
    )
    register_event_type(
        WebhookEventType(
            name=CONTRACT_AMENDED,
            label=_("Linkage contract amended"),
            serialize=contract_data,
            sample={**_CONTRACT_SAMPLE, "version_in_force": 2},
        )
    )
    register_event_type(
        WebhookEventType(name=CALL_OFF_DUE, label=_("Call-off due"), serialize=call_off_data, sample=_CALL_OFF_SAMPLE)
    )
    register_event_type(
        WebhookEventType(
            name=DELIVERY_GRADED,
            label=_("Contract delivery graded"),
            serialize=delivery_data,
            sample={
                **_CALL_OFF_SAMPLE,
                "status": "delivered",
                "delivery": {"net_quantity": "19640", "unit_price": 7350},
            },
        )
    )
