"""Every page under the Content-Security-Policy, in a real browser: each page of the site (the list and the
demo data of tests/frontend/test_vietnamese_pages.py, as the role that sees it), the card form on the pay page,
the API docs and the admin load with zero violations — none seen by a `securitypolicyviolation` listener
installed before any page script, none in the console, none reported to /csp-report/ by the browser.

Chromium fetches every page from the Django test client through a Playwright route, so the pages are
rendered inside this test's transaction with the seeded demo (no commit, nothing left behind), with every
header our middleware sets. A deliberate violation proves the three listeners hear one.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from playwright.sync_api import Browser, Route

from tests.frontend.test_vietnamese_pages import CASES, Demo, demo, url_of  # noqa: F401 (demo is a fixture)

pytestmark = [pytest.mark.browser]

# localhost, not testserver: a page from a name that does not resolve may not load localstripe's Stripe.js from
# loopback (Private Network Access).
SITE = "http://localhost"
CONSOLE_SIGNS = ("Content Security Policy", "Content-Security-Policy", "evalDisallowed")
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
"""


@pytest.fixture(autouse=True)
def _reports_at_once(settings) -> None:
    """Without report-to Chrome posts each report to report-uri at once; with it, it batches them through the
    Reporting API for up to a minute (and only from https pages)."""
    settings.CSP_REPORTING_API = False


@pytest.fixture
def extra_allowed_origins(localstripe) -> list[str]:
    return [SITE, localstripe.url]  # pages come from the test client; Stripe.js is localstripe's, on loopback


def serve_from(client: Client, errors: list[str]) -> Callable[[Route], None]:
    """A Playwright route handler that answers the browser's request with the Django test client's response
    (an exception in it is kept in `errors` and answered 599, not lost in Playwright's dispatcher).

    Playwright calls handlers in a greenlet of its own, with its own context variables, where Django would open
    a second database connection outside the test's transaction: the handler runs in the test's context."""
    test_context = contextvars.copy_context()

    def handle(route: Route) -> None:
        try:
            test_context.copy().run(answer, route)
        except Exception as error:  # kept and reported by the test
            errors.append(f"{route.request.url}: {error!r}")
            route.fulfill(status=599, body=repr(error))

    def answer(route: Route) -> None:
        request = route.request
        path = request.url.removeprefix(SITE)
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()
                   if k.lower() not in {"content-type", "content-length", "cookie", "host"}}  # fmt: skip
        response = client.generic(
            request.method, path, data=request.post_data_buffer or b"",
            content_type=request.headers.get("content-type", "application/octet-stream"), **headers,
        )  # fmt: skip
        body = b"".join(response.streaming_content) if response.streaming else response.content
        route.fulfill(status=response.status_code, headers=dict(response.headers.items()), body=body)

    return handle


class Visitor:
    """One browser page acting as one role, collecting what the policy blocked."""

    def __init__(self, browser: Browser, client: Client) -> None:
        self.client = client
        # No service worker: every page registers ours (localhost is a secure context), which then fetches in the
        # background the assets each page asks it to keep, and answers the next pages' requests itself; the idle
        # wait below should not depend on that (a CI run once timed out waiting for the network to go quiet on the
        # API docs or the admin login page). tests/browser/test_offline.py proves the worker under the policy.
        self.context = browser.new_context(
            viewport={"width": 360, "height": 780}, locale="vi-VN", service_workers="block"
        )
        self.context.add_init_script(LISTEN)
        self.errors: list[str] = []
        self.context.route(f"{SITE}/**", serve_from(client, self.errors))
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", self._note_console)

    def _note_console(self, message: Any) -> None:
        # htmx reports an attribute that would need eval (a trigger filter, js: values) as evalDisallowedError.
        if any(
            sign in message.text for sign in ("Content Security Policy", "Content-Security-Policy", "evalDisallowed")
        ):
            self.console.append(message.text)

    def violations(self, path: str, rendered: str = "body") -> list[str]:
        """What the policy blocked on the page at `path`, once `rendered` is on it and its requests are done."""
        self.console.clear()
        self.page.goto(SITE + path, wait_until="load")
        self.page.locator(rendered).first.wait_for()
        self.page.wait_for_load_state("networkidle")
        assert not self.errors, self.errors
        return [*self.page.evaluate("window.__csp"), *self.console]


@pytest.fixture
def visitors(browser: Browser) -> Iterator[Callable[[Client], Visitor]]:
    made: list[Visitor] = []

    def make(client: Client) -> Visitor:
        made.append(Visitor(browser, client))
        return made[-1]

    yield make
    for visitor in made:
        visitor.context.close()


def client_as(demo: Demo, role: str) -> Client:  # noqa: F811
    client = Client()
    if role != "anonymous":
        client.force_login(demo.users[role])
    return client


def test_the_listeners_hear_a_violation(demo: Demo, visitors, caplog, db) -> None:  # noqa: F811
    visitor = visitors(client_as(demo, "anonymous"))
    with caplog.at_level(logging.WARNING, logger="market.csp"):
        assert visitor.violations("/") == []
        visitor.page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
            " document.body.append(s); document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>'); }"
        )
        visitor.page.wait_for_function("window.__csp.length >= 2")
        assert visitor.page.evaluate("window.ran") is None
        visitor.page.wait_for_timeout(1500)  # report-uri posts come a moment later
    heard = visitor.page.evaluate("window.__csp")
    assert any(v.startswith("script-src-elem blocked inline") for v in heard), heard
    assert any(v.startswith("style-src-attr blocked inline") for v in heard), heard
    assert any("Content Security Policy" in message for message in visitor.console)
    directives = {record.csp["directive"] for record in caplog.records if record.name == "market.csp"}
    assert {"script-src-elem", "style-src-attr"} <= directives


def test_every_page_loads_with_zero_violations(demo: Demo, visitors, caplog, db) -> None:  # noqa: F811
    from market.organisations.models import User

    found: dict[str, list[str]] = {}
    by_role: dict[str, Visitor] = {}
    pages = 0
    with caplog.at_level(logging.WARNING, logger="market.csp"):
        for name, route, _module, role in CASES:
            if role not in by_role:
                by_role[role] = visitors(client_as(demo, role))
            # Each page in a savepoint rolled back after it, as each case of the Vietnamese check is: finding an
            # example may change the demo (a contract returned to drafting for its edit page).
            with transaction.atomic():
                url = url_of(demo, name, route, role)
                response = by_role[role].client.get(url)
                if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                    pages += 1
                    if problems := by_role[role].violations(url):
                        found[f"{url} as {role}"] = problems
                transaction.set_rollback(True)  # a form post's endpoint, a redirect or a file is not a page
        # The docs page checked once Swagger UI has drawn the operations from the schema it fetched.
        for url, rendered in [("/api/docs/", ".opblock"), ("/admin/login/", "body")]:
            pages += 1
            if problems := by_role["anonymous"].violations(url, rendered):
                found[url] = problems
        admin = Client()
        admin.force_login(User.objects.create_superuser(email="quantri@lienminh.example", password="x" * 12))
        admin_visitor = visitors(admin)
        for url in ["/admin/", "/admin/organisations/organisation/", "/admin/organisations/organisation/add/"]:
            pages += 1
            if problems := admin_visitor.violations(url):
                found[url] = problems
        admin_visitor.page.wait_for_timeout(1000)  # let late reports arrive
    reported = [record.csp for record in caplog.records if record.name == "market.csp"]
    assert pages > 100, f"only {pages} pages were visited"
    assert not found, "\n".join(f"{page}: {problems}" for page, problems in found.items())
    assert not reported, reported
