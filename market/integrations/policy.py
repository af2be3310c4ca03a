"""What an actor may do with an endpoint or a delivery now: the pages show these buttons, the API returns them
as `allowed_actions`, the services authorise through these tables."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from market.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from market.integrations.permissions import WEBHOOKS_MANAGE
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule


class EndpointAction(StrEnum):
    UPDATE = "update"
    ROTATE_SECRET = "rotate_secret"  # noqa: S105 (an action name)
    ENABLE = "enable"
    DISABLE = "disable"
    PING = "ping"
    DELETE = "delete"


def is_own_endpoint(actor: Actor, endpoint: WebhookEndpoint) -> bool:
    return actor.organisation_id == endpoint.organisation_id


def _enabled(endpoint: WebhookEndpoint) -> bool:
    return endpoint.is_active


def _disabled(endpoint: WebhookEndpoint) -> bool:
    return not endpoint.is_active


ENDPOINT_POLICY: Policy[EndpointAction, WebhookEndpoint] = Policy(
    {
        EndpointAction.UPDATE: Rule(WEBHOOKS_MANAGE, party=is_own_endpoint),
        EndpointAction.ROTATE_SECRET: Rule(WEBHOOKS_MANAGE, party=is_own_endpoint),
        EndpointAction.ENABLE: Rule(
            WEBHOOKS_MANAGE, party=is_own_endpoint, when=_disabled, conflict=_("This endpoint is already enabled.")
        ),
        EndpointAction.DISABLE: Rule(
            WEBHOOKS_MANAGE, party=is_own_endpoint, when=_enabled, conflict=_("This endpoint is already disabled.")
        ),
        EndpointAction.PING: Rule(
            WEBHOOKS_MANAGE,
            party=is_own_endpoint,
            when=_enabled,
            conflict=_("Enable the endpoint before sending it a test event."),
        ),
        EndpointAction.DELETE: Rule(WEBHOOKS_MANAGE, party=is_own_endpoint),
    },
    scopes=dict.fromkeys(EndpointAction, ApiScope.WEBHOOKS_MANAGE),
)


class DeliveryAction(StrEnum):
    SEND_AGAIN = "send_again"


def is_own_delivery(actor: Actor, delivery: WebhookDelivery) -> bool:
    return actor.organisation_id == delivery.endpoint.organisation_id


DELIVERY_POLICY: Policy[DeliveryAction, WebhookDelivery] = Policy(
    {
        DeliveryAction.SEND_AGAIN: Rule(
            WEBHOOKS_MANAGE,
            party=is_own_delivery,
            when=lambda delivery: delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED),
            conflict=_("This delivery is still being sent; wait until it is delivered or has failed."),
        ),
    },
    scopes=dict.fromkeys(DeliveryAction, ApiScope.WEBHOOKS_MANAGE),
)


def endpoint_actions(*, actor: Actor, endpoint: WebhookEndpoint) -> frozenset[EndpointAction]:
    return ENDPOINT_POLICY.actions(actor=actor, obj=endpoint)


def delivery_actions(*, actor: Actor, delivery: WebhookDelivery) -> frozenset[DeliveryAction]:
    return DELIVERY_POLICY.actions(actor=actor, obj=delivery)
