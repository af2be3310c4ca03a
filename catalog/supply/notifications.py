"""The notifications of supply, registered from CatalogConfig.ready() (`register_supply_notification_kinds`).

Households are not users: what they deliver is summed up once a day for the cooperative's managers, and a
lot built from intakes is announced to them. Templates: templates/notifications/catalog/<event>/<language>/.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from catalog.models import HarvestLot
from market.notifications.models import Group
from market.notifications.registry import NotificationKind, register_kind
from market.notifications.services import notify
from market.organisations.models import Membership, Organisation, User
from market.organisations.permissions import MANAGING_ROLES

INTAKES_DAILY = "catalog.supply_intakes_daily"
LOT_BUILT = "catalog.supply_lot_built"


def _intakes_page(context: Mapping[str, Any]) -> str:
    day = context["day"]
    return reverse("frontend:supply-intakes") + "?" + urlencode({"received_from": day, "received_to": day})


def _lot_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:my-lot", args=[context["lot_id"]])


def register_supply_notification_kinds() -> None:
    register_kind(
        NotificationKind(
            name=INTAKES_DAILY,
            group=Group.ORDERS,
            label=_("Intakes from member households, once a day"),
            template="notifications/catalog/supply_intakes_daily",
            link=_intakes_page,
            sample_context={
                "day": "2027-02-20",
                "cooperative_name": "HTX Lúa gạo Tân Hiệp",
                "intake_count": 14,
                "household_count": 9,
                "total_kg": "18250.5",
                "unpriced_count": 2,
            },
        )
    )
    register_kind(
        NotificationKind(
            name=LOT_BUILT,
            group=Group.ORDERS,
            label=_("A lot was built from intakes"),
            template="notifications/catalog/supply_lot_built",
            link=_lot_page,
            sample_context={
                "lot_id": 1,
                "lot_code": "LUA-DX27-01",
                "product_name": "Lúa tươi OM 18",
                "cooperative_name": "HTX Lúa gạo Tân Hiệp",
                "intake_count": 3,
                "total_kg": "3750.5",
            },
        )
    )


def managers_of(cooperative_id: int) -> list[User]:
    """Who hears about supply: the cooperative's owners and managers."""
    memberships = Membership.objects.filter(organisation_id=cooperative_id, role__in=MANAGING_ROLES)
    return [m.user for m in memberships.select_related("user").order_by("pk")]


def announce_lot_built(*, lot: HarvestLot, intake_count: int, kg: Decimal) -> None:
    """In the transaction that built (or extended) the lot; once per lot and number of intakes."""
    cooperative = lot.product.cooperative
    notify(
        kind=LOT_BUILT,
        recipients=managers_of(cooperative.pk),
        context={
            "lot_id": lot.pk,
            "lot_code": lot.code,
            "product_name": lot.product.name_vi,
            "cooperative_name": cooperative.name,
            "intake_count": intake_count,
            "total_kg": format(kg.normalize(), "f"),
        },
        object_ref=lot,
        occurrence=f"{lot.intakes.count()}",
    )


def announce_intakes_of_day(
    *, cooperative: Organisation, day: date, intake_count: int, household_count: int, kg: Decimal, unpriced: int
) -> None:
    """One summary per cooperative and day (a second run the same day writes nothing)."""
    notify(
        kind=INTAKES_DAILY,
        recipients=managers_of(cooperative.pk),
        context={
            "day": day.isoformat(),
            "cooperative_name": cooperative.name,
            "intake_count": intake_count,
            "household_count": household_count,
            "total_kg": format(kg.normalize(), "f"),
            "unpriced_count": unpriced,
        },
        object_ref=cooperative,
        occurrence=f"intakes-{day.isoformat()}",
    )
