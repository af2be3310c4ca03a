"""Thin Celery tasks: they take ids, call a service, and are safe to run twice."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

import stripe
from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from market.payments.models import EventSource, WebhookEvent
from market.payments.services.cards import card_attempt_resolve, card_attempts_left_cancel, refund_resolve
from market.payments.services.reconciliation import reconciliation_claim, reconciliation_run
from market.payments.services.webhooks import (
    CLAIMABLE,
    claim_abandoned,
    webhook_event_failed,
    webhook_event_process,
)

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


# Stopped at the claim's lease (SoftTimeLimitExceeded, recorded as a failure for the relay): past it another
# worker may take the event, so one still running would only do the work twice.
@shared_task(
    name="market.payments.tasks.process_webhook_event",
    bind=True,
    max_retries=MAX_ATTEMPTS,
    soft_time_limit=settings.WEBHOOK_CLAIM_LEASE_SECONDS,
)
def process_webhook_event(self, event_id: int) -> str:
    """Re-read the event's object from the provider and record it (forward only)."""
    try:
        return webhook_event_process(event_id=event_id)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
        webhook_event_failed(event_id=event_id, error=str(error))
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from None
    except Exception as error:
        webhook_event_failed(event_id=event_id, error=repr(error))
        logger.exception("provider event %s failed", event_id)
        return "failed"


@shared_task(name="market.payments.tasks.relay_webhook_events")
def relay_webhook_events() -> int:
    """The outbox relay: events stored but not processed (a lost task, Redis down) are sent again, and so are
    those whose worker died holding them (claimed longer ago than the lease)."""
    now = timezone.now()
    # A minute for the task sent when the event arrived to start; a dead worker's event has its lease instead.
    waiting = Q(CLAIMABLE, received_at__lt=now - timedelta(seconds=60))
    ids = list(
        WebhookEvent.objects.filter(waiting | claim_abandoned(now), attempts__lt=MAX_ATTEMPTS)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for event_id in ids:
        process_webhook_event.delay(event_id)
    return len(ids)


@shared_task(name="market.payments.tasks.run_reconciliation")
def run_reconciliation(run_id: int | None = None) -> int | None:
    """Beat runs it with no id (it takes a staff request left queued, else runs on its own); a staff request
    passes its run. Safe to run twice: a run already taken is not done again."""
    run = reconciliation_claim(run_id=run_id)
    return None if run is None else reconciliation_run(run=run).pk


@shared_task(name="market.payments.tasks.resolve_card_attempt", bind=True, max_retries=MAX_ATTEMPTS)
def resolve_card_attempt(self, payment_id: int) -> str:
    """Ask Stripe what became of a card attempt whose answer was lost; again later while Stripe cannot tell yet
    (unreachable, or the request not settled). The reconciliation sweep takes any left when retries run out."""
    try:
        payment = card_attempt_resolve(payment_id=payment_id, source=EventSource.SYSTEM)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from None
    if payment.outcome_unknown:
        raise self.retry(countdown=_backoff(self.request.retries))
    return str(payment.state)


@shared_task(name="market.payments.tasks.cancel_card_attempts_left", bind=True, max_retries=MAX_ATTEMPTS)
def cancel_card_attempts_left(self, payable_id: int) -> int:
    """Cancel at Stripe the card attempts still waiting for 3-D Secure on a payable paid otherwise; again later
    while Stripe cannot be reached. The reconciliation sweep takes any left when retries run out."""
    try:
        return card_attempts_left_cancel(payable_id=payable_id)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from None


@shared_task(name="market.payments.tasks.resolve_refund", bind=True, max_retries=MAX_ATTEMPTS)
def resolve_refund(self, refund_id: int) -> str:
    """Ask Stripe what became of a refund whose answer was lost (and send it again under its key if it never
    reached Stripe); again later while Stripe cannot tell yet. The reconciliation sweep takes any left."""
    try:
        refund = refund_resolve(refund_id=refund_id, source=EventSource.SYSTEM)
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from None
    if refund.outcome_unknown:
        raise self.retry(countdown=_backoff(self.request.retries))
    return str(refund.state)


def _backoff(retries: int) -> float:
    return min(600, 2**retries * 5) + random.uniform(0, 3)
