"""The cart's plain-SQL reads (orders/cart_rows.py) answer what their ORM definitions answer: the cart's lines
with every related row, the cart's API answer in both languages, and what a cart add checks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone, translation

from catalog.models import HarvestLot, LotStatus
from catalog.selectors import product_for_order, product_stock_available
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.organisations.models import OrganisationKind, Role
from orders import services
from orders.api.views import cart_body
from orders.cart_rows import (
    cart_lines,
    cart_lines_queryset,
    lines_as_read_queryset,
    lines_take_as_read,
    product_to_add,
)
from orders.models import CartLine, SellerSettings
from orders.selectors import cart_view, cart_view_of
from orders.services.common import seller_settings
from tests.catalog.factories import actor_for, make_lot
from tests.factories import OrganisationFactory
from tests.orders.factories import stocked_product

pytestmark = pytest.mark.django_db


def _values(obj: Model | None) -> dict[str, Any] | None:
    return None if obj is None else {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _graph(line: CartLine) -> tuple[Any, ...]:
    """Everything the cart's answer and its checkout read from a line, related rows included."""
    product = line.product
    try:
        settings: SellerSettings | None = product.cooperative.order_settings
    except SellerSettings.DoesNotExist:
        settings = None
    return (
        _values(line),
        _values(product),
        _values(product.cooperative),
        _values(settings),
        _values(product.vat_category),
        _values(line.lot),
        [_values(tier) for tier in product.price_tiers.all()],
    )


@pytest.fixture
def cart(buyer, cooperative, other_cooperative, rice, fish_sauce):
    """Three cooperatives' lines (one with settings, one without), tiers hit at two levels, a chosen lot, a line
    below its MOQ since, and English names on some products."""
    third = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khóm Cầu Đúc")
    seller_settings(cooperative.pk)
    pineapple, pineapple_lot = stocked_product(
        third,
        name="Khóm sấy dẻo",
        name_en="Dried pineapple",
        moq="10",
        order_multiple=None,
        tiers=[("10", 50000), ("100", 45000), ("500", 40000)],
        code="KS-01",
        quantity="900",
    )
    jasmine, _lot = stocked_product(cooperative, name="Gạo Jasmine", name_en="Jasmine rice", code="JS-01")
    buying = actor_for(buyer, Role.OWNER)
    for product, quantity, lot in (
        (rice[0], "1000", None),
        (jasmine, "150", None),
        (fish_sauce[0], "24", None),
        (pineapple, "120", pineapple_lot),
    ):
        services.cart_line_set(
            actor=buying, product_id=product.pk, quantity=Decimal(quantity), lot_id=lot.pk if lot else None
        )
    CartLine.objects.filter(product=fish_sauce[0]).update(quantity=Decimal(5))  # the MOQ is 12
    return buying


def test_the_cart_lines_are_what_the_orm_reads_with_nothing_left_to_read(buyer, cart, django_assert_num_queries):
    with django_assert_num_queries(1):
        lines = cart_lines(buyer_id=buyer.pk)
        read = [_graph(line) for line in lines]
    assert len(read) == 4
    assert read == [_graph(line) for line in cart_lines_queryset(buyer_id=buyer.pk)]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_cart_answer_is_the_one_the_orm_read_gave(buyer, cart, language):
    with translation.override(language):
        answer = cart_body(cart, cart_view(actor=cart))
        definition = cart_body(cart, cart_view_of(list(cart_lines_queryset(buyer_id=buyer.pk))))
    assert answer == definition
    assert len(answer["groups"]) == 3
    names = [line["product_name"] for group in answer["groups"] for line in group["lines"]]
    assert ("Dried pineapple" in names) is (language == "en")
    problems = [line["problem"] for group in answer["groups"] for line in group["lines"] if line["problem"]]
    assert len(problems) == 1
    prices = {line["product_name"]: line["unit_price"] for group in answer["groups"] for line in group["lines"]}
    assert prices["Dried pineapple" if language == "en" else "Khóm sấy dẻo"] == 45000
    assert prices["Gạo ST25 Tân Hiệp"] == 29000


def test_the_cart_api_answers_the_same(buyer, cart, api):
    from tests.factories import member

    response = api(member(buyer, Role.STAFF)).get("/api/v1/cart/", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    with translation.override("vi"):
        assert response.json() == cart_body(cart, cart_view(actor=cart))


def test_a_product_to_add_is_what_the_orm_reads(cooperative, rice, django_assert_num_queries):
    """The stock counts only the lots for sale today (published, not expired, not empty); the lot asked for
    comes whatever its status, and only when it is the product's."""
    product, lot = rice
    today = timezone.localdate()
    make_lot(product, code="OLD", quantity="300", expiry_date=today + timedelta(days=1))
    HarvestLot.objects.filter(code="OLD").update(expiry_date=today - timedelta(days=1))
    draft = make_lot(product, code="DRAFT", quantity="700", publish=False)
    other, other_lot = stocked_product(cooperative, name="Gạo Nàng Hoa", code="NH-01")
    for lot_id, expected in ((None, None), (lot.pk, lot), (draft.pk, draft), (other_lot.pk, None)):
        with django_assert_num_queries(1):
            found = product_to_add(product_id=product.pk, lot_id=lot_id, on=today)
            assert found is not None
            tiers = [(t.pk, t.min_quantity, t.unit_price) for t in found.product.price_tiers.all()]
            names = (found.product.cooperative.name, found.product.vat_category.code)
        definition = product_for_order(product_id=product.pk)
        assert _values(found.product) == _values(definition)
        assert tiers == [(t.pk, t.min_quantity, t.unit_price) for t in definition.price_tiers.all()]
        assert names == (definition.cooperative.name, definition.vat_category.code)
        assert found.stock == product_stock_available(product=definition, on=today) == Decimal(5000)
        assert _values(found.lot) == _values(expected)
    assert product_to_add(product_id=other.pk + 1000, lot_id=None, on=today) is None


@pytest.mark.parametrize(
    ("which", "error"),
    [("another_products", ValidationFailed), ("draft", ValidationFailed), ("expired", ValidationFailed)],
)
def test_a_cart_add_refuses_a_lot_not_on_sale_for_the_product(buying, cooperative, rice, which, error):
    product, _lot = rice
    today = timezone.localdate()
    lots = {
        "another_products": stocked_product(cooperative, name="Gạo Nàng Hoa", code="NH-01")[1],
        "draft": make_lot(product, code="DRAFT", publish=False),
        "expired": make_lot(product, code="OLD", expiry_date=today + timedelta(days=1)),
    }
    HarvestLot.objects.filter(code="OLD").update(expiry_date=today - timedelta(days=1))
    with pytest.raises(error) as raised:
        services.cart_line_set(actor=buying, product_id=product.pk, quantity=Decimal(100), lot_id=lots[which].pk)
    assert "lot" in raised.value.fields
    assert not CartLine.objects.exists()


def test_a_cart_add_refuses_a_product_nobody_may_order(buying, cooperative, rice):
    product, _lot = rice
    product.status = "draft"
    product.save(update_fields=["status"])
    with pytest.raises(NotFound):
        services.cart_line_set(actor=buying, product_id=product.pk, quantity=Decimal(100))
    with pytest.raises(NotFound):
        services.cart_line_set(actor=buying, product_id=product.pk + 1000, quantity=Decimal(100))
    assert not CartLine.objects.exists()


def test_a_cart_add_counts_only_the_stock_for_sale(buying, rice):
    """5.000 kg in the lot for sale; a draft lot's 700 kg do not count."""
    product, lot = rice
    make_lot(product, code="DRAFT", quantity="700", publish=False)
    services.cart_line_set(actor=buying, product_id=product.pk, quantity=Decimal(5000))
    HarvestLot.objects.filter(pk=lot.pk).update(status=LotStatus.PUBLISHED, quantity_available=Decimal(4950))
    with pytest.raises(Conflict) as raised:
        services.cart_line_set(actor=buying, product_id=product.pk, quantity=Decimal(5000))
    assert raised.value.code == "insufficient_stock"
    assert CartLine.objects.get().quantity == Decimal(5000)


def test_taking_the_lines_as_read_deletes_what_the_orm_definition_finds(buyer, cart, rice):
    """Of four lines read (one with a chosen lot), one changed quantity since, one changed lot and one is gone:
    only the line still as read is deleted, the one the ORM's definition finds; the others stay."""
    lines = cart_lines(buyer_id=buyer.pk)
    kept, requantified, relotted, removed = lines
    CartLine.objects.filter(pk=requantified.pk).update(quantity=requantified.quantity + 1)
    lot_field = {"lot": rice[1]} if relotted.lot_id is None else {"lot": None}
    CartLine.objects.filter(pk=relotted.pk).update(**lot_field)
    CartLine.objects.filter(pk=removed.pk).delete()
    as_read = set(lines_as_read_queryset(lines).values_list("pk", flat=True))
    assert as_read == {kept.pk}
    assert lines_take_as_read(lines) == 1
    assert set(CartLine.objects.filter(cart__buyer=buyer).values_list("pk", flat=True)) == {
        requantified.pk,
        relotted.pk,
    }


def test_taking_the_lines_as_read_matches_null_and_chosen_lots(buyer, cart):
    lines = cart_lines(buyer_id=buyer.pk)
    assert {line.lot_id is None for line in lines} == {True, False}
    assert set(lines_as_read_queryset(lines).values_list("pk", flat=True)) == {line.pk for line in lines}
    assert lines_take_as_read(lines) == len(lines)
    assert not CartLine.objects.filter(cart__buyer=buyer).exists()


def test_a_cart_add_answers_the_lines_a_fresh_read_gives(buyer, cart, rice, other_cooperative):
    """A cart add reads the cart once, before its change, and answers with the change made in what it read:
    the same lines, related rows and answer (vi and en) as reading the cart afterwards — a new line of a
    cooperative already there (placed among its lines), a new line with a chosen lot, a line added to."""
    sauce, sauce_lot = stocked_product(
        other_cooperative, name="Nước mắm nhĩ", name_en="First-press fish sauce", code="NM-09"
    )
    for product_id, lot_id, quantity, add in (
        (sauce.pk, None, "100", False),
        (sauce.pk, sauce_lot.pk, "150", False),
        (rice[0].pk, None, "100", True),
    ):
        answered = services.cart_line_set(
            actor=cart, product_id=product_id, lot_id=lot_id, quantity=Decimal(quantity), add=add
        )
        read = cart_lines(buyer_id=buyer.pk)
        assert [_graph(line) for line in answered] == [_graph(line) for line in read]
        for language in ("vi", "en"):
            with translation.override(language):
                assert cart_body(cart, cart_view_of(answered)) == cart_body(cart, cart_view(actor=cart))
    assert len(read) == 6
    assert next(line for line in read if line.product_id == rice[0].pk).quantity == Decimal(1100)
