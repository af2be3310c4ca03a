"""audit_batch(): the audit events a placement records are written together, once, when the block ends."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from market.core.models import AuditEvent
from market.core.services import audit_batch, audit_record, audit_records

pytestmark = pytest.mark.django_db


def _audit_inserts(queries: CaptureQueriesContext) -> int:
    return sum(1 for query in queries.captured_queries if query["sql"].startswith('INSERT INTO "core_auditevent"'))


def test_events_recorded_in_a_batch_are_one_insert_at_its_end(buyer):
    with CaptureQueriesContext(connection) as queries, audit_batch():
        audit_record(actor=None, action="test.one", target=buyer, data={"n": 1})
        with audit_batch():  # a nested block adds to the outer one
            audit_records(actor=None, entries=[("test.two", buyer, {"n": 2}), ("test.three", buyer, {"n": 3})])
        assert not AuditEvent.objects.filter(action__startswith="test.").exists()
    assert _audit_inserts(queries) == 1
    assert sorted(AuditEvent.objects.filter(action__startswith="test.").values_list("action", "target_id")) == [
        ("test.one", str(buyer.pk)),
        ("test.three", str(buyer.pk)),
        ("test.two", str(buyer.pk)),
    ]


def _failing_placement(target) -> None:
    with audit_batch():
        audit_record(actor=None, action="test.lost", target=target)
        raise RuntimeError("placement failed")


def test_a_batch_left_by_an_error_writes_nothing_and_later_records_are_written_at_once(buyer):
    with pytest.raises(RuntimeError):
        _failing_placement(buyer)
    assert not AuditEvent.objects.filter(action="test.lost").exists()
    event = audit_record(actor=None, action="test.after", target=buyer)
    assert event.pk is not None
