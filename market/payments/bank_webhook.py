"""Signature of bank notifications (Casso/SePay-shaped JSON relayed to us).

The sender signs the raw body with the shared secret BANK_WEBHOOK_SECRET, the way Stripe does:

    X-Market-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

A signature older than five minutes is refused (replays). Configure the notification service (or the small
relay in front of it) to send this header.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

HEADER = "HTTP_X_MARKET_SIGNATURE"
TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    pass


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(body: bytes, header: str | None, *, now: float | None = None) -> None:
    secret = settings.BANK_WEBHOOK_SECRET
    if not secret:
        raise BadSignature("bank notifications are not configured")
    if not header:
        raise BadSignature("no signature")
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise BadSignature("no timestamp") from None
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        raise BadSignature("signature too old")
    expected = sign(body, secret, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise BadSignature("signature does not match")
