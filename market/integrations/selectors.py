"""Reads, scoped to the acting organisation: another organisation's endpoint is simply not found."""

from __future__ import annotations

from django.db.models import QuerySet

from market.core.errors import NotFound
from market.integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from market.integrations.permissions import WEBHOOKS_MANAGE
from market.organisations.permissions import Actor


def acting_organisation_id(actor: Actor) -> int:
    """The organisation whose webhooks the actor manages (refused unless an owner or manager of one)."""
    actor.require(WEBHOOKS_MANAGE)
    assert actor.organisation is not None  # require() refuses an actor without one
    return actor.organisation.pk


def endpoint_list_for(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation_id=acting_organisation_id(actor)).order_by("-id")


def endpoint_get_for(*, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoint_list_for(actor=actor).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def delivery_list_for(*, actor: Actor, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    endpoint = endpoint_get_for(actor=actor, endpoint_id=endpoint_id)
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event", "endpoint").order_by("-id")


def delivery_get_for(*, actor: Actor, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """One entry of the endpoint's log: not found once the log no longer keeps it, or when it is not this endpoint's."""
    organisation_id = acting_organisation_id(actor)
    delivery = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, endpoint_id=endpoint_id, endpoint__organisation_id=organisation_id
        )
        .select_related("event", "endpoint")
        .first()
    )
    if delivery is None:
        raise NotFound()
    return delivery


def attempts_of(delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return delivery.attempt_log.order_by("-number")
