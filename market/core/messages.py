"""Django's message framework, with its storage made only for requests that use it."""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    """As MessageMiddleware, but `request._messages` is built on first use. Building the fallback storage (a cookie
    signer, a session storage) cost ~5 % of a bare request, and most requests — every API and public read that
    neither adds nor shows a message — never touch it. A storage never touched has nothing to save: its
    update() would write nothing, so the response is the one Django's middleware gives."""

    def process_request(self, request: HttpRequest) -> None:
        # Django's own attribute (MessageMiddleware sets it; django.contrib.messages.api reads it); the stubs omit it.
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        storage = request.__dict__.get("_messages")
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response
        return super().process_response(request, response)
