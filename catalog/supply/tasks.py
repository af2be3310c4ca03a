"""Background work of supply: the evening summary of the day's intakes for each cooperative's managers."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from catalog.supply.services import intakes_daily_summary


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_intake_summaries() -> int:
    """Today's intakes (Vietnam's day), one summary per cooperative; safe to run again the same day."""
    return intakes_daily_summary(day=timezone.localdate())
