"""The dashboards on a phone (360 px, a Vietnamese browser): figures, charts and the tables behind them fit,
the tables print with their charts, and axe finds nothing serious, for a buyer, a cooperative and staff."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from market.organisations.models import Role
from orders import services
from tests.browser.conftest import assert_accessible, assert_fits_phone
from tests.browser.test_pay_page import log_in, log_out
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.orders.factories import only_order, place, stocked_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboards_fit_a_phone_and_pass_axe(page: Page, live_server, alliance, cooperative, other_cooperative, buyer):
    buying = actor_for(buyer, Role.OWNER)
    long_name = "Nước mắm cá cơm Phú Quốc thượng hạng 43 độ đạm, chai thủy tinh 500 ml"
    for seller, item, quantity in (
        (cooperative, stocked_product(cooperative), "1000"),
        (other_cooperative, stocked_product(other_cooperative, name=long_name, code="NM-01"), "200"),
    ):
        selling = actor_for(seller, Role.OWNER)
        order = only_order(place(buying, [(item, quantity)]))
        line = order.lines.get()
        services.order_confirm(actor=selling, order_id=order.pk)
        services.shipment_create(actor=selling, order_id=order.pk, quantities={line.pk: Decimal(quantity)})
        services.order_deliver(actor=selling, order_id=order.pk)

    for organisation, role, chart in ((buyer, Role.OWNER, "spend-products"), (cooperative, Role.OWNER, "sales-chart"),
                                      (alliance, Role.STAFF, "gmv-chart")):  # fmt: skip
        log_in(page, live_server.url, member(organisation, role).email)
        expect(page.locator(f"svg#{chart}")).to_be_visible()
        table = page.locator(f"table[data-chart='{chart}']")
        page.emulate_media(media="print")
        expect(table).to_be_visible()  # printed with its figures
        page.emulate_media(media="screen")
        expect(table).to_be_hidden()
        page.locator(f"details:has(table[data-chart='{chart}']) summary").click()
        expect(table).to_be_visible()
        assert_accessible(page)
        assert_fits_phone(page)
        log_out(page)
