"""Spreadsheet import (dry run, then all rows or none) and export, in CSV and XLSX."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from catalog import services, spreadsheets
from catalog.models import ImportBatch, Product
from market.core.errors import Conflict, NotFound, ValidationFailed
from tests.catalog.factories import actor_for, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = [
    "sku",
    "name_vi",
    "name_en",
    "category",
    "unit",
    "moq",
    "order_multiple",
    "vat_category",
    "tier_1_from",
    "tier_1_price",
    "tier_2_from",
    "tier_2_price",
]


def row(n: int) -> list[str]:
    return [
        f"SP-{n:04d}",
        f"Gạo thơm lô {n}",
        f"Fragrant rice {n}",
        "gao-thom",
        "kg",
        "100",
        "50",
        "vat-5",
        "100",
        str(30000 + n),
        "1000",
        str(28000 + n),
    ]


def csv_file(rows: list[list[str]], name: str = "products.csv", delimiter: str = ",") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode(), content_type="text/csv")


def xlsx_file(rows: list[list[object]]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("products.xlsx", out.getvalue())


def test_three_bad_rows_out_of_500_apply_nothing_and_are_listed(cooperative, coop_owner, api):
    rows = [row(n) for n in range(500)]
    rows[41][6] = "30"  # moq 100 is not a multiple of 30
    rows[250][9] = "ba mươi nghìn"  # not a price
    rows[499][3] = "khong-co"  # unknown category
    client = api(coop_owner)
    response = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["row_count"], body["error_count"]) == (500, 3)
    bad = {r["row"]: r["errors"] for r in body["rows"] if r["errors"]}
    assert sorted(bad) == [43, 252, 501]  # spreadsheet rows: the header is row 1
    assert any("multiple" in e for e in bad[43])
    assert any("ba mươi nghìn" in e for e in bad[252])
    assert any("category" in e and "khong-co" in e for e in bad[501])
    assert not Product.objects.exists()

    applied = client.post(f"/api/v1/catalogue-imports/{body['id']}/apply/")
    assert applied.status_code == 400
    assert sorted(applied.json()["error"]["fields"]) == ["row 252", "row 43", "row 501"]
    assert not Product.objects.exists()


def test_errors_are_in_the_reader_s_language(cooperative, coop_owner, api):
    rows = [row(1)]
    rows[0][4] = "thùng gỗ"
    client = api(coop_owner)
    english = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english["rows"][0]["errors"] == ["unit: Choose a unit from the list: “thùng gỗ” is not one."]
    vietnamese = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="vi"
    ).json()
    assert "Choose a unit" not in vietnamese["rows"][0]["errors"][0]
    assert "thùng gỗ" in vietnamese["rows"][0]["errors"][0]


def test_a_good_file_is_checked_then_applied_once(cooperative, coop_owner, api):
    client = api(coop_owner)
    preview = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file([row(1), row(2)], delimiter=";")}, format="multipart"
    ).json()
    assert preview["error_count"] == 0
    assert not Product.objects.exists()  # a dry run
    applied = client.post(f"/api/v1/catalogue-imports/{preview['id']}/apply/").json()
    assert (applied["created_count"], applied["updated_count"]) == (2, 0)
    product = Product.objects.get(sku="SP-0001")
    assert product.status == "draft"
    assert [(t.min_quantity, t.unit_price) for t in product.price_tiers.order_by("min_quantity")] == [
        (100, 30001),
        (1000, 28001),
    ]
    assert client.post(f"/api/v1/catalogue-imports/{preview['id']}/apply/").status_code == 409


def test_xlsx_numbers_and_vietnamese_headers(cooperative, coop_owner):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Mã sản phẩm",
            "Tên sản phẩm",
            "Danh mục",
            "Đơn vị",
            "Đặt hàng tối thiểu",
            "Thuế GTGT",
            "Bậc 1 từ",
            "Bậc 1 giá",
        ]
    )
    sheet.append(["TS-1", "Tiêu đen Phú Quốc", "Hồ tiêu", "kg", 20, "vat-5", 20, 185000.0])
    sheet.append(["TS-2", "Nước mắm 40 độ đạm", "nuoc-mam", "chai", 48.0, "vat-10", 48, "98.000 ₫"])
    out = io.BytesIO()
    workbook.save(out)
    with translation.override("vi"):  # a Vietnamese sheet, read by a Vietnamese page
        batch, results = services.import_preview(
            actor=actor_for(cooperative), upload=SimpleUploadedFile("x.xlsx", out.getvalue()), file_name="x.xlsx"
        )
        assert [r.errors for r in results] == [[], []]
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
    assert Product.objects.get(sku="TS-2").price_from == 98000
    assert Product.objects.get(sku="TS-1").category.slug == "ho-tieu"


def test_export_then_import_round_trips(cooperative, coop_owner, api):
    make_product(cooperative, sku="ST25", gtin="8935049500018")
    make_product(
        cooperative,
        sku="MO",
        name="Mật ong",
        category="mat-ong",
        moq="0.5",
        order_multiple="0.5",
        tiers=[("0.5", 300000), ("10", 280000)],
    )
    for fmt in ("csv", "xlsx"):
        exported = api(coop_owner).get(f"/api/v1/catalogue-export/?type={fmt}")
        assert exported.status_code == 200
        name = f"catalogue.{fmt}"
        batch, results = services.import_preview(
            actor=actor_for(cooperative), upload=SimpleUploadedFile(name, exported.content), file_name=name
        )
        assert [(r.action, r.errors) for r in results] == [("update", []), ("update", [])]
        before = list(Product.objects.order_by("pk").values())
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
        after = list(Product.objects.order_by("pk").values())
        assert [{k: v for k, v in p.items() if k != "updated_at"} for p in after] == [
            {k: v for k, v in p.items() if k != "updated_at"} for p in before
        ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 not really a zip", "x.xlsx", "could not be read"),
        (b"name_vi,unit\nGao,kg\n", "x.csv", "Missing columns"),
        (b"sku,name_vi,category,unit,moq\n", "x.csv", "no products"),
        (b"", "x.csv", "empty"),
    ],
)
def test_unreadable_files_say_why(cooperative, coop_owner, content, name, message):
    with pytest.raises(ValidationFailed) as error:
        services.import_preview(actor=actor_for(cooperative), upload=SimpleUploadedFile(name, content), file_name=name)
    assert message in " ".join([error.value.message, *error.value.fields.get("file", [])])
    assert not ImportBatch.objects.exists()


def test_duplicate_codes_in_one_file_are_errors(cooperative, coop_owner):
    batch, results = services.import_preview(
        actor=actor_for(cooperative), upload=csv_file([row(1), row(1)]), file_name="dup.csv"
    )
    assert results[0].errors == []
    assert "row 2" in results[1].errors[0] or "2" in results[1].errors[0]
    with pytest.raises(ValidationFailed):
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)


def test_another_cooperative_cannot_apply_my_file(cooperative, coop_owner, other_cooperative):
    batch, _rows = services.import_preview(actor=actor_for(cooperative), upload=csv_file([row(1)]), file_name="a.csv")
    with pytest.raises(NotFound):
        services.import_apply(actor=actor_for(other_cooperative), batch_id=batch.pk)
    assert not Product.objects.exists()
    services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
    with pytest.raises(Conflict):
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)


def test_headers_are_the_documented_columns():
    assert spreadsheets.HEADERS[:3] == ["sku", "name_vi", "name_en"]
    assert spreadsheets.HEADERS[-2:] == ["tier_5_from", "tier_5_price"]
