"""Playwright on Debian's chromium (never `playwright install`), phone-sized pages and axe scans."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.signals import request_finished, request_started
from playwright.sync_api import Page

from tests.factories import TEST_PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 780}
# A Vietnamese browser: date inputs lay out and read dd/mm/yyyy as typed (Debian's chromium-l10n has the locale).
VIETNAMESE_BROWSER = {"LANGUAGE": "vi", "LANG": "vi_VN.UTF-8"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path,
        "args": CHROMIUM_ARGS,
        "env": {**os.environ, **VIETNAMESE_BROWSER},
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "locale": "en-US"}


class _InFlight:
    """The live server's requests begun and not yet finished (Django's request signals, sent in its threads)."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def started(self, **_kwargs: Any) -> None:
        with self.changed:
            self.count += 1

    def finished(self, **_kwargs: Any) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_until_none(self, seconds: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, seconds)


# A request the server is still running after its page is gone: closing a browser context does not stop it.
IN_FLIGHT_SECONDS = 15


@pytest.fixture(autouse=True)
def _live_requests_finished(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test with the live server ends only when the server has finished every request its pages sent, before the
    test database is flushed: a request still reading its tables while the flush truncated them deadlocked with it
    (seen once in CI, after a phone's last check-in sync)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so flushed after this fixture's end
    in_flight = _InFlight()
    request_started.connect(in_flight.started, weak=False)
    request_finished.connect(in_flight.finished, weak=False)
    try:
        yield
    finally:
        in_flight.wait_until_none(IN_FLIGHT_SECONDS)
        request_started.disconnect(in_flight.started)
        request_finished.disconnect(in_flight.finished)


@pytest.fixture
def extra_allowed_origins() -> list[str]:
    """Other local servers a test's pages may load from (e.g. localstripe on 127.0.0.1); never the internet."""
    return []


@pytest.fixture
def page(page: Page, live_server, extra_allowed_origins) -> Page:
    """A phone-sized page that fails the test on any request to another host."""
    foreign: list[str] = []
    allowed = (live_server.url, *extra_allowed_origins)
    page.on("request", lambda request: _note_foreign(request.url, allowed, foreign))
    yield page
    assert not foreign, f"pages loaded assets from other hosts: {foreign}"


def _note_foreign(url: str, allowed: tuple[str, ...], foreign: list[str]) -> None:
    if not (url.startswith(allowed) or url.startswith(("data:", "blob:", "about:"))):
        foreign.append(url)


_axe = Axe()


def _loaded(page: Page) -> Page:
    """The page once its document has loaded: a click that follows a link returns when the next page has
    committed, before its HTML is parsed (document.documentElement is still null then)."""
    page.wait_for_load_state("load")
    return page


def assert_accessible(page: Page) -> None:
    """No serious or critical axe violation on the current page."""
    results = _axe.run(_loaded(page))
    bad = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not bad, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}" for v in bad
    )


def assert_fits_phone(page: Page) -> None:
    """Nothing forces sideways scrolling at 360 px."""
    overflow = _loaded(page).evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the phone"


def check(page: Page) -> None:
    """The current page passes axe (no serious or critical violation) and fits a 360 px phone."""
    assert_accessible(page)
    assert_fits_phone(page)


def type_date(page: Page, selector: str, day: date) -> None:
    """Type a date the way a person in Vietnam writes it, into the page's date input."""
    page.locator(selector).focus()
    page.keyboard.type(day.strftime("%d/%m/%Y"))


def log_in(page: Page, base: str, email: str, password: str = TEST_PASSWORD, *, switching: bool = False) -> None:
    """Sign in through the login form as a person types it; `switching`: another person was signed in here."""
    if switching:
        page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
