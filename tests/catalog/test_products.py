"""Products: validation, publishing rules, derived columns kept in step."""

from dataclasses import replace

import pytest

from catalog import selectors, services
from catalog.models import Product, ProductStatus
from catalog.selectors import ProductQuery
from market.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.organisations import services as organisation_services
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import Role, VerificationStatus
from tests.catalog.factories import actor_for, make_product
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BASE = {"category": "gao-thom", "name_vi": "Gạo ST25", "unit": "kg", "moq": "100", "vat_category": "vat-5"}


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
        ({"origin_province_code": 91, "origin_commune_code": 27004}, "origin_commune_code"),
    ],
)
def test_product_rules(cooperative, coop_owner, changes, field):
    with pytest.raises(ValidationFailed) as error:
        services.product_create(actor=actor_for(cooperative), data={**BASE, **changes})
    assert field in error.value.fields
    assert not Product.objects.exists()


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
        services.product_publish(actor=actor_for(pending), product=product)
    assert "verified" in error.value.message
    assert Product.objects.get(pk=product.pk).status == ProductStatus.DRAFT


def test_staff_role_prepares_but_does_not_publish(cooperative):
    product = make_product(cooperative, publish=False, actor=actor_for(cooperative, Role.STAFF))
    with pytest.raises(PermissionDenied):
        services.product_publish(actor=actor_for(cooperative, Role.STAFF), product=product)


def test_publishing_needs_a_price_and_follows_the_transitions(cooperative):
    product = make_product(cooperative, publish=False, tiers=[])
    owner = actor_for(cooperative)
    with pytest.raises(ValidationFailed):
        services.product_publish(actor=owner, product=product)
    with pytest.raises(Conflict):
        services.product_delist(actor=owner, product=product)
    services.product_price_tiers_set(actor=owner, product=product, tiers=[{"min_quantity": "100", "unit_price": 30000}])
    services.product_publish(actor=owner, product=product)
    with pytest.raises(Conflict):
        services.product_publish(actor=owner, product=product)
    services.product_delist(actor=owner, product=product)
    assert selectors.product_page(query=ProductQuery()).products == []
    services.product_publish(actor=owner, product=product)
    assert [p.pk for p in selectors.product_page(query=ProductQuery()).products] == [product.pk]


def test_another_cooperative_cannot_tell_the_product_exists(rice, other_cooperative):
    with pytest.raises(NotFound):
        services.product_update(actor=actor_for(other_cooperative), product=rice, data={"name_vi": "Của tôi"})
    with pytest.raises(NotFound):
        selectors.product_get_for(actor=actor_for(other_cooperative), product_id=rice.pk)


def test_alliance_staff_read_but_do_not_edit(rice, alliance):
    staff = actor_for(alliance, Role.STAFF)
    assert selectors.product_get_for(actor=staff, product_id=rice.pk) == rice
    with pytest.raises(PermissionDenied):
        services.product_update(actor=staff, product=rice, data={"name_vi": "Sửa"})


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
