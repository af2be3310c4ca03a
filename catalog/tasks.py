"""Background work of the catalogue.

Whether a certificate counts (badges, filters) never depends on a job: it is computed from its dates at
query time. The daily job here only warns cooperatives 30 days before a certificate expires.
"""

from __future__ import annotations

from celery import shared_task

from catalog.selectors import certificates_due_expiry_warning
from catalog.services import certificate_expiry_warn


@shared_task(acks_late=True, reject_on_worker_lost=True)
def warn_expiring_certificates() -> int:
    """One warning per certificate and expiry date; safe to run twice (the service marks before it warns)."""
    due = list(certificates_due_expiry_warning().values_list("pk", "valid_to"))
    return sum(certificate_expiry_warn(certificate_id=pk, expiry_date=valid_to) for pk, valid_to in due if valid_to)
