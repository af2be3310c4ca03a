"""One parser per list for its query parameters, the same on the API and the page: a bad or unknown value is
a 400 that names it (or a page that shows it next to the filters), never a 500 and never ignored."""

import pytest
from django.test import Client

from market.organisations.models import Role
from tests.catalog.factories import make_lot, make_product
from tests.factories import member

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
TWENTY_DIGITS = "12345678901234567890"


@pytest.fixture
def catalogue(cooperative, alliance):
    rice = make_product(cooperative, name="Gạo ST25 Tân Hiệp")
    make_lot(rice)
    return rice


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
def test_a_cooperative_s_lists_answer_400_naming_the_parameter(catalogue, cooperative, path, field):
    client = Client()
    client.force_login(member(cooperative, Role.OWNER))
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
