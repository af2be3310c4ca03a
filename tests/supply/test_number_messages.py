"""Counts in the supply pages' messages are written as people write numbers: "1.000" in Vietnamese, never the
bare "1000". Each count below was shown bare before."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from catalog.supply import services
from catalog.supply.models import HouseholdImport, Intake
from market.core.errors import ValidationFailed
from tests.supply.conftest import record

pytestmark = pytest.mark.django_db

TEMPLATE = "frontend/supply/household_import.html"


def test_the_register_page_counts_its_rows_grouped(world):
    """The page's counts are the batch's: a thousand rows checked, none written here."""
    request = RequestFactory().get("/supply/households/import/", HTTP_ACCEPT_LANGUAGE="vi")
    request.user = world.owner.user
    batch = HouseholdImport(cooperative=world.cooperative, file_name="ho.csv", row_count=1000, error_count=1000)
    rows = [services.RowResult(row=2, code="TV-0001", name="", action="create", errors=["name: hãy ghi tên chủ hộ."])]
    with translation.override("vi"):
        html = render_to_string(TEMPLATE, {"batch": batch, "rows": rows}, request=request)
    assert "Số dòng bị lỗi: 1.000 trên 1.000." in html
    batch.error_count = 0
    with translation.override("vi"):
        assert "Số dòng sẵn sàng nhập: 1.000." in render_to_string(TEMPLATE, {"batch": batch, "rows": rows}, request)


def test_a_refused_register_counts_its_bad_rows_grouped(world):
    rows = [{"_row": str(n + 2), "code": f"TV-{n:04d}", "name": ""} for n in range(1000)]  # no household head
    batch = HouseholdImport.objects.create(cooperative=world.cooperative, file_name="ho.csv", rows=rows)
    with translation.override("vi"), pytest.raises(ValidationFailed) as refused:
        services.household_import_apply(actor=world.owner, import_id=batch.pk)
    assert refused.value.message.startswith("Có 1.000 dòng bị lỗi")


def test_a_lot_of_a_thousand_intakes_says_so_grouped(world):
    first = record(world, 0, "100")
    lot = services.lot_build_from_intakes(actor=world.staff, intakes=[first.pk], product=world.product.pk, code="L1")
    more = [Intake(**{f.attname: getattr(first, f.attname) for f in Intake._meta.concrete_fields if not f.primary_key})
            for _ in range(998)]  # fmt: skip
    for intake in more:
        intake.idempotency_key, intake.lot_id = None, lot.pk
    Intake.objects.bulk_create(more)
    latest = record(world, 1, "50")
    client = Client()
    client.force_login(world.owner.user)
    response = client.post(
        "/supply/intakes/", {"lot-intakes": [str(latest.pk)], "lot-lot": str(lot.pk)}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert response.status_code == 302
    [said] = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == "Lô L1 hiện gồm 1.000 lượt thu mua. Hãy kiểm tra rồi công bố."
