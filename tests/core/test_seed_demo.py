"""`seed_demo` is idempotent: a second run leaves exactly the same data; every demo account logs in with the
printed password."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from market.core.demo import DEMO_PASSWORD
from market.core.models import AuditEvent
from market.organisations.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
OUR_APPS = ("core", "organisations", "payments", "notifications", "catalog", "orders", "linkage", "fairs")


def counts() -> dict[str, int]:
    models = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and m is not AuditEvent]
    return {m._meta.label: m.objects.count() for m in models}


def test_seed_demo_twice_gives_the_same_data():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    assert first["organisations.Organisation"] >= 15
    assert "chunhiem@htx-tanhiep.example" in out.getvalue()
    assert [u.email for u in User.objects.order_by("email") if not u.check_password(DEMO_PASSWORD)] == []
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
