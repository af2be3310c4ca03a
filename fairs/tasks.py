"""Background work of fairs (thin: each task calls one service and is safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from fairs import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def fee_deadlines() -> dict[str, int]:
    """Daily: overdue booth fees get a reminder, then their booth goes to the waitlist."""
    return services.fee_deadlines()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def meeting_reminders() -> int:
    """Every 15 minutes: remind both sides of an accepted meeting starting within two hours."""
    return services.meeting_reminders()
