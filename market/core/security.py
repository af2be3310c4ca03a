"""Security headers Django does not set itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

# Browser features no page of ours uses are switched off for every origin, embedded frames included; the
# ones we use are allowed for our own pages only: the camera (the fair check-in reads badge QR codes) and
# the location (the supply map marks a plot's corner where one stands). Stripe.js's frames may take a card.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "autoplay=()",
        "camera=(self)",
        "display-capture=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        'payment=(self "https://js.stripe.com")',
        "usb=()",
    ]
)


class PermissionsPolicyMiddleware:
    """Every response says which browser features a page may use (static files and errors too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
