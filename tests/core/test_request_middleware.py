"""What the middleware stack's cheaper paths must keep: request ids unique per process and across forked workers,
a page policy built once that is the one built per request, a message storage made only when used, and no
compression of small answers."""

from __future__ import annotations

import os
import re

import pytest
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils.functional import empty

from market.core.compression import MIN_SIZE, CompressionMiddleware
from market.core.logging import new_request_id
from market.core.messages import LazyMessageMiddleware
from market.core.security import NONCE, PAGE_POLICY, page_policy


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
