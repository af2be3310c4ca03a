"""Badges printed: one A6 page per person, each with its QR code and the whole Vietnamese name (long names with
stacked diacritics wrap inside the badge, never cut off)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page
from pypdf import PdfReader

from fairs import services
from market.organisations.models import OrganisationKind, Role
from tests.browser.conftest import assert_accessible
from tests.browser.test_fairs import log_in
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import apply, assign, make_fair, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
A6_POINTS = (105 / 25.4 * 72, 148 / 25.4 * 72)
NAMES = ("Nguyễn Thị Ngọc Huyền", "Trương Hoàng Quỳnh Như Nguyệt Ánh Dương Phượng Thủy")


def test_badges_print_one_per_a6_page_with_the_qr_and_the_whole_name(page: Page, live_server):
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    cooperative = OrganisationFactory(name="Hợp tác xã Nông nghiệp Dịch vụ Thạnh Lợi – Thoại Sơn")
    owner = member(cooperative, Role.OWNER, language="vi")
    fair = make_fair(alliance, booths=1, starts_in=5)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    for name in NAMES:
        services.badge_issue_person(actor=actor_for(cooperative, Role.OWNER), fair_id=fair.pk, name=name)

    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/fairs/{fair.slug}/badges/")
    assert_accessible(page)
    page.emulate_media(media="print")
    badges = page.locator(".fair-badge")
    assert badges.count() == 3  # the organisation's badge and one per person
    for index in range(3):
        badge = badges.nth(index)
        box = badge.bounding_box()
        qr = badge.locator("img")
        assert qr.evaluate("img => img.complete && img.naturalWidth") > 0, "the QR code loads"
        for part in (qr, badge.locator(".fair-badge-name")):
            inner = part.bounding_box()
            assert box["x"] <= inner["x"]
            assert inner["x"] + inner["width"] <= box["x"] + box["width"] + 0.5
            assert box["y"] <= inner["y"]
            assert inner["y"] + inner["height"] <= box["y"] + box["height"] + 0.5
        name = badge.locator(".fair-badge-name")
        assert name.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight")

    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(pdf.pages) == 3
    for sheet in pdf.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - A6_POINTS[0]) < 2
        assert abs(height - A6_POINTS[1]) < 2
    texts = [" ".join(sheet.extract_text().split()) for sheet in pdf.pages]
    assert any("Ngọc Huyền" in text for text in texts), texts
    assert any("Phượng Thủy" in text for text in texts), texts
