"""Card payments through Stripe: start an attempt, follow it (3-D Secure, webhooks, sweeps), refunds, disputes.

Every change of state goes through `payment_transition`, from the PaymentIntent as Stripe reports it *now*
(re-read, never taken from a possibly stale event body), so repeated and out-of-order events are harmless.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.money import Money
from market.core.once import Once
from market.core.parsing import format_money
from market.core.services import audit_record
from market.organisations.permissions import Actor
from market.payments import stripe_gateway as gateway
from market.payments.models import (
    Dispute,
    DisputeStatus,
    EventSource,
    Payable,
    PayableStatus,
    Payment,
    PaymentState,
    Provider,
    ProviderRecord,
    ProviderStatus,
    Refund,
    RefundState,
)
from market.payments.policy import (
    PAYABLE_POLICY,
    PAYMENT_POLICY,
    PayableAction,
    PaymentAction,
    attempt_in_progress_message,
    is_payer,
    outcome_unknown_message,
)
from market.payments.registry import PayableEvent
from market.payments.services.payables import lock_payable
from market.payments.services.transitions import lock_payment, payment_record_created, payment_transition

logger = logging.getLogger(__name__)
Unknown = TypeVar("Unknown", Payment, Refund)  # the two kinds of Stripe call whose answer may be lost
S = PaymentState


def _id(value: Any) -> str:
    """An expandable Stripe field: an id string, or the expanded object."""
    if isinstance(value, dict):
        return value.get("id", "")
    return value or ""


def card_payment_start(*, actor: Actor, payable_id: int, token_id: str, client_key: str = "") -> tuple[Payment, str]:
    """Pay what is outstanding with the card behind a Stripe.js token. Returns (payment, client_secret):
    the secret is only needed when the card asks for 3-D Secure (`payment.provider_status` is
    `requires_action`); the page then lets Stripe.js authenticate and calls `card_payment_refresh`.

    The same `client_key` (the Idempotency-Key) answers with the same payment; the payable policy decides
    who may pay and when (`PayableAction.PAY_BY_CARD`)."""
    payable = Payable.objects.filter(pk=payable_id).first()
    if payable is None:
        raise NotFound()
    if client_key:
        existing = Payment.objects.filter(payable=payable, client_key=client_key).first()
        if existing is not None:
            return _replayed(existing)
    PAYABLE_POLICY.require_capability(actor=actor, action=PayableAction.PAY_BY_CARD)
    if is_payer(actor, payable) and payable.card_outcome_being_checked:
        # Before any lock, as it calls Stripe: an attempt whose answer was lost may be settled by now.
        card_attempts_resolve(payable_id=payable.pk, source=EventSource.API)
        payable = Payable.objects.get(pk=payable.pk)
    PAYABLE_POLICY.authorize(actor=actor, obj=payable, action=PayableAction.PAY_BY_CARD)
    _cancel_abandoned_attempts(payable)  # before the lock too: a card waiting for 3-D Secure is given up here
    with transaction.atomic():
        locked = lock_payable(payable.pk)
        if client_key and (existing := Payment.objects.filter(payable=locked, client_key=client_key).first()):
            return existing, ""
        # Again under the lock, so two tabs cannot both open an attempt: paid meanwhile (another tab finished 3-D
        # Secure), an attempt being checked, or another tab's attempt opened and not yet answered.
        PAYABLE_POLICY.authorize(actor=actor, obj=locked, action=PayableAction.PAY_BY_CARD)
        if _uncancelled_attempt_left(locked):
            raise Conflict(attempt_in_progress_message())
        payment = Payment.objects.create(
            payable=locked,
            provider=Provider.STRIPE,
            amount=locked.outstanding,
            currency=locked.currency,
            client_key=client_key,
            created_by=actor.user,
        )
        payment_record_created(payment=payment, source=EventSource.API, actor=actor)
    try:
        intent = gateway.payment_intent_create(
            payment_id=payment.pk,
            money=Money(payment.amount, payment.currency),
            token_id=token_id,
            reference=payable.reference,
            payable_kind=payable.kind,
        )
    except stripe.CardError as error:
        body = getattr(error, "error", None)
        intent_id = _id(getattr(body, "payment_intent", None)) if body else ""
        if intent_id:
            synced, _moved = payment_sync_from_intent(
                intent=gateway.payment_intent_retrieve(intent_id), source=EventSource.API
            )
            return synced or payment, ""
        payment, _moved = payment_transition(
            payment_id=payment.pk,
            to_state=S.FAILED,
            source=EventSource.API,
            actor=actor,
            fields={
                "failure_code": (error.code or "card_declined")[:80],
                "failure_message": str(error.user_message or error)[:500],
            },
        )
        return payment, ""
    except (stripe.APIConnectionError, stripe.APIError) as error:
        # Lost on the network (or a 5xx, whose result Stripe calls indeterminate): the request may have reached
        # Stripe and charged the card. A decline or another 4xx says for sure that nothing was charged.
        logger.warning("no answer from stripe for payment %s: %s", payment.pk, error)
        _outcome_unknown_record(payment=payment, actor=actor)
        raise Conflict(outcome_unknown_message()) from None
    except stripe.StripeError as error:
        logger.warning("stripe error for payment %s: %s", payment.pk, error)
        payment_transition(
            payment_id=payment.pk,
            to_state=S.FAILED,
            source=EventSource.API,
            fields={"failure_code": "provider_error", "failure_message": str(error.user_message or error)[:500]},
        )
        refused = _("The card service refused this payment; nothing was charged. Try again in a moment.")
        raise Conflict(refused) from None
    synced, _moved = payment_sync_from_intent(intent=intent, source=EventSource.API)
    payment = synced or payment
    return payment, _secret_for_3ds(payment, intent)


def _secret_for_3ds(payment: Payment, intent: dict[str, Any]) -> str:
    """The client secret Stripe.js needs to authenticate, only while the attempt waits for 3-D Secure."""
    return intent.get("client_secret", "") if payment.provider_status == ProviderStatus.REQUIRES_ACTION else ""


# A card attempt whose answer was lost and for which Stripe shows no charge once it has settled.
NOT_RECEIVED_CODE = "not_received"


def _outcome_unknown_record(*, payment: Payment, actor: Actor) -> None:
    """Keep the attempt pending and flagged (never failed: it may have been charged), then have a worker ask
    Stripe once the request has settled. The flag is the outbox: the sweep finds the attempt if the task is lost."""
    payment_transition(
        payment_id=payment.pk, to_state=S.PENDING, source=EventSource.API, fields={"outcome_unknown": True}
    )
    audit_record(actor=actor, action="payments.card_outcome_unknown", target=payment)
    from market.payments.tasks import resolve_card_attempt

    try:
        resolve_card_attempt.apply_async(args=[payment.pk], countdown=settings.STRIPE_OUTCOME_SETTLE_SECONDS)
    except Exception:
        logger.warning("could not enqueue the check of payment %s; the sweep will do it", payment.pk, exc_info=True)


def card_attempt_resolve(*, payment_id: int, source: EventSource) -> Payment:
    """Settle a card attempt whose answer from Stripe was lost (`outcome_unknown`): the intent Stripe made for
    it is recorded as any Stripe answer is — paid once however many times this runs, declined, or waiting for
    3-D Secure (pending with its intent known: the retried request gets its client secret to finish, and a new
    attempt cancels it at Stripe first). If Stripe has none once the request has settled, nothing reached it
    and the attempt fails, so a new one may start.

    Raises stripe.StripeError while Stripe cannot be asked; the attempt then stays as it is."""
    payment = Payment.objects.get(pk=payment_id)
    if not payment.outcome_unknown:
        return payment
    # A minute of slack for the clocks: Stripe stamps the charge with its own.
    since = int(payment.created_at.timestamp()) - 60
    intent = gateway.payment_intent_find(payment_id=payment.pk, created_gt=since)
    if intent is not None:
        synced, _moved = payment_sync_from_intent(intent=intent, source=source)
        return synced or payment
    settled = payment.created_at + timedelta(seconds=settings.STRIPE_OUTCOME_SETTLE_SECONDS)
    if timezone.now() < settled:
        return payment  # Stripe may still be finishing the request: ask again later
    failed, _moved = payment_transition(
        payment_id=payment.pk,
        to_state=S.FAILED,
        source=source,
        fields={
            "outcome_unknown": False,
            "failure_code": NOT_RECEIVED_CODE,
            "failure_message": _("The card service never received this payment; nothing was charged."),
        },
    )
    return failed


def card_attempts_resolve(*, payable_id: int | None, source: EventSource) -> list[Payment]:
    """Ask Stripe about the attempts of a payable (or, for the sweep, of every payable) whose outcome is unknown;
    returns them as they are now. An attempt Stripe cannot be asked about stays as it is."""
    attempts = Payment.objects.filter(provider=Provider.STRIPE, outcome_unknown=True)
    if payable_id is not None:
        attempts = attempts.filter(payable_id=payable_id)
    return _asked_at_stripe(attempts, lambda pk: card_attempt_resolve(payment_id=pk, source=source))


def card_attempts_check(*, payable_id: int) -> list[Payment]:
    """What a page showing a payable asks each time it is loaded or polled: its card attempts whose outcome is
    unknown, as they are now. Stripe is asked about each at most once per STRIPE_CHECK_INTERVAL_SECONDS however
    many tabs and web processes poll it (single flight: the request that moves the attempt's `outcome_checked_at`
    on asks, the others read what is recorded). A Stripe that errs or does not answer in time leaves the attempt
    as it is; the worker and the sweep settle it too."""
    attempts = Payment.objects.filter(provider=Provider.STRIPE, outcome_unknown=True, payable_id=payable_id)
    return _asked_at_stripe(attempts, _resolve_when_due)


def _resolve_when_due(payment_id: int) -> Payment:
    if not _check_claimed(payment_id):
        return Payment.objects.get(pk=payment_id)
    return card_attempt_resolve(payment_id=payment_id, source=EventSource.API)


def _check_claimed(payment_id: int) -> bool:
    """Whether this request is the one to ask Stripe about the attempt now: it was not asked within the interval,
    and this request moved `outcome_checked_at` on (committed before Stripe is called). A row another
    transaction holds (a poll claiming it, a transition recording Stripe's answer) is skipped, not waited for:
    the page answers with what is recorded."""
    now = timezone.now()
    asked_long_ago = now - timedelta(seconds=settings.STRIPE_CHECK_INTERVAL_SECONDS)
    due = Q(outcome_checked_at__isnull=True) | Q(outcome_checked_at__lte=asked_long_ago)
    with transaction.atomic():
        due_now = Payment.objects.select_for_update(skip_locked=True).filter(due, pk=payment_id, outcome_unknown=True)
        if due_now.values_list("pk", flat=True).first() is None:
            return False
        Payment.objects.filter(pk=payment_id).update(outcome_checked_at=now)
    return True


def _asked_at_stripe(rows: QuerySet[Unknown], resolve: Callable[[int], Unknown]) -> list[Unknown]:
    """Each row whose outcome is unknown (card attempts, refunds) resolved at Stripe, oldest first, as it is
    now; one Stripe cannot be asked about stays as it is, for the next try."""
    checked: list[Unknown] = []
    for row in rows.order_by("created_at"):
        try:
            checked.append(resolve(row.pk))
        except stripe.StripeError as error:
            name = row._meta.model_name
            logger.warning("%s %s: stripe could not be asked (%s); checked again later", name, row.pk, error)
            checked.append(row)
    return checked


def _replayed(payment: Payment) -> tuple[Payment, str]:
    """The answer to a retried request (the same Idempotency-Key): the attempt as it is now, with the client
    secret while it waits for 3-D Secure (the first answer, which carried it, may never have arrived); while its
    outcome is still unknown, after asking Stripe again, the same refusal as the first request got."""
    if payment.outcome_unknown:
        with contextlib.suppress(stripe.StripeError):  # Stripe still unreachable: the attempt stays unknown
            payment = card_attempt_resolve(payment_id=payment.pk, source=EventSource.API)
        if payment.outcome_unknown:
            raise Conflict(outcome_unknown_message())
    if payment.provider_status != ProviderStatus.REQUIRES_ACTION or payment.state != S.PENDING:
        return payment, ""
    try:
        intent = gateway.payment_intent_retrieve(payment.provider_reference)
    except stripe.StripeError:  # the attempt as it is; the buyer may retry again for the secret
        return payment, ""
    synced, _moved = payment_sync_from_intent(intent=intent, source=EventSource.API)
    payment = synced or payment
    return payment, _secret_for_3ds(payment, intent)


def _uncancelled_attempt_left(payable: Payable) -> bool:
    """An attempt Stripe still holds after `_cancel_abandoned_attempts` (its cancel failed, or another tab's
    attempt reached Stripe in between): it may yet be charged, so no second one starts. Asked under the lock."""
    pending = Payment.objects.filter(payable=payable, provider=Provider.STRIPE, state=S.PENDING)
    return pending.exclude(provider_reference="").exists()


def _cancel_abandoned_attempts(payable: Payable) -> None:
    """A new card attempt replaces earlier ones still waiting (3-D Secure left half-way): they are cancelled at
    Stripe first, so two attempts can never both be charged. One that succeeded meanwhile is recorded as such."""
    pending = Payment.objects.filter(payable=payable, provider=Provider.STRIPE, state=S.PENDING).exclude(
        provider_reference=""
    )
    for attempt in pending:
        try:
            intent = gateway.payment_intent_cancel(payment_id=attempt.pk, intent_id=attempt.provider_reference)
        except stripe.StripeError:
            intent = gateway.payment_intent_retrieve(attempt.provider_reference)
        payment_sync_from_intent(intent=intent, source=EventSource.API)


def card_attempts_left_cancel(*, payable_id: int | None) -> int:
    """Card attempts still waiting for 3-D Secure on payables that owe nothing any more (paid by a transfer or
    another attempt meanwhile, or cancelled) are cancelled at Stripe, so a browser still holding the client
    secret cannot charge the card as well; one the bank charged meanwhile is recorded as paid (an overpayment
    for staff to refund). Run by a worker after the payment that paid it (`payable_id`) and by the sweep (None).
    Returns how many payables' attempts were cancelled."""
    waiting = Payment.objects.filter(provider=Provider.STRIPE, state=S.PENDING).exclude(provider_reference="")
    if payable_id is not None:
        waiting = waiting.filter(payable_id=payable_id)
    payable_ids = set(waiting.values_list("payable_id", flat=True))
    settled = [
        payable
        for payable in Payable.objects.filter(pk__in=payable_ids)
        if payable.status == PayableStatus.CANCELLED or payable.outstanding == 0
    ]
    for payable in settled:
        _cancel_abandoned_attempts(payable)
    return len(settled)


def card_payment_resume(*, actor: Actor, payment_id: int) -> tuple[Payment, str]:
    """Finish 3-D Secure on a card attempt left waiting for it (the buyer came back to the page, or its answer was
    lost and recovered): the intent is read again at Stripe and, while it still waits, its client secret is returned
    for Stripe.js. Only for the payer's members who pay, and only while finishing cannot pay twice
    (`PaymentAction.FINISH_AUTHENTICATION`): the secret is what lets a browser charge the card.

    A new attempt from another tab cancels this intent at Stripe first, and Stripe then refuses to authenticate
    it; one authenticated first is recorded as paid, and the new attempt is refused: one charge either way."""
    payment = Payment.objects.select_related("payable").filter(pk=payment_id).first()
    if payment is None:
        raise NotFound()
    PAYMENT_POLICY.authorize(actor=actor, obj=payment, action=PaymentAction.FINISH_AUTHENTICATION)
    intent = gateway.payment_intent_retrieve(payment.provider_reference)
    synced, _moved = payment_sync_from_intent(intent=intent, source=EventSource.API)
    payment = synced or payment
    return payment, _secret_for_3ds(payment, intent)


def card_payment_refresh(*, actor: Actor, payment: Payment) -> Payment:
    """After 3-D Secure in the browser: read the intent again and record what Stripe says."""
    if (
        actor.organisation_id not in (payment.payable.payer_id, payment.payable.payee_id)
        and not actor.is_alliance_staff
    ):
        raise NotFound()
    if payment.provider != Provider.STRIPE or not payment.provider_reference:
        return payment
    updated, _moved = payment_sync_from_intent(
        intent=gateway.payment_intent_retrieve(payment.provider_reference), source=EventSource.API
    )
    return updated or payment


def _state_for_intent(intent: dict[str, Any]) -> PaymentState:
    status = intent.get("status")
    if status == ProviderStatus.SUCCEEDED:
        return S.SUCCEEDED
    if status == ProviderStatus.CANCELED:
        return S.CANCELLED
    if status == ProviderStatus.REQUIRES_PAYMENT_METHOD and intent.get("last_payment_error"):
        return S.FAILED
    return S.PENDING


def provider_record_upsert(
    *, reference: str, amount: int, currency: str, status: str, created: int, refunded: int = 0, disputed: bool = False
) -> None:
    ProviderRecord.objects.update_or_create(
        provider=Provider.STRIPE,
        reference=reference,
        defaults={
            "amount": amount,
            "currency": currency.upper(),
            "status": status,
            "amount_refunded": refunded,
            "disputed": disputed,
            "created": datetime.fromtimestamp(created or 0, tz=UTC),
        },
    )


def payment_sync_from_intent(
    *, intent: dict[str, Any], source: EventSource, provider_event_id: str = ""
) -> tuple[Payment | None, bool]:
    """Record a PaymentIntent as Stripe reports it. Unknown intents (not ours) change nothing here; the
    provider record keeps them for reconciliation ("missing locally")."""
    charge = intent.get("latest_charge")
    charge_id = _id(charge)
    refunded = charge.get("amount_refunded", 0) if isinstance(charge, dict) else 0
    disputed = bool(charge.get("disputed")) if isinstance(charge, dict) else False
    provider_record_upsert(
        reference=intent["id"],
        amount=int(intent["amount"]),
        currency=intent["currency"],
        status=intent.get("status", ""),
        created=int(intent.get("created", 0)),
        refunded=int(refunded or 0),
        disputed=disputed,
    )
    payment = Payment.objects.filter(provider=Provider.STRIPE, provider_reference=intent["id"]).first()
    if payment is None:
        payment_id = (intent.get("metadata") or {}).get("payment_id")
        payment = Payment.objects.filter(pk=payment_id, provider=Provider.STRIPE).first() if payment_id else None
    if payment is None:
        logger.info("payment intent %s is not one of ours", intent["id"])
        return None, False
    target = _state_for_intent(intent)
    error = intent.get("last_payment_error") or {}
    fields: dict[str, Any] = {
        "outcome_unknown": False,  # whatever was unknown about this attempt, Stripe has now told us
        "provider_reference": intent["id"],
        "provider_status": intent.get("status", "")[:40],
        "provider_charge": charge_id,
    }
    if target == S.FAILED:
        fields["failure_code"] = (error.get("code") or error.get("decline_code") or "declined")[:80]
        fields["failure_message"] = (error.get("message") or "")[:500]
    amount_ok = int(intent["amount"]) == payment.amount and intent["currency"].upper() == payment.currency
    if target == S.SUCCEEDED and not amount_ok:
        logger.warning("payment %s: intent %s amount/currency differ; not applied", payment.pk, intent["id"])
        target = PaymentState(payment.state)
    try:
        return payment_transition(
            payment_id=payment.pk, to_state=target, source=source, provider_event_id=provider_event_id, fields=fields
        )
    except IntegrityError:  # the intent id is already on another payment: leave it to reconciliation
        logger.warning("intent %s already recorded on another payment", intent["id"])
        return payment, False


# --- refunds -------------------------------------------------------------------------------------
# The code of the Conflict a refund request gets while the result of its Stripe call is being checked.
REFUND_OUTCOME_UNKNOWN = "refund_outcome_unknown"


def refund_create(*, actor: Actor, payment_id: int, amount: int, reason: str, client_key: str = "") -> Once[Refund]:
    """Refund part or all of a card payment. A refund Stripe refused is recorded as failed with Stripe's reason.

    The same `client_key` (the API's Idempotency-Key, or the one-time key the refund form was rendered with)
    answers with the same refund, marked replayed. One that never got Stripe's answer is sent again under the
    same Stripe key (`ml-refund-<id>`) once the first attempt's call has surely ended, so it is made once even
    where Stripe's own idempotency is missing (localstripe).

    When Stripe's answer is lost (`outcome_unknown`: the money may have gone back) the refund stays pending with
    its amount reserved and the request, like its retries until Stripe is heard, is refused with a Conflict
    (code REFUND_OUTCOME_UNKNOWN) that says not to refund again."""
    PAYMENT_POLICY.require_capability(actor=actor, action=PaymentAction.REFUND)
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Say why the money goes back.")]})
    if not Payment.objects.filter(pk=payment_id).exists():
        raise NotFound()
    # Before any lock, as it may call Stripe: a refund of this payment whose answer was lost is settled first.
    refunds_resolve(payment_id=payment_id, source=EventSource.API)
    with transaction.atomic():
        _payable, locked = lock_payment(payment_id)
        refund = Refund.objects.filter(payment=locked, client_key=client_key).first() if client_key else None
        replayed = refund is not None
        if refund is None:
            refund = _refund_open(actor=actor, payment=locked, amount=amount, reason=reason, client_key=client_key)
        elif refund.outcome_unknown:
            raise Conflict(refund_outcome_unknown_message(), code=REFUND_OUTCOME_UNKNOWN)
        elif refund.state != RefundState.PENDING or refund.provider_reference or _maybe_in_flight(refund):
            return Once(refund, replayed=True)  # a retried request: the first one's answer, or it is on its way
    refund = refund_send(actor=actor, refund=refund)  # claimed and committed: no lock held
    if refund.outcome_unknown:
        raise Conflict(refund_outcome_unknown_message(), code=REFUND_OUTCOME_UNKNOWN)
    return Once(refund, replayed=replayed)


def refund_outcome_unknown_message() -> str:
    return _(
        "We could not hear from the card service whether this refund was made. It is being checked now and its "
        "amount stays reserved; do not refund it again. The payment's page shows the result."
    )


def _maybe_in_flight(refund: Refund) -> bool:
    """Whether the first request for this refund may still be waiting for Stripe (every try timed out)."""
    longest_call = settings.STRIPE_TIMEOUT_SECONDS * (settings.STRIPE_MAX_NETWORK_RETRIES + 1)
    return timezone.now() - refund.created_at < timedelta(seconds=2 * longest_call)


def _refund_open(*, actor: Actor, payment: Payment, amount: int, reason: str, client_key: str) -> Refund:
    """A pending refund row (the payment is locked by the caller), within what is left to refund: pending
    refunds, those whose result is being checked included, hold their amount."""
    PAYMENT_POLICY.authorize(actor=actor, obj=payment, action=PaymentAction.REFUND)
    pending = Refund.objects.filter(payment=payment, state=RefundState.PENDING).aggregate(
        total=Sum("amount"), checking=Sum("amount", filter=Q(outcome_unknown=True))
    )
    available = payment.amount - payment.amount_refunded - (pending["total"] or 0)
    if amount <= 0 or amount > available:
        at_most = {"max": format_money(max(available, 0))}
        message = _("Enter an amount of at most %(max)s.") % at_most
        if pending["checking"]:
            message = _(
                "Enter an amount of at most %(max)s: %(checking)s is held by a refund whose result is being "
                "checked with the card service."
            ) % {**at_most, "checking": format_money(pending["checking"])}
        raise ValidationFailed(fields={"amount": [message]})
    refund = Refund.objects.create(
        payment=payment, amount=amount, reason=reason, requested_by=actor.user, client_key=client_key
    )
    audit_record(actor=actor, action="payments.refund_requested", target=payment, data={"amount": amount})
    return refund


def refund_send(*, actor: Actor | None, refund: Refund, source: EventSource = EventSource.API) -> Refund:
    """Ask Stripe for a pending refund claimed (and committed) before: no row lock is held meanwhile. `actor` is
    None when Market Link itself sends it again (`refund_resolve`)."""
    payment = refund.payment
    amount = refund.amount
    started = timezone.now()
    try:
        data = gateway.refund_create(
            refund_id=refund.pk, intent_id=payment.provider_reference, amount=Money(Decimal(amount), payment.currency)
        )
    except (stripe.APIConnectionError, stripe.APIError) as error:
        # Lost on the network, or a 5xx (indeterminate, says Stripe): the money may have gone back. Failing it
        # would free its amount for a second refund.
        logger.warning("no answer from stripe for refund %s: %s", refund.pk, error)
        return _refund_outcome_unknown_record(actor=actor, refund_id=refund.pk, sent_at=started)
    except stripe.StripeError as error:
        # Any other error is Stripe's answer that it made no refund (a 4xx).
        with transaction.atomic():
            refund = Refund.objects.select_for_update().get(pk=refund.pk)
            refund.state = RefundState.FAILED
            refund.outcome_unknown = False
            refund.failure_message = str(error.user_message or error)[:500]
            refund.save(update_fields=["state", "outcome_unknown", "failure_message", "updated_at"])
            audit_record(actor=actor, action="payments.refund_failed", target=payment, data={"refund": refund.pk})
        return refund
    return refund_sync(data=data, source=source) or refund


def _refund_outcome_unknown_record(*, actor: Actor | None, refund_id: int, sent_at: datetime) -> Refund:
    """Keep the refund pending (its amount reserved) and flagged, then have a worker ask Stripe once the call
    has settled. The flag is the outbox: the reconciliation sweep finds the refund if the task is lost."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.state != RefundState.PENDING or refund.provider_reference:
            return refund  # a webhook brought Stripe's answer meanwhile
        refund.outcome_unknown = True
        refund.sent_at = sent_at
        refund.save(update_fields=["outcome_unknown", "sent_at", "updated_at"])
        audit_record(
            actor=actor, action="payments.refund_outcome_unknown", target=refund.payment, data={"refund": refund.pk}
        )
        transaction.on_commit(lambda: _refund_check_later(refund_id))
    return refund


def _refund_check_later(refund_id: int) -> None:
    from market.payments.tasks import resolve_refund

    try:
        resolve_refund.apply_async(args=[refund_id], countdown=settings.STRIPE_OUTCOME_SETTLE_SECONDS)
    except Exception:
        logger.warning("could not enqueue the check of refund %s; the sweep will do it", refund_id, exc_info=True)


def refund_resolve(*, refund_id: int, source: EventSource) -> Refund:
    """Settle a refund whose answer from Stripe was lost (`outcome_unknown`): the refund Stripe made for it
    (found by the refund id in its metadata) is recorded as any Stripe answer is, once however many times this
    runs. If Stripe has none once the call has settled, the request never reached it and the refund is sent
    again under the same key `ml-refund-<id>`: the decision to refund stands, and should the first call turn
    up at Stripe after all, Stripe answers the second with the first refund instead of making another. Two
    resolvers never both send: the one that moves `sent_at` on from the value it read sends.

    Raises stripe.StripeError while Stripe cannot be asked; the refund then stays as it is."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if not refund.outcome_unknown:
        return refund
    found = gateway.refund_find(refund_id=refund.pk, intent_id=refund.payment.provider_reference)
    if found is not None:
        return refund_sync(data=found, source=source) or refund
    sent_at = refund.sent_at or refund.created_at
    if timezone.now() < sent_at + timedelta(seconds=settings.STRIPE_OUTCOME_SETTLE_SECONDS):
        return refund  # Stripe may still be finishing the call: ask again later
    claimed = Refund.objects.filter(
        pk=refund.pk, state=RefundState.PENDING, outcome_unknown=True, sent_at=refund.sent_at
    ).update(sent_at=timezone.now())
    if not claimed:
        return Refund.objects.get(pk=refund.pk)  # another resolver is sending it, or Stripe answered meanwhile
    logger.info("refund %s never reached stripe; sent again under its key", refund.pk)
    return refund_send(actor=None, refund=refund, source=source)


def refunds_resolve(*, payment_id: int | None, source: EventSource) -> list[Refund]:
    """Ask Stripe about the refunds of a payment (or, for the sweep, of every payment) whose outcome is unknown;
    returns them as they are now. A refund Stripe cannot be asked about stays as it is."""
    refunds = Refund.objects.filter(outcome_unknown=True)
    if payment_id is not None:
        refunds = refunds.filter(payment_id=payment_id)
    return _asked_at_stripe(refunds, lambda pk: refund_resolve(refund_id=pk, source=source))


class StripeRefundStatus(StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


# Stripe's refund statuses as ours; the others (pending, requires_action) leave a refund pending.
_REFUND_STATES = {
    StripeRefundStatus.SUCCEEDED: RefundState.SUCCEEDED,
    StripeRefundStatus.FAILED: RefundState.FAILED,
    StripeRefundStatus.CANCELED: RefundState.CANCELLED,
}


def refund_sync(*, data: dict[str, Any], source: EventSource, provider_event_id: str = "") -> Refund | None:
    """Record a refund as Stripe reports it; a succeeded refund moves the payment (forward only).

    One exception to forward only: a refund we recorded as failed without ever hearing of it from Stripe (no
    Stripe reference: the failure came from an error on our call — before outcomes were kept unknown, a lost
    answer too) is recorded as succeeded when Stripe shows it succeeded, since the money did go back. A refund
    Stripe itself reported failed (the bank declined it) stays failed."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().filter(provider_reference=data["id"]).first()
        if refund is None:
            refund_id = (data.get("metadata") or {}).get("refund_id")
            refund = Refund.objects.select_for_update().filter(pk=refund_id).first() if refund_id else None
        if refund is None:
            payment = Payment.objects.filter(
                provider=Provider.STRIPE, provider_reference=_id(data.get("payment_intent"))
            ).first()
            if payment is None and data.get("charge"):
                payment = Payment.objects.filter(provider=Provider.STRIPE, provider_charge=_id(data["charge"])).first()
            if payment is None:
                logger.info("refund %s is for no payment of ours", data["id"])
                return None
            refund = Refund.objects.create(
                payment=payment, amount=int(data["amount"]), reason=_("Refunded in the Stripe dashboard")
            )
        target = _REFUND_STATES.get(data.get("status", ""), RefundState.PENDING)
        failed_unheard = refund.state == RefundState.FAILED and not refund.provider_reference
        changed = ["provider_reference", "outcome_unknown", "updated_at"]
        refund.provider_reference = data["id"]
        refund.outcome_unknown = False  # whatever was unknown about this refund, Stripe has now told us
        if failed_unheard and target == RefundState.SUCCEEDED:
            logger.warning("refund %s was recorded failed but stripe made it (%s)", refund.pk, data["id"])
            refund.state = RefundState.PENDING  # moved on to succeeded below, with the payment
            refund.failure_message = ""
            changed.append("failure_message")
        if refund.state == RefundState.PENDING and target != RefundState.PENDING:
            refund.state = target
            changed.append("state")
            if target == RefundState.FAILED:
                refund.failure_message = (data.get("failure_reason") or _("The bank refused the refund."))[:500]
                changed.append("failure_message")
            if target == RefundState.SUCCEEDED:
                refund.succeeded_at = timezone.now()
                changed.append("succeeded_at")
        elif target != refund.state:
            logger.info("refund %s: %s -> %s ignored (not forward)", refund.pk, refund.state, target)
        refund.save(update_fields=changed)
        if refund.state == RefundState.SUCCEEDED and "state" in changed:
            _payable, payment = lock_payment(refund.payment_id)
            refunded = payment.amount_refunded + refund.amount
            state = S.REFUNDED if refunded >= payment.amount else S.PARTIALLY_REFUNDED
            if payment.state == S.DISPUTED:
                state = S.DISPUTED
            payment_transition(
                payment_id=payment.pk,
                to_state=state,
                source=source,
                provider_event_id=provider_event_id,
                fields={"amount_refunded": min(refunded, payment.amount)},
                event=PayableEvent.REFUNDED,
                note=refund.reason,
            )
        return refund


# --- disputes ------------------------------------------------------------------------------------
_DISPUTE_RANK: dict[str, int] = {
    DisputeStatus.WARNING_NEEDS_RESPONSE: 0,
    DisputeStatus.NEEDS_RESPONSE: 0,
    DisputeStatus.WARNING_UNDER_REVIEW: 1,
    DisputeStatus.UNDER_REVIEW: 1,
    DisputeStatus.WARNING_CLOSED: 2,
    DisputeStatus.WON: 2,
    DisputeStatus.LOST: 2,
}


def dispute_sync(*, data: dict[str, Any], source: EventSource, provider_event_id: str = "") -> Dispute | None:
    """Record a dispute as Stripe reports it: open → payment disputed; won → back to collected; lost →
    the money went back to the card holder (counted as refunded)."""
    charge_id = _id(data.get("charge"))
    intent_id = _id(data.get("payment_intent"))
    payment = (
        Payment.objects.filter(provider=Provider.STRIPE)
        .filter(**({"provider_reference": intent_id} if intent_id else {"provider_charge": charge_id}))
        .first()
    )
    if payment is None:
        logger.info("dispute %s is for no payment of ours", data["id"])
        return None
    status = data.get("status", DisputeStatus.NEEDS_RESPONSE)
    with transaction.atomic():
        _payable, locked = lock_payment(payment.pk)
        dispute, created = Dispute.objects.select_for_update().get_or_create(
            provider_reference=data["id"],
            defaults={
                "payment": locked,
                "amount": int(data["amount"]),
                "reason": data.get("reason", "")[:60],
                "status": status,
            },
        )
        changed = created
        if not created and _DISPUTE_RANK.get(status, 0) > _DISPUTE_RANK.get(dispute.status, 0):
            dispute.status = status
            changed = True
        if dispute.is_closed and dispute.closed_at is None:
            dispute.closed_at = timezone.now()
        due = (data.get("evidence_details") or {}).get("due_by")
        if due:
            dispute.evidence_due_by = datetime.fromtimestamp(int(due), tz=UTC)
        dispute.save()
        if dispute.status == DisputeStatus.LOST:
            target = S.REFUNDED
        elif dispute.is_closed:
            target = S.PARTIALLY_REFUNDED if locked.amount_refunded else S.SUCCEEDED
        else:
            target = S.DISPUTED
        payment_transition(
            payment_id=locked.pk,
            to_state=target,
            source=source,
            provider_event_id=provider_event_id,
            event=PayableEvent.DISPUTED if changed else None,
            note=f"dispute {dispute.provider_reference}: {dispute.status}",
        )
        return dispute
