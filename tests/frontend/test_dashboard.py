"""The dashboards: every figure against the data the test made through the services, as each role; each chart
an accessible inline SVG with its table; a fixed number of queries per dashboard; empty states that say
what to do next."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from market.organisations.models import Role
from market.payments.models import Discrepancy, DiscrepancyStatus, ReconciliationRun, RunTrigger
from orders import services
from orders.models import Order
from orders.selectors import month_starts
from tests.catalog.factories import actor_for, make_certificate
from tests.factories import OrganisationFactory, member
from tests.orders.factories import only_order, place, rfq_request, stocked_product

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def buying(buyer):
    return actor_for(buyer, Role.OWNER)


@pytest.fixture
def selling(cooperative):
    return actor_for(cooperative, Role.OWNER)


@pytest.fixture
def rice(cooperative):
    """ST25 in kg, 32.000 ₫ then 29.000 ₫ from 1 tấn, VAT 5 %, 5.000 kg in one lot."""
    return stocked_product(cooperative)


@pytest.fixture
def fish_sauce(other_cooperative):
    return stocked_product(
        other_cooperative, name="Nước mắm Phú Quốc 40°N", unit="chai", moq="12", order_multiple="12",
        tiers=[("12", 95000)], vat_category="vat-10", category="nuoc-mam", quantity="600", code="NM-01",
    )  # fmt: skip


def delivered(buying, seller, item, quantity: str) -> Order:
    """An order placed, confirmed, shipped in full and delivered: money that changed hands."""
    order = only_order(place(buying, [(item, quantity)]))
    line = order.lines.get()
    services.order_confirm(actor=seller, order_id=order.pk)
    services.shipment_create(actor=seller, order_id=order.pk, quantities={line.pk: D(quantity)})
    return services.order_deliver(actor=seller, order_id=order.pk)


# Each dashboard's queries, whatever the data (the empty dashboards run the same): the request's own three
# (session, user, membership), the top bar's two (memberships, the bell) and the figures'.
QUERIES = {"cooperative": 14, "buyer": 11, "alliance": 14}


def dashboard(user, django_assert_max_num_queries) -> Any:
    """The dashboard as `user`, within its pinned number of queries."""
    client = Client()
    client.force_login(user)
    with django_assert_max_num_queries(QUERIES[user.acting_organisation.kind]):
        response = client.get(reverse("frontend:dashboard"))
    assert response.status_code == 200
    return response


def counts(response) -> dict[str, int]:
    return {str(figure.label): figure.count for figure in response.context["figures"]}


def table_of(page: str, chart_id: str) -> list[tuple[str, str]]:
    """The (label, amount) rows of the table behind a chart, as a person reads them."""
    table = re.search(rf'<table data-chart="{chart_id}">(.*?)</table>', page, re.S)
    assert table, f"no table behind {chart_id}"
    return re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td></tr>", table.group(1))


def empty_notes(page: str) -> list[str]:
    """What each empty part of a dashboard says (and links to) instead of its figures."""
    return [" ".join(note.split()) for note in re.findall(r'<p class="empty-note">(.*?)</p>', page, re.S)]


# --- the cooperative ---------------------------------------------------------------------------------
def test_cooperative_dashboard_counts_what_needs_doing(
    cooperative, buyer, buying, selling, rice, django_assert_max_num_queries
):
    product, _lot = rice
    # Two new orders, one of them three days unanswered (late); one confirmed to ship; one delivered.
    only_order(place(buying, [(rice, "100")]))
    late = only_order(place(buying, [(rice, "150")]))
    Order.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=3))
    services.order_confirm(actor=selling, order_id=only_order(place(buying, [(rice, "200")])).pk)
    sold = delivered(buying, selling, rice, "1000")
    # A request to answer, and one already quoted on.
    services.rfq_create(actor=buying, request=rfq_request(product))
    quoted = services.rfq_create(actor=buying, request=rfq_request(product, title="Gạo cho bếp ăn quý II"))
    services.quote_submit(actor=selling, rfq_id=quoted.pk, product_id=product.pk, quantity=D(2000), unit_price=28000)
    # Certificates: one verified expiring in 10 days; one in 100 days; one expiring in 5 days still unchecked.
    today = timezone.localdate()
    make_certificate(cooperative, valid_to=today + timedelta(days=10), number="VG-SAP-HET")
    make_certificate(cooperative, valid_to=today + timedelta(days=100), number="VG-CON-LAU")
    make_certificate(cooperative, valid_to=today + timedelta(days=5), verified=False, number="VG-CHUA-DUYET")
    # A second product whose only lot is 85 % sold: running low (the rice lot still has most of its 5.000 kg).
    jasmine, jasmine_lot = stocked_product(cooperative, name="Gạo Jasmine", code="JAS-01", quantity="1000")
    delivered(buying, selling, (jasmine, jasmine_lot), "850")

    response = dashboard(member(cooperative, Role.OWNER), django_assert_max_num_queries)

    assert counts(response) == {
        "Đơn cần xác nhận": 2,
        "Đơn cần giao": 1,
        "Đơn trễ hạn": 1,
        "Yêu cầu báo giá cần trả lời": 1,
        "Đợt giao theo hợp đồng trong 14 ngày tới": 0,
        "Chứng nhận hết hạn trong 30 ngày": 1,
        "Lô sắp hết hàng": 1,
    }
    page = response.content.decode()
    assert "VG-SAP-HET" in page
    assert "VG-CON-LAU" not in page
    assert "VG-CHUA-DUYET" not in page
    assert "JAS-01" in page
    assert "còn 150\u00a0kg trên 1.000\u00a0kg" in page
    jasmine_order = Order.objects.exclude(pk=sold.pk).get(lines__product=jasmine)
    this_month = (month_starts(months=1)[0].strftime("%m/%Y"), f"{sold.subtotal + jasmine_order.subtotal:,}")
    rows = table_of(page, "sales-chart")
    assert len(rows) == 12
    assert rows[-1] == (this_month[0], this_month[1].replace(",", ".") + "\u00a0₫")
    assert sold.subtotal == 29_000_000
    assert all(amount == "0\u00a0₫" for _month, amount in rows[:-1])


def test_sales_are_counted_in_the_month_they_were_delivered(
    cooperative, buying, selling, rice, django_assert_max_num_queries
):
    earlier = delivered(buying, selling, rice, "1000")
    two_months_ago = month_starts(months=3)[0]
    delivered_at = timezone.make_aware(timezone.datetime.combine(two_months_ago, timezone.datetime.min.time()))
    Order.objects.filter(pk=earlier.pk).update(delivered_at=delivered_at + timedelta(days=3))
    services.order_cancel(actor=selling, order_id=only_order(place(buying, [(rice, "100")])).pk, reason="Hết xe")
    response = dashboard(member(cooperative, Role.OWNER), django_assert_max_num_queries)
    rows = dict(table_of(response.content.decode(), "sales-chart"))
    assert rows[two_months_ago.strftime("%m/%Y")] == "29.000.000\u00a0₫"
    assert sum(1 for amount in rows.values() if amount != "0\u00a0₫") == 1


def test_contract_deliveries_due_are_counted_for_both_parties_and_staff_count_contracts(
    cooperative, buyer, alliance, django_assert_max_num_queries
):
    from tests.linkage import factories as linkage

    contract = linkage.contract_in_force(buyer, cooperative)
    linkage.call_off(contract, days=5)  # due within two weeks; the scheduled one, in 20 days, is not yet
    linkage.call_off(contract, "10000", days=30)
    coop = counts(dashboard(member(cooperative, Role.OWNER), django_assert_max_num_queries))
    assert coop["Đợt giao theo hợp đồng trong 14 ngày tới"] == 1
    bought = counts(dashboard(member(buyer, Role.OWNER), django_assert_max_num_queries))
    assert bought["Đợt giao theo hợp đồng trong 14 ngày tới"] == 1
    staff = counts(dashboard(member(alliance, Role.STAFF), django_assert_max_num_queries))
    assert staff["Hợp đồng liên kết đang hiệu lực"] == 1


# --- the buyer ---------------------------------------------------------------------------------------
def test_buyer_dashboard_shows_orders_payments_and_spend(
    buyer, buying, selling, cooperative, other_cooperative, rice, fish_sauce, django_assert_max_num_queries
):
    rice_order = delivered(buying, selling, rice, "1000")
    sauce_order = delivered(buying, actor_for(other_cooperative, Role.OWNER), fish_sauce, "24")
    on_the_way = only_order(place(buying, [(rice, "500")]))
    line = on_the_way.lines.get()
    services.order_confirm(actor=selling, order_id=on_the_way.pk)
    services.shipment_create(actor=selling, order_id=on_the_way.pk, quantities={line.pk: D(500)})
    preparing = only_order(place(buying, [(rice, "200")]))
    services.order_confirm(actor=selling, order_id=preparing.pk)
    services.order_cancel(actor=buying, order_id=only_order(place(buying, [(rice, "100")])).pk, reason="Đặt nhầm")

    response = dashboard(member(buyer, Role.OWNER), django_assert_max_num_queries)

    unpaid = [rice_order, sauce_order, on_the_way, preparing]
    assert counts(response) == {
        "Đơn đang mở": 4,
        "Khoản cần thanh toán": 4,
        "HTX đang chuẩn bị": 1,
        "Hàng đang trên đường giao": 1,
        "Đợt giao theo hợp đồng trong 14 ngày tới": 0,
    }
    due = next(f for f in response.context["figures"] if f.label == "Khoản cần thanh toán")
    assert due.amount == sum(Order.objects.get(pk=o.pk).total for o in unpaid)
    assert due.urgent
    page = response.content.decode()
    assert table_of(page, "spend-cooperatives") == [
        (cooperative.name, "29.000.000\u00a0₫"),
        (other_cooperative.name, "2.280.000\u00a0₫"),
    ]
    assert table_of(page, "spend-products") == [
        ("Gạo ST25 Tân Hiệp", "29.000.000\u00a0₫"),
        ("Nước mắm Phú Quốc 40°N", "2.280.000\u00a0₫"),
    ]


def test_each_organisation_sees_only_its_own_figures(
    buyer, buying, selling, other_cooperative, rice, django_assert_max_num_queries
):
    delivered(buying, selling, rice, "1000")
    only_order(place(buying, [(rice, "100")]))
    other = OrganisationFactory(kind="buyer", name="Công ty Khác")
    response = dashboard(member(other, Role.OWNER), django_assert_max_num_queries)
    assert set(counts(response).values()) == {0}
    page = response.content.decode()
    assert "spend-cooperatives" not in page
    spend, products = empty_notes(page)
    assert "Hãy tìm sản phẩm trong danh mục" in spend
    assert f'href="{reverse("frontend:catalogue")}"' in spend
    assert f'href="{reverse("frontend:rfqs")}"' in products
    response = dashboard(member(other_cooperative, Role.OWNER), django_assert_max_num_queries)
    assert set(counts(response).values()) == {0}
    assert "sales-chart" not in response.content.decode()


# --- the alliance ------------------------------------------------------------------------------------
def test_staff_dashboard_shows_the_alliances_figures(
    alliance, cooperative, other_cooperative, buyer, buying, selling, rice, django_assert_max_num_queries
):
    from tests.fairs.factories import apply, assign, make_fair

    OrganisationFactory(kind="cooperative", name="HTX Mới", verification_status="pending")
    OrganisationFactory(kind="cooperative_group", name="Tổ hợp tác Rau sạch", verification_status="pending")
    sold = delivered(buying, selling, rice, "1000")
    only_order(place(buying, [(rice, "100")]))
    run = ReconciliationRun.objects.create(trigger=RunTrigger.STAFF)
    Discrepancy.objects.create(run=run, key="d-1", kind="amount", provider="stripe", cause="Số tiền khác")
    Discrepancy.objects.create(
        run=run, key="d-2", kind="state", provider="stripe", cause="Trạng thái khác",
        status=DiscrepancyStatus.RESOLVED, resolution_note="Đã kiểm tra",
    )  # fmt: skip
    fair = make_fair(alliance, booths=3, name="Hội chợ OCOP Rạch Giá 2026")
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    apply(other_cooperative, fair)

    response = dashboard(member(alliance, Role.STAFF), django_assert_max_num_queries)

    figures = {str(f.label): (f.count, f.note) for f in response.context["figures"]}
    assert figures["HTX"] == (3, "2 đã xác minh")
    assert figures["Tổ hợp tác"] == (1, "0 đã xác minh")
    assert figures["Người mua"] == (1, "1 đã xác minh")
    assert figures["Đang chờ xác minh"][0] == 2
    assert figures["Đơn hàng trong 12 tháng qua"][0] == 2
    assert figures["Đơn đang mở"][0] == 2
    assert figures["Chuyển khoản chờ kiểm tra"][0] == 0
    assert figures["Chênh lệch đối soát chưa xử lý"][0] == 1
    assert figures["Hợp đồng liên kết đang hiệu lực"][0] == 0
    page = response.content.decode()
    assert table_of(page, "gmv-chart")[-1][1] == f"{sold.subtotal:,}".replace(",", ".") + "\u00a0₫"
    [row] = response.context["fairs"]
    assert (row.applied, row.approved, row.booths_assigned, row.meetings_held) == (2, 1, 1, 0)
    assert "Hội chợ OCOP Rạch Giá 2026" in page


def test_a_bank_transfer_waiting_for_review_is_counted(alliance, django_assert_max_num_queries):
    from market.payments.services import statement_apply, statement_upload

    staff = actor_for(alliance, Role.STAFF)
    csv = (
        "transaction_id,booked_at,amount,description,counterparty,account_number\n"
        "FT26TEST0001,04/12/2026 10:40,2.000.000,CK tien hang khong ghi ma,CONG TY TNHH AN PHAT,1020304050\n"
    )
    statement = statement_upload(
        actor=staff, file_name="sao-ke.csv", content=csv.encode(), bank_format="auto", account_number="1020304050"
    )
    statement_apply(actor=staff, statement_id=statement.pk)
    response = dashboard(member(alliance, Role.STAFF), django_assert_max_num_queries)
    assert counts(response)["Chuyển khoản chờ kiểm tra"] == 1


# --- charts and empty states -------------------------------------------------------------------------
def test_each_chart_is_an_accessible_svg_with_a_table_behind_it(
    cooperative, buying, selling, rice, django_assert_max_num_queries
):
    delivered(buying, selling, rice, "1000")
    page = dashboard(member(cooperative, Role.OWNER), django_assert_max_num_queries).content.decode()
    svg = re.search(r"<svg[^>]*id=\"sales-chart\"[^>]*>.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="sales-chart-title sales-chart-desc"' in svg
    assert '<title id="sales-chart-title">Doanh số theo tháng, 12 tháng gần nhất</title>' in svg
    this_month = month_starts(months=1)[0].strftime("%m/%Y")
    assert (
        f'<desc id="sales-chart-desc">Tổng cộng 29.000.000\u00a0₫; lớn nhất là {this_month} với 29.000.000\u00a0₫.'
        in svg
    )
    assert 'data-value="29000000"' in svg  # machine numbers in the drawing, people's numbers in the table
    assert "29,0 tr" in svg
    assert page.index("</svg>", page.index('id="sales-chart"')) < page.index('<table data-chart="sales-chart">')
    assert "<script" not in page.split("<main", 1)[1]


def test_an_empty_cooperative_dashboard_says_what_to_do_next(cooperative, django_assert_max_num_queries):
    page = dashboard(member(cooperative, Role.OWNER), django_assert_max_num_queries).content.decode()
    assert "<svg" not in page.split("<main", 1)[1]
    sales, certificates, lots = empty_notes(page)
    assert "Chưa có đơn nào đã giao hoặc đã thanh toán trong 12 tháng qua" in sales
    assert f'href="{reverse("frontend:my-products")}"' in sales
    assert certificates == "Không có chứng nhận nào hết hạn trong 30 ngày tới."
    assert lots == "Không có lô đã đăng nào chỉ còn 20% sản lượng thu hoạch."


def test_an_empty_staff_dashboard_says_how_to_start(alliance, django_assert_max_num_queries):
    page = dashboard(member(alliance, Role.STAFF), django_assert_max_num_queries).content.decode()
    gmv, fairs = empty_notes(page)
    assert f'href="{reverse("frontend:staff-verification")}"' in gmv
    assert fairs.startswith("Chưa có hội chợ nào.")
    assert f'href="{reverse("frontend:fair-new")}"' in fairs


def test_every_count_opens_the_list_it_counts(cooperative, buyer, buying, selling, rice, django_assert_max_num_queries):
    """The order counts and the inbox tabs they open read one condition: each tab lists exactly the orders
    its count counted."""
    only_order(place(buying, [(rice, "100")]))
    late = only_order(place(buying, [(rice, "150")]))
    Order.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=3))
    services.order_confirm(actor=selling, order_id=only_order(place(buying, [(rice, "200")])).pk)
    delivered(buying, selling, rice, "1000")
    services.order_cancel(actor=buying, order_id=only_order(place(buying, [(rice, "100")])).pk, reason="Đặt nhầm")
    for organisation in (cooperative, buyer):
        user = member(organisation, Role.OWNER)
        response = dashboard(user, django_assert_max_num_queries)
        client = Client()
        client.force_login(user)
        for figure in response.context["figures"]:
            listed = client.get(figure.url)
            assert listed.status_code == 200, figure.url
            if figure.url.startswith(reverse("frontend:orders")):
                rows = re.findall(r'href="/orders/\d+/"', listed.content.decode())
                assert len(rows) == figure.count, (figure.label, figure.url)
