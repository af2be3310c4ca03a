"""Payables: the payments-side record of an app's object to be paid, its reference and running totals."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound
from market.core.locking import bounded_lock_wait
from market.core.money import Money
from market.core.row_inserts import insert_rows
from market.core.services import audit_record, audit_records
from market.payments import references, registry
from market.payments.models import (
    COLLECTED_STATES_LIST,
    Dispute,
    DisputeStatus,
    Payable,
    PayableStatus,
    Payment,
    PaymentState,
)
from market.payments.registry import PayableEvent, PayableInfo, PaymentUpdate

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
PLACE_ATTEMPTS = 3


def _apply_info(payable: Payable, info: PayableInfo) -> None:
    payable.description = info.description[:255]
    payable.amount = int(info.amount.amount) if info.amount.currency == "VND" else info.amount.amount
    payable.currency = info.amount.currency
    payable.payer = info.payer
    payable.payee = info.payee
    payable.return_url = info.return_url[:300]
    account = info.account
    payable.account_bin = account.bank_bin if account else ""
    payable.account_number = account.account_number if account else ""
    payable.account_holder = account.account_holder if account else ""


def payable_open(*, kind: str, object_id: str | int, obj: Any = None) -> Payable:
    """Create (or, while nothing is paid, refresh) the payable for an app's object; returns it with its
    reference and pay URL. Safe to call again and concurrently: one row per (kind, object). `obj`: the object
    itself when the caller holds it with what the kind's describe() reads (saves loading it again)."""
    payable_kind = registry.get(kind)
    if obj is None:
        obj = payable_kind.load(str(object_id))
    if obj is None:
        raise NotFound()
    info = payable_kind.describe(obj)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                payable = Payable.objects.select_for_update().filter(kind=kind, object_id=str(object_id)).first()
                if payable is None:
                    payable = Payable(kind=kind, object_id=str(object_id), reference=references.new_reference())
                    _apply_info(payable, info)
                    payable.save()
                    audit_record(actor=None, action="payments.payable_opened", target=payable, data={"kind": kind})
                elif payable.amount_paid == 0 and payable.status == PayableStatus.UNPAID:
                    _apply_info(payable, info)
                    payable.save()
                return payable
        except IntegrityError:
            continue  # a concurrent open, or (rarely) a reference collision: read again
    raise Conflict(_("The payment reference could not be created; try again."))


def payables_open_new(*, kind: str, objects: Sequence[Any]) -> list[Payable]:
    """The payables of objects created in the caller's transaction (a checkout's orders), in one INSERT:
    no one else can have opened theirs (the objects are not committed), so there is nothing to read first and
    no savepoint to retry in. `objects` carry what the kind's describe() reads. A reference that collides
    with an existing one (about one order in 27,000 when a million payables exist) raises IntegrityError, which
    rolls the caller's transaction back: the caller places again (orders' checkout_place does)."""
    payable_kind = registry.get(kind)
    payables = []
    for obj in objects:
        payable = Payable(kind=kind, object_id=str(obj.pk), reference=references.new_reference())
        _apply_info(payable, payable_kind.describe(obj))
        payables.append(payable)
    insert_rows(payables)
    audit_records(actor=None, entries=[("payments.payable_opened", payable, {"kind": kind}) for payable in payables])
    return payables


def is_reference_collision(error: IntegrityError) -> bool:
    """The error is a new payable's random reference meeting an existing one (payables_open_new)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == f"{Payable._meta.db_table}_reference_key"


def placed_again_on_reference_collision(service: Callable[P, R]) -> Callable[P, R]:
    """Run a service that opens payables with payables_open_new in its own transaction, and run it again when a
    new reference collided (the whole transaction is void then: nothing of it was written)."""

    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        attempts_left = PLACE_ATTEMPTS
        while True:
            attempts_left -= 1
            try:
                with transaction.atomic():
                    return service(*args, **kwargs)
            except IntegrityError as error:
                if not attempts_left or not is_reference_collision(error):
                    raise

    return wrapper


@transaction.atomic
def payable_cancel(*, kind: str, object_id: str | int) -> Payable | None:
    """The app cancelled its object (an order, an application): nothing more may be paid on it.

    Pending card attempts are left to expire; money already received stays recorded and must be refunded.
    """
    payable = Payable.objects.select_for_update().filter(kind=kind, object_id=str(object_id)).first()
    if payable is None:
        return None
    if payable.status != PayableStatus.CANCELLED:
        payable.status = PayableStatus.CANCELLED
        payable.save(update_fields=["status", "updated_at"])
        audit_record(actor=None, action="payments.payable_cancelled", target=payable)
    return payable


@transaction.atomic
def payable_amount_refresh(*, kind: str, object_id: str | int) -> Payable | None:
    """The app's object now costs a different amount (delivered weight, accepted changes): set what is due
    even after money arrived, and derive the status again (more due: partly paid; less: paid, with the
    excess to refund). Returns None when no payable was opened; a cancelled payable is left alone."""
    payable = Payable.objects.select_for_update().filter(kind=kind, object_id=str(object_id)).first()
    if payable is None or payable.status == PayableStatus.CANCELLED:
        return payable
    payable_kind = registry.get(kind)
    obj = payable_kind.load(str(object_id))
    if obj is None:
        raise NotFound()
    info = payable_kind.describe(obj)
    previous = payable.amount
    _apply_info(payable, info)
    payable.save()
    payable = payable_recompute(payable)
    if payable.amount != previous:
        audit_record(
            actor=None,
            action="payments.payable_amount_changed",
            target=payable,
            data={"from": previous, "to": payable.amount},
        )
    return payable


def derive_status(payable: Payable, *, disputed: bool) -> str:
    if payable.status == PayableStatus.CANCELLED:
        return PayableStatus.CANCELLED
    if disputed:
        return PayableStatus.DISPUTED
    if payable.amount_refunded > 0:
        if payable.amount_refunded >= payable.amount_paid:
            return PayableStatus.REFUNDED
        return PayableStatus.PARTIALLY_REFUNDED
    if payable.amount_paid <= 0:
        return PayableStatus.UNPAID
    if payable.amount_paid < payable.amount:
        return PayableStatus.PARTIALLY_PAID
    return PayableStatus.PAID


def payable_recompute(payable: Payable) -> Payable:
    """Totals and status from the payable's payments. Call with the payable row locked."""
    payments = Payment.objects.filter(payable=payable)
    collected = payments.filter(state__in=COLLECTED_STATES_LIST)
    paid = collected.aggregate(total=Sum("amount"))["total"] or 0
    refunded = collected.aggregate(total=Sum("amount_refunded"))["total"] or 0
    lost = Dispute.objects.filter(payment__payable=payable, status=DisputeStatus.LOST).aggregate(total=Sum("amount"))[
        "total"
    ]
    payable.amount_paid = paid
    payable.amount_refunded = min(paid, refunded + (lost or 0))
    payable.status = derive_status(payable, disputed=collected.filter(state=PaymentState.DISPUTED).exists())
    payable.save(update_fields=["amount_paid", "amount_refunded", "status", "updated_at"])
    return payable


def lock_payable(payable_id: int) -> Payable:
    """The payable locked for update, after its owner (the order, the application…): one lock order across
    apps, owner → payable → payment, each wait bounded (market/core/locking.py). Raises Payable.DoesNotExist."""
    kind_name, object_id = Payable.objects.values_list("kind", "object_id").get(pk=payable_id)
    with bounded_lock_wait():
        with contextlib.suppress(NotFound):  # a kind no longer registered has nothing of its own to lock
            registry.get(kind_name).lock_owner(object_id)
        return Payable.objects.select_for_update(of=("self",)).select_related("payee").get(pk=payable_id)


def notify_payable_kind(payable: Payable, payment: Payment, event: PayableEvent) -> None:
    """Call the registered kind back (inside the caller's transaction)."""
    try:
        kind = registry.get(payable.kind)
    except NotFound:
        logger.warning("payable kind %s is not registered; %s not told", payable.kind, event)
        return
    obj = kind.load(payable.object_id)
    if obj is None:
        logger.warning("payable %s (%s:%s) no longer exists", payable.reference, payable.kind, payable.object_id)
        return
    update = PaymentUpdate(
        payable=payable,
        payment=payment,
        status=payable.status,
        amount_due=Money(payable.amount, payable.currency),
        amount_paid=Money(payable.amount_paid, payable.currency),
        amount_refunded=Money(payable.amount_refunded, payable.currency),
    )
    kind.tell(event, obj, update)
