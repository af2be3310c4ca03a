"""Fixtures of the orders tests: a buyer, two cooperatives with stocked products."""

from __future__ import annotations

import pytest
from django.utils import translation

from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.orders.factories import stocked_product


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def buying(buyer):
    """The buyer's owner acting for it."""
    return actor_for(buyer, Role.OWNER)


@pytest.fixture
def selling(cooperative):
    return actor_for(cooperative, Role.OWNER)


@pytest.fixture
def rice(cooperative):
    """ST25 rice in kg: MOQ 100, multiples of 50, 32.000 ₫ then 29.000 ₫ from 1 tấn; VAT 5 %; 5.000 kg in one lot."""
    return stocked_product(cooperative)


@pytest.fixture
def fish_sauce(other_cooperative):
    """Fish sauce by the bottle from another cooperative: MOQ 12, multiples of 12, 95.000 ₫; VAT 10 %."""
    return stocked_product(
        other_cooperative,
        name="Nước mắm Phú Quốc 40°N",
        unit="chai",
        moq="12",
        order_multiple="12",
        tiers=[("12", 95000)],
        vat_category="vat-10",
        category="nuoc-mam",
        quantity="600",
        code="NM-01",
    )
