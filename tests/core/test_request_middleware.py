"""What the middleware stack's cheaper paths must keep: request ids unique per process and across forked workers,
a page policy built once that is the one built per request, a nonce drawn only for a request that asks for one
(the same one for every reader), a message storage made only when used, no compression of small answers, Vary
and the keyed digests as Django and hmac make them, compression's choices as the headers say, and caches closed
after each request only when closing them does something."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

import pytest
from django.conf import settings
from django.contrib import messages
from django.core.cache import close_caches
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.test import Client, RequestFactory
from django.utils.cache import patch_vary_headers
from django.utils.functional import empty
from rest_framework.request import Request

from market.core.apps import stop_closing_caches_that_close_nothing
from market.core.compression import MIN_SIZE, CompressionMiddleware, chosen_coding, compressible
from market.core.logging import new_request_id
from market.core.messages import LazyMessageMiddleware
from market.core.security import (
    NONCE,
    PAGE_POLICY,
    ContentSecurityPolicyMiddleware,
    csp_nonce,
    keyed_digest,
    page_policy,
)
from market.core.vary import add_vary


def test_request_ids_are_32_hex_digits_and_never_repeat():
    ids = [new_request_id() for _ in range(1000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_worker_counts_from_a_prefix_of_its_own():
    parent = new_request_id()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(writer, new_request_id().encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    in_child = os.read(reader, 64).decode()
    os.close(reader)
    assert re.fullmatch(r"[0-9a-f]{32}", in_child)
    assert in_child[:16] != parent[:16]


@pytest.mark.django_db
def test_every_response_gets_a_fresh_request_id():
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert first["X-Request-ID"] != second["X-Request-ID"]


def _policy_built_as_before(nonce: str, reporting_api: bool) -> str:
    """The page policy as ContentSecurityPolicyMiddleware built it for every response before it was kept per process."""
    parts = [
        f"{directive} {' '.join(value.replace(NONCE, nonce) for value in base)}"
        for directive, base in PAGE_POLICY.items()
    ]
    parts.append("report-uri /csp-report/")
    if reporting_api:
        parts.append("report-to csp")
    return "; ".join(parts)


@pytest.mark.parametrize("reporting_api", [True, False])
def test_the_page_policy_kept_per_process_is_the_one_built_per_request(settings, reporting_api):
    settings.CSP_REPORTING_API = reporting_api
    for nonce in ("abc", "Zm9vYmFyYmF6cXV4cXV1eA"):
        assert page_policy(nonce) == _policy_built_as_before(nonce, reporting_api)
        assert page_policy(nonce, {}) == _policy_built_as_before(nonce, reporting_api)


def test_a_widened_policy_is_still_built_for_its_request(settings):
    settings.CSP_REPORTING_API = True
    policy = page_policy("n1", {"script-src": ["https://js.stripe.com"], "frame-src": ["https://js.stripe.com"]})
    assert "script-src 'self' 'nonce-n1' https://js.stripe.com;" in policy
    assert "frame-src https://js.stripe.com;" in policy


def _with_messages(view):
    request = RequestFactory().get("/")
    request.session = Client().session
    middleware = LazyMessageMiddleware(view)
    return request, middleware(request)


@pytest.mark.django_db
def test_a_request_that_uses_no_messages_builds_no_storage_and_sets_no_cookie():
    request, response = _with_messages(lambda request: HttpResponse("ok"))
    assert request._messages._wrapped is empty
    assert "messages" not in response.cookies


@pytest.mark.django_db
def test_a_message_added_is_stored_and_read_back():
    def view(request: HttpRequest) -> HttpResponse:
        messages.success(request, "Saved.")
        return HttpResponse("ok")

    _request, response = _with_messages(view)
    assert "messages" in response.cookies
    reader = RequestFactory().get("/")
    reader.COOKIES["messages"] = response.cookies["messages"].value
    reader.session = Client().session
    LazyMessageMiddleware(lambda request: HttpResponse("ok"))(reader)
    assert [str(message) for message in messages.get_messages(reader)] == ["Saved."]


def test_a_small_body_is_left_as_it_is():
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="br, gzip")
    small = HttpResponse(b"x" * (MIN_SIZE - 1), content_type="application/json")
    response = CompressionMiddleware(lambda request: small)(request)
    assert not response.has_header("Content-Encoding")
    assert not response.has_header("Vary")
    assert response.content == b"x" * (MIN_SIZE - 1)


@pytest.fixture
def nonces_drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every nonce drawn from the operating system's randomness from now on."""
    drawn: list[str] = []
    draw = secrets.token_urlsafe

    def counted(nbytes: int | None = None) -> str:
        drawn.append(draw(nbytes))
        return drawn[-1]

    monkeypatch.setattr(secrets, "token_urlsafe", counted)
    return drawn


def test_a_request_that_renders_no_page_draws_no_nonce(nonces_drawn):
    request = RequestFactory().get("/api/v1/products/")
    response = ContentSecurityPolicyMiddleware(lambda request: JsonResponse({"ok": True}))(request)
    assert "nonce" not in response["Content-Security-Policy"]
    assert nonces_drawn == []


def test_a_page_draws_one_nonce_that_every_reader_and_its_policy_share(nonces_drawn):
    def page(request: HttpRequest) -> HttpResponse:
        # DRF's Request (the API docs page renders through one) hands the attribute on to the HttpRequest it wraps.
        nonces = {csp_nonce(Request(request)), csp_nonce(request), csp_nonce(request)}
        return HttpResponse(f"<script nonce='{nonces.pop()}'></script>" if len(nonces) == 1 else "two nonces")

    response = ContentSecurityPolicyMiddleware(page)(RequestFactory().get("/"))
    assert len(nonces_drawn) == 1
    assert response.content.decode() == f"<script nonce='{nonces_drawn[0]}'></script>"
    assert f"'nonce-{nonces_drawn[0]}'" in response["Content-Security-Policy"]


def test_a_request_outside_the_middleware_has_no_nonce():
    assert csp_nonce(RequestFactory().get("/")) == ""


VARY_BEFORE = [None, "", "Cookie", "cookie", "Accept,Cookie", "Accept-Encoding, Cookie", "Cookie, HX-Request", "*"]
VARY_ADDED = [("Cookie",), ("Accept-Encoding",), ("Accept-Encoding", "Cookie", "HX-Request"), ("ACCEPT-ENCODING",)]


@pytest.mark.parametrize("before", VARY_BEFORE)
@pytest.mark.parametrize("added", VARY_ADDED)
def test_vary_from_the_kept_table_is_the_one_django_writes(before, added):
    ours, djangos = HttpResponseBase(), HttpResponseBase()
    if before is not None:
        ours["Vary"] = djangos["Vary"] = before
    for _ in range(2):  # worked out, then read from the table
        add_vary(ours, added)
        patch_vary_headers(djangos, added)
        assert ours["Vary"] == djangos["Vary"]


@pytest.mark.parametrize("secret_key", ["a" * 50, "another key, " * 5])
def test_the_keyed_digest_is_hmac_sha256_under_the_secret_key_in_force(settings, secret_key):
    settings.SECRET_KEY = secret_key
    for message in (b"", b'csp-nonce:W/"x"', "ETag parts \x1f tiếng Việt".encode() * 40):
        assert keyed_digest(message) == hmac.new(secret_key.encode(), message, hashlib.sha256).digest()


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("BR ; q=1.0", "br"),
        ("identity, deflate", None),
        ("gzip;q=0", None),
        ("", None),
    ],
)
def test_the_coding_chosen_per_header_is_the_one_its_weights_allow(accept_encoding, coding):
    assert chosen_coding(accept_encoding) == coding
    assert chosen_coding(accept_encoding) == coding  # read from the table


@pytest.mark.parametrize(
    ("content_type", "worth_it"),
    [
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("Application/JSON ; charset=utf-8", True),
        ("application/problem+json", True),
        ("image/svg+xml", True),
        ("text/csv; charset=utf-8", True),
        ("image/png", False),
        ("application/pdf", False),
        ("application/octet-stream", False),
        ("", False),
    ],
)
def test_compressible_types(content_type, worth_it):
    assert compressible(content_type) is worth_it


def _closes_caches_after_requests() -> bool:
    connected = request_finished.disconnect(close_caches)
    if connected:
        request_finished.connect(close_caches)
    return connected


def test_caches_that_close_nothing_are_not_closed_after_each_request():
    assert settings.CACHES["default"]["BACKEND"] == "market.core.cache.ResilientRedisCache"
    assert not _closes_caches_after_requests()


def test_a_cache_that_closes_is_closed_after_each_request(settings):
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": "127.0.0.1:1"},
    }
    request_finished.connect(close_caches)
    try:
        stop_closing_caches_that_close_nothing()
        assert _closes_caches_after_requests()
    finally:
        request_finished.disconnect(close_caches)
