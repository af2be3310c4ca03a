"""The page checks every browser test runs (axe, the 360 px fit) look at the page a click led to, once its document
has loaded. A click on a link returns when the next page has committed, before any of its HTML is parsed: a check
run then found no document element (axe: "Cannot read properties of null (reading 'documentElement')"), a failure
that came and went with the machine's load. A page whose HTML arrives a second after its headers makes it certain.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path
from playwright.sync_api import Page

from tests.browser.conftest import assert_accessible, assert_fits_phone

pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__)]

PAGE = "<!doctype html><html lang='vi'><head><title>{title}</title></head><body><main>{body}</main></body></html>"


def start(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.format(title="Bắt đầu", body="<a href='/late/'>Trang đến chậm</a>"))


def late(request: HttpRequest) -> StreamingHttpResponse:
    def body() -> Iterator[str]:
        yield " " * 2048  # the headers and a first chunk: the browser commits the page, no element parsed yet
        time.sleep(1)
        yield PAGE.format(title="Trang đến chậm", body="<h1>Trang đến chậm</h1>")

    return StreamingHttpResponse(body(), content_type="text/html; charset=utf-8")


urlpatterns = [path("start/", start), path("late/", late)]


def test_the_checks_wait_for_the_page_a_click_led_to(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/start/")
    page.get_by_role("link", name="Trang đến chậm").click()
    assert_accessible(page)
    assert_fits_phone(page)
    assert page.title() == "Trang đến chậm"
