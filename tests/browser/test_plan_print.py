"""The floor plan printed and downloaded names each exhibitor inside its booth, in chromium's own fonts: every
name (and code) drawn stays within its booth's walls; on screen the plan keeps its booth codes only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fairs.models import Booth
from market.organisations.models import OrganisationKind
from tests.factories import OrganisationFactory
from tests.fairs.factories import apply, assign, make_fair, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAMES = {
    "A-01": "HTX Nước mắm Hưng Thịnh",
    "A-02": 'Công ty "Gạo & Lúa" <Miền Tây>',
    "A-03": "Hợp tác xã Nông nghiệp Dịch vụ Sản xuất Kinh doanh Tổng hợp Thạnh Lợi – Thoại Sơn",
    "A-04": "Đặng" * 16,
}
# Each drawn label's box (in the plan's units) against its booth's rectangle; [] when all are inside.
OUTSIDE = """svg => [...svg.querySelectorAll('.booth')].flatMap(booth => {
    const r = booth.querySelector('rect').getBBox();
    return [...booth.querySelectorAll('.booth-label text')].filter(t => {
        const b = t.getBBox();
        return b.x < r.x || b.y < r.y || b.x + b.width > r.x + r.width || b.y + b.height > r.y + r.height;
    }).map(t => booth.dataset.code + ': ' + t.textContent);
})"""


@pytest.fixture
def fair():
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    fair = make_fair(alliance, booths=6)
    Booth.objects.filter(fair=fair, code="A-02").update(y=Decimal(10), width=Decimal(6))  # a wide one, apart
    Booth.objects.filter(fair=fair, code="A-05").update(width=Decimal(2), depth=Decimal(2))  # a small one
    for code, name in NAMES.items():
        assign(alliance, apply(OrganisationFactory(name=name), fair), fair, code)
    assign(alliance, apply(OrganisationFactory(name="HTX Khóm Tắc Cậu"), fair), fair, "A-05")
    publish(fair)
    return fair


def test_the_printed_plan_writes_each_name_inside_its_booth_and_the_screen_keeps_codes(page: Page, live_server, fair):
    page.goto(f"{live_server.url}/fairs/{fair.slug}/plan/")
    plan = page.locator("svg.fair-plan")
    expect(plan.locator(".booth text.code").first).to_be_visible()
    expect(plan.locator(".booth-label").first).to_be_hidden()

    page.emulate_media(media="print")
    expect(plan.locator(".booth-label").first).to_be_visible()
    expect(plan.locator(".booth text.code").first).to_be_hidden()
    names = plan.locator(".booth-label text.name")
    expect(names).to_have_count(5)
    assert plan.evaluate(OUTSIDE) == []
    a01 = " ".join(plan.locator('.booth[data-code="A-01"] text.name tspan').all_text_contents())
    assert a01 == "HTX Nước mắm Hưng Thịnh"


def test_the_downloaded_plan_draws_each_name_inside_its_booth(page: Page, live_server, fair):
    page.goto(f"{live_server.url}/fairs/{fair.slug}/plan.svg")
    plan = page.locator("svg.fair-plan")
    expect(plan.locator(".booth-label text.name")).to_have_count(5)
    assert plan.evaluate(OUTSIDE) == []
    a02 = " ".join(plan.locator('.booth[data-code="A-02"] text.name tspan').all_text_contents())
    assert a02 == 'Công ty "Gạo & Lúa" <Miền Tây>'
