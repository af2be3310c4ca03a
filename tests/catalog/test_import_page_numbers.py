"""The product import page writes its counts and its example numbers as the reader writes numbers: "1.000" in
Vietnamese, "1,000" in English. The counts said 1000, and the English page showed the Vietnamese "1.000 kg"."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from catalog.models import ImportBatch
from catalog.services.imports import RowResult

pytestmark = pytest.mark.django_db

TEMPLATE = "frontend/catalog/manage/import.html"


def _page(coop_owner, language: str, **context) -> str:
    request = RequestFactory().get("/my/products/import/")
    request.user = coop_owner
    with translation.override(language):
        return render_to_string(TEMPLATE, context, request=request)


def test_the_checked_rows_are_counted_grouped(coop_owner):
    batch = ImportBatch(file_name="san-pham.xlsx")
    rows = [RowResult(row=n + 2, sku=f"SP-{n}", name="Gạo", action="create") for n in range(1000)]
    assert "Số dòng sẵn sàng nhập: 1.000." in _page(coop_owner, "vi", batch=batch, rows=rows, bad_rows=[])
    bad = [RowResult(row=2, sku="", name="Gạo", action="create", errors=["sku: thiếu mã."])]
    refused = _page(coop_owner, "vi", batch=batch, rows=rows, bad_rows=bad * 1000)
    assert "Số dòng bị lỗi: 1.000 trên 1.000." in refused
    assert "Rows ready to import: 1,000." in _page(coop_owner, "en", batch=batch, rows=rows, bad_rows=[])


def test_the_example_numbers_are_written_the_readers_way(coop_owner):
    assert "Ghi số như bạn vẫn viết: 1.000\u00a0kg, 25.000\u00a0₫, 0,5\u00a0tấn." in _page(coop_owner, "vi", rows=None)
    assert "Numbers as you write them: 1,000\u00a0kg, 25,000\u00a0₫, 0.5\u00a0tấn." in _page(
        coop_owner, "en", rows=None
    )
