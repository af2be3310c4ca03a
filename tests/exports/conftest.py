"""Fixtures of the exports tests: private files in a temporary folder, and two placed orders."""

from __future__ import annotations

import pytest

from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.orders.factories import place, stocked_product

# Text a stranger typed that a spreadsheet would run as a formula if written as is.
FORMULA = '=HYPERLINK("http://x.example","Bấm")'


@pytest.fixture(autouse=True)
def _files(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def buying(buyer):
    return actor_for(buyer, Role.OWNER)


@pytest.fixture
def placed(buying, cooperative, other_cooperative):
    """One checkout of the buyer: rice from one cooperative, fish sauce from another; a PO number that is a
    formula."""
    rice = stocked_product(cooperative)
    sauce = stocked_product(
        other_cooperative, name="Nước mắm Phú Quốc 40°N", unit="chai", moq="12", order_multiple="12",
        tiers=[("12", 95000)], vat_category="vat-10", category="nuoc-mam", quantity="600", code="NM-01",
    )  # fmt: skip
    checkout = place(buying, [(rice, "1000"), (sauce, "24")], po_number=FORMULA)
    return list(checkout.orders.order_by("pk"))
