"""The back office's forms: built without Django's deprecation warnings (the suite's only four), and a website
typed without its scheme is read as https, as Django 6 will read it."""

import warnings

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils.deprecation import RemovedInDjango60Warning

from market.organisations.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_request():
    request = RequestFactory().get("/admin/")
    request.user = User(email="staff@example.vn", is_staff=True, is_superuser=True)
    return request


@pytest.mark.parametrize("model_admin", list(admin.site._registry.values()), ids=lambda a: str(a))
def test_every_add_form_is_built_without_a_deprecation_warning(model_admin, staff_request):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RemovedInDjango60Warning)
        form_class = model_admin.get_form(staff_request)
        form_class()


def test_a_website_typed_without_its_scheme_is_read_as_https(staff_request):
    from market.organisations.models import Organisation

    form_class = admin.site._registry[Organisation].get_form(staff_request, fields=["website"])
    form = form_class(data={"website": "htxluagao.vn"})
    form.is_valid()
    assert form.cleaned_data["website"] == "https://htxluagao.vn"
