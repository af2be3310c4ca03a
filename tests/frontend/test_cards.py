"""A product card written by hand (frontend.fragments.card_html) is exactly what partials/card.html renders from the
same product, badges and category name: every branch of the template, both languages, and text that needs
escaping or quoting."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import Product
from catalog.selectors import Badge
from frontend.fragments import CARD_TEMPLATE, card_setting, product_cards
from market.core.quantity import UNIT_SYMBOLS
from market.organisations.models import Organisation

# Letters a name may hold, with those HTML and URLs treat apart.
TEXT = st.text(alphabet=st.sampled_from("aạđĐêƯ ST25 <>&\"'%?#/\\·–"), max_size=24)
BADGES = [
    Badge(kind="vietgap", label="VietGAP"),
    Badge(kind="ocop", label="OCOP 4★", ocop_stars=4),
    Badge(kind='x"<y>', label="<b>&amp;</b>"),
]


def _card(
    *,
    name_vi: str = "Gạo ST25 Tân Hiệp",
    name_en: str = "",
    unit: str = "kg",
    moq: Decimal = Decimal("100.000"),
    price_from: int | None = 32000,
    price_per_base_unit: int | None = 32000,
    thumbnail: str = "",
    province: int = 91,
    cooperative_name: str = "HTX Nông nghiệp Tân Hiệp",
    in_stock: bool | None = True,
    badges: list[Badge] | None = None,
    category_name: str = "Gạo thơm",
) -> tuple[Product, list[Badge], str]:
    cooperative = Organisation(id=7, name=cooperative_name)
    product = Product(
        id=1234,
        cooperative_id=7,
        category_id=3,
        name_vi=name_vi,
        name_en=name_en,
        unit=unit,
        moq=moq,
        price_from=price_from,
        price_per_base_unit=price_per_base_unit,
        cover_thumbnail=thumbnail,
        origin_province_code=province,
        published_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    product.cooperative = cooperative
    if in_stock is not None:  # the storefront's products are not told their stock
        product.in_stock = in_stock
    return product, badges or [], category_name


def _both(card: tuple[Product, list[Badge], str]) -> tuple[str, str]:
    product, badges, category_name = card
    rendered = render_to_string(CARD_TEMPLATE, {"product": product, "badges": badges, "category_name": category_name})
    (written,) = product_cards([card])
    return written, rendered


CASES: dict[str, dict[str, Any]] = {
    "plain": {},
    "with a photo": {"thumbnail": "products/2026/gạo st25 (1)?#%.jpg"},
    "badges": {"badges": BADGES},
    "sold out": {"in_stock": False},
    "stock not read": {"in_stock": None},
    "per tấn, priced per kg": {"unit": "tan", "moq": Decimal("1.500"), "price_from": 15_700_000},
    "a bottle of 500 ml": {"unit": "chai500", "moq": Decimal("24"), "price_per_base_unit": 90_000},
    "no price": {"price_from": None, "price_per_base_unit": None},
    "no province, no category": {"province": 0, "category_name": ""},
    "markup in every text": {
        "name_vi": '<script>"x"</script>&',
        "cooperative_name": "HTX <Đông> & 'Tây'",
        "category_name": "<Gạo>",
    },
}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_written_card_is_the_rendered_template(case, language):
    with translation.override(language):
        written, rendered = _both(_card(**CASES[case], name_en="ST25 rice" if language == "en" else ""))
    assert written == rendered


@settings(max_examples=200, deadline=None)
@given(
    name=TEXT,
    cooperative_name=TEXT,
    category_name=TEXT,
    thumbnail=TEXT,
    unit=st.sampled_from(sorted(UNIT_SYMBOLS)),
    moq=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999999.999"), places=3),
    price=st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)),
    in_stock=st.booleans(),
    badges=st.lists(st.sampled_from(BADGES), max_size=3, unique=True),
    language=st.sampled_from(["vi", "en"]),
)
def test_any_card_is_the_rendered_template(
    name, cooperative_name, category_name, thumbnail, unit, moq, price, in_stock, badges, language
):
    card = _card(
        name_vi=name or "x",
        cooperative_name=cooperative_name,
        category_name=category_name,
        thumbnail=thumbnail,
        unit=unit,
        moq=moq,
        price_from=price,
        price_per_base_unit=price,
        in_stock=in_stock,
        badges=badges,
    )
    with translation.override(language):
        written, rendered = _both(card)
    assert written == rendered


def test_the_card_words_follow_the_language():
    with translation.override("en"):
        assert card_setting().words == ("from", "Minimum order", "In stock")
    with translation.override("vi"):
        assert "Minimum order" not in card_setting().words
