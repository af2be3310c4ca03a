"""A product page's content written by hand (frontend.product_content.content_html) is exactly what
catalog/product_content.html renders from the same product, tiers, certificates, lots, images and category path:
every branch of the template, both languages, text that needs escaping or quoting, and a product read from the
database as the page reads it (published, draft, with and without lots and certificates)."""

from __future__ import annotations

import pickle
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from catalog import selectors
from catalog.models import (
    Category,
    Certificate,
    HarvestLot,
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    VatCategory,
)
from catalog.policy import product_actions
from catalog.selectors import Badge
from catalog.selectors.categories import CategoryNode
from catalog.selectors.detail_pages import ProductPage
from frontend.product_content import (
    CONTENT_TEMPLATE,
    ProductContent,
    cart_box_html,
    content_html,
    pricing_box_html,
    quote_html,
)
from frontend.views.catalog import ProductShown, _personal_context, _price, personal_parts
from market.core import rows
from market.organisations.models import Organisation
from market.organisations.permissions import Actor
from tests.catalog.factories import actor_for, make_certificate, make_lot, make_product

MARKUP = "<b>\"x\" & 'y'</b>"
MANAGE, BUY = "<!--product:manage-->", "<!--product:buy-->"


def _rendered(content: ProductContent) -> str:
    """What the template renders (without the request, as the page rendered it)."""
    context = {
        "product": content.product,
        "tiers": content.tiers,
        "tier_rows": content.tier_rows,
        "badges": content.badges,
        "certificates": content.certificates,
        "lots": content.lots,
        "stock": content.stock,
        "images": content.images,
        "path": content.path,
        "manage": mark_safe(MANAGE),  # noqa: S308 (a constant)
        "buy": mark_safe(BUY),  # noqa: S308 (a constant)
    }
    return render_to_string(CONTENT_TEMPLATE, context)


def _node(pk: int, name: str, parent: int | None = None) -> CategoryNode:
    return CategoryNode(id=pk, slug=f"c{pk}", parent_id=parent, name_vi=name, name_en=f"{name} (en)", position=0,
                        depth=0 if parent is None else 1)  # fmt: skip


def _content(
    *,
    name: str = "Gạo ST25 Tân Hiệp",
    unit: str = "kg",
    status: str = ProductStatus.PUBLISHED,
    tiers: tuple[tuple[str, int], ...] = (("100", 32000), ("1000", 29000), ("10000.5", 27500)),
    images: int = 3,
    certificates: bool = True,
    lots: bool = True,
    stock: Decimal = Decimal("5250.500"),
    facts: bool = True,
    price_per_base_unit: int | None = 31000,
    category_name: str = "Gạo thơm",
    cooperative_description: str = "Hợp tác xã trồng lúa thơm\nở Tân Hiệp.",
    alt_text: str = "",
    file_name: str = "gạo st25 (1)?#%.jpg",
    shelf_life_days: int = 365,
) -> ProductContent:
    cooperative = Organisation(id=7, name="HTX <Tân Hiệp> & Co", address_line="Ấp 3", province_code=91,
                               commune_code=30850, description=cooperative_description)  # fmt: skip
    product = Product(
        id=1234, cooperative_id=7, category_id=3, name_vi=name, name_en="ST25 rice", unit=unit, status=status,
        moq=Decimal("100.000"), order_multiple=Decimal("50.000"), price_per_base_unit=price_per_base_unit,
        description_vi="Gạo thơm\r\nvụ Đông Xuân <mới>" if facts else "", description_en="Fragrant rice",
        origin_note="Cánh đồng lớn" if facts else "", origin_province_code=91 if facts else 0,
        origin_commune_code=30850 if facts else None,
        packaging="Bao 25 kg" if facts else "", net_content="25 kg" if facts else "",
        ingredients=MARKUP if facts else "", storage_instructions="Nơi khô ráo" if facts else "",
        usage_instructions="Vo nhẹ" if facts else "", shelf_life_days=shelf_life_days if facts else None,
        gtin="08936012345678" if facts else "",
    )  # fmt: skip
    product.cooperative = cooperative
    product.category = Category(id=3, name_vi=category_name, name_en="Fragrant rice", slug="gao-thom")
    product.vat_category = VatCategory(id=1, code="vat5", name_vi="VAT 5%", name_en="VAT 5%")
    today = timezone.localdate()
    found = [
        Certificate(id=1, kind="vietgap", number="VG-1", issuer=MARKUP, valid_from=today, valid_to=None),
        Certificate(
            id=2,
            kind="ocop",
            ocop_stars=4,
            number="OCOP-4",
            issuer="UBND tỉnh",
            valid_from=today,
            valid_to=date(2027, 3, 9),
        ),
    ]
    lot_rows = [
        HarvestLot(
            id=1,
            public_id="aB3-x_9",
            code="ST25-01",
            harvest_date=date(2026, 11, 2),
            expiry_date=date(2027, 11, 2),
            quantity_available=Decimal("5000.000"),
        ),
        HarvestLot(
            id=2,
            public_id="zz 9?&<",
            code="<ST25-02>",
            harvest_date=date(2026, 11, 20),
            expiry_date=None,
            quantity_available=Decimal("250.500"),
        ),
    ]
    pictures = [
        ProductImage(
            id=n,
            product_id=1234,
            image=f"products/{n}/{file_name}",
            thumbnail=f"thumbs/{n}/{file_name}",
            width=800 + n,
            height=600,
            alt_text=alt_text if n else "",
        )
        for n in range(images)
    ]
    return ProductContent(
        product=product,
        tiers=[PriceTier(id=n, min_quantity=Decimal(q), unit_price=p) for n, (q, p) in enumerate(tiers)],
        badges=[Badge(kind="vietgap", label="VietGAP"), Badge(kind='o"<c>', label=MARKUP)] if certificates else [],
        certificates=found if certificates else [],
        lots=lot_rows if lots else [],
        stock=stock,
        images=pictures,
        path=[_node(1, "Lúa gạo"), _node(3, category_name, 1)],
    )


CASES: dict[str, dict[str, Any]] = {
    "everything": {},
    "nothing optional": {
        "images": 0,
        "certificates": False,
        "lots": False,
        "stock": Decimal(0),
        "facts": False,
        "tiers": (),
        "price_per_base_unit": None,
        "cooperative_description": "",
    },
    "one photo with its text": {"images": 1, "alt_text": "Bao gạo <25 kg>"},
    "photos with their texts": {"alt_text": "Ảnh & bao"},
    "one tier": {"tiers": (("1", 30000),)},
    "per tấn, priced per kg": {"unit": "tan", "price_per_base_unit": 31000},
    "per kg: no price per base": {"unit": "kg", "price_per_base_unit": 31000},
    "draft": {"status": ProductStatus.DRAFT},
    "delisted": {"status": ProductStatus.DELISTED},
    "markup in names": {"name": MARKUP, "category_name": "<Gạo>", "file_name": 'a&b "c" <d>.png'},
    "no category name": {"category_name": "", "images": 0},
}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_written_content_is_the_rendered_template(case, language):
    content = _content(**CASES[case])
    with translation.override(language):
        assert content_html(content, manage=MANAGE, buy=BUY) == _rendered(content)


def test_a_shelf_life_of_years_is_grouped():
    """Days past a thousand read "3.650" in Vietnamese and "3,650" in English, written and rendered alike."""
    content = _content(shelf_life_days=3650)
    for language, shown in (("vi", "<dd>3.650</dd>"), ("en", "<dd>3,650</dd>")):
        with translation.override(language):
            written = content_html(content, manage=MANAGE, buy=BUY)
            assert shown in written
            assert written == _rendered(content)


def _read(product: Product, actor: Actor) -> ProductContent:
    """The content as the product page reads it."""
    item = selectors.product_visible_get(actor=actor, product_id=product.pk)
    certificates = selectors.certificates_in_force_for(product=item)
    lots = selectors.lots_in_stock(product=item)
    return ProductContent.of(
        ProductPage(
            product=item,
            tiers=selectors.price_tiers_for(product=item),
            certificates=certificates,
            lots=lots,
            images=list(item.images.all()),
        )
    )


@pytest.mark.django_db
def test_products_read_from_the_database_are_written_as_the_template_renders_them(cooperative):
    certified = make_product(cooperative, name="Gạo ST25 <Tân Hiệp>", name_en="ST25 rice")
    make_certificate(cooperative, kind="ocop", ocop_stars=5, number="OCOP-5", products=[certified])
    make_lot(certified, code="ST25-A", quantity="1200.5")
    make_lot(certified, code="ST25-B", expiry_date=timezone.localdate() + timedelta(days=200))
    bare = make_product(cooperative, name="Nước mắm", tiers=[("1", 50000)])
    draft = make_product(cooperative, name="Khô cá", publish=False)
    owner = actor_for(cooperative)
    for product, actor in ((certified, Actor.anonymous()), (bare, Actor.anonymous()), (draft, owner)):
        content = _read(product, actor)
        for language in ("vi", "en"):
            with translation.override(language):
                assert content_html(content, manage=MANAGE, buy=BUY) == _rendered(content)


@pytest.mark.django_db
def test_a_vietnamese_product_page_shows_the_english_name_under_the_title(settings, cooperative):
    """The kept content was rendered without the request, so the line asking for LANGUAGE_CODE never showed."""
    product = make_product(cooperative, name="Gạo ST25 Tân Hiệp", name_en="ST25 <fragrant> rice")
    page = Client().get(f"/products/{product.pk}/").content.decode()
    assert '<h1>Gạo ST25 Tân Hiệp</h1>\n      <p class="muted" lang="en">ST25 &lt;fragrant&gt; rice</p>' in page
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/products/{product.pk}/").content.decode()
    assert "<h1>ST25 &lt;fragrant&gt; rice</h1>" in english
    assert 'class="muted" lang="en"' not in english


@pytest.mark.django_db
def test_an_anonymous_visitors_pricing_box_is_written_as_the_partials_render_it(cooperative):
    """The part of a product page kept for anonymous visitors (frontend.product_content.pricing_box_html) is what
    partials/product_manage.html (nothing) and product_buy.html render for them: at the minimum order, priced,
    or with why there is no price; in a unit with decimals; in both languages."""
    products = [
        make_product(cooperative, name="Gạo ST25", tiers=[("100", 32000), ("1000", 29000)]),
        make_product(cooperative, name="Mật ong", unit="tan", moq="2.5", order_multiple="0.5", tiers=[("2.5", 9000)]),
    ]
    unpriced = selectors.product_public_get(product_id=products[0].pk)
    rows.prefetched(unpriced, "price_tiers", [])  # no tier in force: no price
    for language in ("vi", "en"):
        with translation.override(language):
            for product in [*(selectors.product_public_get(product_id=p.pk) for p in products), unpriced]:
                tiers = selectors.price_tiers_for(product=product)
                shown = ProductShown.of(product, tiers, stock=Decimal(0), content=())
                manage, buy = personal_parts(None, _personal_context(shown, Actor.anonymous(), QueryDict()))
                assert manage == ""
                written = pricing_box_html(product, quote_html(product, *_price(product, tiers, product.moq)))
                assert written == buy, (product.name, language)
    assert "no price" in buy


@pytest.mark.django_db
def test_a_buyers_cart_box_is_written_as_the_partials_render_it(cooperative, buyer):
    """A buyer's part of a public product's page in stock (frontend.product_content.cart_box_html) is what
    partials/product_manage.html (nothing) and product_buy.html render for them with the request: at the minimum
    order, priced or with why there is no price, their token, the page to come back to; in both languages."""
    products = [
        make_product(cooperative, name="Gạo ST25", tiers=[("100", 32000), ("1000", 29000)]),
        make_product(cooperative, name="Mật ong", unit="tan", moq="2.5", order_multiple="0.5", tiers=[("2.5", 9000)]),
    ]
    unpriced = selectors.product_public_get(product_id=products[0].pk)
    rows.prefetched(unpriced, "price_tiers", [])  # no tier in force: no price
    actor = actor_for(buyer)
    for language in ("vi", "en"):
        with translation.override(language):
            for product in [*(selectors.product_public_get(product_id=p.pk) for p in products), unpriced]:
                request = RequestFactory().get(f"/products/{product.pk}/")
                request.user, request.actor = actor.user, actor  # type: ignore[attr-defined]
                tiers = selectors.price_tiers_for(product=product)
                shown = ProductShown.of(product, tiers, stock=Decimal(5), content=())
                manage, buy = personal_parts(request, _personal_context(shown, actor, QueryDict()))
                assert manage == ""
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', buy)
                assert token is not None
                written = cart_box_html(
                    product,
                    quote_html(product, *_price(product, tiers, product.moq)),
                    csrf_token=token.group(1),
                    next_path=request.get_full_path(),
                )
                assert written == buy, (product.name, language)
    assert "no price" in buy


@pytest.mark.django_db
def test_a_kept_products_personal_parts_are_those_of_the_product_read(cooperative, buyer, django_assert_num_queries):
    """The content is kept with the product as the values its personal parts, its title and its rules read
    (ProductShown's facts), not as the product: read back, it gives each visitor — anyone, a buyer, the owner — the
    same parts as the product read did, with or without a quantity typed (priced in a later tier, or refused), and
    no query to read a field left out."""
    product = make_product(
        cooperative, name="Mật ong", unit="tan", moq="2.5", order_multiple="0.5", tiers=[("2.5", 9000), ("10", 8500)]
    )
    read = selectors.product_public_get(product_id=product.pk)
    shown = ProductShown.of(read, selectors.price_tiers_for(product=read), stock=Decimal(5), content=("a", "b", "c"))
    kept = pickle.loads(pickle.dumps(shown))  # noqa: S301 (as the cache keeps it: our own bytes)
    assert "product" not in kept.__dict__
    assert "tiers" not in kept.__dict__
    assert (kept.title, kept.stock, kept.content) == (shown.title, shown.stock, shown.content)
    visitors = [Actor.anonymous(), actor_for(buyer), actor_for(cooperative)]
    asked = [QueryDict(), QueryDict("quantity=12,5"), QueryDict("quantity=1")]
    for language in ("vi", "en"):
        with translation.override(language):
            expected = [personal_parts(None, _personal_context(shown, a, p)) for a in visitors for p in asked]
            with django_assert_num_queries(0):
                written = [personal_parts(None, _personal_context(kept, a, p)) for a in visitors for p in asked]
            assert written == expected, language
    assert any('data-action="edit"' in manage for manage, _buy in written)
    assert any("add-to-cart" in buy for _manage, buy in written)
    # What prices nothing (the rules; the boxes at the minimum order) reads the product rebuilt, not its tiers.
    rebuilt = pickle.loads(pickle.dumps(shown)).product  # noqa: S301 (as above)
    with django_assert_num_queries(0):
        assert [product_actions(actor=a, obj=rebuilt) for a in visitors] == [
            product_actions(actor=a, obj=read) for a in visitors
        ]
        assert (rebuilt.pk, rebuilt.unit_symbol, rebuilt.moq) == (read.pk, read.unit_symbol, read.moq)
