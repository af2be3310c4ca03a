"""Security headers Django does not set itself."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from collections.abc import Callable

from django.conf import settings
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


# --- Content-Security-Policy ---------------------------------------------------------------------
# Pages run only our own files: scripts from 'self' or carrying this response's nonce (no inline code, no
# on*= handlers, no eval), styles from our stylesheets or a nonce'd <style> (no style= attributes), no
# plugins, no framing, no <base> rewriting, forms post only to us. Violations are reported to
# CSP_REPORT_PATH (market.core.views.csp_report). See docs/security-headers.md.
CSP_REPORT_PATH = "/csp-report/"
CSP_REPORT_GROUP = "csp"
REPORTING_ENDPOINTS = f'{CSP_REPORT_GROUP}="{CSP_REPORT_PATH}"'
# Directives that take extra sources (a page that needs another host says so: csp_allow()).
CSP_EXTENSIBLE = ("script-src", "style-src", "img-src", "connect-src", "frame-src")
NONCE = "{nonce}"
PAGE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'", f"'nonce-{NONCE}'"),
    "style-src": ("'self'", f"'nonce-{NONCE}'"),
    "img-src": ("'self'",),
    "connect-src": ("'self'",),
    "frame-src": ("'none'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
# JSON, files and anything else that is not a page: nothing may run or load in its name.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# A service worker's script is governed by its own response's policy: it fetches and caches our own files.
WORKER_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def csp_allow(request: HttpRequest, **sources: tuple[str, ...]) -> None:
    """Let this one response load from more sources, e.g. `csp_allow(request, script_src=("https://js.stripe.com",))`.
    Only the directives in CSP_EXTENSIBLE can be widened; 'unsafe-inline' and 'unsafe-eval' never."""
    extra: dict[str, list[str]] = request.__dict__.setdefault("csp_extra", {})
    for name, values in sources.items():
        directive = name.replace("_", "-")
        if directive not in CSP_EXTENSIBLE:
            raise ValueError(f"{directive} cannot be widened per page")
        if any("unsafe" in value for value in values):
            raise ValueError(f"{values} would undo the policy")
        extra.setdefault(directive, []).extend(values)


def page_policy(nonce: str, extra: dict[str, list[str]] | None = None) -> str:
    if not extra:
        # Most pages widen nothing: their policy is the same but for the nonce, so it is built once per process.
        return _plain_page_policy(settings.CSP_REPORTING_API).replace(NONCE, nonce)
    return _built_page_policy(nonce, extra, settings.CSP_REPORTING_API)


@functools.cache
def _plain_page_policy(reporting_api: bool) -> str:
    """The page policy with no extra sources, the nonce left as NONCE. Keyed on the setting it reads, so that a test
    that overrides CSP_REPORTING_API gets the policy that goes with it."""
    return _built_page_policy(NONCE, {}, reporting_api)


def _built_page_policy(nonce: str, extra: dict[str, list[str]], reporting_api: bool) -> str:
    parts = []
    for directive, base in PAGE_POLICY.items():
        values = [value.replace(NONCE, nonce) for value in base]
        if directive in extra:
            values = [value for value in values if value != "'none'"]
            values += [value for value in extra[directive] if value not in values]
        parts.append(f"{directive} {' '.join(values)}")
    parts.append(f"report-uri {CSP_REPORT_PATH}")
    if reporting_api:
        parts.append(f"report-to {CSP_REPORT_GROUP}")
    return "; ".join(parts)


def validated_nonce(etag: str) -> str:
    """The nonce of a page served with this ETag (see market.core.conditional): the same for every response
    carrying it, so that after a 304 the browser's kept body (its scripts hold the nonce it was rendered
    with) and the 304's policy (which replaces the kept one) agree. Unguessable without SECRET_KEY, and
    bound to everything the ETag covers — the URL, the data versions and the visitor's CSRF secret — so it
    is as unpredictable to anyone else as a random one: see market.core.conditional."""
    return urlsafe_b64encode(keyed_digest(f"csp-nonce:{etag}".encode())[:18]).decode()


def keyed_digest(message: bytes) -> bytes:
    """HMAC-SHA256 of `message` under SECRET_KEY, as `hmac.new(SECRET_KEY, message, sha256).digest()`. The key's
    two padded blocks are hashed once per process (per SECRET_KEY: tests change it) and the keyed state copied for
    each message, where hmac.new hashed them again for every one (two messages a page: its ETag and its nonce)."""
    mac = _keyed(settings.SECRET_KEY).copy()
    mac.update(message)
    return mac.digest()


@functools.lru_cache(maxsize=4)
def _keyed(secret_key: str) -> hmac.HMAC:
    return hmac.new(secret_key.encode(), digestmod=hashlib.sha256)


# The nonce lives on the request (HttpRequest declares no such attribute): read and set it only through these two.
NONCE_ATTRIBUTE = "csp_nonce"


class _FreshNonce:
    """The nonce ContentSecurityPolicyMiddleware gives a request, drawn on first use: only pages carry a policy
    with a nonce, and most requests (every API read, files, redirects) never ask for one. One object per request,
    shared by a DRF Request that hands the attribute on, so every reader of one request gets the same nonce."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value = ""

    def __str__(self) -> str:
        if not self._value:
            self._value = secrets.token_urlsafe(18)
        return self._value


def csp_nonce(request: HttpRequest) -> str:
    """This request's CSP nonce; "" for a request that did not pass ContentSecurityPolicyMiddleware (one built
    in a test or outside a request cycle), whose page gets no policy to match anyway. getattr, not __dict__: DRF's
    Request (the API docs page renders with it) hands unknown attributes on to the HttpRequest it wraps."""
    nonce: str | _FreshNonce = getattr(request, NONCE_ATTRIBUTE, "")
    return str(nonce)


def set_csp_nonce(request: HttpRequest, nonce: str) -> None:
    """Give this request the nonce its page is rendered with and its policy carries."""
    request.__dict__[NONCE_ATTRIBUTE] = nonce


def apply_page_policy(request: HttpRequest, response: HttpResponseBase) -> None:
    """The page policy, with this request's nonce, on a page or on a 304 that stands for one."""
    response.headers["Content-Security-Policy"] = page_policy(csp_nonce(request), request.__dict__.get("csp_extra"))
    if settings.CSP_REPORTING_API:
        response.headers["Reporting-Endpoints"] = REPORTING_ENDPOINTS


class ContentSecurityPolicyMiddleware:
    """Gives each request a fresh nonce (`csp_nonce(request)`, `{{ csp_nonce }}` in templates; drawn when first
    read) and each response its policy: the page policy on HTML, a policy that allows nothing on everything else.
    A view may replace the nonce before it renders (a page answered conditionally: `validated_nonce`); the policy
    carries the one the page was rendered with."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.__dict__[NONCE_ATTRIBUTE] = _FreshNonce()
        response = self.get_response(request)
        if "Content-Security-Policy" in response.headers:
            return response  # a view that set its own knows better
        if response.headers.get("Content-Type", "").startswith("text/html"):
            apply_page_policy(request, response)
        else:
            response.headers["Content-Security-Policy"] = OTHER_POLICY
        return response


def csp_nonce_context(request: HttpRequest) -> dict[str, str]:
    """Template context processor: `{{ csp_nonce }}` (django-htmx's {% htmx_script %} reads it too)."""
    return {"csp_nonce": csp_nonce(request)}
