"""Touch targets at phone width (360 px): every link, button and field of the main pages is at least 24 × 24 px
(WCAG 2.2 target size), and the primary actions — buttons, the top bar, the main navigation — at least 44 × 44 px.
Links inside running text are exempt, as WCAG exempts them. The log-out link measured 71 × 20 px, the cart's
quantity and the filters' fields about 20 px high."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from market.organisations.models import Role
from tests.browser.test_pay_page import log_in
from tests.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = """() => {
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, [role=button], summary');
  const out = [];
  for (const el of targets) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .skip')) continue;
    // A link in a sentence: its paragraph has much more text than the link itself (WCAG's inline exception).
    const block = el.closest('p, li, dd, td, label, figcaption');
    const inline = el.tagName === 'A' && style.display === 'inline' && block
      && block.textContent.trim().length > el.textContent.trim().length + 15;
    const primary = el.matches('.button:not(.small), .topbar-tools > a, .topbar-tools button, .mainnav a, .bell');
    out.push({tag: el.tagName.toLowerCase(), text: (el.textContent || el.getAttribute('aria-label') || el.name || '')
      .trim().slice(0, 40), width: Math.round(box.width * 10) / 10, height: Math.round(box.height * 10) / 10,
      inline, primary});
  }
  return out;
}"""


def too_small(targets: list[dict[str, Any]]) -> list[str]:
    problems = []
    for target in targets:
        if target["inline"]:
            continue
        least = 44 if target["primary"] else 24
        if target["width"] < least or target["height"] < least:
            problems.append(f"{target['tag']} {target['text']!r} {target['width']}×{target['height']} (< {least})")
    return problems


@pytest.fixture
def extra_allowed_origins(localstripe) -> list[str]:
    return [localstripe.url]  # Stripe.js is localstripe's replacement, on loopback


@pytest.fixture
def world(cooperative, buyer, alliance, make_invoice, payer_user):
    from tests.catalog.factories import make_product

    make_product(cooperative, name="Gạo ST25 Tân Hiệp")
    return {
        "cooperative": member(cooperative, Role.OWNER),
        "buyer": member(buyer, Role.OWNER),
        "staff": member(alliance, Role.MANAGER),
        "payer": payer_user,
        "payable": make_invoice(1_500_000),
    }


PAGES = {
    None: ["/", "/login/", "/sign-up/", "/password-reset/", "/catalogue/", "/fairs/"],
    "cooperative": ["/dashboard/", "/organisation/", "/organisation/members/", "/organisation/edit/", "/account/",
                    "/notifications/", "/notifications/preferences/", "/payments/", "/orders/", "/my/products/"],
    "buyer": ["/dashboard/", "/cart/", "/orders/", "/catalogue/?search=gao", "/payments/"],
    "payer": ["/pay/{reference}/", "/pay/{reference}/?method=card"],
    "staff": ["/dashboard/", "/staff/verification/", "/staff/payments/", "/staff/payments/queue/",
              "/staff/payments/statements/", "/staff/payments/settlements/", "/staff/notifications/"],
}  # fmt: skip


def test_every_target_of_the_main_pages_is_big_enough(page: Page, live_server, localstripe, world):
    problems: dict[str, list[str]] = {}
    for who, paths in PAGES.items():
        if who is not None:
            page.context.clear_cookies()
            log_in(page, live_server.url, world[who].email)
        for path in paths:
            url = live_server.url + path.format(reference=world["payable"].reference)
            page.goto(url)
            if "method=card" in path:
                page.locator("#card-element input").first.wait_for()
            targets = page.evaluate(MEASURE)
            assert len(targets) > 3, (url, targets)  # the page rendered its controls
            found = too_small(targets)
            if found:
                problems[f"{who or 'anonymous'} {path}"] = found
    assert not problems, "\n".join(f"{where}:\n  " + "\n  ".join(items) for where, items in problems.items())


def test_the_log_out_control_and_the_cart_quantity_are_finger_sized(page: Page, live_server, world):
    log_in(page, live_server.url, world["buyer"].email)
    log_out = page.locator("form[action='/logout/'] button").bounding_box()
    assert log_out is not None
    assert log_out["width"] >= 44, log_out
    assert log_out["height"] >= 44, log_out
    page.goto(f"{live_server.url}/catalogue/")
    boxes = [box for box in (field.bounding_box() for field in page.locator("main input, main select").all()) if box]
    assert boxes
    assert all(box["height"] >= 24 for box in boxes), boxes
