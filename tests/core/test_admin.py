"""The Django admin is the operator's back office: every model of ours is in it, and its pages open."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

OUR_APPS = ("core", "organisations", "payments", "notifications", "catalog", "orders", "linkage", "fairs")
MODELS = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_in_the_admin(model):
    assert admin.site.is_registered(model), f"register {model._meta.label} in its app's admin.py"


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_changelist_opens(model, django_user_model):
    superuser = django_user_model.objects.create_superuser("root@test.example", "pw-long-enough", full_name="Root")
    client = Client()
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
