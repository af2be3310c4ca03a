"""Harvest lots: codes, publishing (then immutable), events and corrections, withdrawal, and stock."""

import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from catalog import inputs, selectors, services
from catalog.commands import LotDetails
from catalog.models import HarvestLot, LotStatus, TraceEvent, TraceEventKind
from market.core.errors import Conflict, ValidationFailed
from market.core.inputs import InputMode, read_input
from market.organisations.permissions import Actor
from tests.catalog.factories import actor_for, make_certificate, make_lot, make_product

pytestmark = pytest.mark.django_db


def add_event(lot, **payload):
    """An event as the API reads it (the schema, then the service)."""
    fields = read_input(inputs.EventInput, payload, mode=InputMode.JSON, context={"unit": lot.product.unit})
    return services.trace_event_add(
        actor=actor_for(lot.product.cooperative), lot_id=lot.pk, **inputs.event_values(fields)
    )


def test_lot_codes_are_unique_per_product_only(rice, cooperative):
    make_lot(rice, code="LOT-1")
    with pytest.raises(ValidationFailed) as error:
        make_lot(rice, code="lot-1")  # codes are kept in capitals
    assert "code" in error.value.fields
    other = make_product(cooperative, name="Gạo ST24")
    assert make_lot(other, code="LOT-1").code == "LOT-1"


def test_a_published_lot_is_immutable_and_corrections_are_events(rice_lot):
    actor = actor_for(rice_lot.product.cooperative)
    before = HarvestLot.objects.values().get(pk=rice_lot.pk)
    changed = replace(LotDetails.of(rice_lot), harvest_date=timezone.localdate(), plot="Khác")
    with pytest.raises(Conflict):
        services.lot_update(actor=actor, lot_id=rice_lot.pk, details=changed)
    assert HarvestLot.objects.values().get(pk=rice_lot.pk) == before

    harvest = add_event(
        rice_lot,
        kind="harvest",
        occurred_at=(timezone.now() - timedelta(days=9)).isoformat(),
        description="Thu hoạch 4.800 kg",
        quantity="4800",
    )
    fix = add_event(
        rice_lot, kind="correction", occurred_at=timezone.now().isoformat(), description="Đúng là 5.000 kg",
        corrects=harvest.pk,
    )  # fmt: skip
    assert fix.corrects == harvest
    view = selectors.trace_view(lot=rice_lot, actor=Actor.anonymous())
    assert [e.kind for e in view.internal] == ["harvest", "correction"]
    assert list(view.internal[0].corrections.all()) == [fix]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "correction"}, "corrects"),
        ({"kind": "harvest", "occurred_at": "future"}, "occurred_at"),
        ({"kind": "dance"}, "kind"),
        ({"kind": "harvest", "description": ""}, "description"),
        ({"kind": "harvest", "quantity": "-3"}, "quantity"),
    ],
)
def test_event_rules(rice_lot, data, field):
    payload = {"occurred_at": timezone.now().isoformat(), "description": "Thu hoạch", **data}
    if payload["occurred_at"] == "future":
        payload["occurred_at"] = (timezone.now() + timedelta(days=2)).isoformat()
    with pytest.raises(ValidationFailed) as error:
        add_event(rice_lot, **payload)
    assert field in error.value.fields
    assert not TraceEvent.objects.filter(lot=rice_lot).exists()


def test_events_are_sorted_one_step_back_and_forward(rice_lot):
    services.trace_event_record(
        lot=rice_lot,
        kind=TraceEventKind.SUPPLY,
        occurred_at=timezone.now() - timedelta(days=11),
        description="Lúa tươi",
        party="Hộ Nguyễn Văn Bé",
        quantity=Decimal(5000),
    )
    services.trace_event_record(
        lot=rice_lot,
        kind=TraceEventKind.SHIPMENT,
        occurred_at=timezone.now(),
        description="Giao hàng",
        party="Sài Gòn Xanh Foods",
        party_reference="DH-00042",
        quantity=Decimal(1000),
    )
    view = selectors.trace_view(lot=rice_lot, actor=actor_for(rice_lot.product.cooperative))
    assert [e.party for e in view.back] == ["Hộ Nguyễn Văn Bé"]
    assert [step.event.party for step in view.forward if step.event] == ["Sài Gòn Xanh Foods"]


def test_publishing_needs_a_published_product_and_certificates_in_force(cooperative, alliance):
    draft_product = make_product(cooperative, publish=False)
    lot = make_lot(draft_product, publish=False)
    with pytest.raises(Conflict):
        services.lot_publish(actor=actor_for(cooperative), lot_id=lot.pk)
    product = make_product(cooperative, name="Gạo ST24")
    pending = make_certificate(cooperative, verified=False)
    lot = make_lot(product, code="B-1", publish=False, certificates=[pending])
    with pytest.raises(ValidationFailed) as error:
        services.lot_publish(actor=actor_for(cooperative), lot_id=lot.pk)
    assert "certificates" in error.value.fields
    assert HarvestLot.objects.get(pk=lot.pk).status == LotStatus.DRAFT


def test_withdrawn_lots_are_not_sold_and_say_why(rice_lot):
    services.lot_withdraw(
        actor=actor_for(rice_lot.product.cooperative), lot_id=rice_lot.pk, reason="Độ ẩm vượt mức cho phép"
    )
    assert selectors.lots_in_stock(product=rice_lot.product) == []
    with pytest.raises(Conflict):
        services.lot_stock_take(lot=rice_lot, quantity=Decimal(10))
    view = selectors.trace_view(lot=selectors.lot_public_get(public_id=rice_lot.public_id), actor=Actor.anonymous())
    assert view.withdrawn
    assert "Độ ẩm vượt mức" in view.internal[-1].description


def test_stock_take_and_return(rice_lot):
    lot = services.lot_stock_take(lot=rice_lot, quantity=Decimal("1200.5"), reference="DH-1")
    assert lot.quantity_available == Decimal("3799.5")
    with pytest.raises(Conflict) as short:
        services.lot_stock_take(lot=rice_lot, quantity=Decimal(4000))
    assert short.value.code == "insufficient_stock"
    lot = services.lot_stock_return(lot=rice_lot, quantity=Decimal("200.5"), reference="DH-1")
    assert lot.quantity_available == Decimal(4000)
    with pytest.raises(Conflict):
        services.lot_stock_return(lot=rice_lot, quantity=Decimal(2000))
    assert selectors.product_stock_available(product=rice_lot.product) == Decimal(4000)


def test_expired_lots_are_not_in_stock(rice):
    today = timezone.localdate()
    old = make_lot(rice, code="OLD", harvest_date=today - timedelta(days=200), expiry_date=today - timedelta(days=1))
    fresh = make_lot(rice, code="NEW", expiry_date=today + timedelta(days=100))
    assert selectors.lots_in_stock(product=rice) == [fresh]
    with pytest.raises(Conflict) as expired:
        services.lot_stock_take(lot=old, quantity=Decimal(1))
    assert expired.value.code == "lot_expired"


def test_the_database_refuses_negative_stock(rice_lot):
    with pytest.raises(IntegrityError), transaction.atomic():
        HarvestLot.objects.filter(pk=rice_lot.pk).update(quantity_available=Decimal("-0.001"))


def test_lots_lock_takes_rows_in_id_order(rice, cooperative):
    first, second = make_lot(rice, code="L1"), make_lot(rice, code="L2")
    with transaction.atomic():
        locked = services.lots_lock(lot_ids=[second.pk, first.pk])
        assert list(locked) == [first.pk, second.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_never_oversell(cooperative):
    """Eight threads each take 700 kg from a 5.000 kg lot at once: exactly seven succeed."""
    lot = make_lot(make_product(cooperative))
    barrier = threading.Barrier(8)
    results: list[str] = []

    def take() -> None:
        close_old_connections()
        try:
            barrier.wait()
            services.lot_stock_take(lot=lot, quantity=Decimal(700), reference="race")
            results.append("ok")
        except Conflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict"] + ["ok"] * 7
    assert HarvestLot.objects.get(pk=lot.pk).quantity_available == Decimal(100)
