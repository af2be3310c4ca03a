"""How long the delivery log is kept, and the nightly prune that applies it.

A delivered delivery is kept WEBHOOKS_KEEP_DELIVERED_DAYS after it was delivered; a failed one
WEBHOOKS_KEEP_FAILED_DAYS after its retry window ended (a failed delivery fails at the latest then, and "send
again" opens a new window). A delivery still waiting or being sent is never removed. Its attempts go with it,
and an event goes once none of its deliveries is left (and it is older than the shorter of the two periods).

Each batch is its own short transaction: the rows are taken FOR UPDATE SKIP LOCKED, so the prune never waits
for the relay or a "send again" (it skips what they hold) and never holds many locks for long.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from market.integrations.config import webhook_settings
from market.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEvent

PRUNE_BATCH_SIZE = 1000


@dataclass
class PruneStats:
    deliveries: int = 0
    attempts: int = 0
    events: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def settled_before(now: datetime) -> Q:
    """The deliveries whose keeping period is over at `now`."""
    config = webhook_settings()
    delivered = Q(status=DeliveryStatus.DELIVERED, delivered_at__lt=now - config.keep_delivered)
    failed = Q(status=DeliveryStatus.FAILED, retry_until__lt=now - config.keep_failed)
    return delivered | failed


def webhook_log_prune(*, now: datetime | None = None, batch: int = PRUNE_BATCH_SIZE) -> PruneStats:
    """Remove what the keeping periods let go, `batch` rows per transaction, until nothing is left."""
    moment = now or timezone.now()
    stats = PruneStats()
    while _prune_deliveries(moment, batch, stats):
        pass
    while _prune_events(moment, batch, stats):
        pass
    return stats


def _prune_deliveries(moment: datetime, batch: int, stats: PruneStats) -> bool:
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(settled_before(moment))
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return False
        _total, per_model = WebhookDelivery.objects.filter(pk__in=ids).filter(settled_before(moment)).delete()
    stats.deliveries += per_model.get("integrations.WebhookDelivery", 0)
    stats.attempts += per_model.get("integrations.WebhookAttempt", 0)
    return True


def _prune_events(moment: datetime, batch: int, stats: PruneStats) -> bool:
    config = webhook_settings()
    cutoff = moment - min(config.keep_delivered, config.keep_failed)
    orphaned = Q(created_at__lt=cutoff) & ~Exists(WebhookDelivery.objects.filter(event=OuterRef("pk")))
    with transaction.atomic():
        ids = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(orphaned)
            .order_by("created_at")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return False
        # Checked again in the DELETE: a delivery written meanwhile keeps its event.
        deleted = WebhookEvent.objects.filter(orphaned, pk__in=ids).delete()[0]
    stats.events += deleted
    return True
