"""Badges printed: one A6 page per person, each with its QR code and the whole Vietnamese name (long names with
stacked diacritics wrap inside the badge, never cut off)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page
from pypdf import PdfReader

from fairs import services
from fairs.models import Badge
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


def printed(page: Page) -> list[str]:
    """The badges page as printed: the text of each PDF page (whitespace folded)."""
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    return [" ".join(sheet.extract_text().split()) for sheet in pdf.pages]


def test_revoked_badges_are_not_printed_and_a_badge_issued_again_prints_with_its_new_qr(page: Page, live_server):
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    cooperative = OrganisationFactory(name="HTX Khóm Tắc Cậu")
    owner = member(cooperative, Role.OWNER, language="vi")
    fair = make_fair(alliance, booths=1, starts_in=5)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    manager = actor_for(cooperative, Role.OWNER)
    lan, hung = (
        services.badge_issue_person(actor=manager, fair_id=fair.pk, name=name)
        for name in ("Nguyễn Thị Lan", "Trần Văn Hùng")
    )
    # Hùng's card comes last on the page: revoked, it must not leave the card before it a blank page after.
    services.badge_revoke(actor=manager, fair_id=fair.pk, code=hung.code, reason="Đã nghỉ việc")
    services.badge_revoke(actor=manager, fair_id=fair.pk, code=lan.code, reason="Thẻ bị mất")
    new_lan = services.badge_reissue(actor=manager, fair_id=fair.pk, code=lan.code)

    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/fairs/{fair.slug}/badges/")
    new_card = page.locator(f"#badge-{new_lan.code}")
    qr = new_card.locator("img")
    assert qr.get_attribute("src").endswith(f"/{new_lan.code}.svg")
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0, "the new QR code loads"
    assert page.locator(f"#badge-{lan.code} img, #badge-{hung.code} img").count() == 0

    texts = printed(page)
    # The organisation's badge and Lan's new one, one A6 page each; nothing of the revoked two.
    assert len(texts) == 2, texts
    assert "Nguyễn Thị Lan" in texts[1]
    assert new_lan.code in texts[1]
    assert not any(lan.code in text or hung.code in text or "Trần Văn Hùng" in text for text in texts), texts


def test_when_every_badge_is_revoked_the_print_says_so_instead_of_a_blank_a6_page(page: Page, live_server):
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Foods")
    owner = member(buyer, Role.OWNER, language="vi")
    fair = make_fair(alliance, booths=1, starts_in=5)
    publish(fair)
    services.buyer_register(actor=actor_for(buyer, Role.OWNER), fair_id=fair.pk)
    badge = Badge.objects.get(fair=fair, organisation=buyer)  # its only badge
    services.badge_revoke(
        actor=actor_for(alliance, Role.STAFF), fair_id=fair.pk, code=badge.code, reason="Đăng ký trùng"
    )

    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/fairs/{fair.slug}/badges/")
    empty = page.locator("#badges-nothing-to-print")
    assert "Không còn thẻ nào để in" in empty.inner_text()
    assert page.locator("[data-print]").count() == 0  # no button that would print an empty sheet
    assert_accessible(page)

    texts = printed(page)
    assert len(texts) == 1, texts
    assert "Không còn thẻ nào để in" in texts[0], texts
