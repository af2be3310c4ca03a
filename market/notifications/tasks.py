"""Celery tasks of the notifications app: thin, safe to run twice, and several at once."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from market.notifications.relay import relay_outbox
from market.notifications.services import digest_compose, outbox_prune


@shared_task(name="market.notifications.tasks.relay", bind=True, ignore_result=True)
def relay(self) -> dict[str, int]:
    """Beat starts this every few seconds; it delivers due outbox rows until none are left (or its time
    budget is spent). Concurrent runs share the work through SELECT … FOR UPDATE SKIP LOCKED."""
    worker = f"{self.request.hostname or socket.gethostname()}:{os.getpid()}"
    return relay_outbox(worker=worker).as_dict()


@shared_task(name="market.notifications.tasks.compose_digests", ignore_result=True)
def compose_digests() -> int:
    """Daily: one summary e-mail per person who chose the digest; the relay then sends them."""
    return digest_compose()


@shared_task(name="market.notifications.tasks.prune", ignore_result=True)
def prune() -> int:
    """Daily: forget settled notifications older than NOTIFICATIONS_RETENTION_DAYS."""
    return outbox_prune()
