"""The envelope and its signature.

    Market-Link-Signature: t=1764806400,v1=5257a869…[,v1=…]

v1 is the hex HMAC-SHA256 of f"{t}.{body}" with the endpoint's secret; during a secret rotation's grace
period a second v1 is signed with the previous secret. Receivers accept the request when any v1 matches
and t is recent (docs/webhooks.md has the recipe).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

from market.integrations.models import WebhookEvent

SIGNATURE_HEADER = "Market-Link-Signature"


def envelope_body(event: WebhookEvent) -> bytes:
    """The same bytes on every attempt: only the signature's timestamp changes between retries."""
    envelope = {
        "id": event.public_id,
        "type": event.type,
        "created": int(event.created_at.timestamp()),
        "api_version": event.api_version,
        "data": event.data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def sign(body: bytes, *, secrets: Sequence[str], timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + body
    parts = [f"t={timestamp}"]
    for secret in secrets:
        parts.append("v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest())
    return ",".join(parts)
