"""Help where people need it: each dashboard links to its role's "how it works" page, empty lists say what to
do next, and a field's server-side errors are one element that the field names in aria-describedby."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import Client

from market.organisations.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("organisation", "role", "help_page"),
    [("buyer", Role.OWNER, "buyer"), ("cooperative", Role.OWNER, "cooperative"), ("alliance", Role.STAFF, "staff")],
)
def test_each_dashboard_links_to_its_roles_how_it_works(request, organisation, role, help_page):
    org = request.getfixturevalue(organisation)
    html = logged_in(member(org, role)).get("/dashboard/").content.decode()
    assert f'href="/help/{help_page}/"' in html
    assert (f'href="/cooperatives/{org.pk}/"' in html) == (help_page == "cooperative")  # its storefront
    page = Client().get(f"/help/{help_page}/", HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    assert "Cách sử dụng dành cho" in page.content.decode()


def test_an_unknown_role_has_no_help_page(client: Client):
    assert client.get("/help/admin/").status_code == 404


def test_empty_lists_say_what_to_do_next(buyer, cooperative):
    orders = logged_in(member(buyer)).get("/orders/").content.decode()
    assert "Chưa có đơn hàng nào." in orders
    assert 'class="button" href="/catalogue/"' in orders
    assert 'href="/quotations/"' in orders
    filtered = logged_in(member(buyer)).get("/orders/", {"search": "ML-0000"}).content.decode()
    assert "Không có đơn hàng nào khớp bộ lọc." in filtered
    seller = logged_in(member(cooperative))
    inbox = seller.get("/orders/").content.decode()  # the "new" tab
    assert "Không có việc nào đang chờ ở đây." in inbox
    assert 'href="?view=all"' in inbox
    products = seller.get("/my/products/").content.decode()
    assert "Chưa có sản phẩm nào." in products
    applications = seller.get("/fairs/applications/").content.decode()
    assert "Bạn chưa đăng ký gian hàng nào." in applications
    assert 'class="button" href="/fairs/"' in applications


class _Quantity(forms.Form):
    quantity = forms.CharField(help_text="kg")


def test_several_errors_of_a_field_are_one_described_element():
    form = _Quantity(data={"quantity": "1,500"})
    form.is_valid()
    form.add_error("quantity", "Viết 1.500 cho một nghìn năm trăm.")
    form.add_error("quantity", "Tối thiểu 100 kg.")
    html = render_to_string("frontend/partials/field.html", {"field": form["quantity"]})
    assert html.count('id="id_quantity_error"') == 1
    described = re.search(r'aria-describedby="([^"]+)"', html)
    assert described is not None
    assert described.group(1).split() == ["id_quantity_helptext", "id_quantity_error"]
    assert 'aria-invalid="true"' in html
