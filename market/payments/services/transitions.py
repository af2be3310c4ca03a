"""The payment state machine: the only code that changes `Payment.state`.

Moves go forward only. A late or repeated provider event that would move a payment backwards (a
`payment_failed` after `succeeded`) changes nothing; staff actions that try it get a Conflict.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict
from market.core.locking import bounded_lock_wait
from market.payments.models import EventSource, Payable, Payment, PaymentEvent, PaymentState, Provider
from market.payments.notifications import announce
from market.payments.registry import PayableEvent
from market.payments.services.payables import lock_payable, notify_payable_kind, payable_recompute

logger = logging.getLogger(__name__)
S = PaymentState

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED}),
    # A declined card intent may be retried and then succeed; a later success wins over an earlier failure.
    S.FAILED: frozenset({S.SUCCEEDED, S.CANCELLED}),
    S.SUCCEEDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED, S.DISPUTED}),
    S.PARTIALLY_REFUNDED: frozenset({S.REFUNDED, S.DISPUTED}),
    # A dispute closes won (back to what refunds say) or lost (the money went back: refunded).
    S.DISPUTED: frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.CANCELLED: frozenset(),
}

# What the payable's kind (and the people) hear when a payment reaches a state.
EVENTS: dict[PaymentState, PayableEvent] = {
    S.SUCCEEDED: PayableEvent.SUCCEEDED,
    S.FAILED: PayableEvent.FAILED,
    S.CANCELLED: PayableEvent.FAILED,
    S.PARTIALLY_REFUNDED: PayableEvent.REFUNDED,
    S.REFUNDED: PayableEvent.REFUNDED,
    S.DISPUTED: PayableEvent.DISPUTED,
}


def lock_payment(payment_id: int) -> tuple[Payable, Payment]:
    """Lock in the one order used everywhere — the payable's owner, the payable, then the payment — so that a
    payment callback and the owner's own services never deadlock (market/core/locking.py)."""
    payable_id = Payment.objects.values_list("payable_id", flat=True).get(pk=payment_id)
    payable = lock_payable(payable_id)
    with bounded_lock_wait():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
    return payable, payment


def payment_transition(
    *,
    payment_id: int,
    to_state: PaymentState,
    source: EventSource,
    actor: Any = None,
    provider_event_id: str = "",
    note: str = "",
    fields: dict[str, Any] | None = None,
    strict: bool = False,
    event: PayableEvent | None = None,
) -> tuple[Payment, bool]:
    """Move a payment to `to_state` (and set `fields`), record the event, update the payable and call its
    kind back. Returns (payment, moved). Not allowed: nothing changes; raises Conflict if `strict`.

    `event` tells the payable's kind about something that did not move the state (a further partial refund,
    a dispute that changed)."""
    with transaction.atomic():
        payable, payment = lock_payment(payment_id)
        fields = dict(fields or {})
        changed = [name for name, value in fields.items() if getattr(payment, name) != value]
        for name in changed:
            setattr(payment, name, fields[name])
        from_state = payment.state
        moved = False
        if to_state != from_state:
            if to_state not in ALLOWED_TRANSITIONS[PaymentState(from_state)]:
                if strict:
                    raise Conflict(
                        _("A payment that is %(from)s cannot become %(to)s.")
                        % {"from": PaymentState(from_state).label, "to": PaymentState(to_state).label}
                    )
                logger.info("payment %s: %s -> %s ignored (not forward)", payment.pk, from_state, to_state)
                if changed:
                    payment.save(update_fields=[*changed, "updated_at"])
                return payment, False
            payment.state = to_state
            changed.append("state")
            if to_state == S.SUCCEEDED and payment.succeeded_at is None:
                payment.succeeded_at = timezone.now()
                changed.append("succeeded_at")
            moved = True
        if changed:
            payment.save(update_fields=[*set(changed), "updated_at"])
        if moved:
            PaymentEvent.objects.create(
                payment=payment,
                from_state=from_state,
                to_state=to_state,
                source=source,
                provider_event_id=provider_event_id,
                actor=getattr(actor, "user", None) if getattr(getattr(actor, "user", None), "pk", None) else None,
                note=note,
                data={k: str(v) for k, v in fields.items()},
            )
        if moved or event:
            payable_recompute(payable)
            if moved and _card_attempts_left_waiting(payable):
                transaction.on_commit(lambda: _cancel_card_attempts_left(payable.pk))
            told = event or EVENTS.get(to_state)
            if from_state == S.DISPUTED and moved:
                told = PayableEvent.DISPUTED
            if told is not None:
                notify_payable_kind(payable, payment, told)
                announce(payable, payment, told)
        return payment, moved


def _card_attempts_left_waiting(payable: Payable) -> bool:
    """The payable owes nothing any more (a transfer or another card paid it) while a card attempt still waits
    for 3-D Secure: a browser holding its client secret could still charge the card."""
    if payable.outstanding > 0:
        return False
    return (
        Payment.objects.filter(payable=payable, provider=Provider.STRIPE, state=S.PENDING)
        .exclude(provider_reference="")
        .exists()
    )


def _cancel_card_attempts_left(payable_id: int) -> None:
    """After commit, a worker cancels them at Stripe (it calls Stripe, so never in the request); if the task is
    lost, the reconciliation sweep finds them (card_attempts_left_cancel with no payable)."""
    from market.payments.tasks import cancel_card_attempts_left

    try:
        cancel_card_attempts_left.delay(payable_id)
    except Exception:
        logger.warning("could not enqueue cancelling payable %s's card attempts (the sweep will)", payable_id)


def payment_record_created(*, payment: Payment, source: EventSource, actor: Any = None, note: str = "") -> None:
    """The first event of a payment (∅ → pending)."""
    user = getattr(actor, "user", None)
    PaymentEvent.objects.create(
        payment=payment,
        from_state="",
        to_state=payment.state,
        source=source,
        actor=user if getattr(user, "pk", None) else None,
        note=note,
    )
