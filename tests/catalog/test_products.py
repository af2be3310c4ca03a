"""Products: validation, publishing rules, derived columns kept in step."""

from dataclasses import replace
from decimal import Decimal

import pytest

from catalog import inputs, selectors, services
from catalog.commands import ProductDetails
from catalog.models import Product, ProductStatus
from catalog.pricing import TierSpec
from catalog.selectors import ProductQuery
from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.core.inputs import InputMode, read_input
from market.organisations import services as organisation_services
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import Role, VerificationStatus
from tests.catalog.factories import actor_for, make_product, product_details
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BASE = {"category": "gao-thom", "name_vi": "Gạo ST25", "unit": "kg", "moq": "100", "vat_category": "vat-5"}


def create_from(actor, payload, mode=InputMode.JSON):
    """A product as the API (JSON) or a page (form mode) creates it: the schema, then the service."""
    fields = read_input(inputs.ProductInput, payload, mode=mode)
    return services.product_create(
        actor=actor, details=inputs.product_details(fields), tiers=inputs.product_tiers(fields)
    )


def renamed(product, name):
    return replace(ProductDetails.of(product), name_vi=name)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"gtin": "8935049500019"}, "gtin"),
        ({"gtin": "12345"}, "gtin"),
        ({"category": "no-such-thing"}, "category"),
        ({"vat_category": "vat-99"}, "vat_category"),
        ({"unit": "barrel"}, "unit"),
        ({"moq": "-5"}, "moq"),
        ({"moq": "10.5", "unit": "chai"}, "moq"),
        ({"name_vi": "  "}, "name_vi"),
        ({"name_vi": "G" * 201}, "name_vi"),  # too long is an error, never cut
        ({"origin_province_code": 91, "origin_commune_code": 27004}, "origin_commune_code"),
        ({"origin_province_code": 999}, "origin_province_code"),
    ],
)
def test_product_rules(cooperative, coop_owner, changes, field):
    with pytest.raises(ValidationFailed) as error:
        create_from(actor_for(cooperative), {**BASE, **changes})
    assert field in error.value.fields
    assert not Product.objects.exists()


def test_a_page_post_reads_vietnamese_numbers_and_refuses_decimal_dong(cooperative, coop_owner):
    """ "1.000" kg is a thousand; "25000,5" ₫ is refused (VND has no decimals), never 250.005 ₫."""
    from django.utils import translation

    post = {**BASE, "moq": "1.000", "order_multiple": "", "price_tiers": [{"min_quantity": "1.000",
            "unit_price": "25.000 ₫"}]}  # fmt: skip
    with translation.override("vi"):
        product = create_from(actor_for(cooperative), post, mode=InputMode.FORM)
        assert (product.moq, product.order_multiple, product.price_from) == (Decimal(1000), Decimal(1), 25000)
        post["price_tiers"] = [{"min_quantity": "1.000", "unit_price": "25000,5"}]
        post["name_vi"] = "Gạo khác"
        with pytest.raises(ValidationFailed) as error:
            create_from(actor_for(cooperative), post, mode=InputMode.FORM)
    assert list(error.value.fields) == ["price_tiers.0.unit_price"]
    assert Product.objects.count() == 1


def test_gtin_and_sku_are_unique(cooperative, other_cooperative):
    make_product(cooperative, gtin="8935049500018", sku="ST25")
    with pytest.raises(ValidationFailed) as gtin:
        make_product(other_cooperative, gtin="08935049500018")
    assert "gtin" in gtin.value.fields
    with pytest.raises(ValidationFailed) as sku:
        make_product(cooperative, sku="ST25", name="Khác")
    assert "sku" in sku.value.fields
    assert make_product(other_cooperative, sku="ST25").sku == "ST25"  # codes are per cooperative


def test_only_a_verified_cooperative_publishes(coop_owner):
    pending = OrganisationFactory(verification_status=VerificationStatus.PENDING)
    product = make_product(pending, publish=False)
    with pytest.raises(PermissionDenied) as error:
        services.product_publish(actor=actor_for(pending), product_id=product.pk)
    assert "verified" in error.value.message
    assert Product.objects.get(pk=product.pk).status == ProductStatus.DRAFT


def test_staff_role_prepares_but_does_not_publish(cooperative):
    product = make_product(cooperative, publish=False, actor=actor_for(cooperative, Role.STAFF))
    with pytest.raises(PermissionDenied):
        services.product_publish(actor=actor_for(cooperative, Role.STAFF), product_id=product.pk)


def test_publishing_needs_a_price_and_follows_the_transitions(cooperative):
    product = make_product(cooperative, publish=False, tiers=[])
    owner = actor_for(cooperative)
    with pytest.raises(ValidationFailed) as no_price:
        services.product_publish(actor=owner, product_id=product.pk)
    assert "price_tiers" in no_price.value.fields
    with pytest.raises(Conflict):
        services.product_delist(actor=owner, product_id=product.pk)
    services.product_price_tiers_set(actor=owner, product_id=product.pk, tiers=[TierSpec(Decimal(100), 30000)])
    services.product_publish(actor=owner, product_id=product.pk)
    with pytest.raises(Conflict):
        services.product_publish(actor=owner, product_id=product.pk)
    services.product_delist(actor=owner, product_id=product.pk)
    assert selectors.product_page(query=ProductQuery()).products == []
    services.product_publish(actor=owner, product_id=product.pk)
    assert [p.pk for p in selectors.product_page(query=ProductQuery()).products] == [product.pk]


def test_another_cooperative_cannot_tell_the_product_exists(rice, other_cooperative):
    with pytest.raises(NotFound):
        services.product_update(
            actor=actor_for(other_cooperative), product_id=rice.pk, details=renamed(rice, "Của tôi")
        )
    with pytest.raises(NotFound):
        selectors.product_get_for(actor=actor_for(other_cooperative), product_id=rice.pk)


def test_alliance_staff_read_but_do_not_edit(rice, alliance):
    staff = actor_for(alliance, Role.STAFF)
    assert selectors.product_get_for(actor=staff, product_id=rice.pk) == rice
    with pytest.raises(PermissionDenied):
        services.product_update(actor=staff, product_id=rice.pk, details=renamed(rice, "Sửa"))


def test_products_of_a_cooperative_that_loses_verification_disappear(rice, alliance):
    assert selectors.product_page(query=ProductQuery()).products == [rice]
    organisation_services.organisation_reject(
        actor=actor_for(alliance, Role.STAFF), organisation_id=rice.cooperative_id, reason="Giấy phép hết hạn"
    )
    assert selectors.product_page(query=ProductQuery()).products == []


def test_renaming_the_cooperative_refreshes_its_products_search_text(rice):
    organisation_services.organisation_update(
        actor=actor_for(rice.cooperative),
        organisation_id=rice.cooperative_id,
        profile=replace(OrganisationProfile.of(rice.cooperative), name="HTX Đồng Xanh"),
    )
    assert [p.pk for p in selectors.product_page(query=ProductQuery(search="dong xanh")).products] == [rice.pk]


def test_a_product_carries_its_own_province_of_origin(cooperative):
    """Fish sauce bottled on Phú Quốc by a cooperative registered elsewhere: the product says where it is from."""
    elsewhere = OrganisationFactory(province_code=96, commune_code=None)  # Cà Mau
    sauce = make_product(elsewhere, name="Nước mắm Phú Quốc", origin_province_code=91, origin_commune_code=31078)
    assert (sauce.origin_province_code, sauce.origin_commune_code) == (91, 31078)
    assert selectors.product_page(query=ProductQuery(province=91)).products == [sauce]
    plain = make_product(elsewhere, name="Mắm tôm")
    assert plain.origin_province_code == 96  # not given: the cooperative's


def test_the_price_per_base_unit_follows_prices_and_unit(cooperative):
    tonne = make_product(
        cooperative, name="Lúa tươi", unit="tan", moq="1", order_multiple="1", tiers=[("1", 15_700_000)]
    )
    assert tonne.price_per_base_unit == 15_700
    bottle = make_product(
        cooperative, name="Nước mắm", category="nuoc-mam", unit="chai500", moq="24", order_multiple="24",
        tiers=[("24", 45_000)],
    )  # fmt: skip
    assert (bottle.price_per_base_unit, bottle.base_unit_symbol) == (90_000, "lít")
    owner = actor_for(cooperative)
    services.product_update(
        actor=owner,
        product_id=tonne.pk,
        details=replace(ProductDetails.of(tonne), unit="ta"),
        tiers=[TierSpec(Decimal(1), 1_600_000)],
    )
    tonne.refresh_from_db()
    assert (tonne.price_from, tonne.price_per_base_unit) == (1_600_000, 16_000)


def test_bulk_publish_publishes_what_it_can_and_names_the_rest(cooperative, other_cooperative):
    owner = actor_for(cooperative)
    ready = [make_product(cooperative, name=f"Gạo {n}", publish=False) for n in range(3)]
    no_price = make_product(cooperative, name="Gạo chưa có giá", publish=False, tiers=[])
    foreign = make_product(other_cooperative, name="Của HTX khác", publish=False)
    outcome = services.product_publish_many(actor=owner, product_ids=[*(p.pk for p in ready), no_price.pk, foreign.pk])
    assert sorted(p.pk for p in outcome.published) == sorted(p.pk for p in ready)
    assert [name for name, _why in outcome.refused] == ["Gạo chưa có giá", str(foreign.pk)]
    assert Product.objects.get(pk=foreign.pk).status == ProductStatus.DRAFT
    assert Product.objects.filter(status=ProductStatus.PUBLISHED).count() == 3


def test_details_are_typed_and_nothing_is_parsed_by_the_service(cooperative):
    details = product_details(name="Gạo", moq="25", order_multiple=None)
    product = services.product_create(actor=actor_for(cooperative), details=details)
    assert product.order_multiple == Decimal(1)
    with pytest.raises(ValidationFailed):
        services.product_create(actor=actor_for(cooperative), details=replace(details, category_id=10**9))
