"""A small HTTP client for provider APIs (the standard library's http.client), split where it matters:
connecting cannot deliver anything, so connection errors are safe to retry; once the request is written
an unanswered request is ambiguous."""

from __future__ import annotations

import http.client
import json
import ssl
from typing import Any
from urllib.parse import urlencode, urlsplit

from market.notifications.channels.base import HandOver, TransientError


def post(
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
    hand_over: HandOver | None = None,
) -> tuple[int, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    all_headers = {"Accept": "application/json", "User-Agent": "MarketLink/1.0", **(headers or {})}
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode()
        all_headers.setdefault("Content-Type", "application/json; charset=utf-8")
    else:
        body = urlencode(form or {}).encode()
        all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    try:
        try:
            connection.connect()
        except OSError as exc:
            raise TransientError(f"cannot connect to {parts.hostname}: {exc}", definite=True) from exc
        try:
            if hand_over is None:
                connection.request("POST", path, body=body, headers=all_headers)
            else:
                with hand_over():
                    connection.request("POST", path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise TransientError(f"no answer from {parts.hostname}: {exc}", definite=False) from exc
    finally:
        connection.close()


def json_answer(status: int, data: bytes, provider: str) -> dict[str, Any]:
    """The provider's JSON body; a non-JSON 2xx is treated as 'no usable answer'."""
    try:
        parsed = json.loads(data.decode() or "{}")
    except (UnicodeDecodeError, ValueError):
        raise TransientError(
            f"{provider} answered HTTP {status} with a body that is not JSON", definite=False
        ) from None
    if not isinstance(parsed, dict):
        raise TransientError(f"{provider} answered HTTP {status} with unexpected JSON", definite=False)
    return parsed
