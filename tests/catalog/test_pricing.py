"""Price tiers: every quantity from the minimum order has exactly one price; bad tier sets are refused."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import pricing, selectors, services
from catalog.commands import ProductDetails
from catalog.pricing import TierSpec
from market.core.errors import ValidationFailed
from market.core.money import Money
from tests.catalog.factories import actor_for, product_details

MULTIPLE = Decimal("5")
pytestmark = pytest.mark.usefixtures("english")


@st.composite
def tier_sets(draw):
    """A valid tier set: the first tier at the MOQ, later ones at larger multiples, prices not rising."""
    moq = MULTIPLE * draw(st.integers(min_value=1, max_value=40))
    steps = draw(st.lists(st.integers(min_value=1, max_value=500), min_size=0, max_size=5, unique=True))
    starts = [moq, *sorted({moq + MULTIPLE * s for s in steps})]
    price = draw(st.integers(min_value=1000, max_value=5_000_000))
    tiers = []
    for start in starts:
        tiers.append(TierSpec(start, price))
        price = max(1, price - draw(st.integers(min_value=0, max_value=price // 4)))
    return moq, tiers


@given(tier_sets(), st.integers(min_value=0, max_value=10_000))
def test_every_quantity_from_the_moq_has_one_consistent_price(data, extra):
    moq, tiers = data
    ordered = pricing.validate_tiers(tiers, moq=moq, order_multiple=MULTIPLE, unit="kg")
    quantity = moq + MULTIPLE * extra
    tier = pricing.tier_for(ordered, quantity)
    assert tier is not None
    # It is the last tier starting at or below the quantity …
    assert tier.min_quantity <= quantity
    assert all(t.min_quantity > quantity for t in ordered if t.min_quantity > tier.min_quantity)
    # … and buying more never raises the unit price.
    bigger = pricing.tier_for(ordered, quantity + MULTIPLE)
    assert bigger.unit_price <= tier.unit_price
    # Below the minimum order there is no price.
    assert pricing.quantity_errors(quantity=moq - Decimal("0.001"), moq=moq, order_multiple=MULTIPLE, unit="kg")


@given(tier_sets(), st.data())
def test_any_overlap_is_refused(data, draw):
    moq, tiers = data
    duplicate = draw.draw(st.sampled_from(tiers))
    with pytest.raises(ValidationFailed) as error:
        pricing.validate_tiers(
            [*tiers, TierSpec(duplicate.min_quantity, duplicate.unit_price)],
            moq=moq,
            order_multiple=MULTIPLE,
            unit="kg",
        )
    assert any("overlap" in message for message in error.value.fields["price_tiers"])


@given(tier_sets())
def test_a_gap_below_the_first_tier_is_refused(data):
    moq, tiers = data
    shifted = [TierSpec(t.min_quantity + MULTIPLE, t.unit_price) for t in tiers]
    with pytest.raises(ValidationFailed) as error:
        pricing.validate_tiers(shifted, moq=moq, order_multiple=MULTIPLE, unit="kg")
    assert any("no price" in message for message in error.value.fields["price_tiers"])


@pytest.mark.parametrize(
    ("tiers", "needle"),
    [
        ([], "at least one price"),
        ([("100", 30000), ("500", 31000)], "goes up"),
        ([("50", 30000), ("80", 29000), ("500", 28000)], "never apply"),
        ([("100", 0)], "above zero"),
        ([("100", 30000), ("120", 29000)], "multiple of"),
    ],
)
def test_bad_tier_sets_say_what_is_wrong(tiers, needle):
    specs = [TierSpec(Decimal(q), p) for q, p in tiers]
    with pytest.raises(ValidationFailed) as error:
        pricing.validate_tiers(specs, moq=Decimal(100), order_multiple=Decimal(50), unit="kg")
    assert any(needle in m for m in error.value.fields["price_tiers"]), error.value.fields


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=tier_sets(), extra=st.integers(min_value=0, max_value=2000))
def test_price_for_quantity_from_the_database_matches_the_rule(cooperative, data, extra):
    moq, tiers = data
    actor = actor_for(cooperative)
    product = services.product_create(
        actor=actor,
        details=product_details(name="Gạo thử", moq=str(moq), order_multiple=str(MULTIPLE)),
        tiers=tiers,
    )
    quantity = moq + MULTIPLE * extra
    quote = selectors.price_for_quantity(product=product, quantity=quantity)
    expected = pricing.tier_for(pricing.validate_tiers(tiers, moq=moq, order_multiple=MULTIPLE, unit="kg"), quantity)
    assert quote.unit_price == Money.vnd(expected.unit_price)
    assert quote.tier_min_quantity == expected.min_quantity
    assert quote.total == Money.vnd(expected.unit_price) * quantity
    assert product.price_from == min(t.unit_price for t in tiers)


@pytest.mark.django_db
def test_quantity_rules_suggest_what_can_be_ordered(rice):
    assert selectors.quantity_validate(product=rice, quantity=Decimal(150)) == Decimal(150)
    with pytest.raises(ValidationFailed) as below:
        selectors.quantity_validate(product=rice, quantity=Decimal(99))
    assert "100 kg" in below.value.fields["quantity"][0]
    with pytest.raises(ValidationFailed) as off:
        selectors.quantity_validate(product=rice, quantity=Decimal(120))
    assert "100 kg" in off.value.fields["quantity"][0]
    assert "150 kg" in off.value.fields["quantity"][0]
    with pytest.raises(ValidationFailed):
        selectors.quantity_validate(product=rice, quantity=Decimal("0.0001"))


@pytest.mark.django_db
def test_price_quote_uses_the_tier_holding_the_quantity(rice):
    assert selectors.price_for_quantity(product=rice, quantity=Decimal(950)).unit_price == Money.vnd(32000)
    quote = selectors.price_for_quantity(product=rice, quantity=Decimal(1000))
    assert quote.unit_price == Money.vnd(29000)
    assert quote.total == Money.vnd(29_000_000)
    assert quote.tier_id is not None


@pytest.mark.django_db
def test_a_new_moq_must_still_fit_the_tiers(rice):
    actor = actor_for(rice.cooperative)
    bigger = replace(ProductDetails.of(rice), moq=Decimal(2000))
    with pytest.raises(ValidationFailed) as error:
        services.product_update(actor=actor, product_id=rice.pk, details=bigger)
    assert "moq" in error.value.fields
    rice.refresh_from_db()
    assert rice.moq == Decimal(100)
    # Changing both together works.
    services.product_update(
        actor=actor, product_id=rice.pk, details=bigger, tiers=[pricing.TierSpec(Decimal(2000), 28000)]
    )
    rice.refresh_from_db()
    assert (rice.moq, rice.price_from, rice.price_at_moq) == (Decimal(2000), 28000, 28000)


@pytest.mark.parametrize(
    ("unit", "moq", "multiple", "field"),
    [
        ("chai", "2.5", "1", "moq"),
        ("kg", "100", "30", "moq"),
        ("kg", "0", "1", "moq"),
        ("cai", "10", "0.5", "order_multiple"),
    ],
)
def test_product_quantity_rules(unit, moq, multiple, field):
    assert field in pricing.product_quantity_errors(unit=unit, moq=Decimal(moq), order_multiple=Decimal(multiple))


def test_as_quantity_refuses_junk():
    assert pricing.as_quantity("12.5") == Decimal("12.5")
    for junk in ("-1", "1e400", "abc", "0.0001", "NaN"):
        assert pricing.as_quantity(junk) is None
