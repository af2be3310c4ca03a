"""The registry of webhook event types and `emit_event()`, the one call an app makes when something happened
that an organisation's systems may want to hear about.

Each app registers its types in its AppConfig.ready() (orders do it in orders/webhooks.py):

    register_event_type(WebhookEventType(
        name="order.confirmed",
        label=_("Order confirmed"),
        serialize=lambda order: OrderOut(order).data,   # the same serializer as the API's for that object
        sample={...},                                     # shown in docs/webhooks.md and the event list
    ))

and, in the service that makes the change, inside its transaction:

    emit_event(type="order.confirmed", obj=order, organisations=[order.buyer, order.cooperative])

`emit_event` writes the outbox rows (an event per organisation that has an endpoint listening, a delivery
per such endpoint) in the caller's transaction: they commit with the change or vanish with it; the relay
(relay.py) sends them afterwards. It never calls the network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PING = "ping"


@dataclass(frozen=True)
class WebhookEventType:
    name: str
    label: str | Promise
    serialize: Callable[[Any], Mapping[str, Any]]
    sample: Mapping[str, Any] = field(default_factory=dict)
    # Only sent on request (the test ping): never offered as a subscription.
    subscribable: bool = True


_TYPES: dict[str, WebhookEventType] = {}


def register_event_type(event_type: WebhookEventType) -> WebhookEventType:
    existing = _TYPES.get(event_type.name)
    if existing is not None and existing.serialize is not event_type.serialize:
        raise ImproperlyConfigured(f"Webhook event type {event_type.name!r} is registered twice.")
    _TYPES[event_type.name] = event_type
    return event_type


def get_event_type(name: str) -> WebhookEventType:
    try:
        return _TYPES[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown webhook event type {name!r}: register it in your AppConfig.ready() with register_event_type()."
        ) from None


def subscribable_event_types() -> list[WebhookEventType]:
    return sorted((t for t in _TYPES.values() if t.subscribable), key=lambda t: t.name)


def register_ping() -> None:
    register_event_type(
        WebhookEventType(
            name=PING,
            label=_("Test event (ping)"),
            serialize=_ping_data,
            sample={"endpoint_id": 7, "message": "Market Link webhook test"},
            subscribable=False,
        )
    )


def _ping_data(endpoint: Any) -> dict[str, Any]:
    return {"endpoint_id": endpoint.pk, "message": "Market Link webhook test"}


def emit_event(
    *,
    type: str,
    obj: models.Model,
    organisations: Iterable[Any],
    occurrence: str = "",
) -> int:
    """Write the event for each organisation with an enabled endpoint listening for `type`; returns how many
    deliveries were queued. Call it inside the transaction that makes the change."""
    return emit_events(type=type, items=[(obj, organisations)], occurrence=occurrence)


def emit_events(*, type: str, items: Sequence[tuple[models.Model, Iterable[Any]]], occurrence: str = "") -> int:
    """`emit_event` for several objects (a checkout's orders), with one query for who listens to any of them."""
    from market.integrations.outbox import queue_event

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit_event() must run inside the transaction that makes the change.")
    spec = get_event_type(type)
    if any(obj.pk is None for obj, _organisations in items):
        raise ValueError("emit_event(obj=...) needs a saved object")
    candidates = [
        (obj, {organisation.pk for organisation in organisations if organisation is not None})
        for obj, organisations in items
    ]
    # A change nobody listens to costs this one query.
    listening = _listening(set().union(*(ids for _obj, ids in candidates)), spec.name)
    queued = 0
    for obj, ids in candidates:
        if not listening & ids:
            continue
        # Serialised once for every organisation: the same API answer, whoever hears it.
        data = json_data(spec.serialize(obj))
        for organisation_id in sorted(listening & ids):
            queued += queue_event(
                organisation_id=organisation_id,
                type=spec.name,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                occurrence=occurrence,
                data=data,
                created_at=timezone.now(),
            )
    return queued


def _listening(organisation_ids: set[int], type_name: str) -> set[int]:
    """Which of the organisations have an enabled endpoint listening for the type."""
    from market.integrations.models import WebhookEndpoint

    if not organisation_ids:
        return set()
    # The events are filtered here, not with a JSON `contains` lookup: SQLite (`make run`) has none, and an
    # organisation has a handful of endpoints.
    endpoints = WebhookEndpoint.objects.filter(organisation_id__in=organisation_ids, is_active=True)
    return {
        organisation_id
        for organisation_id, events in endpoints.values_list("organisation_id", "events")
        if type_name in events
    }


def json_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The serializer's output as plain JSON (Decimals as strings, dates as ISO), as the API writes it."""
    import json

    return json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder))
