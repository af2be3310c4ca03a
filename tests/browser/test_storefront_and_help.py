"""The storefront, the design page and a how-it-works page on a phone (360 px) in a Vietnamese browser: they
fit, axe finds nothing serious, every button is a 44 px target, the tabs scroll and show it, and a print
button prints without inline script."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from catalog import services as catalog_services
from tests.browser.conftest import assert_accessible, assert_fits_phone
from tests.catalog.factories import actor_for, jpeg_upload, make_certificate
from tests.supply.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN"}


def check(page: Page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)
    small = page.evaluate(
        """[...document.querySelectorAll('main button, main .button')]
             .filter((b) => b.offsetParent !== null)
             .map((b) => [b.textContent.trim(), b.getBoundingClientRect().height, b.getBoundingClientRect().width])
             .filter(([, h, w]) => h < 44 || w < 44)"""
    )
    assert small == [], f"buttons smaller than 44 × 44 px: {small}"


def test_storefront_on_a_phone(page: Page, live_server, cooperative, alliance):
    cooperative.name = "Hợp tác xã Dịch vụ Nông nghiệp Thương mại Thạnh Đông"
    cooperative.description = "Thành lập năm 2005, 120 hộ thành viên trồng lúa ST25 theo VietGAP trên Kênh 8."
    cooperative.save()
    world = build_world(cooperative)
    make_certificate(cooperative, kind="ocop", ocop_stars=4, number="OCOP-AG-2026-0042")
    catalog_services.product_image_add(actor=actor_for(cooperative), product_id=world.product.pk,
                                       upload=jpeg_upload(), alt_text="Ruộng lúa OM 18 trước mùa gặt")  # fmt: skip

    page.goto(f"{live_server.url}/cooperatives/{cooperative.pk}/")
    expect(page.locator("h1")).to_have_text(cooperative.name)
    expect(page.locator("#record")).to_have_text("Uy tín giao dịch 12 tháng qua")
    expect(page.locator(".public-map svg path.map-shape")).to_have_count(3)
    expect(page.locator(".gallery img")).to_have_attribute("alt", "Ruộng lúa OM 18 trước mùa gặt")
    expect(page.locator(".product-grid .product-name")).to_have_text(["Lúa tươi OM 18"])
    check(page)
    # The catalogue's card leads back to the storefront.
    page.goto(f"{live_server.url}/catalogue/")
    page.locator(".product-card a", has_text=cooperative.name).first.click()
    expect(page).to_have_url(f"{live_server.url}/cooperatives/{cooperative.pk}/")


def test_design_page_shows_every_component_with_its_markup(page: Page, live_server):
    page.goto(f"{live_server.url}/design/")
    expect(page.locator(".page-head h1")).to_have_text("Hệ thống thiết kế")
    expect(page.locator("section.specimen")).to_have_count(12)
    code = page.locator("#empty .specimen-code")
    code.locator("summary").click()
    expect(code.locator("pre")).to_contain_text('class="empty-state"')
    check(page)
    # The component tabs do not fit 360 px: they scroll sideways inside their own box, not the page.
    tabs = page.locator("main > nav .tabs")
    assert tabs.evaluate("(el) => el.scrollWidth > el.clientWidth")
    assert tabs.evaluate("(el) => getComputedStyle(el).overflowX") == "auto"
    # Table rows become cards with their column names.
    cell = page.locator("#tables td[data-label='Hợp tác xã']").first
    assert cell.evaluate("(el) => getComputedStyle(el, '::before').content") == '"Hợp tác xã"'
    # A print button prints (a listener from a static file: no inline handler).
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.locator("#print [data-print]").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    expect(page.locator("#print [data-print]")).to_be_hidden()
    expect(page.locator("header.topbar")).to_be_hidden()


def test_how_it_works_for_a_cooperative(page: Page, live_server):
    page.goto(f"{live_server.url}/help/cooperative/")
    expect(page.locator("h1")).to_have_text("Cách sử dụng dành cho hợp tác xã")
    expect(page.locator("ol.steps > li")).to_have_count(6)
    expect(page.locator(".tabs [aria-current='page']")).to_have_text("HTX")
    check(page)
