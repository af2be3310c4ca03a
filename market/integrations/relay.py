"""The webhook relay: claims due deliveries, signs and sends them, records each attempt.

It follows the notification relay (market/notifications/relay.py): short transactions, SELECT … FOR UPDATE
SKIP LOCKED so any number of relays share the work, a claim token and a lease, backoff with jitter from
`next_retry_delay`, and no lock held while the network is called (claim, commit, call, record).

One difference on purpose: a webhook that may have arrived is sent again. Receivers de-duplicate on the
event id (at-least-once), so a worker that died mid-request leaves its delivery to be retried when the
lease expires, never "unconfirmed".

`now` and `rng` are parameters so that tests drive the retries with a controlled clock instead of sleeping.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from market.integrations.addresses import UnsafeAddress, parse_url, resolve
from market.integrations.config import webhook_settings
from market.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from market.integrations.secret_box import SecretUnreadable
from market.integrations.signing import SIGNATURE_HEADER, envelope_body, sign
from market.integrations.transport import TransportError, post
from market.notifications.services import next_retry_delay

logger = logging.getLogger(__name__)
_rng = random.SystemRandom()


@dataclass
class WebhookRelayStats:
    recovered: int = 0
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    disabled: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def webhook_relay(
    *, worker: str = "relay", now: datetime | None = None, rng: Any = None, max_batches: int = 20
) -> WebhookRelayStats:
    """Send what is due at `now` (default: the real time); returns what happened."""
    stats = WebhookRelayStats()
    stats.recovered = recover_expired_leases(now=now)
    for _batch in range(max_batches):
        rows = claim_due(worker=worker, now=now)
        if not rows:
            break
        stats.claimed += len(rows)
        for row in rows:
            deliver(row, now=now, rng=rng or _rng, stats=stats)
    return stats


def recover_expired_leases(*, now: datetime | None = None) -> int:
    """A worker that died while sending: its deliveries are due again (receivers drop duplicates by id)."""
    moment = now or timezone.now()
    return WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING, lease_expires_at__lt=moment).update(
        status=DeliveryStatus.PENDING, claim_token="", lease_expires_at=None, next_attempt_at=moment
    )


def claim_due(*, worker: str, now: datetime | None = None) -> list[WebhookDelivery]:
    moment = now or timezone.now()
    config = webhook_settings()
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=moment, endpoint__is_active=True)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[: config.batch_size]
        )
        if not ids:
            return []
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            lease_expires_at=moment + timedelta(seconds=config.claim_lease),
            attempts=F("attempts") + 1,
        )
        return list(WebhookDelivery.objects.filter(pk__in=ids).select_related("event", "endpoint").order_by("id"))


def deliver(row: WebhookDelivery, *, now: datetime | None, rng: Any, stats: WebhookRelayStats) -> None:
    config = webhook_settings()
    moment = now or timezone.now()
    endpoint = row.endpoint
    body = envelope_body(row.event)
    signature = ""
    status: int | None = None
    excerpt = ""
    error = ""
    duration: int | None = None
    try:
        signature = sign(body, secrets=endpoint.signing_secrets(moment), timestamp=int(moment.timestamp()))
        # Resolved and checked now, at every attempt: the address registered may point elsewhere today.
        target = resolve(parse_url(endpoint.url))
        answer = post(
            target,
            body=body,
            headers={
                SIGNATURE_HEADER: signature,
                "Market-Link-Event-Id": row.event.public_id,
                "Market-Link-Event-Type": row.event.type,
                "Market-Link-Delivery-Attempt": str(row.attempts),
            },
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
        )
        status, excerpt, duration = answer.status, answer.excerpt, answer.duration_ms
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except (UnsafeAddress, SecretUnreadable) as exc:
        error = str(exc)
    except TransportError as exc:
        error, duration = str(exc), exc.duration_ms
    except Exception as exc:
        # A bug must not stop the batch; the delivery is retried like any failure and the log says why.
        logger.exception("webhook delivery crashed", extra={"delivery": row.pk})
        error = f"internal error: {exc!r}"
    _record(row, moment=moment, body=body, signature=signature, status=status, excerpt=excerpt,
            error=error, duration=duration, rng=rng, stats=stats)  # fmt: skip


def _record(
    row: WebhookDelivery,
    *,
    moment: datetime,
    body: bytes,
    signature: str,
    status: int | None,
    excerpt: str,
    error: str,
    duration: int | None,
    rng: Any,
    stats: WebhookRelayStats,
) -> None:
    config = webhook_settings()
    succeeded = not error
    mine = WebhookDelivery.objects.filter(pk=row.pk, claim_token=row.claim_token, status=DeliveryStatus.SENDING)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery_id=row.pk,
            number=row.attempts,
            started_at=moment,
            duration_ms=duration,
            request_body=body.decode(),
            signature=signature,
            response_status=status,
            response_excerpt=excerpt,
            error=error[:2000],
            succeeded=succeeded,
        )
        common = {"claim_token": "", "lease_expires_at": None, "last_status_code": status, "last_error": error[:2000]}
        if succeeded:
            moved = mine.update(status=DeliveryStatus.DELIVERED, delivered_at=moment, **common)
            WebhookEndpoint.objects.filter(pk=row.endpoint_id).update(failing_since=None)
            stats.delivered += moved
            return
        WebhookEndpoint.objects.filter(pk=row.endpoint_id, failing_since__isnull=True).update(failing_since=moment)
        delay = next_retry_delay(attempt=row.attempts, base=config.retry_base, cap=config.retry_max, rng=rng)
        if moment + delay <= row.retry_until:
            moved = mine.update(status=DeliveryStatus.PENDING, next_attempt_at=moment + delay, **common)
            stats.retried += moved
            return
        moved = mine.update(status=DeliveryStatus.FAILED, **common)
        stats.failed += moved
        if moved:
            stats.disabled += _disable_if_failing_for_window(row, moment=moment)
    logger.info("webhook not delivered", extra={"delivery": row.pk, "error": error})


def _disable_if_failing_for_window(row: WebhookDelivery, *, moment: datetime) -> int:
    """A delivery gave up: when the endpoint accepted nothing at all during that delivery's whole retry window,
    it is switched off (further events would only pile up) and its organisation's owners are told."""
    from market.integrations.services import endpoint_disable_failing

    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=row.endpoint_id)
    window_start = row.retry_until - webhook_settings().retry_window
    accepted = WebhookAttempt.objects.filter(
        delivery__endpoint_id=endpoint.pk, succeeded=True, started_at__gte=window_start
    ).exists()
    if not endpoint.is_active or accepted:
        return 0
    endpoint_disable_failing(endpoint=endpoint, now=moment)
    return 1
