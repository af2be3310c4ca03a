"""Background work of the catalogue: thin tasks that call a service and are safe to run twice.

Whether a certificate counts (badges, filters) never depends on a job: it is computed from its dates at
query time. The daily job only warns cooperatives 30 days before a certificate expires.
"""

from celery import shared_task

from catalog.services import certificate_expiry_warnings_send


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_certificate_expiry_warnings() -> int:
    """One warning per certificate and expiry date, through the notifications outbox (beat, daily)."""
    return certificate_expiry_warnings_send()
