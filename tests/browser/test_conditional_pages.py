"""A page the browser kept, revalidated by a reload in Debian's chromium: the server answers 304, chromium
shows the kept body under the 304's headers (its Content-Security-Policy replaces the kept one), and the page
still runs — no policy violation, the nonce in the kept body is the one the 304's policy allows, htmx still
prices a quantity typed the Vietnamese way.

Served by the live server, not through a Playwright route: routing turns chromium's HTTP cache off, and with
it every conditional request."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.test_content_security_policy import CONSOLE_SIGNS, LISTEN
from tests.catalog.factories import make_lot, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Service workers blocked: once ours controls the page (it claims it as soon as it is active, which may or
    # may not be before the reload), the reload goes to it and the page's own request carries no
    # If-None-Match (the worker's fetch does): this test is about chromium's HTTP cache.
    return {**browser_context_args, "locale": "vi-VN", "service_workers": "block"}


@pytest.fixture
def rice(cooperative, alliance, settings, live_server):
    settings.SITE_URL = live_server.url
    settings.CSP_REPORTING_API = False  # reports go to report-uri at once (see test_content_security_policy)
    product = make_product(cooperative, name="Gạo ST25 Tân Hiệp", tiers=[("100", 32000), ("1000", 29000)])
    make_lot(product)
    return product


def _nonce_allowed(response: Response) -> str:
    policy = response.header_value("content-security-policy") or ""
    found = re.search(r"script-src [^;]*'nonce-([^']+)'", policy)
    assert found, policy
    return found.group(1)


def on_the_wire(page: Page) -> dict[str, list[int]]:
    """The status codes as they came over the network, by URL, from chromium's DevTools protocol."""
    urls: dict[str, str] = {}
    statuses: dict[str, list[int]] = {}
    devtools = page.context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.on("Network.requestWillBeSent", lambda event: urls.update({event["requestId"]: event["request"]["url"]}))
    devtools.on("Network.responseReceivedExtraInfo", lambda event: statuses.setdefault(
        urls.get(event["requestId"], ""), []).append(event["statusCode"]))  # fmt: skip
    return statuses


@pytest.mark.parametrize("path", ["/products/{pk}/", "/catalogue/?search=gao+st25"])
def test_a_reloaded_page_is_revalidated_and_still_runs(page: Page, live_server, rice, path):
    url = live_server.url + path.format(pk=rice.pk)
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if any(
        sign in message.text for sign in CONSOLE_SIGNS) else None)  # fmt: skip

    wire = on_the_wire(page)

    first = page.goto(url, wait_until="load")
    assert first is not None
    assert first.status == 200
    etag = first.header_value("etag")
    assert etag
    assert etag.startswith('W/"')

    again = page.reload(wait_until="load")
    assert again is not None
    assert again.request.header_value("if-none-match") == etag
    # Playwright reports the kept response (200) merged with the 304's headers; the wire says what came.
    assert wire.get(url) == [200, 304], wire
    page.wait_for_load_state("networkidle")

    # The kept body's scripts carry the nonce the 304's policy allows (chromium hides the attribute, not .nonce).
    kept = page.evaluate("document.querySelector('script[nonce]').nonce")
    assert kept == _nonce_allowed(again)
    assert page.evaluate("window.__csp") == []
    assert console == []
    assert page.evaluate("typeof window.htmx") == "object"

    if path.startswith("/products/"):
        # htmx (a script the kept body loads) still asks for the price of what is typed: 1.000 kg at 29.000 ₫.
        box = page.locator('input[name="quantity"]')
        box.fill("")
        box.press_sequentially("1.000")
        expect(page.locator("#quote")).to_contain_text("29.000.000")
        assert page.evaluate("window.__csp") == []
