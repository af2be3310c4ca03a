"""Celery tasks of the integrations app: thin, safe to run twice and several at once."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from market.integrations.relay import webhook_relay


@shared_task(name="market.integrations.tasks.relay_webhooks", bind=True, ignore_result=True)
def relay_webhooks(self) -> dict[str, int]:
    """Beat starts this every few seconds; concurrent runs share the work (SELECT … FOR UPDATE SKIP LOCKED)."""
    worker = f"{self.request.hostname or socket.gethostname()}:{os.getpid()}"
    return webhook_relay(worker=worker).as_dict()
