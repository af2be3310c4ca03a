"""What staff may do with a delivery now (docs/edge.md): the delivery page shows exactly these controls, the API
returns them as `allowed_actions`, and `notification_resend` authorises through this table."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from market.notifications.models import Notification, Status
from market.notifications.permissions import NOTIFICATIONS_MANAGE
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule

# Rows staff may send again: a failure, or a message the provider never confirmed.
RESENDABLE = frozenset({Status.FAILED, Status.UNCONFIRMED})


class DeliveryAction(StrEnum):
    RESEND = "resend"


DELIVERY_POLICY: Policy[DeliveryAction, Notification] = Policy(
    {
        DeliveryAction.RESEND: Rule(
            NOTIFICATIONS_MANAGE,
            when=lambda row: row.status in RESENDABLE,
            conflict=_("Only failed or unconfirmed messages can be sent again."),
        ),
    },
    scopes=dict.fromkeys(DeliveryAction, ApiScope.NOTIFICATIONS),
)


def delivery_actions(*, actor: Actor, notification: Notification) -> frozenset[DeliveryAction]:
    return DELIVERY_POLICY.actions(actor=actor, obj=notification)
