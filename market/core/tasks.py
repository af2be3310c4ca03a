from celery import shared_task

from market.core.services import heartbeat_record


@shared_task(name="market.core.tasks.worker_heartbeat")
def worker_heartbeat() -> str:
    """Beat sends this every minute; the row it writes shows on /healthz that a worker is consuming."""
    return heartbeat_record(name="worker").last_seen.isoformat()
