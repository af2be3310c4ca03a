"""The storefront's content written by hand (frontend.storefront_content.content_html) is exactly what its template
renders (organisation/storefront_content.html) from the same reads: every branch (a story or none, phone and
website, each figure of the record shown or not, certificates, photos, a page of products with its pager, a page
past the last, no product, areas with their map, fairs past and coming), in both languages, with text that needs
escaping."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from catalog.models import Product, ProductImage
from fairs.models import Fair, FairStatus
from frontend.storefront_content import TEMPLATE, content_html
from frontend.views.storefront import duration_text, storefront_content
from market.organisations.models import Organisation
from orders.selectors import SellerRecord
from tests.catalog.factories import make_certificate, make_product
from tests.fairs.factories import apply, assign, make_fair
from tests.frontend.test_storefront import traded  # noqa: F401 (a fixture: orders and quotes with a record)
from tests.supply.conftest import build_world

pytestmark = pytest.mark.django_db


def _assert_written_is_rendered(organisation_id: int, *, pages: tuple[int, ...] = (1,)) -> None:
    for language in ("vi", "en"):
        with translation.override(language):
            for page in pages:
                content = storefront_content(organisation_id, page, now=timezone.now())
                assert content_html(content) == render_to_string(TEMPLATE, content.context())


def _photo(product: Product, name: str) -> None:
    image = ProductImage.objects.create(
        product=product, image=f"p/{name}.jpg", thumbnail=f"t/{name} ảnh.jpg", width=800, height=600, alt_text=""
    )
    Product.objects.filter(pk=product.pk).update(cover_thumbnail=image.thumbnail.name)


def test_a_bare_cooperative(cooperative):
    """No story, no phone or website, no record, certificate, photo, product, area or fair."""
    Organisation.objects.filter(pk=cooperative.pk).update(description="", phone="", website="", tax_code="")
    _assert_written_is_rendered(cooperative.pk, pages=(1, 2))


def test_a_cooperative_showing_everything(cooperative, buyer, alliance, traded):  # noqa: F811
    Organisation.objects.filter(pk=cooperative.pk).update(
        description='Hợp tác xã <b>"Tân Hiệp"</b> & lúa ST25.\nTừ 2005.\n\nAn Giang',
        phone="+84 296 3 <1>",
        website="https://htx.example/?a=1&b=<2>",
    )
    world = build_world(cooperative)
    make_certificate(cooperative, kind="ocop", ocop_stars=4, number="OCOP-4", products=[world.product])
    make_certificate(cooperative, kind="vietgap", number="VG <&>")
    products = [make_product(cooperative, name=f'Gạo <{n:02}> & "thơm"') for n in range(14)]
    _photo(products[0], "a")
    _photo(products[1], "b")
    for name, starts_in in (("Hội chợ <đã qua>", -40), ("Hội chợ sắp tới & mới", 20)):
        fair = make_fair(alliance, booths=1, name=name)
        assign(alliance, apply(cooperative, fair), fair, "A-01")
        starts_on = timezone.localdate() + timedelta(days=starts_in)
        Fair.objects.filter(pk=fair.pk).update(
            status=FairStatus.PUBLISHED, starts_on=starts_on, ends_on=starts_on + timedelta(days=3)
        )
    _assert_written_is_rendered(cooperative.pk, pages=(1, 2, 3))


def test_counts_of_a_thousand_and_more_are_grouped(cooperative):
    """The record's counts, the minimum it needs, an area's plots and a long median are written "1.000" in Vietnamese
    and "1,000" in English, by the hand-written content and its template alike."""
    world = build_world(cooperative)
    shown = SellerRecord(
        orders_answered=1200, order_response=timedelta(days=1500), rfqs_answered=1001,
        quote_response=timedelta(hours=3), deliveries_due=2500, deliveries_on_time=2400, on_time_rate=0.96,
    )  # fmt: skip
    too_few = replace(shown, order_response=None, quote_response=None, on_time_rate=None)  # each says the minimum
    expected = {
        "vi": ("1.200", "1.001", "1.500", "2.400", "2.500", "1.000 thửa", "1.000 đơn"),
        "en": ("1,200", "1,001", "1,500", "2,400", "2,500", "1,000 plots", "1,000 confirmed"),
    }
    for language, said in expected.items():
        with translation.override(language):
            content = storefront_content(world.cooperative.pk, 1, now=timezone.now())
            areas = [replace(row, plots=1000) for row in content.supply.areas]
            content = replace(content, supply=replace(content.supply, areas=areas, map=None), min_samples=1000)
            written = ""
            for record in (shown, too_few):
                figures = replace(
                    content, record=record, order_response=duration_text(record.order_response),
                    quote_response=duration_text(record.quote_response),
                )  # fmt: skip
                written += content_html(figures)
                assert content_html(figures) == render_to_string(TEMPLATE, figures.context())
            for number in said:
                assert number in written
