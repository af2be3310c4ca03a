"""Background work of the catalogue.

Whether a certificate counts (badges, filters) never depends on a job: it is computed from its dates at
query time. The daily jobs here warn cooperatives 30 days before a certificate expires, and move the products
whose certificates started or stopped counting by date, so that API clients syncing products see it.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from catalog.selectors import certificates_changing_force, certificates_due_expiry_warning
from catalog.services import certificate_expiry_warn, covered_products_moved
from catalog.services.search_rows import card_bodies_complete, card_bodies_fill

# Card bodies kept per run at most (a few seconds of PostgreSQL), and runs until none is missing.
CARD_BODIES_BATCH = 5000
CARD_BODIES_BATCHES = 20


@shared_task(acks_late=True, reject_on_worker_lost=True)
def warn_expiring_certificates() -> int:
    """One warning per certificate and expiry date; safe to run twice (the service marks before it warns)."""
    due = list(certificates_due_expiry_warning().values_list("pk", "valid_to"))
    return sum(certificate_expiry_warn(certificate_id=pk, expiry_date=valid_to) for pk, valid_to in due if valid_to)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def move_products_of_certificates_by_date() -> int:
    """Products whose certificates started or stopped counting yesterday or today; two days so that one
    missed run loses nothing (moving a product twice is harmless)."""
    today = timezone.localdate()
    return covered_products_moved(certificates_changing_force(since=today - timedelta(days=2), until=today))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def keep_card_bodies() -> int:
    """The card bodies missing or of another format (after a deploy changed the card, or products listed before
    bodies were kept), newest products first, in batches of their own transaction; the services keep the others.
    Until then those cards are built by the list's statement, as correct and a little slower."""
    if card_bodies_complete():
        return 0
    written = 0
    for _ in range(CARD_BODIES_BATCHES):
        count = card_bodies_fill(batch=CARD_BODIES_BATCH)
        written += count
        if count < CARD_BODIES_BATCH:
            break
    return written
