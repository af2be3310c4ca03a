"""A cooperative's public storefront: its record (response times, on-time deliveries) computed from the orders
and quotes the test makes, certificates in force only, no buyer or household named, SEO data, and a fixed
number of queries whatever the cooperative's size."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from catalog.models import Product, ProductImage
from catalog.supply import selectors as supply_selectors
from fairs.models import Fair, FairStatus
from frontend.views.storefront import (
    DESCRIPTION_CHARS,
    HEAD_TEMPLATE,
    head_html,
    page_description,
    storefront_content,
)
from orders import services as order_services
from orders.models import Order, OrderStatus, Quote, Rfq
from orders.selectors import seller_record
from tests.catalog.factories import actor_for, make_certificate
from tests.fairs.factories import apply, assign, make_fair
from tests.orders.factories import buyer_actor, only_order, place, rfq_request, stocked_product
from tests.supply.conftest import build_world

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()


def _order(buying, item, *, days_ago: int, **history) -> Order:
    """An order placed `days_ago` days ago through checkout, then moved back in time to `history` (what a
    year of trading would have left): confirmed_at, delivered_at, ship_by, status."""
    order = only_order(place(buying, [(item, "100")]))
    Order.objects.filter(pk=order.pk).update(created_at=NOW - timedelta(days=days_ago), **history)
    return order


@pytest.fixture
def traded(cooperative, buyer):
    """Eight orders and five quotes of the cooperative, with known answers and deliveries."""
    buying = buyer_actor(buyer)
    item = stocked_product(cooperative)
    placed = NOW - timedelta(days=10)
    confirmed = OrderStatus.CONFIRMED

    def at(hours: float):
        return placed + timedelta(hours=hours)

    def day(offset: int):
        return TODAY + timedelta(days=offset)

    # Confirmed after 1, 2, 3, 4 and 5 hours: median 3 hours.
    _order(
        buying,
        item,
        days_ago=10,
        status=OrderStatus.DELIVERED,
        confirmed_at=at(1),
        ship_by=day(-5),
        delivered_at=NOW - timedelta(days=6),
    )  # on time
    _order(
        buying,
        item,
        days_ago=10,
        status=OrderStatus.COMPLETED,
        confirmed_at=at(2),
        ship_by=day(-5),
        delivered_at=NOW - timedelta(days=5),
        completed_at=NOW,
    )  # on the day: on time
    _order(
        buying,
        item,
        days_ago=10,
        status=OrderStatus.DELIVERED,
        confirmed_at=at(3),
        ship_by=day(-5),
        delivered_at=NOW - timedelta(days=3),
    )  # late
    _order(buying, item, days_ago=10, status=confirmed, confirmed_at=at(4), ship_by=day(-5))  # past due: late
    _order(buying, item, days_ago=10, status=confirmed, confirmed_at=at(5), ship_by=day(5))  # not due yet
    _order(buying, item, days_ago=10, status=OrderStatus.PLACED, ship_by=day(-1))  # unanswered and late
    _order(buying, item, days_ago=10, status=OrderStatus.CANCELLED, ship_by=day(-5), cancelled_at=NOW)  # not counted
    # Over a year ago: outside the record, however slow.
    _order(buying, item, days_ago=400, status=OrderStatus.DELIVERED, confirmed_at=NOW - timedelta(days=300),
           ship_by=day(-390), delivered_at=NOW - timedelta(days=200))  # fmt: skip

    selling = actor_for(cooperative)
    product = item[0]
    for hours in (1, 2, 30, 50, 100):  # median 30 hours
        rfq = order_services.rfq_create(actor=buying, request=rfq_request(product))
        quote = order_services.quote_submit(
            actor=selling, rfq_id=rfq.pk, product_id=product.pk, quantity=Decimal(2000), unit_price=28000
        )
        Rfq.objects.filter(pk=rfq.pk).update(created_at=placed)
        Quote.objects.filter(pk=quote.pk).update(created_at=at(hours))
    return item


def test_record_is_computed_from_the_last_twelve_months_of_orders_and_quotes(cooperative, traded):
    record = seller_record(cooperative_id=cooperative.pk)
    assert record.orders_answered == 5
    assert record.order_response == timedelta(hours=3)
    assert record.rfqs_answered == 5
    assert record.quote_response == timedelta(hours=30)
    assert (record.deliveries_due, record.deliveries_on_time) == (5, 2)
    assert record.on_time_percent == 40


def test_storefront_shows_the_record_and_certificates_in_force_only(client: Client, cooperative, buyer, traded):
    make_certificate(cooperative, kind="vietgap", number="VG-IN-FORCE")
    make_certificate(cooperative, kind="organic", number="HC-EXPIRED", valid_from=TODAY - timedelta(days=800),
                     valid_to=TODAY - timedelta(days=1))  # fmt: skip
    make_certificate(cooperative, kind="globalgap", number="GG-PENDING", verified=False)
    response = client.get(reverse("frontend:cooperative", args=[cooperative.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "VG-IN-FORCE" in html
    assert "HC-EXPIRED" not in html  # expired yesterday
    assert "GG-PENDING" not in html  # never verified
    figures = dict(re.findall(r'data-figure="([\w-]+)">.*?<span class="stat">([^<]+)</span>', html, re.DOTALL))
    assert figures == {"order-response": "3 giờ", "quote-response": "30 giờ", "on-time": "40 %"}
    assert traded[0].name in html  # its product is listed


def test_few_orders_say_not_enough_data(client: Client, cooperative, buyer):
    item = stocked_product(cooperative)
    order = only_order(place(buyer_actor(buyer), [(item, "100")]))
    order_services.order_confirm(actor=actor_for(cooperative), order_id=order.pk)
    record = seller_record(cooperative_id=cooperative.pk)
    assert record.orders_answered == 1
    assert (record.order_response, record.on_time_rate, record.quote_response) == (None, None, None)
    html = client.get(reverse("frontend:cooperative", args=[cooperative.pk])).content.decode()
    assert html.count("Chưa đủ dữ liệu") == 3


def test_no_buyer_or_household_is_named_and_the_areas_are_mapped(client: Client, cooperative, buyer, alliance):
    world = build_world(cooperative)
    buying = buyer_actor(buyer)
    order = only_order(place(buying, [(stocked_product(cooperative, code="LOT-09"), "100")]))
    order_services.order_confirm(actor=world.owner, order_id=order.pk)
    response = client.get(reverse("frontend:cooperative", args=[cooperative.pk]))
    html = response.content.decode()
    assert buyer.name not in html
    assert buying.user.full_name not in html
    for household in world.households:
        assert household.name not in html  # even those who agreed to be named elsewhere
    assert world.area.name in html
    assert "7,5 ha" in html
    assert html.count('class="map-shape"') == 3
    assert "/supply/" not in html  # no link into the cooperative's own pages


def test_seo_canonical_description_and_organization_data(client: Client, cooperative, settings):
    cooperative.description = "Hợp tác xã trồng lúa ST25 <b>từ 2005</b> ở Tân Hiệp, An Giang."
    cooperative.save()
    make_certificate(cooperative, kind="ocop", ocop_stars=4, number="OCOP-4")
    html = client.get(reverse("frontend:cooperative", args=[cooperative.pk]) + "?page=1").content.decode()
    url = settings.SITE_URL + f"/cooperatives/{cooperative.pk}/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta name="description" content="Hợp tác xã trồng lúa ST25 &lt;b&gt;từ 2005&lt;/b&gt;' in html
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert raw is not None
    assert "<b>" not in raw.group(1)  # escaped inside the script element
    data = json.loads(raw.group(1))
    assert (data["@type"], data["name"], data["url"]) == ("Organization", cooperative.name, url)
    assert data["taxID"] == cooperative.tax_code
    assert [c["name"] for c in data["hasCredential"]] == ["OCOP 4★"]
    assert "<script>" not in html.replace('<script type="application/ld+json">', "")


@pytest.mark.parametrize(
    "canonical", ["https://market.example/cooperatives/7/", "https://market.example/cooperatives/7/?page=2&a=<\"'>"]
)
def test_the_written_head_is_the_rendered_template(canonical: str):
    """head_html is HEAD_TEMPLATE rendered, its link escaped as the template escapes it."""
    data = mark_safe('{"name": "\\u003Cb\\u003E & \\"x\\""}')
    rendered = render_to_string(HEAD_TEMPLATE, {"canonical": canonical, "organisation_ld": data})
    assert head_html(canonical, data) == rendered


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Gạo ST25",
        "x" * DESCRIPTION_CHARS,
        "x" * (DESCRIPTION_CHARS + 1),
        "Ha\u0300 Ti\u0303nh " * 16,  # decomposed: longer than the limit, not once normalised
        "Hợp tác xã trồng lúa ST25 ở Tân Hiệp, An Giang. " * 5,
        "e\u0301" * (DESCRIPTION_CHARS + 5),  # combining marks Truncator does not count
    ],
)
def test_the_page_description_is_truncators(text: str):
    assert page_description(text) == Truncator(text).chars(DESCRIPTION_CHARS)


def test_the_contents_path_is_the_reversed_one(cooperative):
    content = storefront_content(cooperative.pk, 1, now=timezone.now())
    assert content.path == reverse("frontend:cooperative", args=[cooperative.pk])


def test_an_unverified_cooperative_has_no_storefront(client: Client, cooperative):
    cooperative.verification_status = "pending"
    cooperative.save()
    assert client.get(reverse("frontend:cooperative", args=[cooperative.pk])).status_code == 404


def test_products_are_paged_without_counting(client: Client, cooperative):
    from tests.catalog.factories import make_product

    for n in range(13):
        make_product(cooperative, name=f"Gạo {n:02d}")
    url = reverse("frontend:cooperative", args=[cooperative.pk])
    first = client.get(url).content.decode()
    assert "Gạo 11" in first
    assert "Gạo 12" not in first
    assert f'href="{url}?page=2"' in first
    second = client.get(url + "?page=2").content.decode()
    assert "Gạo 12" in second
    assert 'rel="next"' not in second
    assert client.get(url + "?page=abc").status_code == 400


def test_storefront_runs_two_queries(client: Client, cooperative, buyer, alliance, traded,
                                     django_assert_num_queries):  # fmt: skip
    """Every part shown (record, certificate, products, a photo, areas on a map, a fair): the record, the
    certificates, the fairs, the photos and the plots read with the cooperative's row, then the products."""
    world = build_world(cooperative)
    make_certificate(cooperative, kind="ocop", ocop_stars=4, number="OCOP-4", products=[world.product])
    fair = make_fair(alliance, booths=1, name="Hội chợ Nông sản")
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.PUBLISHED)
    image = ProductImage.objects.create(
        product=world.product, image="p/a.jpg", thumbnail="t/a.jpg", width=800, height=600, alt_text="Ảnh"
    )
    Product.objects.filter(pk=world.product.pk).update(cover_thumbnail=image.thumbnail.name)
    url = reverse("frontend:cooperative", args=[cooperative.pk])
    with django_assert_num_queries(2):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hội chợ Nông sản" in page
    assert "OCOP 4★" in page
    assert 'class="gallery"' in page
    assert supply_selectors.public_supply(cooperative_id=cooperative.pk).map is not None


@pytest.mark.parametrize("days", [0, -6, 20, 400])
def test_the_record_in_plain_sql_is_the_orms(cooperative, buyer, traded, days: int):
    """seller_record_values' plain SQL reads what its ORM subqueries read: each figure, at moments that move
    orders in and out of the year, of being due and of the record (and for a cooperative with nothing)."""
    from market.organisations.models import Organisation
    from orders.selectors import _seller_record_expressions, seller_record_values

    moment = NOW + timedelta(days=days)
    for pk in (cooperative.pk, buyer.pk):
        plain = Organisation.objects.filter(pk=pk).annotate(**seller_record_values(now=moment))
        orm = Organisation.objects.filter(pk=pk).annotate(**_seller_record_expressions(now=moment))
        fields = ("order_figures", "quote_figures")
        assert plain.values(*fields).get() == orm.values(*fields).get()
    assert Organisation.objects.filter(pk=cooperative.pk).annotate(**seller_record_values(now=NOW)).values_list(
        "order_figures", flat=True
    ).get() == {"answered": 5, "due": 5, "on_time": 2, "median": 3 * 3600}


def test_the_seller_with_its_record_in_one_plain_statement_is_the_orms(cooperative, other_cooperative, buyer, traded):
    """seller_public_get given plain statements (the record on PostgreSQL) reads, in a statement of its own, what the
    ORM's annotated query reads: every field of the row and each value converted (JSON parsed); and the same
    NotFound for an organisation that is not a verified seller."""
    from market.core.errors import NotFound
    from market.organisations.models import SELLER_KINDS, Organisation, VerificationStatus
    from market.organisations.selectors import seller_public_get
    from orders.selectors import seller_record_values

    Organisation.objects.filter(pk=other_cooperative.pk).update(verification_status=VerificationStatus.PENDING)
    values = seller_record_values(now=NOW)
    found = seller_public_get(organisation_id=cooperative.pk, values=values)
    orm = (
        Organisation.objects.filter(kind__in=SELLER_KINDS, verification_status=VerificationStatus.VERIFIED)
        .annotate(**values)
        .get(pk=cooperative.pk)
    )
    fields = [f.attname for f in Organisation._meta.concrete_fields] + ["order_figures", "quote_figures"]
    assert [getattr(found, name) for name in fields] == [getattr(orm, name) for name in fields]
    assert found.order_figures == {"answered": 5, "due": 5, "on_time": 2, "median": 3 * 3600}
    for pk in (other_cooperative.pk, buyer.pk, cooperative.pk + 10_000):
        with pytest.raises(NotFound):
            seller_public_get(organisation_id=pk, values=values)
