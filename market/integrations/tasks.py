"""Celery tasks of the integrations app: thin, safe to run twice and several at once."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from market.integrations.relay import webhook_relay
from market.integrations.retention import webhook_log_prune


@shared_task(name="market.integrations.tasks.relay_webhooks", bind=True, ignore_result=True)
def relay_webhooks(self) -> dict[str, int]:
    """Beat starts this every few seconds; concurrent runs share the work (SELECT … FOR UPDATE SKIP LOCKED)."""
    worker = f"{self.request.hostname or socket.gethostname()}:{os.getpid()}"
    return webhook_relay(worker=worker).as_dict()


@shared_task(name="market.integrations.tasks.prune_log", ignore_result=True)
def prune_log() -> dict[str, int]:
    """Nightly: the delivery log past WEBHOOKS_KEEP_DELIVERED_DAYS / WEBHOOKS_KEEP_FAILED_DAYS, in batches."""
    return webhook_log_prune().as_dict()
