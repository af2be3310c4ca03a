import pytest

from catalog import selectors
from tests.catalog.factories import make_certificate, make_lot, make_product

pytestmark = pytest.mark.django_db


def test_end_to_end(cooperative):
    product = make_product(cooperative)
    cert = make_certificate(cooperative)
    lot = make_lot(product, certificates=[cert])
    page = selectors.product_page(query=selectors.ProductQuery(search="gao st25"))
    assert [p.pk for p in page.products] == [product.pk]
    assert page.badges[product.pk][0].kind == "vietgap"
    quote = selectors.price_for_quantity(product=product, quantity="1050")
    assert quote.unit_price.amount == 29000
    facets = selectors.product_facets(query=selectors.ProductQuery())
    assert facets.total == 1
    view = selectors.trace_view(lot=lot)
    assert view.qr_url.endswith(f"/trace/{lot.public_id}/")
