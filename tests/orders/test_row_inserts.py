"""`insert_rows` (market/core/row_inserts.py) writes the rows `bulk_create` writes, one row or several, for
every model the checkout inserts (its payables too): each written both ways from the same instances (the first
undone), then compared column by column; the instances get their ids and timestamps as bulk_create gives them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from market.core.models import AuditEvent
from market.core.row_inserts import insert_rows
from market.notifications.models import Notification
from market.payments.models import Payable
from orders.models import CartLine, Checkout, Order, OrderAllocation, OrderEvent, OrderLine
from tests.orders.factories import place

pytestmark = pytest.mark.django_db

STAMPS = {"created_at", "updated_at"}


class _Undo(Exception):
    pass


def _copies(objs: Sequence[Any], **changes: Any) -> list[Any]:
    """New instances with the values of `objs` (no id), with `changes` applied."""
    return [
        type(obj)(
            **{
                **{f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key},
                **changes,
            }
        )
        for obj in objs
    ]


def _written(write: Any, objs: Sequence[Any], *, ignore_conflicts: bool = False) -> list[dict[str, Any]]:
    """The rows `write` makes from copies of `objs`, as read back, in order; undone afterwards. The originals'
    unique values (numbers, keys, one order per cooperative, one notification per event) are moved out of the
    way first, unless the conflicts are the point."""
    rows: list[dict[str, Any]] = []
    copies = _copies(objs)
    model: Any = type(objs[0])
    try:
        with transaction.atomic():
            if model is Checkout:
                Checkout.objects.filter(pk__in=[o.pk for o in objs]).update(number=None, idempotency_key="moved")
            if model is Order:
                Order.objects.filter(pk__in=[o.pk for o in objs]).update(
                    number=None,
                    checkout=Checkout.objects.create(
                        buyer_id=objs[0].buyer_id,
                        delivery_address="-",
                        invoice_legal_name="-",
                        invoice_address="-",
                        invoice_email="a@b.example",
                    ),
                )
            if model is Notification and not ignore_conflicts:
                Notification.objects.filter(pk__in=[o.pk for o in objs]).update(occurrence="moved")
            if model is Payable:
                for obj in objs:
                    Payable.objects.filter(pk=obj.pk).update(reference=f"X{obj.pk}", object_id=f"moved-{obj.pk}")
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            written = write(copies)
            stored = list(model.objects.filter(pk__gt=last).order_by("pk").values())
            if model is not Notification:  # written with ignore_conflicts: no ids, as bulk_create gives none
                assert [obj.pk for obj in written] == [row["id"] for row in stored]
                assert not any(obj._state.adding for obj in written)
            for obj, row in zip(written, stored, strict=False):
                for stamp in STAMPS & row.keys():
                    assert row[stamp] == getattr(obj, stamp) is not None
            rows = [{k: v for k, v in row.items() if k not in STAMPS | {"id"}} for row in stored]
            raise _Undo
    except _Undo:
        pass
    return rows


@pytest.fixture
def placed(buying, rice, fish_sauce) -> Checkout:
    """A checkout of two orders (two cooperatives), three lines, a chosen lot and one taken first-to-expire."""
    product, lot = rice
    return place(buying, [((product, lot), "100"), (product, "150"), (fish_sauce[0], "24")], key="rows")


def test_insert_rows_writes_what_bulk_create_writes(placed):
    orders = list(placed.orders.order_by("pk"))
    lines = list(OrderLine.objects.filter(order__checkout=placed).order_by("pk"))
    events = list(OrderEvent.objects.filter(order__checkout=placed).order_by("pk"))
    allocations = list(OrderAllocation.objects.filter(line__order__checkout=placed).order_by("pk"))
    payables = list(Payable.objects.filter(object_id__in=[str(o.pk) for o in orders]).order_by("pk"))
    assert len(payables) == 2
    assert (len(orders), len(lines), len(events)) == (2, 3, 2)
    assert allocations
    for objs in (
        [Checkout.objects.get(pk=placed.pk)],
        orders,
        orders[:1],
        lines,
        lines[:1],
        events,
        events[:1],
        allocations,
        allocations[:1],
        payables,
        payables[:1],
    ):
        by_orm = _written(lambda copies: type(copies[0]).objects.bulk_create(copies), objs)
        assert by_orm == _written(insert_rows, objs), type(objs[0]).__name__
        assert len(by_orm) == len(objs)


def test_notifications_and_audit_events_too(placed):
    """The checkout's outbox rows, written with ignore_conflicts (a second notify() of the same event writes
    nothing), and its audit events."""
    notifications = list(
        Notification.objects.filter(object_type="orders.order", object_id__in=[str(o.pk) for o in placed.orders.all()])
    )
    assert len(notifications) >= 4
    events = list(AuditEvent.objects.order_by("-pk")[:3])
    orm = lambda copies: Notification.objects.bulk_create(copies, ignore_conflicts=True)  # noqa: E731
    ours = lambda copies: insert_rows(copies, ignore_conflicts=True)  # noqa: E731
    for objs in (notifications, notifications[:1]):
        by_orm = _written(orm, objs)
        assert len(by_orm) == len(objs)
        assert by_orm == _written(ours, objs)
        assert _written(orm, objs, ignore_conflicts=True) == _written(ours, objs, ignore_conflicts=True) == []
    for objs in (events, events[:1]):
        by_orm = _written(lambda copies: AuditEvent.objects.bulk_create(copies), objs)
        assert len(by_orm) == len(objs)
        assert by_orm == _written(insert_rows, objs)


def test_insert_rows_refuses_as_bulk_create_does(placed):
    """A duplicate (buyer, Idempotency-Key) is the database's IntegrityError either way: the checkout's retry
    is found by it."""
    from django.db import IntegrityError

    [again] = _copies([Checkout.objects.get(pk=placed.pk)], number=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([again])


def test_several_checkouts_in_one_statement(buyer, placed):
    copies = _copies([placed, placed], number=None)
    copies[0].idempotency_key, copies[1].idempotency_key = "one", "two"
    copies[1].total = Decimal(5)
    written = insert_rows(copies)
    assert [c.idempotency_key for c in Checkout.objects.filter(pk__in=[c.pk for c in written]).order_by("pk")] == [
        "one",
        "two",
    ]
    assert Checkout.objects.get(pk=written[1].pk).total == 5


@pytest.mark.parametrize(
    "model", [Checkout, Order, OrderLine, OrderEvent, OrderAllocation, Payable, Notification, AuditEvent, CartLine]
)
def test_plain_values_are_sent_as_the_field_would_send_them(model):
    """The values insert_rows passes without asking their field (text, booleans, ids, aware datetimes; integers
    wrapped for the driver; a naive datetime made aware by the field) are exactly what the field's
    get_db_prep_save makes of them, type and time zone included."""
    import warnings
    from datetime import UTC, datetime, timedelta, timezone

    from django.db import connection

    from market.core.row_inserts import _plain_types, _statement

    fields = _statement(model, several=False, ignore_conflicts=False)[1]
    moment = datetime(2026, 12, 5, 17, 30, 1, 123456)
    samples: dict[type, list[Any]] = {
        str: [None, "", "Gạo ST25"],
        bool: [None, True, False],
        int: [None, 0, 7, 2**40],
        datetime: [None, moment.replace(tzinfo=UTC), moment.replace(tzinfo=timezone(timedelta(hours=7))), moment],
    }
    checked = 0
    for field, plain in zip(fields, _plain_types(model), strict=True):
        if plain is None:
            continue
        kind, wrap = plain
        for value in samples[kind]:
            if kind is int and value == 2**40 and field.get_internal_type() in {"SmallIntegerField", "IntegerField"}:
                continue
            with warnings.catch_warnings():  # a naive datetime: Django warns, and makes it aware
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = field.get_db_prep_save(value, connection=connection)
                sent = value if value is None or wrap is None else wrap(value)
            assert (type(sent), sent, getattr(sent, "tzinfo", None)) == (
                type(expected),
                expected,
                getattr(expected, "tzinfo", None),
            ), (field.name, value)
            checked += 1
    assert checked


@pytest.mark.parametrize("count", [1, 2])
def test_an_expression_among_the_values_is_written_by_bulk_create(count):
    """UNNEST carries values, not SQL: a row holding an expression goes to bulk_create, which writes it."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Lower

    events = [
        AuditEvent(action=Lower(Value("ORDER.PLACED")), target_type="order", target_id=str(n)) for n in range(count)
    ]
    events.append(AuditEvent(action="order.placed", target_type="order", target_id=Concat(Value("9"), Value("9"))))
    insert_rows(events)
    rows = AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
    assert [(row.action, row.target_id) for row in rows] == [
        *(("order.placed", str(n)) for n in range(count)),
        ("order.placed", "99"),
    ]
