"""Delivery resend: the delivery page shows "Send again" exactly when the service sends it again."""

from __future__ import annotations

from itertools import product

import pytest
from django.db import transaction
from django.test import Client

from market.notifications.models import Channel, Notification, Status
from market.notifications.policy import delivery_actions
from market.notifications.services import notification_resend, notify
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from tests.factories import member
from tests.matrix import accepted, shown_actions

pytestmark = pytest.mark.django_db

VIEWERS = [("alliance", Role.STAFF), ("alliance", Role.MANAGER), ("cooperative", Role.OWNER)]


@pytest.mark.parametrize(("status", "viewer"), list(product(Status.values, VIEWERS)))
def test_delivery_matrix(status, viewer, cooperative, alliance):
    with transaction.atomic():
        notify(
            kind="organisations.verified",
            recipients=[member(cooperative, Role.OWNER)],
            context={"organisation_id": cooperative.pk, "organisation_name": cooperative.name, "is_seller": True},
            object_ref=cooperative,
            channels=[Channel.EMAIL],
        )
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(status=status)
    row.refresh_from_db()
    user = member(alliance if viewer[0] == "alliance" else cooperative, viewer[1])
    actor = resolve_actor(user)
    client = Client()
    client.force_login(user)
    response = client.get(f"/staff/notifications/{row.pk}/")
    shown = shown_actions(response.content) if response.status_code == 200 else set()
    assert shown == {action.value for action in delivery_actions(actor=actor, notification=row)}, (status, viewer)
    assert accepted(lambda: notification_resend(actor=actor, notification_id=row.pk)) == ("resend" in shown)
