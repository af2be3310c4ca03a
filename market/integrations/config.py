"""The webhook settings, read at call time (tests and operators change them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

# The envelope's shape; a change that could break a receiver gets a new date.
API_VERSION = "2026-12-01"


@dataclass(frozen=True)
class WebhookSettings:
    allow_loopback: bool
    connect_timeout: float
    read_timeout: float
    retry_window: timedelta
    retry_base: float
    retry_max: float
    secret_grace: timedelta
    batch_size: int
    claim_lease: float
    keep_delivered: timedelta
    keep_failed: timedelta


def webhook_settings() -> WebhookSettings:
    return WebhookSettings(
        allow_loopback=bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False)),
        connect_timeout=float(getattr(settings, "WEBHOOKS_CONNECT_TIMEOUT_SECONDS", 3)),
        read_timeout=float(getattr(settings, "WEBHOOKS_READ_TIMEOUT_SECONDS", 10)),
        retry_window=timedelta(hours=float(getattr(settings, "WEBHOOKS_RETRY_WINDOW_HOURS", 72))),
        retry_base=float(getattr(settings, "WEBHOOKS_RETRY_BASE_SECONDS", 30)),
        retry_max=float(getattr(settings, "WEBHOOKS_RETRY_MAX_SECONDS", 6 * 3600)),
        secret_grace=timedelta(hours=float(getattr(settings, "WEBHOOKS_SECRET_GRACE_HOURS", 24))),
        batch_size=int(getattr(settings, "WEBHOOKS_BATCH_SIZE", 50)),
        claim_lease=float(getattr(settings, "WEBHOOKS_CLAIM_LEASE_SECONDS", 60)),
        keep_delivered=timedelta(days=int(getattr(settings, "WEBHOOKS_KEEP_DELIVERED_DAYS", 30))),
        keep_failed=timedelta(days=int(getattr(settings, "WEBHOOKS_KEEP_FAILED_DAYS", 90))),
    )
