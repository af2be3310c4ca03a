"""Background work of the catalogue.

The daily 30-day certificate-expiry warning is written by the notifications work once its outbox exists:
it reads `catalog.selectors.certificates_due_expiry_warning()`, writes one outbox row per certificate and
calls `catalog.services.certificate_expiry_warning_mark_sent()` in the same transaction. Whether a
certificate counts (badges, filters) never depends on a job: it is computed from its dates at query time.
"""
