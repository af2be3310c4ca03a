"""The trace's plain reads (catalog.selectors.lots) read what the ORM reads, and its hand-built bodies
(catalog.api.serializers.event_dict, forward_step_dict) are what the serializers wrote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model, Prefetch
from django.utils import timezone
from rest_framework import serializers

from catalog import selectors, services
from catalog.api import serializers as s
from catalog.models import HarvestLot, LotStatus, TraceEvent
from catalog.selectors.lots import _public_lots, lot_certificates, lot_trace_events
from market.core.errors import NotFound
from market.organisations.permissions import Actor
from tests.catalog.factories import actor_for, make_certificate, make_lot
from tests.catalog.test_lots import add_event

pytestmark = pytest.mark.django_db


def _fields(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def traced(rice, cooperative, alliance, staff_user) -> HarvestLot:
    """A lot with certificates of several kinds (one open-ended, one expired) and events in every direction,
    one corrected twice, with and without quantities, parties and references."""
    today = timezone.localdate()
    certificates = [
        make_certificate(cooperative, kind="vietgap", number="VG-1", valid_to=None),
        make_certificate(cooperative, kind="ocop", ocop_stars=4, number="OCOP-4"),
        make_certificate(
            cooperative, kind="organic", number="ORG-OLD", valid_from=today - timedelta(days=400),
            valid_to=today - timedelta(days=1),
        ),
        make_certificate(cooperative, kind="vietgap", number="VG-2", valid_to=today + timedelta(days=30)),
    ]  # fmt: skip
    lot = make_lot(rice, code="ST25-T", certificates=certificates)
    moment = lambda days: (timezone.now() - timedelta(days=days)).isoformat()  # noqa: E731
    add_event(lot, kind="input", occurred_at=moment(30), description="Giống ST25", party="Viện lúa", quantity="12.5")
    harvest = add_event(lot, kind="harvest", occurred_at=moment(9), description="Thu hoạch 4.800 kg", quantity="4800")
    add_event(lot, kind="correction", occurred_at=moment(2), description="Đúng là 5.000 kg", corrects=harvest.pk)
    add_event(lot, kind="correction", occurred_at=moment(1), description="Đúng là 5.010 kg", corrects=harvest.pk)
    add_event(
        lot, kind="shipment", occurred_at=moment(1), description="Xuất kho", party="Công ty Lúa Vàng",
        party_reference="DH-0001", location="Kho Tân Hiệp", document_reference="PXK-7", quantity="1000",
    )  # fmt: skip
    add_event(lot, kind="note", occurred_at=moment(1), description="Ghi chú")
    return lot


def test_the_lot_statement_reads_what_the_orm_reads(traced, rice):
    withdrawn = make_lot(rice, code="ST25-W")
    services.lot_withdraw(actor=actor_for(rice.cooperative), lot_id=withdrawn.pk, reason="Ẩm mốc")
    draft = make_lot(rice, code="ST25-D", publish=False)
    for public_id in (traced.public_id, withdrawn.public_id, draft.public_id, "missing"):
        orm = _public_lots().filter(public_id=public_id).first()
        try:
            sql = selectors.lot_public_get(public_id=public_id)
        except NotFound:
            sql = None
        assert (sql is None) == (orm is None), public_id
        if orm is not None:
            assert sql is not None
            assert _fields(sql) == _fields(orm)
            assert _fields(sql.product) == _fields(orm.product)
            assert _fields(sql.product.cooperative) == _fields(orm.product.cooperative)
            assert _fields(sql.product.category) == _fields(orm.product.category)
    assert HarvestLot.objects.get(pk=withdrawn.pk).status == LotStatus.WITHDRAWN


def test_the_certificates_and_events_statements_read_what_the_orm_reads(traced):
    orm_certificates = list(traced.certificates.order_by("kind", "-valid_to"))
    assert [_fields(c) for c in lot_certificates(lot=traced)] == [_fields(c) for c in orm_certificates]
    assert [c.number for c in orm_certificates][:2] == ["OCOP-4", "ORG-OLD"]

    corrections = Prefetch("corrections", queryset=TraceEvent.objects.order_by("id"))
    orm_events = list(traced.events.prefetch_related(corrections).order_by("occurred_at", "id"))
    events = lot_trace_events(lot=traced)
    assert [_fields(e) for e in events] == [_fields(e) for e in orm_events]
    seen = lambda event: [_fields(c) for c in event.corrections.all()]  # noqa: E731
    assert [seen(e) for e in events] == [seen(e) for e in orm_events]
    assert sorted(len(seen(e)) for e in events)[-1] == 2


@pytest.mark.parametrize("time_zone", ["Asia/Ho_Chi_Minh", "UTC"])
def test_event_bodies_are_what_the_model_serializer_wrote(traced, time_zone, settings):
    settings.TIME_ZONE = time_zone
    events = list(TraceEvent.objects.filter(lot=traced))
    assert len(events) == 6
    serializer = s.EventOut()
    for event in events:
        # ModelSerializer's own reading of the fields EventOut declares (its to_representation is the builder).
        assert s.event_dict(event) == serializers.ModelSerializer.to_representation(serializer, event)


def test_forward_steps_are_what_the_serializer_wrote(traced, buyer):
    for actor in (Actor.anonymous(), actor_for(traced.product.cooperative)):
        view = selectors.trace_view(lot=selectors.lot_public_get(public_id=traced.public_id), actor=actor)
        assert len(view.forward) == 1
        for step in view.forward:
            assert s.forward_step_dict(step) == s.ForwardStepOut(step).data
    assert s.forward_step_dict(view.forward[0])["event"] is not None  # the cooperative sees the event
