"""Structured logs: one JSON object per line, carrying the request id, with secrets redacted."""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import os
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_VALID_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|authori[sz]ation|api[_-]?key|cookie|session|csrf", re.I)
# Values that look like credentials wherever they appear in a message.
_SECRET_VALUES = [
    (re.compile(r"\b(sk|rk|pk|whsec)_(test|live)?_?[A-Za-z0-9]{6,}"), r"\1_***"),
    (re.compile(r"\bml_[A-Za-z0-9]{6,}_[A-Za-z0-9_-]{10,}"), "ml_***"),
    (re.compile(r"(?i)(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
    (re.compile(r"(?i)(password|passwd|secret|token|api_key)=([^&\s]+)"), r"\1=***"),
]
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def redact(value: object) -> object:
    if isinstance(value, dict):
        return {k: ("***" if _SECRET_KEYS.search(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        for pattern, replacement in _SECRET_VALUES:
            value = pattern.sub(replacement, value)
        return value
    return value


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = "***" if _SECRET_KEYS.search(key) else redact(_jsonable(value))
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _jsonable(value: object) -> object:
    if isinstance(value, str | int | float | bool | type(None) | dict | list | tuple):
        return value
    return str(value)


class _RequestIds:
    """Request ids: 32 hex digits, a random per-process prefix and a counter. An id only has to be unique (it ties
    log lines together), not unpredictable, so uuid4's 16 bytes from the OS per request are not needed. The prefix
    is drawn again in every forked child (gunicorn's workers), so that no two processes count from the same one."""

    prefix = secrets.token_hex(8)
    counter = itertools.count()

    @classmethod
    def reseed(cls) -> None:
        cls.prefix = secrets.token_hex(8)
        cls.counter = itertools.count()

    @classmethod
    def next(cls) -> str:
        return f"{cls.prefix}{next(cls.counter) & 0xFFFFFFFFFFFFFFFF:016x}"


os.register_at_fork(after_in_child=_RequestIds.reseed)


def new_request_id() -> str:
    return _RequestIds.next()


class RequestIdMiddleware:
    """Gives every request an id (or keeps a sane incoming X-Request-ID) for logs and the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # META, not request.headers: building that mapping of every header costs more than the rest of this middleware.
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if incoming and _VALID_INCOMING_ID.match(incoming) else new_request_id()
        # Not reset afterwards: Django logs the response ("Not Found: /x") after the middleware returns.
        request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
