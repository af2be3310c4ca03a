"""One parser per list for its query parameters, the same on the API and the page: a bad or unknown value is
a 400 that names it (or a page that shows it next to the filters), never a 500 and never ignored."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from catalog.models import Product
from market.organisations.models import OrganisationKind, Role
from tests.catalog.factories import make_lot, make_product
from tests.factories import OrganisationFactory, member
from tests.module_data import rows_of_the_module

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
TWENTY_DIGITS = "12345678901234567890"


@pytest.fixture(scope="module")
def _catalogue(django_db_setup: None, django_db_blocker: Any) -> Iterator[Product]:
    """A cooperative's rice with a lot, made once for the module: its ~160 tests only read them."""
    with rows_of_the_module(django_db_blocker):
        OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")
        rice = make_product(OrganisationFactory(kind=OrganisationKind.COOPERATIVE), name="Gạo ST25 Tân Hiệp")
        make_lot(rice)
        yield rice


@pytest.fixture
def catalogue(_catalogue: Product) -> Product:
    """The module's rice, read afresh (the tests take its id and its cooperative)."""
    return Product.objects.select_related("cooperative").get(pk=_catalogue.pk)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/products/?price_min={HUGE}", "price_min"),
        (f"/api/v1/products/?price_max={HUGE}", "price_max"),
        (f"/api/v1/products/?cooperative={TWENTY_DIGITS}", "cooperative"),
        (f"/api/v1/products/facets/?cooperative={TWENTY_DIGITS}", "cooperative"),
        (f"/api/v1/products/facets/?price_min={HUGE}", "price_min"),
        (f"/api/v1/products/?province={TWENTY_DIGITS}", "province"),
        ("/api/v1/products/?sort=bogus", "sort"),
        ("/api/v1/products/?order=abc", "order"),
        ("/api/v1/products/facets/?order=abc", "order"),
        ("/api/v1/products/?in_stock=maybe", "in_stock"),
        ("/api/v1/products/?page_size=0", "page_size"),
        (f"/api/v1/products/?moq_max={HUGE}", "moq_max"),
        ("/api/v1/products/?search=" + "g" * 201, "search"),
    ],
)
def test_public_lists_answer_400_naming_the_parameter(catalogue, path, field):
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/lots/?product={TWENTY_DIGITS}", "product"),
        ("/api/v1/lots/?product=abc", "product"),
        ("/api/v1/lots/?status=eaten", "status"),
        ("/api/v1/lots/?order=abc", "order"),
        (f"/api/v1/certificates/?cooperative={TWENTY_DIGITS}", "cooperative"),
        ("/api/v1/certificates/?status=gold", "status"),
        ("/api/v1/my-products/?status=sold", "status"),
        ("/api/v1/my-products/?order=abc", "order"),
        ("/api/v1/catalogue-export/?type=pdf", "type"),
    ],
)
def test_a_cooperative_s_lists_answer_400_naming_the_parameter(catalogue, path, field):
    client = Client()
    client.force_login(member(catalogue.cooperative, Role.OWNER))
    response = client.get(path)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_a_price_quote_of_a_typo_is_a_400(catalogue):
    response = Client().get(f"/api/v1/products/{catalogue.pk}/price/?quantity=abc")
    assert response.status_code == 400
    assert "quantity" in response.json()["error"]["fields"]
    assert Client().get(f"/api/v1/products/{catalogue.pk}/price/?quantity=1500").json()["total"] == 43_500_000


def test_the_catalogue_page_shows_a_huge_price_as_an_error_not_a_500(catalogue):
    """/catalogue/?price_min=99999999999999999999999 answered 500 (an integer too large for the column)."""
    response = Client().get(f"/catalogue/?price_min={HUGE}", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    page = response.content.decode()
    assert "999.999.999.999" in page  # the bound, written the Vietnamese way
    assert "Gạo ST25 Tân Hiệp" in page  # the rest of the page still works
    assert HUGE in page  # what was typed stays in the box


# The filter form sends every field, the empty ones too.
EMPTY_FILTERS = "search=&category=&province=&certificate=&ocop_min=&price_min=&moq_max=&cooperative="


@pytest.mark.parametrize(
    "query",
    [
        "sort=bogus",
        "order=abc",
        f"cooperative={TWENTY_DIGITS}",
        "ocop_min=9",
        f"{EMPTY_FILTERS}&price_max={HUGE}&sort=price_asc",
    ],
)
def test_the_catalogue_page_shows_bad_parameters(catalogue, query):
    response = Client().get(f"/catalogue/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "Gạo ST25 Tân Hiệp" in response.content.decode()


def test_the_cooperative_s_pages_show_bad_parameters(cooperative):
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
    assert client.get("/my/products/?status=sold").status_code == 400
    assert client.get("/my/lots/?status=eaten").status_code == 400
    assert client.get("/my/products/?status=draft").status_code == 200


# --- the public list's plain reading (catalog.api.query) agrees with its schema ---------------------
PLAIN_QUERIES = [
    "",
    "page_size=24",
    "search=gao+st25&province=91&certificate=vietgap&page_size=24",
    "search=g%E1%BA%A1o",  # "gạo", composed
    "search=ga%CC%A3o",  # "gạo" with a combining dot: read NFC
    "search=+gao++&sort=relevance",
    "search=&province=&certificate=&in_stock=",
    "search=+++",
    "search=" + "g" * 200,
    "search=" + "g" * 201,
    "search=a%00b",
    "cursor=abc&page_size=100",
    "cursor=" + "c" * 501,
    "page_size=0",
    "page_size=101",
    "page_size=007",
    "page_size=1.000",
    "page_size=-1",
    "page_size=%D9%A3",  # an Arabic-Indic digit
    "ocop_min=3",
    "ocop_min=5",
    "ocop_min=2",
    "ocop_min=6",
    "price_min=25000&price_max=1000000",
    "price_min=0",
    "price_min=25k",
    "price_min=1.500.000",
    "price_max=999999999999",
    "price_max=1000000000000",
    f"price_min={HUGE}",
    "in_stock=1",
    "in_stock=0",
    "in_stock=true",
    "in_stock=yes",
    "in_stock=maybe",
    "in_stock=+1",
    "cooperative=12",
    "cooperative=+12+",
    "cooperative=0",
    f"cooperative={TWENTY_DIGITS}",
    "cooperative=abc",
    "province=91",
    "province=+91",
    "province=999",
    "province=An+Giang",
    "province=abc",
    f"province={TWENTY_DIGITS}",
    "certificate=vietgap",
    "certificate=VIETGAP",
    "certificate=gold",
    "sort=newest",
    "sort=price_asc",
    "sort=bogus",
    "category=1",
    "category=gao",
    "category=G%E1%BA%A1o",
    "category=nothing-such",
    "category=999999",
    "moq_max=10",
    "moq_max=1,5",
    f"moq_max={HUGE}",
    "order=abc",
    "order=abc&search=gao",
    "search=gao&search=nep",
    "page_size=24&page_size=12",
    "updated_since=2026-01-01T00:00:00Z",
]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("query", PLAIN_QUERIES)
def test_plain_reading_of_the_public_list_matches_the_schema(catalogue, query, language):
    """read_product_query gives what the schema gives: the same values, or the same error for each field."""
    from django.http import QueryDict
    from django.utils import translation

    from catalog import inputs
    from catalog.api.query import plain_values, read_product_query
    from market.core.errors import ValidationFailed

    params = QueryDict(query)
    with translation.override(language):
        try:
            expected: object = inputs.read_query(inputs.ProductQueryInput, params)
        except ValidationFailed as error:
            expected = error.fields
        try:
            found: object = read_product_query(params)
        except ValidationFailed as error:
            found = error.fields
    assert found == expected
    if plain_values(params) is not None:  # what was read plainly has the schema's types too
        assert {k: type(v) for k, v in found.items()} == {k: type(v) for k, v in expected.items()}  # type: ignore[union-attr]


def test_plainly_written_parameters_are_read_without_the_schema(catalogue):
    """The common queries take the plain reading (what makes it worth having)."""
    from django.http import QueryDict

    from catalog.api.query import plain_values

    for query in ("page_size=24", "search=gao+st25&province=91&certificate=vietgap&page_size=24", "in_stock=1"):
        assert plain_values(QueryDict(query)) is not None, query
