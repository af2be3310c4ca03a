"""A lot's traceability events sync (GET /api/v1/lot-events/, docs/api-sync.md): append-only, each new event
comes once, even one added while the client pages; one lot's with `?lot=`; another cooperative sees none.
Price tiers, read with their product, move the product."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import Product, TraceEvent, TraceEventKind
from catalog.pricing import TierSpec
from market.organisations.models import Role
from tests.catalog.factories import actor_for, make_lot, make_product
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/lot-events/"


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


def _note(cooperative: Any, lot_id: int, text: str) -> TraceEvent:
    return services.trace_event_add(
        actor=actor_for(cooperative), lot_id=lot_id, kind=TraceEventKind.NOTE, occurred_at=timezone.now(),
        description=text,
    )  # fmt: skip


def test_lot_events_sync_once_each_even_when_added_while_paging(api, cooperative) -> None:
    lot = make_lot(make_product(cooperative))
    other_lot = make_lot(make_product(cooperative, name="Gạo ST24"), code="ST24-2026-01")
    notes = [_note(cooperative, lot.pk, f"Kiểm tra kho {n}") for n in range(3)]
    _note(cooperative, other_lot.pk, "Lô khác")
    client = api(actor_for(cooperative).user)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()

    first = client.get(URL, {"updated_since": since, "lot": lot.pk, "page_size": 2}).json()
    late = _note(cooperative, lot.pk, "Thêm trong lúc đọc")
    second = client.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]

    assert sorted(TraceEvent.objects.filter(lot=lot).values_list("pk", flat=True)) == sorted(seen)  # each once
    assert {n.pk for n in notes} | {late.pk} <= set(seen)
    assert all(row["lot"] == lot.pk for row in first["results"] + second["results"])
    assert client.get(URL, {"cursor": second["sync_cursor"]}).json()["results"] == []


def test_another_cooperative_sees_none_of_the_lot_events(api, cooperative) -> None:
    lot = make_lot(make_product(cooperative))
    _note(cooperative, lot.pk, "Kiểm tra kho")
    stranger = api(actor_for(OrganisationFactory(name="HTX Khác"), Role.OWNER).user)
    assert stranger.get(URL).json()["results"] == []
    assert stranger.get(URL, {"lot": lot.pk}).json()["results"] == []
    assert api(actor_for(cooperative).user).get(URL, {"lot": lot.pk}).json()["results"]


def test_replacing_a_products_price_tiers_moves_the_products_updated_at(cooperative) -> None:
    """Tiers are read with their product (they are deleted and written again as a set): the product moves."""
    product = make_product(cooperative)
    stale = timezone.now() - timedelta(days=1)
    Product.objects.filter(pk=product.pk).update(updated_at=stale)

    tiers = [
        TierSpec(min_quantity=product.moq, unit_price=30_000),
        TierSpec(min_quantity=product.moq * 10, unit_price=28_000),
    ]
    services.product_price_tiers_set(actor=actor_for(cooperative), product_id=product.pk, tiers=tiers)

    assert Product.objects.get(pk=product.pk).updated_at > stale
