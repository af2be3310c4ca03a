"""Capabilities of the notifications app. Everyone reads their own inbox and preferences (no capability:
being logged in is enough); alliance staff watch deliveries and templates."""

from market.organisations.models import OrganisationKind
from market.organisations.permissions import capability

NOTIFICATIONS_MANAGE = capability("notifications.manage", kinds={OrganisationKind.ALLIANCE})
