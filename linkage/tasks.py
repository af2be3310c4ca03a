"""Background work of linkage contracts (thin: each task calls one service and is safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from linkage import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def call_off_due_notices() -> int:
    """Daily: both parties hear of each call-off due within the notice days."""
    return services.call_off_due_notices()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def flag_deliveries() -> dict[str, int]:
    """Hourly: late call-offs and short deliveries are flagged and announced once; call-offs whose order was
    cancelled give their volume back to the contract."""
    released = services.call_offs_release_cancelled()
    return {**services.deliveries_flag(), "released": released}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def move_contracts_past_their_term() -> int:
    """Daily, just after midnight: contracts whose term has just ended, and their planned call-offs, move for
    sync (their allowed actions change by the date alone)."""
    return services.contracts_past_term_moved()
