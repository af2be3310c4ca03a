"""The relay: claims due outbox rows, hands them to their channel, and records what happened.

It runs as a Celery task that beat starts every few seconds (tasks.relay); any number may run at once on
any number of workers. Every step is a short transaction; no lock is held while talking to a provider.

1. Recover leases. A row stays `sending` or `delivering` only while its worker lives; a lease says until
   when. Expired `sending` rows go back to `pending` (the provider never got them: safe to send again).
   Expired `delivering` rows become `unconfirmed`, unless the channel de-duplicates (SMS RequestId), in
   which case they are simply asked for again.
2. Claim a batch with SELECT … FOR UPDATE SKIP LOCKED: concurrent relays take disjoint rows. The claim
   writes a random claim token, the worker's name, a lease, counts the attempt (attempts + 1) and opens a
   DeliveryAttempt row, then commits.
3. For each row, render it and call the channel. The adapter wraps the write that completes the message (the
   final "." of SMTP DATA, an HTTP request) in the hand-over hook: it moves the row `sending -> delivering`
   *conditionally on the claim token* in a transaction that commits only after that write. If another relay
   has taken the row over meanwhile, the update matches nothing and the message is abandoned unsent (the "."
   never written); so two relays can never both hand the same row over.
4. Record the answer, again conditional on the claim token: `sent`; `pending` with backoff and jitter on a
   temporary failure (a refusal that arrived as an answer, or any error before the hand-over); `failed` on a
   permanent one or when attempts run out (Zalo/SMS then fall back to e-mail); `unconfirmed` when the
   connection broke after the hand-over without an answer.

Why `unconfirmed` and not "retry": between handing the message over (SMTP "." written) and recording
`sent`, a crash leaves no way to ask the provider whether it took the message; SMTP has no idempotency key.
Retrying could deliver it twice; not retrying could lose it. The window runs from the final "." to the
server's reply (milliseconds, while the server has the whole message), so we choose not to resend, and show
the row to staff as "delivery unconfirmed — sending again may deliver it twice" with a resend button. A
crash anywhere earlier (rendering, connecting, RCPT, sending the body, up to the "." itself) rolls the
hand-over back and is retried automatically: delivered exactly once.

An earlier version committed `delivering` just *before* writing the ".": a kill between the two lost the
message silently (the server discarded it, the row said it was handed over). Rows it left `unconfirmed`
have no `handed_over_at`, and the staff list says that they may never have arrived.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from market.notifications.channels import adapter_for
from market.notifications.channels.base import ChannelAdapter, ChannelSession, DeliveryError, LostClaim
from market.notifications.config import relay_settings
from market.notifications.models import (
    EXTERNAL_CHANNELS,
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    Status,
)
from market.notifications.registry import find_kind
from market.notifications.services import fallback_to_email, next_retry_delay

logger = logging.getLogger(__name__)
_rng = random.SystemRandom()


@dataclass
class RelayStats:
    recovered: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unconfirmed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def relay_outbox(
    *, worker: str, batch_size: int | None = None, time_budget: float | None = None, rng: Any = None
) -> RelayStats:
    """Deliver due rows until none are left or the time budget is spent."""
    settings = relay_settings()
    limit = batch_size or settings.batch_size
    deadline = monotonic() + (settings.time_budget if time_budget is None else time_budget)
    stats = RelayStats(recovered=recover_expired_leases())
    while True:
        rows = claim_batch(worker=worker, limit=limit)
        if not rows:
            break
        stats.claimed += len(rows)
        deliver_batch(rows, stats=stats, rng=rng or _rng)
        if monotonic() >= deadline:
            break
    return stats


def recover_expired_leases(*, now: datetime | None = None, limit: int = 500) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status__in=[Status.SENDING, Status.DELIVERING], lease_expires_at__lt=now)
            .only("id", "status", "channel", "attempts", "attempts_left", "claim_token")
            .order_by("lease_expires_at")[:limit]
        )
        for row in rows:
            if row.status == Status.SENDING or adapter_for(row.channel).idempotent:
                handed = row.status == Status.DELIVERING
                note = (
                    "the worker stopped after the hand-over; asked again (the provider drops duplicates)"
                    if handed
                    else "the worker stopped before handing the message over; it will be sent again"
                )
                if row.attempts_left > 0:
                    _set(row, status=Status.PENDING, next_attempt_at=now, claim_token="", lease_expires_at=None)
                    _close_attempt(row, AttemptOutcome.INTERRUPTED, note, now)
                else:
                    _set(row, status=Status.FAILED, claim_token="", lease_expires_at=None, last_error=note)
                    _close_attempt(row, AttemptOutcome.FAILED, f"no attempts left: {note}", now)
                    fallback_to_email(
                        row=Notification.objects.select_related("recipient_user").get(pk=row.pk), reason=note
                    )
            else:
                note = (
                    "the worker stopped after handing the message to the provider, before its answer; it most "
                    "probably arrived, so it is not sent again automatically"
                )
                # The claim token stays: if that worker was only slow, its "sent" still lands.
                _set(row, status=Status.UNCONFIRMED, lease_expires_at=None, last_error=note)
                _close_attempt(row, AttemptOutcome.UNCONFIRMED, note, now)
    if rows:
        logger.warning("notification leases recovered", extra={"count": len(rows)})
    return len(rows)


def claim_batch(*, worker: str, limit: int, now: datetime | None = None) -> list[Notification]:
    now = now or timezone.now()
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=relay_settings().claim_lease)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now, channel__in=EXTERNAL_CHANNELS)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            status=Status.SENDING,
            claim_token=token,
            claimed_by=worker[:200],
            lease_expires_at=lease,
            handed_over_at=None,
            attempts=F("attempts") + 1,
            attempts_left=Greatest(F("attempts_left") - 1, 0),
            updated_at=now,
        )
        rows = list(
            Notification.objects.filter(pk__in=ids).select_related("recipient_user", "organisation").order_by("id")
        )
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(notification_id=row.pk, number=row.attempts, worker=worker[:200], started_at=now)
                for row in rows
            ]
        )
    return rows


def deliver_batch(rows: list[Notification], *, stats: RelayStats, rng: Any) -> None:
    by_channel: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel].append(row)
    for channel, items in by_channel.items():
        adapter = adapter_for(channel)
        session: ChannelSession | None = None
        try:
            for row in items:
                kind = find_kind(row.kind)
                if kind is None:
                    _finish_error(row, adapter, _Unknown(f"unknown notification kind {row.kind!r}"), False, stats, rng)
                    continue
                try:
                    message = adapter.prepare(row, kind)
                except DeliveryError as exc:
                    _finish_error(row, adapter, exc, False, stats, rng)
                    continue
                except Exception as exc:
                    # A bug in a template, a link or a context: it would fail the same way every time.
                    logger.exception("notification could not be prepared", extra={"notification": row.pk})
                    _finish_error(row, adapter, _Unknown(f"could not be prepared: {exc!r}"), False, stats, rng)
                    continue
                if session is None:
                    session = adapter.open()
                _deliver(row, kind, adapter, session, message, stats, rng)
        finally:
            if session is not None:
                session.close()


class _Unknown(DeliveryError):
    permanent = True


def _deliver(
    row: Notification,
    kind: Any,
    adapter: ChannelAdapter,
    session: ChannelSession,
    message: Any,
    stats: RelayStats,
    rng: Any,
) -> None:
    handed = False

    @contextmanager
    def hand_over() -> Iterator[None]:
        """Around the write that completes the message: `delivering` commits only once it was written."""
        nonlocal handed
        now = timezone.now()
        # Long enough for the provider's answer: a live worker is never declared lost while it waits.
        lease = now + timedelta(seconds=relay_settings().claim_lease + 2 * adapter.timeout)
        with transaction.atomic():
            moved = Notification.objects.filter(pk=row.pk, status=Status.SENDING, claim_token=row.claim_token).update(
                status=Status.DELIVERING, lease_expires_at=lease, handed_over_at=now, updated_at=now
            )
            if moved != 1:
                raise LostClaim()
            yield
        handed = True

    try:
        provider_id = session.send(message, hand_over)
    except LostClaim:
        stats.skipped += 1
        logger.warning("notification taken over by another relay", extra={"notification": row.pk})
        return
    except DeliveryError as exc:
        _finish_error(row, adapter, exc, handed, stats, rng)
        return
    except Exception:
        # A bug or the database going away: leave the row to lease recovery, keep the batch going.
        logger.exception("notification delivery crashed", extra={"notification": row.pk, "handed_over": handed})
        return
    _finish_sent(row, kind, provider_id, stats)


def _finish_sent(row: Notification, kind: Any, provider_id: str, stats: RelayStats) -> None:
    now = timezone.now()
    context = {key: ("" if key in kind.secret_context else value) for key, value in row.context.items()}
    with transaction.atomic():
        done = Notification.objects.filter(
            pk=row.pk, claim_token=row.claim_token, status__in=[Status.DELIVERING, Status.UNCONFIRMED]
        ).update(
            status=Status.SENT,
            sent_at=now,
            provider_message_id=provider_id[:200],
            lease_expires_at=None,
            last_error="",
            context=context,
            updated_at=now,
        )
        _close_attempt(row, AttemptOutcome.SENT, "", now, late=True)
    if done:
        stats.sent += 1
    else:
        logger.error("sent notification could not be marked", extra={"notification": row.pk})


def _finish_error(
    row: Notification, adapter: ChannelAdapter, exc: DeliveryError, handed: bool, stats: RelayStats, rng: Any
) -> None:
    now = timezone.now()
    error = str(exc)[:2000]
    current = [Status.SENDING, Status.DELIVERING]
    mine = Notification.objects.filter(pk=row.pk, claim_token=row.claim_token, status__in=current)
    with transaction.atomic():
        if not exc.permanent and handed and not exc.definite and not adapter.idempotent:
            moved = mine.update(status=Status.UNCONFIRMED, lease_expires_at=None, last_error=error, updated_at=now)
            _close_attempt(row, AttemptOutcome.UNCONFIRMED, error, now)
            stats.unconfirmed += moved
        elif not exc.permanent and row.attempts_left > 0:
            settings = relay_settings()
            delay = next_retry_delay(attempt=row.attempts, base=settings.retry_base, cap=settings.retry_max, rng=rng)
            moved = mine.update(
                status=Status.PENDING,
                next_attempt_at=now + delay,
                claim_token="",
                lease_expires_at=None,
                last_error=error,
                updated_at=now,
            )
            _close_attempt(row, AttemptOutcome.RETRY, error, now)
            stats.retried += moved
        else:
            if not exc.permanent:
                error = f"gave up after {row.attempts} attempts: {error}"[:2000]
            moved = mine.update(
                status=Status.FAILED, claim_token="", lease_expires_at=None, last_error=error, updated_at=now
            )
            _close_attempt(row, AttemptOutcome.FAILED, error, now)
            stats.failed += moved
            if moved:
                fallback_to_email(row=row, reason=error)
    logger.info(
        "notification not delivered",
        extra={"notification": row.pk, "channel": row.channel, "permanent": exc.permanent, "error": error},
    )


def _set(row: Notification, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(row, name, value)
    Notification.objects.filter(pk=row.pk).update(**fields, updated_at=timezone.now())


def _close_attempt(row: Notification, outcome: str, error: str, now: datetime, *, late: bool = False) -> None:
    # `late`: a slow worker's answer that arrived after recovery had marked the attempt unconfirmed.
    open_outcomes = [AttemptOutcome.IN_PROGRESS, AttemptOutcome.UNCONFIRMED] if late else [AttemptOutcome.IN_PROGRESS]
    DeliveryAttempt.objects.filter(notification_id=row.pk, number=row.attempts, outcome__in=open_outcomes).update(
        outcome=outcome, error=error[:2000], finished_at=now
    )
