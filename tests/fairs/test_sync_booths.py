"""A fair's booths are read with the fair (GET /fairs/{id}/booths/), not synced on their own: every booth
created, changed or deleted moves the fair's `updated_at`, so a client syncing /fairs/ reads the plan again
and sees a deleted booth gone (docs/api-sync.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fairs import services
from fairs.inputs import BoothChange, BoothSpec, booth_spec_of
from fairs.models import Fair
from market.organisations.models import Organisation
from tests.fairs.factories import booth, hall_of, make_fair, staff_actor

pytestmark = pytest.mark.django_db


def _create(alliance: Organisation, fair: Fair) -> None:
    spec = BoothSpec(code="C-09", x=Decimal(40), y=Decimal(20))
    services.booth_create(actor=staff_actor(alliance), fair_id=fair.pk, hall_id=hall_of(fair).pk, spec=spec)


def _update(alliance: Organisation, fair: Fair) -> None:
    current = booth(fair, "A-01")
    spec = replace(booth_spec_of(current), power=True, price=current.price + 100_000)
    services.booth_update(actor=staff_actor(alliance), booth_id=current.pk, change=BoothChange.whole(spec))


def _delete(alliance: Organisation, fair: Fair) -> None:
    services.booth_delete(actor=staff_actor(alliance), booth_id=booth(fair, "A-02").pk)


@pytest.mark.parametrize("write", [_create, _update, _delete], ids=["create", "update", "delete"])
def test_every_booth_write_moves_the_fairs_updated_at(
    alliance: Organisation, write: Callable[[Organisation, Fair], None]
) -> None:
    fair = make_fair(alliance, booths=3)
    stale = timezone.now() - timedelta(days=1)
    Fair.objects.filter(pk=fair.pk).update(updated_at=stale)

    write(alliance, fair)

    assert Fair.objects.get(pk=fair.pk).updated_at > stale


def test_a_client_syncing_fairs_gets_the_fair_again_after_a_booth_is_deleted(api, alliance, settings) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    fair = make_fair(alliance, booths=3)
    client = api(staff_actor(alliance).user)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    first = client.get("/api/v1/fairs/", {"updated_since": since}).json()
    assert fair.pk in [row["id"] for row in first["results"]]

    _delete(alliance, fair)

    again = client.get("/api/v1/fairs/", {"cursor": first["sync_cursor"]}).json()
    assert [row["id"] for row in again["results"]] == [fair.pk]
    codes = [row["code"] for row in client.get(f"/api/v1/fairs/{fair.pk}/booths/").json()]
    assert "A-02" not in codes
    assert "A-01" in codes
