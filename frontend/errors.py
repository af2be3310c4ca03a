"""The one page handler for domain errors: a calm page with the message and the right status.

A database out of reach (restarting, failing over) is answered without touching it: the API's JSON error or a
page of its own in Vietnamese and English with no context processors (the shell's menu and bell read the
database), both with Retry-After. `server_error` (the root URLconf's handler500) does the same for a failure
raised before any view ran, in a middleware that read the session, say.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults

from market.core.api import error_body
from market.core.errors import ApplicationError, DatabaseUnavailable, NotFound
from market.core.once import KEY_REUSED, KEY_TAKEN, KEY_TARGET_GONE
from market.core.passing_errors import passing_error


class ApplicationErrorPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A lock or statement timeout, or the database out of reach: a calm 503, not a 500.
        exception = passing_error(exception) or exception
        if request.path.startswith("/api/") or not isinstance(exception, ApplicationError):
            return None
        if isinstance(exception, DatabaseUnavailable):
            return try_again_later(request, exception)
        response = render(
            request,
            "frontend/error.html",
            {"message": page_message(exception), "fields": exception.fields, "status": exception.status_code},
            status=exception.status_code,
        )
        return with_retry_after(response, exception)


def with_retry_after(response: HttpResponse, error: ApplicationError) -> HttpResponse:
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def try_again_later(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """The answer to a passing database failure (busy, out of reach), made without a query."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(error.code, error.message), status=error.status_code)
    else:
        # In both languages, as the 500 page: the person's choice is in the database that did not answer.
        messages = []
        for language in ("vi", "en"):
            with translation.override(language):
                messages.append(str(type(error).default_message))
        response = HttpResponse(render_to_string("503.html", {"messages": messages}), status=error.status_code)
    return with_retry_after(response, error)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a passing database failure raised outside a view is a 503 too; anything else the 500 page."""
    error = passing_error(sys.exc_info()[1] or Exception())
    if error is not None:
        return try_again_later(request, error)
    return defaults.server_error(request)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an address under /api/ that matches no route (a negative id, a malformed code) answers as the
    API's own 404s do, in JSON; any other address gets the 404 page."""
    if request.path.startswith("/api/"):
        error = NotFound()
        return JsonResponse(error_body(error.code, error.message), status=error.status_code)
    return defaults.page_not_found(request, exception)


def page_message(error: ApplicationError) -> str:
    """What a refusal says on a page. A one-time key sent again with other values, after what it made was removed, or
    by someone else, is refused by the services in an API client's words (its Idempotency-Key: "send this request
    with a new key"); on a page the key is the form's hidden one, and the person reloads the page for a new form.
    Every page tells a service's refusal through here (the error page, say_refused, the forms' add_service_errors, the
    views' messages)."""
    if error.code == KEY_REUSED:
        return _("This form was already sent with other values: reload the page.")
    if error.code == KEY_TARGET_GONE:
        return _("What this form made was removed meanwhile: reload the page and send it again.")
    if error.code == KEY_TAKEN:
        return _("This form was already sent by someone else: reload the page.")
    return error.message


def refusal_messages(error: ApplicationError) -> list[str]:
    """What a refused write says: its fields' messages, else its message."""
    return [text for texts in error.fields.values() for text in texts] or [page_message(error)]


def say_refused(request: HttpRequest, error: ApplicationError, *, about: str = "") -> None:
    """A refused write told at the top of the page it leads back to (nothing changed; the page shows the state as
    it is now), each message named after what it was `about` when given."""
    for text in refusal_messages(error):
        messages.error(request, f"{about}: {text}" if about else text)
