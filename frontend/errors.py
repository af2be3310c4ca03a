"""The one page handler for domain errors: a calm page with the message and the right status."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from market.core.errors import ApplicationError, Busy
from market.core.locking import is_busy


class ApplicationErrorPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_busy(exception):  # a lock or statement timeout: a calm 503, not a 500
            exception = Busy()
        if request.path.startswith("/api/") or not isinstance(exception, ApplicationError):
            return None
        return render(
            request,
            "frontend/error.html",
            {"message": exception.message, "fields": exception.fields, "status": exception.status_code},
            status=exception.status_code,
        )
