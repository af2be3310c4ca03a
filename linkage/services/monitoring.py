"""The beat jobs' services: call-offs due in a few days are announced, late and short deliveries flagged
(each once: the flag dates are set in the same transaction as the notification), and contracts whose term
has just ended move for sync."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from linkage import webhooks
from linkage.models import CallOff, CallOffStatus, ContractStatus, EventKind, LinkageContract
from linkage.notifications import CALL_OFF_DUE, DELIVERY_LATE, DELIVERY_SHORT
from linkage.services.common import contract_context, planned_call_offs_moved, record_event
from market.integrations.registry import emit_event
from market.notifications.services import notify

OPEN = (CallOffStatus.PLANNED, CallOffStatus.PLACED)


def _call_off_context(call_off: CallOff, **extra: object) -> dict[str, object]:
    contract = call_off.contract
    return contract_context(
        contract,
        call_off=call_off.number,
        due_on=call_off.due_on.isoformat(),
        quantity=f"{call_off.quantity.normalize():f}",
        unit=contract.unit_symbol,
        **extra,
    )


def call_off_due_notices(*, today: date | None = None) -> int:
    """Both parties hear of each open call-off due within the notice days (LINKAGE_CALL_OFF_NOTICE_DAYS),
    once per call-off and date (the outbox ignores a second notice of the same date)."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.LINKAGE_CALL_OFF_NOTICE_DAYS)
    rows = CallOff.objects.filter(status__in=OPEN, due_on__gte=today, due_on__lte=horizon).select_related(
        "contract__buyer", "contract__cooperative"
    )
    sent = 0
    for call_off in rows.iterator(chunk_size=500):
        with transaction.atomic():
            notify(
                kind=CALL_OFF_DUE,
                recipients=[call_off.contract.buyer, call_off.contract.cooperative],
                context=_call_off_context(call_off, ordered=call_off.status == CallOffStatus.PLACED),
                object_ref=call_off,
                occurrence=call_off.due_on.isoformat(),
            )
            emit_event(
                type=webhooks.CALL_OFF_DUE,
                obj=call_off,
                organisations=[call_off.contract.buyer, call_off.contract.cooperative],
                occurrence=call_off.due_on.isoformat(),
            )
        sent += 1
    return sent


def deliveries_flag(*, today: date | None = None) -> dict[str, int]:
    """Flag (and announce once) call-offs past their date without intake, and deliveries accepted short."""
    today = today or timezone.localdate()
    grace = timedelta(days=settings.LINKAGE_LATE_AFTER_DAYS)
    late_ids = list(
        CallOff.objects.filter(status__in=OPEN, due_on__lt=today - grace, flagged_late_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    short_ids = list(
        CallOff.objects.filter(
            status=CallOffStatus.DELIVERED, delivery__short=True, flagged_short_on__isnull=True
        ).values_list("pk", flat=True)
    )
    late = sum(_flag(pk, today=today, short=False) for pk in late_ids)
    short = sum(_flag(pk, today=today, short=True) for pk in short_ids)
    return {"late": late, "short": short}


@transaction.atomic
def _flag(call_off_id: int, *, today: date, short: bool) -> int:
    call_off = (
        CallOff.objects.select_for_update(of=("self",))
        .select_related("contract__buyer", "contract__cooperative")
        .get(pk=call_off_id)
    )
    if short:
        if call_off.flagged_short_on is not None:
            return 0
        call_off.flagged_short_on = today
        kind, event = DELIVERY_SHORT, EventKind.DELIVERY_SHORT
        extra = {"net": f"{call_off.delivery.net_quantity.normalize():f}"}
    else:
        if call_off.flagged_late_on is not None or call_off.status not in OPEN:
            return 0
        call_off.flagged_late_on = today
        kind, event = DELIVERY_LATE, EventKind.DELIVERY_LATE
        extra = {}
    call_off.save(update_fields=["flagged_short_on" if short else "flagged_late_on", "updated_at"])
    contract = call_off.contract
    record_event(contract, actor=None, kind=event, data={"call_off": call_off.number})
    notify(
        kind=kind,
        recipients=[contract.buyer, contract.cooperative],
        context=_call_off_context(call_off, **extra),
        object_ref=call_off,
    )
    return 1


def contracts_past_term_moved(*, today: date | None = None) -> int:
    """Contracts in force whose term ended in the last three days move, with their planned call-offs: from the
    day after the term no call-off can be added or ordered and the contract may be closed, which their
    `allowed_actions` say by the date alone, so a client syncing them (docs/api-sync.md) must be told. Three
    days so that missed runs lose nothing; moving a row twice is harmless."""
    today = today or timezone.localdate()
    ended = list(
        LinkageContract.objects.filter(
            status=ContractStatus.ACTIVE,
            version_in_force__ends_on__gte=today - timedelta(days=3),
            version_in_force__ends_on__lt=today,
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        LinkageContract.objects.filter(pk__in=ended).update()
        planned_call_offs_moved(ended)
    return len(ended)
