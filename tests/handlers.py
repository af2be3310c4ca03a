"""Test clients that share one request handler of their kind per process.

Django's test client builds its handler's middleware chain on its first request, and WhiteNoise's middleware then
lists every static file of every app (about 40 ms of CPU, most of a permission-matrix cell). A web process builds
the chain once; a matrix that makes a client per cell can do the same. The handler keeps no state of a client's
own (cookies, credentials and a session login stay on the client); the clients here never use DRF's
force_authenticate, which is kept on the handler."""

from __future__ import annotations

from typing import Any, TypeVar

from django.test import Client

C = TypeVar("C", bound=Client)

_handlers: dict[tuple[type, bool], Any] = {}


def sharing_one_handler(client: C) -> C:
    """`client`, its requests served by the one handler of its kind built in this process."""
    handler = client.handler
    key = (type(handler), handler.enforce_csrf_checks)
    assert getattr(handler, "_force_user", None) is None, "a force-authenticated client keeps its own handler"
    client.handler = _handlers.setdefault(key, handler)
    return client
